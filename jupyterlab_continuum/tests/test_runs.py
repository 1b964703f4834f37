"""Workflows end to end: a real Jupyter server, the real orchestrator, a real Dask cluster with
an edge and a cloud worker process (shared by the module's tests, see conftest)."""

import asyncio
import json
import os
import re
import signal
import time

import pytest

from conftest import until
from jupyterlab_continuum.handlers import EventsHandler

pytestmark = pytest.mark.continuum_cluster

NODE_STATES_OF_A_CLEAN_RUN = ["pending", "queued", "running", "succeeded"]


def node(node_id, source, placement="edge", depends_on=(), **extra):
    return {
        "id": node_id,
        "source": source,
        "placement": placement,
        "depends_on": list(depends_on),
        **extra,
    }


def states(events, node_id):
    return [e["state"] for e in events if e["node_id"] == node_id and e["kind"] == "node"]


async def events_of(api, run_id):
    return (await api.ok("GET", f"runs/{run_id}/events"))["events"]


async def test_edge_cloud_edge_passes_values_between_workers(continuum_api):
    api = continuum_api
    await api.ready()
    spec = {
        "name": "edge-cloud-edge",
        "notebook": {"path": "work/train.ipynb"},
        "setup": ["import numpy as np"],
        "nodes": [
            node(
                "prep",
                "import os\n"
                "class Scaler:\n"
                "    def __init__(self, factor):\n"
                "        self.factor = factor\n"
                "data = np.arange(12, dtype=float).reshape(3, 4)\n"
                "scaler = Scaler(2.5)\n"
                "print('prepared', data.shape, 'in', os.getpid())",
            ),
            node(
                "train",
                "weights = data.mean(axis=0) * scaler.factor\nprint('trained')\nweights.sum()",
                "cloud",
                ["prep"],
            ),
            node(
                "evaluate",
                "import matplotlib.pyplot as plt\n"
                "score = float((data @ weights).sum())\n"
                "plt.plot(weights)\n"
                "print('score', score, type(scaler).__name__)",
                "edge",
                ["train"],
            ),
        ],
    }

    created = await api.submit(spec)
    assert created["state"] in ("pending", "running")
    run = await api.wait_run(created["id"])

    assert run["state"] == "succeeded", run
    assert run["notebook"] == {"path": "work/train.ipynb"}
    nodes = {n["id"]: n for n in run["nodes"]}
    for node_id, placement in [("prep", "edge"), ("train", "cloud"), ("evaluate", "edge")]:
        assert nodes[node_id]["state"] == "succeeded"
        assert nodes[node_id]["placement"] == placement
        assert nodes[node_id]["worker"].startswith(placement), nodes[node_id]
        assert nodes[node_id]["attempt"] == 1
        assert [a["state"] for a in nodes[node_id]["attempts"]] == ["succeeded"]

    prep = await api.ok("GET", f"runs/{run['id']}/nodes/prep/outputs")
    assert prep["outputs"][0]["text"].startswith("prepared (3, 4) in ")
    train = (await api.ok("GET", f"runs/{run['id']}/nodes/train/outputs"))["outputs"]
    assert train[0] == {"output_type": "stream", "name": "stdout", "text": "trained\n"}
    assert train[1]["output_type"] == "execute_result"
    assert "55.0" in train[1]["data"]["text/plain"]  # (4 + 5 + 6 + 7) * 2.5
    evaluate = (await api.ok("GET", f"runs/{run['id']}/nodes/evaluate/outputs"))["outputs"]
    assert evaluate[0]["text"].startswith("score ") and evaluate[0]["text"].endswith(" Scaler\n")
    figure = next(o for o in evaluate if o["output_type"] == "display_data")
    assert figure["data"]["image/png"].startswith("iVBOR")  # base64 of a PNG header

    events = await events_of(api, run["id"])
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(set(seqs))
    assert run["last_seq"] == seqs[-1]
    for node_id in nodes:
        assert states(events, node_id) == NODE_STATES_OF_A_CLEAN_RUN
    assert [e["state"] for e in events if e["kind"] == "run"] == [
        "pending",
        "running",
        "succeeded",
    ]
    first = events[0]
    assert set(first) == {
        "seq", "ts", "run_id", "node_id", "kind", "state", "attempt", "placement", "worker",
        "message",
    }  # fmt: skip
    # Outputs streamed as events while the node ran, before it succeeded.
    prep_events = [e for e in events if e["node_id"] == "prep"]
    assert [e["kind"] for e in prep_events][-2:] == ["output", "node"]

    listed = await api.ok("GET", "runs", params={"notebook": "work/train.ipynb"})
    assert [r["id"] for r in listed["runs"]] == [run["id"]]
    assert listed["runs"][0]["node_counts"] == {"succeeded": 3}


async def test_failed_node_skips_downstream_then_retry_with_fixed_source(continuum_api):
    api = continuum_api
    await api.ready()
    spec = {
        "name": "broken",
        "nodes": [
            node("load", "rows = [1, 2, 3]"),
            node("divide", "ratio = sum(rows) / 0", "cloud", ["load"]),
            node("report", "print('ratio', ratio)", "edge", ["divide"]),
        ],
    }
    run = await api.wait_run((await api.submit(spec))["id"])

    assert run["state"] == "failed"
    nodes = {n["id"]: n for n in run["nodes"]}
    assert nodes["load"]["state"] == "succeeded"
    divide = nodes["divide"]
    assert divide["state"] == "failed"
    assert divide["message"] == "ZeroDivisionError: division by zero"
    assert divide["error"]["ename"] == "ZeroDivisionError"
    traceback = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(divide["error"]["traceback"]))  # ANSI
    assert "ZeroDivisionError" in traceback and "sum(rows) / 0" in traceback
    assert nodes["report"]["state"] == "skipped"
    assert nodes["report"]["message"] == "upstream divide failed"
    outputs = (await api.ok("GET", f"runs/{run['id']}/nodes/divide/outputs"))["outputs"]
    assert outputs[-1]["output_type"] == "error"
    assert outputs[-1]["ename"] == "ZeroDivisionError"

    fixed = {"sources": {"divide": "ratio = sum(rows) / len(rows)"}}
    retried = await api.ok("POST", f"runs/{run['id']}/retry", fixed)
    assert retried["state"] == "running"
    run = await api.wait_run(run["id"])

    assert run["state"] == "succeeded", run
    nodes = {n["id"]: n for n in run["nodes"]}
    assert nodes["load"]["attempt"] == 1  # its result was reused, not computed again
    assert nodes["divide"]["attempt"] == 2
    assert [a["state"] for a in nodes["divide"]["attempts"]] == ["failed", "succeeded"]
    assert nodes["report"]["attempt"] == 1
    report = await api.ok("GET", f"runs/{run['id']}/nodes/report/outputs")
    assert report["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "ratio 2.0\n"}]
    # The first attempt's outputs stay available.
    first = await api.ok("GET", f"runs/{run['id']}/nodes/divide/outputs", params={"attempt": 1})
    assert first["outputs"][-1]["ename"] == "ZeroDivisionError"
    events = await events_of(api, run["id"])
    assert states(events, "load") == NODE_STATES_OF_A_CLEAN_RUN
    assert [e["state"] for e in events if e["kind"] == "run"] == [
        "pending", "running", "failed", "running", "succeeded",
    ]  # fmt: skip


async def test_retries_with_backoff_until_success(continuum_api, tmp_path):
    api = continuum_api
    await api.ready()
    marker = tmp_path / "failed-once"
    flaky = (
        "import pathlib\n"
        f"marker = pathlib.Path({str(marker)!r})\n"
        "if not marker.exists():\n"
        "    marker.touch()\n"
        "    raise RuntimeError('flaky')\n"
        "print('second time lucky')"
    )
    spec = {"name": "flaky", "nodes": [node("flaky", flaky, "cloud", retries=2)]}
    run = await api.wait_run((await api.submit(spec))["id"])

    assert run["state"] == "succeeded"
    (flaky_node,) = run["nodes"]
    assert flaky_node["attempt"] == 2
    assert [a["state"] for a in flaky_node["attempts"]] == ["failed", "succeeded"]
    assert states(await events_of(api, run["id"]), "flaky") == [
        "pending", "queued", "running", "retrying", "queued", "running", "succeeded",
    ]  # fmt: skip
    retrying = next(e for e in await events_of(api, run["id"]) if e["state"] == "retrying")
    assert retrying["message"] == "retry 2/3 in 0.2 s: RuntimeError: flaky"


async def test_a_retried_branch_joins_the_other_before_downstream_runs(continuum_api, tmp_path):
    api = continuum_api
    await api.ready()
    marker = tmp_path / "left-failed-once"
    spec = {
        "name": "diamond",
        "nodes": [
            node("root", "base = 10"),
            node(
                "left",
                f"import pathlib\nm = pathlib.Path({str(marker)!r})\n"
                "if not m.exists():\n    m.touch()\n    raise RuntimeError('once')\n"
                "left = base + 1",
                "cloud",
                ["root"],
                retries=1,
            ),
            node("right", "import time\ntime.sleep(0.5)\nright = base + 2", "edge", ["root"]),
            node("join", "print(left + right)", "edge", ["left", "right"]),
        ],
    }
    run = await api.wait_run((await api.submit(spec))["id"])

    assert run["state"] == "succeeded", run
    attempts = {n["id"]: n["attempt"] for n in run["nodes"]}
    assert attempts == {"root": 1, "left": 2, "right": 1, "join": 1}
    join = await api.ok("GET", f"runs/{run['id']}/nodes/join/outputs")
    assert join["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "23\n"}]


async def test_timeout_fails_the_node(continuum_api):
    api = continuum_api
    await api.ready()
    spec = {
        "name": "spin",
        "nodes": [
            node("spin", "while True:\n    pass", timeout_s=1),
            node("after", "print('never')", "cloud", ["spin"]),
        ],
    }
    run = await api.wait_run((await api.submit(spec))["id"], timeout=30)

    assert run["state"] == "failed"
    nodes = {n["id"]: n for n in run["nodes"]}
    assert nodes["spin"]["state"] == "failed"
    assert nodes["spin"]["message"] == "timed out after 1 s"
    assert nodes["after"]["state"] == "skipped"
    # The busy loop was interrupted, so the worker is free for the next node.
    quick = await api.submit({"name": "next", "nodes": [node("n", "1")]})
    assert (await api.wait_run(quick["id"]))["state"] == "succeeded"


async def test_cancel_stops_a_long_running_node(continuum_api):
    api = continuum_api
    await api.ready()
    spec = {
        "name": "sleepy",
        "nodes": [
            node("sleep", "import time\nprint('sleeping')\ntime.sleep(600)"),
            node("after", "print('never')", "cloud", ["sleep"]),
        ],
    }
    run = await api.submit(spec)
    await api.wait_node(run["id"], "sleep", ("running",))

    accepted = await api.ok("POST", f"runs/{run['id']}/cancel", expect=202)
    assert {n["id"]: n["state"] for n in accepted["nodes"]} == {
        "sleep": "cancelling",
        "after": "cancelled",
    }
    run = await api.wait_run(run["id"], timeout=20)  # sleep(600) does not stop: worker restart

    assert run["state"] == "cancelled"
    assert {n["id"]: n["state"] for n in run["nodes"]} == {
        "sleep": "cancelled",
        "after": "cancelled",
    }
    assert states(await events_of(api, run["id"]), "sleep") == [
        "pending", "queued", "running", "cancelling", "cancelled",
    ]  # fmt: skip
    status, error = await api.call("POST", f"runs/{run['id']}/cancel")
    assert (status, error["reason"]) == (409, "invalid_state")

    await api.ready()  # the edge worker is back, restarted by its Nanny
    fixed = {"sources": {"sleep": "print('awake')"}}
    await api.ok("POST", f"runs/{run['id']}/retry", fixed)
    run = await api.wait_run(run["id"])
    assert run["state"] == "succeeded"
    assert {n["id"]: n["attempt"] for n in run["nodes"]} == {"sleep": 2, "after": 1}


async def test_worker_killed_mid_node_is_an_error(continuum_api):
    api = continuum_api
    await api.ready()
    spec = {
        "name": "doomed",
        "nodes": [
            node("victim", "import os, time\nprint(os.getpid(), flush=True)\ntime.sleep(600)"),
            node("after", "print('never')", "cloud", ["victim"]),
        ],
    }
    run = await api.submit(spec)

    async def printed_pid():
        outputs = (await api.ok("GET", f"runs/{run['id']}/nodes/victim/outputs"))["outputs"]
        return int(outputs[0]["text"]) if outputs else None

    os.kill(await until(printed_pid, 60, "the node never printed its pid"), signal.SIGKILL)
    run = await api.wait_run(run["id"], timeout=30)

    assert run["state"] == "failed"
    nodes = {n["id"]: n for n in run["nodes"]}
    assert nodes["victim"]["state"] == "error"
    assert nodes["victim"]["message"].startswith("worker lost: edge-0"), nodes["victim"]
    assert nodes["after"]["state"] == "skipped"
    await api.ready()


async def test_unpicklable_value_is_an_error(continuum_api):
    api = continuum_api
    await api.ready()
    spec = {
        "name": "generator",
        "nodes": [
            node("make", "squares = (i * i for i in range(3))"),
            node("use", "print(list(squares))", "cloud", ["make"]),
        ],
    }
    run = await api.wait_run((await api.submit(spec))["id"])

    nodes = {n["id"]: n for n in run["nodes"]}
    assert nodes["make"]["state"] == "error"
    assert nodes["make"]["message"].startswith("cannot send 'squares' (generator) downstream")
    assert nodes["use"]["state"] == "skipped"


async def test_idempotent_submit_returns_the_same_run(continuum_api):
    api = continuum_api
    await api.ready()
    spec = {"name": "once", "nodes": [node("only", "print('hello')")]}
    headers = {"Idempotency-Key": "deploy-42"}

    first = await api.submit(spec, headers=headers)
    again = await api.submit(spec, headers=headers)

    assert again["id"] == first["id"]
    assert (await api.ok("GET", "runs"))["total"] == 1
    other = {"name": "other", "nodes": [node("only", "print('bye')")]}
    status, error = await api.call("POST", "runs", other, headers=headers)
    assert (status, error["reason"]) == (409, "idempotency_key_reused")
    await api.wait_run(first["id"])


async def test_event_stream_sends_every_event_once_in_order_through_bursts(
    continuum_api, continuum_service, jp_ws_fetch
):
    api = continuum_api
    await api.ready()
    run = await api.submit({"name": "quick", "nodes": [node("quick", "x = 1")]})
    await api.wait_run(run["id"])
    after = (await api.run(run["id"]))["last_seq"]
    params = {"run_id": run["id"], "after_seq": after}
    ws = await jp_ws_fetch("continuum", "api", "v1", "events", params=params)

    # Each burst is one commit, sent as one batch; one larger than MAX_PENDING overflows and
    # is caught up from the store. Another run's events, interleaved, are filtered out.
    bursts = [1, 50, EventsHandler.MAX_PENDING + 1, 3]
    messages = []
    for size in bursts:
        for _ in range(size):
            for run_id in (run["id"], "another-run"):
                message = f"event {len(messages)}"
                event = {
                    "run_id": run_id, "node_id": "quick", "ts": time.time(), "kind": "node",
                    "state": "running", "attempt": 1, "placement": "edge", "worker": None,
                    "message": message,
                }  # fmt: skip
                continuum_service._publish(event)
                messages.append(message)
        await asyncio.sleep(0.01)

    received = []
    while len(received) < sum(bursts):
        batch = json.loads(await ws.read_message())
        assert isinstance(batch, list) and batch
        received += batch
    ws.close()
    assert [e["message"] for e in received] == messages[::2]
    stored = await api.ok("GET", f"runs/{run['id']}/events", params={"after_seq": after})
    assert received == stored["events"]


async def test_event_stream_resumes_after_a_dropped_connection(continuum_api, jp_ws_fetch):
    api = continuum_api
    await api.ready()
    chatty = "import time\nfor i in range(30):\n    print(i, flush=True)\n    time.sleep(0.05)"
    run = await api.submit({"name": "chatty", "nodes": [node("chatty", chatty)]})

    received = []
    ws = await jp_ws_fetch("continuum", "api", "v1", "events", params={"run_id": run["id"]})
    while len(received) < 6:  # a few batches in, mid-run
        received += json.loads(await ws.read_message())
    ws.close()

    ws = await jp_ws_fetch(
        "continuum",
        "api",
        "v1",
        "events",
        params={"run_id": run["id"], "after_seq": received[-1]["seq"]},
    )
    while not (received[-1]["kind"] == "run" and received[-1]["state"] in api.TERMINAL):
        message = await ws.read_message()
        assert message is not None, "the stream closed before the run finished"
        batch = json.loads(message)
        assert isinstance(batch, list) and batch
        received += batch
    ws.close()

    stored = await events_of(api, run["id"])
    assert [e["seq"] for e in received] == [e["seq"] for e in stored]
    assert received == stored
    text = "".join(e["output"]["text"] for e in stored if e["kind"] == "output")
    assert text == "".join(f"{i}\n" for i in range(30))
