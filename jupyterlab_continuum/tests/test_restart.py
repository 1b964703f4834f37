"""An orchestrator restart: history intact, interrupted runs marked so and retryable."""

import sqlite3

import psutil
import pytest

from conftest import until
from jupyterlab_continuum.orchestrator.errors import Conflict
from jupyterlab_continuum.orchestrator.service import INTERRUPTED, ContinuumService
from jupyterlab_continuum.orchestrator.store import Store


def workflow(name, *nodes):
    return {"name": name, "nodes": list(nodes)}


def node(node_id, source, placement="edge", depends_on=()):
    return {"id": node_id, "source": source, "placement": placement, "depends_on": list(depends_on)}


async def finished(service, run_id, timeout=60):
    async def done():
        run = service.get_run(run_id)
        return run if run["state"] in ("succeeded", "failed", "cancelled") else None

    return await until(done, timeout, f"run {run_id} did not finish")


async def test_a_restarted_orchestrator_keeps_history_and_retries_interrupted_runs(
    tmp_path, dask_cluster
):
    db_path = tmp_path / "continuum.db"
    # The first orchestrator has its own embedded cluster, which dies with it, as in a crash.
    first = ContinuumService(db_path, edge_workers=1, cloud_workers=1, threads_per_worker=1)
    first.start_in_background()
    await first.engine.wait_running(120)
    assert first.engine.status == "running", first.engine.error
    for worker_process in psutil.Process().children(recursive=True):
        for connection in worker_process.net_connections(kind="inet"):
            if connection.status == psutil.CONN_LISTEN:
                assert connection.laddr.ip == "127.0.0.1", connection  # loopback only
    done, _ = await first.submit(workflow("done", node("hello", "print('hello')")))
    await finished(first, done["id"])
    slow, _ = await first.submit(
        workflow(
            "interrupted",
            node("prep", "values = [1, 2, 3]"),
            node("wait", "import time\ntime.sleep(600)\ntotal = sum(values)", "cloud", ["prep"]),
            node("report", "print('total', total)", "edge", ["wait"]),
        )
    )

    async def waiting():
        return first.get_run(slow["id"])["nodes"][1]["state"] == "running"

    await until(waiting, 60, "the slow node never ran")
    # Another orchestrator on the same database leaves the live one's runs alone.
    neighbour = ContinuumService(db_path, scheduler_address=dask_cluster.scheduler_address)
    assert neighbour.get_run(slow["id"])["state"] == "running"
    with pytest.raises(Conflict) as refused:
        neighbour.cancel(slow["id"])
    assert refused.value.code == "owned_elsewhere"
    await neighbour.stop()

    history = first.events(slow["id"], 0)["events"]
    await first.stop()

    second = ContinuumService(db_path, scheduler_address=dask_cluster.scheduler_address)
    try:
        second.start_in_background()
        await second.engine.wait_running(60)

        assert second.get_run(done["id"])["state"] == "succeeded"
        assert second.node_outputs(done["id"], "hello", None)["outputs"] == [
            {"output_type": "stream", "name": "stdout", "text": "hello\n"}
        ]
        run = second.get_run(slow["id"])
        assert (run["state"], run["message"]) == ("failed", INTERRUPTED)
        nodes = {n["id"]: n for n in run["nodes"]}
        assert nodes["prep"]["state"] == "succeeded"
        assert (nodes["wait"]["state"], nodes["wait"]["message"]) == ("error", INTERRUPTED)
        assert nodes["wait"]["attempts"][-1]["state"] == "error"
        assert (nodes["report"]["state"], nodes["report"]["message"]) == ("error", INTERRUPTED)
        events = second.events(slow["id"], 0)["events"]
        assert events[: len(history)] == history  # nothing lost, then the marking
        assert [e["seq"] for e in events] == sorted({e["seq"] for e in events})

        # The values of prep died with the first cluster: the retry runs it again.
        await second.retry(slow["id"], None, {"wait": "total = sum(values)"})
        run = await finished(second, slow["id"])
        assert run["state"] == "succeeded", run
        nodes = {n["id"]: n for n in run["nodes"]}
        assert nodes["prep"]["attempt"] == 2 and nodes["wait"]["attempt"] == 2
        report = second.node_outputs(slow["id"], "report", None)["outputs"]
        assert report == [{"output_type": "stream", "name": "stdout", "text": "total 6\n"}]
    finally:
        await second.stop()


def test_store_keeps_seq_increasing_and_large_outputs_in_files(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    run = {
        "id": "r1", "name": "n", "spec": {"nodes": []}, "spec_hash": "h", "state": "pending",
        "created": 1.0,
    }  # fmt: skip
    event = {
        "run_id": "r1", "node_id": None, "ts": 1.0, "kind": "run", "state": "pending",
        "attempt": None, "placement": None, "worker": None, "message": None,
    }  # fmt: skip
    (first,) = store.create_run(run, [], [event])
    big = {"output_type": "stream", "name": "stdout", "text": "x" * 200_000}
    second = store.record({**event, "kind": "output", "output": big})
    assert second["seq"] > first["seq"]
    assert list((store.outputs_dir / "r1").iterdir())  # the large output went to a file
    assert store.events("r1", first["seq"]) == [second]
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    store.delete_run("r1")
    assert store.get_run("r1") is None and store.events(None, 0) == []
    assert not (store.outputs_dir / "r1").exists()
    store.create_run({**run, "id": "r2"}, [], [{**event, "run_id": "r2"}])
    assert store.events(None, 0)[0]["seq"] > second["seq"]  # seq never reused
    store.close()


def test_a_history_of_another_schema_is_refused_and_left_intact(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE runs (id TEXT PRIMARY KEY)")
    db.execute("INSERT INTO runs VALUES ('r-old')")
    db.commit()
    db.close()

    with pytest.raises(RuntimeError, match="schema version 0"):
        Store(path)

    db = sqlite3.connect(path)
    assert db.execute("SELECT id FROM runs").fetchall() == [("r-old",)]
    db.close()
