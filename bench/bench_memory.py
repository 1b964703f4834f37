"""8. Memory (server side; the browser heap is measured with the canvas, bench_canvas.py).

- Idle: resident memory of JupyterLab's server with jupyterlab-continuum, its embedded
  orchestrator and default pools (the server process and every process it started: the Dask
  nannies and workers), against the same server without the extension. Target ≤ +500 MB.
- Growth: the orchestrator's process (the Jupyter server, where the embedded scheduler lives
  too) before and after 1,000 small runs through the REST API, against 1,000 small tasks
  submitted to the same cluster with a raw Dask client. Target ≤ 50 MB: nothing leaks.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics

import psutil
from common import (
    API,
    JupyterServer,
    Result,
    Side,
    Target,
    abba,
    log,
    main,
    node,
    rss_bytes,
    started,
)

IDLE_PAIRS = int(os.environ.get("BENCH_MEMORY_IDLE_PAIRS", "2"))
GROWTH_PAIRS = int(os.environ.get("BENCH_MEMORY_GROWTH_PAIRS", "2"))
RUNS = 1000
CONCURRENCY = 8
SETTLE_S = 5
MB = 2**20


async def idle_sample(extension: bool) -> dict[str, float]:
    server = JupyterServer(
        name="idle-on" if extension else "idle-off", lab=True, extension=extension
    )
    async with started(server):
        await asyncio.sleep(SETTLE_S)
        memory = rss_bytes(server.pids())
    return {
        "rss_mb": memory["rss"] / MB,
        "pss_mb": memory["pss"] / MB,
        "processes": memory["processes"],
    }


async def measure_idle(result: Result) -> None:
    samples: dict[str, list[dict[str, float]]] = {"baseline": [], "subject": []}
    for turn in abba(IDLE_PAIRS):
        sample = await idle_sample(extension=turn == "subject")
        samples[turn].append(sample)
        log(f"  idle {turn:8} {sample['rss_mb']:.0f} MB in {sample['processes']} processes")
    base = [s["rss_mb"] for s in samples["baseline"]]
    subj = [s["rss_mb"] for s in samples["subject"]]
    delta = statistics.median(subj) - statistics.median(base)
    result.row(
        "idle",
        "Server RSS, idle: JupyterLab + orchestrator + default pools, processes included",
        "MB",
        Side("JupyterLab server without the extension", base),
        Side("with jupyterlab-continuum (embedded cluster)", subj),
        targets=[Target("≤ +500 MB in all", "<=", 500, delta, "MB")],
        extra={"samples": samples, "delta_mb": delta},
        note="RSS summed over the processes (shared pages counted in each); PSS in extra.",
    )


class Runs:
    """Small runs through the REST API, a few at a time, each awaited to its end."""

    def __init__(self, server: JupyterServer, ws):
        self.server = server
        self.ws = ws
        self.finished: dict[str, asyncio.Future] = {}
        self.reader = asyncio.ensure_future(self._read())

    def _waiter(self, run_id: str) -> asyncio.Future:
        if run_id not in self.finished:
            self.finished[run_id] = asyncio.get_running_loop().create_future()
        return self.finished[run_id]

    async def _read(self) -> None:
        while True:
            message = await self.ws.read_message()
            if message is None:
                return
            for event in json.loads(message):
                if event["kind"] == "run" and event["state"] in ("succeeded", "failed"):
                    waiter = self._waiter(event["run_id"])
                    if not waiter.done():
                        waiter.set_result(event["state"])

    async def one(self, i: int) -> None:
        spec = {
            "name": "bench-small",
            "nodes": [node("n", f"x = {i}", "edge" if i % 2 else "cloud")],
        }
        created = await self.server.ok("POST", f"{API}/runs", spec, expect=201)
        state = await self._waiter(created["id"])
        self.finished.pop(created["id"], None)
        if state != "succeeded":
            raise RuntimeError(f"small run {created['id']} {state}")

    async def many(self, count: int) -> None:
        await _bounded(count, self.one)


def _small(i):
    return i


async def _bounded(count: int, one) -> None:
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def guarded(i: int) -> None:
        async with semaphore:
            await one(i)

    await asyncio.gather(*(guarded(i) for i in range(count)))


async def measure_growth(result: Result) -> None:
    from distributed import Client

    server = JupyterServer(name="growth")
    async with started(server):
        process = psutil.Process(server.process.pid)
        health = await server.ok("GET", f"{API}/health")
        client = await Client(
            health["engine"]["scheduler_address"], asynchronous=True, set_as_default=False
        )
        ws = await server.websocket(f"{API}/events")
        runs = Runs(server, ws)

        async def raw_one(i: int) -> None:
            future = client.submit(
                _small, i, resources={"edge" if i % 2 else "cloud": 1}, pure=False
            )
            assert await future == i

        async def raw_many(count: int) -> None:
            await _bounded(count, raw_one)

        def rss() -> float:
            return process.memory_info().rss / MB

        log("growth: warm-up (100 runs, 100 raw tasks)")
        await runs.many(100)
        await raw_many(100)
        samples: dict[str, list[float]] = {"baseline": [], "subject": []}
        timeline = []
        for turn in abba(GROWTH_PAIRS):
            await asyncio.sleep(1)
            before = rss()
            began = asyncio.get_running_loop().time()
            await (raw_many if turn == "baseline" else runs.many)(RUNS)
            await asyncio.sleep(2)
            after = rss()
            seconds = asyncio.get_running_loop().time() - began
            samples[turn].append(after - before)
            timeline.append({"turn": turn, "before_mb": before, "after_mb": after, "s": seconds})
            log(f"  {turn:8} {RUNS} in {seconds:.0f} s: {before:.0f} → {after:.0f} MB")
        workers_mb = rss_bytes(server.pids()[1:])["rss"] / MB
        ws.close()
        runs.reader.cancel()
        await client.close()
    growth = max(samples["subject"])
    result.row(
        "growth",
        f"Orchestrator process RSS growth over {RUNS:,} small runs",
        "MB",
        Side(f"{RUNS:,} small tasks, raw Dask client, same cluster", samples["baseline"]),
        Side(f"{RUNS:,} one-node runs through the REST API", samples["subject"]),
        targets=[Target("≤ 50 MB (the largest growth)", "<=", 50, growth, "MB")],
        extra={"timeline": timeline, "workers_rss_mb_at_end": workers_mb},
        note=f"{CONCURRENCY} runs in flight at a time; the server process holds the "
        "orchestrator and the embedded scheduler. A ratio of growths is noisy near zero.",
    )


async def run() -> Result:
    result = Result("memory", "8. Memory")
    log(f"idle: {IDLE_PAIRS} pairs of server starts (without / with the extension)")
    await measure_idle(result)
    log(f"growth: {GROWTH_PAIRS} pairs of {RUNS} (raw Dask / REST API)")
    await measure_growth(result)
    return result


if __name__ == "__main__":
    main(run)
