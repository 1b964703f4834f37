"""1. Engine overhead: a workflow through the REST API vs the same graph with a raw Dask client.

A 200-node chain and a 1,000-node fan-out/fan-in, nodes on edge and cloud, run on the
server's embedded cluster (its default pools). The baseline submits the same graph, the same
placements (Dask resources) and the same values along the edges, with a Dask client of its
own on that very cluster. Subject: from ``POST /runs`` to the run's final event on the event
WebSocket. Baseline: from the first ``submit`` to the last result.

A third variant, a diagnostic, runs our executor (``run_node``) through a raw client: it
splits the overhead between what runs on the workers and what the orchestrator adds.
"""

from __future__ import annotations

import os
import statistics
import time
import uuid

from common import (
    API,
    CpuMeter,
    JupyterServer,
    Result,
    Side,
    Target,
    X,
    alternate,
    log,
    main,
    node,
    run_to_completion,
    started,
)

PAIRS = int(os.environ.get("BENCH_ENGINE_PAIRS", "5"))
CHAIN = 200
FAN = 1000  # nodes in all: a root, FAN - 2 branches, a sink


def placement(i: int) -> str:
    return "edge" if i % 2 == 0 else "cloud"


def chain_spec() -> dict:
    nodes = [node("c0", "v0 = 0", "edge")]
    for i in range(1, CHAIN):
        nodes.append(node(f"c{i}", f"v{i} = v{i - 1} + 1", placement(i), [f"c{i - 1}"]))
    return {"name": "bench-chain", "nodes": nodes}


def fan_spec() -> dict:
    width = FAN - 2
    nodes = [node("root", "seed = 1", "edge")]
    for i in range(width):
        nodes.append(node(f"b{i}", f"y{i} = seed + {i}", placement(i), ["root"]))
    values = ", ".join(f"y{i}" for i in range(width))  # a flat list: no deep expression
    nodes.append(node("sink", f"total = sum([{values}])", "cloud", [f"b{i}" for i in range(width)]))
    return {"name": "bench-fan", "nodes": nodes}


# The baseline's tasks: the same values along the same edges.


def _zero():
    return 0


def _step(previous):
    return previous + 1


def _seed():
    return 1


def _branch(seed, i):
    return seed + i


def _sink(*values):
    return sum(values)


async def raw_chain(client) -> float:
    tag = uuid.uuid4().hex[:8]
    started = time.perf_counter()
    futures = [client.submit(_zero, key=f"raw-{tag}-0", resources={"edge": 1})]
    for i in range(1, CHAIN):
        futures.append(
            client.submit(_step, futures[-1], key=f"raw-{tag}-{i}", resources={placement(i): 1})
        )
    value = await futures[-1]
    elapsed = time.perf_counter() - started
    assert value == CHAIN - 1, value
    del futures
    return elapsed


async def raw_fan(client) -> float:
    tag = uuid.uuid4().hex[:8]
    width = FAN - 2
    started = time.perf_counter()
    root = client.submit(_seed, key=f"raw-{tag}-root", resources={"edge": 1})
    branches = [
        client.submit(_branch, root, i, key=f"raw-{tag}-{i}", resources={placement(i): 1})
        for i in range(width)
    ]
    sink = client.submit(_sink, *branches, key=f"raw-{tag}-sink", resources={"cloud": 1})
    value = await sink
    elapsed = time.perf_counter() - started
    assert value == sum(1 + i for i in range(width)), value
    del root, branches, sink
    return elapsed


async def executor_via_raw_dask(client, spec: dict) -> float:
    """The diagnostic: our executor on the workers, submitted by a raw client (no service)."""
    from jupyterlab_continuum.executor import run_node
    from jupyterlab_continuum.orchestrator.dataflow import plan_dataflow
    from jupyterlab_continuum.orchestrator.validation import normalize

    spec = normalize(spec)
    flow = plan_dataflow(spec)
    tag = uuid.uuid4().hex[:8]
    started = time.perf_counter()
    futures: dict[str, object] = {}
    for n in spec["nodes"]:
        key = f"exec-{tag}-{n['id']}"
        task = {
            "key": key,
            "run_id": tag,
            "node_id": n["id"],
            "attempt": 1,
            "setup": [],
            "source": n["source"],
            "imports": flow[n["id"]].imports,
            "exports": sorted(flow[n["id"]].exports),
        }
        upstream = [futures[d] for d in dict.fromkeys([*n["depends_on"]])]
        futures[n["id"]] = client.submit(
            run_node, task, *upstream, key=key, resources={n["placement"]: 1}, retries=0
        )
    await futures[spec["nodes"][-1]["id"]]
    elapsed = time.perf_counter() - started
    futures.clear()
    return elapsed


async def measure(server: JupyterServer, result: Result) -> None:
    from distributed import Client

    meter = CpuMeter(server)
    health = await server.ok("GET", f"{API}/health")
    address = health["engine"]["scheduler_address"]
    client = await Client(address, asynchronous=True, name="bench-raw", set_as_default=False)
    ws = await server.websocket(f"{API}/events")
    try:
        for label, spec, raw, nodes in (
            (f"{CHAIN}-node chain", chain_spec(), raw_chain, CHAIN),
            (f"{FAN}-node fan-out/fan-in", fan_spec(), raw_fan, FAN),
        ):
            cpu: dict[str, list[dict[str, float]]] = {"baseline": [], "subject": [], "executor": []}

            async def ours(spec=spec, cpu=cpu) -> float:
                meter.start()
                seconds, event = await run_to_completion(server, ws, spec)
                cpu["subject"].append(meter.stop())
                if event["state"] != "succeeded":
                    run = await server.ok("GET", f"{API}/runs/{event['run_id']}")
                    bad = [(n["id"], n["message"]) for n in run["nodes"]]
                    bad = [b for b in bad if b[1] and not b[1].startswith("done")]
                    raise RuntimeError(f"{spec['name']} {event['state']}: {bad[:3]}")
                return seconds

            async def baseline(raw=raw, cpu=cpu) -> float:
                meter.start()
                seconds = await raw(client)
                cpu["baseline"].append(meter.stop())
                return seconds

            log(f"{label}: warm-up")
            await ours()
            await baseline()
            for samples in cpu.values():
                samples.clear()
            log(f"{label}: {PAIRS} pairs (raw Dask / REST API)")
            base, subj = await alternate(PAIRS, baseline, ours, log)
            # The diagnostic, after the pairs (it is not compared with anything in the run).
            diag = []
            for _ in range(3):
                meter.start()
                diag.append(await executor_via_raw_dask(client, spec))
                cpu["executor"].append(meter.stop())
            log(f"  executor via raw Dask: {[round(d, 3) for d in diag]}")
            b_med = statistics.median(base)
            s_med = statistics.median(subj)
            per_node_ms = (s_med - b_med) / nodes * 1000
            cpu_ms = {
                variant: {
                    where: round(statistics.median(s[where] for s in samples) / nodes * 1000, 3)
                    for where in samples[0]
                }
                for variant, samples in cpu.items()
            }
            log(f"  CPU ms per node (median): {cpu_ms}")
            c = cpu_ms
            cause = (
                f"CPU per node in this run (median): the server process (where the embedded "
                f"scheduler runs too) {c['subject']['server']} ms for ours against "
                f"{c['baseline']['server']} ms for the raw client's graph; the workers "
                f"{c['subject']['workers']} against {c['baseline']['workers']} ms; our executor "
                f"alone through a raw client: {statistics.median(diag):.2f} s for the graph. "
                "On 2 shared cores that CPU is wall time, and the server process also runs the "
                "embedded Dask scheduler. Fixed here: the run's nodes go to Dask as one graph "
                "(was one submit each), the spec is checked by a compiled validator first, "
                "events are encoded once and committed at most every 5 ms while they keep "
                "coming, a fan-in's readiness is counted, a future's end is awaited without "
                "as_completed. What remains: 3 state changes per node, each stored before it "
                "is sent (DESIGN §3.4), competing with the scheduler's messages in one process; "
                "on the workers Dask handles our larger task and result payloads (running a "
                "node's code itself takes about 50 µs)."
            )
            row_id = "chain" if "chain" in label else "fan"
            result.row(
                row_id,
                f"Engine overhead: {label}, edge+cloud, wall time",
                "s",
                Side("raw Dask client, same cluster", base),
                Side("REST API → final run event", subj),
                targets=[
                    Target(f"≤ 1.10{X} wall time", "<=", 1.10, s_med / b_med, X),
                    Target("≤ +0.5 ms per node", "<=", 0.5, per_node_ms, "ms/node"),
                ],
                cause=cause,
                extra={
                    "nodes": nodes,
                    "overhead_ms_per_node": per_node_ms,
                    "diagnostic_executor_via_raw_dask_s": diag,
                    "cpu_s": cpu,
                    "cpu_ms_per_node_median": cpu_ms,
                },
            )
    finally:
        ws.close()
        await client.close()


async def run() -> Result:
    result = Result("engine", "1. Engine overhead")
    server = JupyterServer(name="engine")
    async with started(server):
        await measure(server, result)
    result.notes.append(
        "Embedded cluster with its default pools (1 edge + 1 cloud Nanny worker, "
        "2 threads each); nodes alternate edge/cloud, so every chain hop crosses placements. "
        "extra.diagnostic_executor_via_raw_dask_s: our executor submitted by a raw client."
    )
    return result


if __name__ == "__main__":
    main(run)
