"""An orchestrator restart: history intact, interrupted runs marked so and retryable."""

import json
import sqlite3
from pathlib import Path

import psutil
import pytest

from conftest import until
from jupyterlab_continuum.orchestrator.errors import Conflict
from jupyterlab_continuum.orchestrator.service import INTERRUPTED, ContinuumService
from jupyterlab_continuum.orchestrator.store import (
    _BODY_FIELDS,
    SCHEMA_VERSION,
    Store,
    _encode,
    _event_body,
)


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
    ((first, _, _),) = store.create_run(run, [], [event])
    big = {"output_type": "stream", "name": "stdout", "text": "x" * 200_000}
    second, run_id, text = store.record({**event, "kind": "output", "output": big})
    assert second > first and run_id == "r1"
    assert list((store.outputs_dir / "r1").iterdir())  # the large output went to a file
    # Read back as it was sent: the same text, the contract's event.
    assert store.stored_events("r1", first) == [(second, "r1", text)]
    assert store.events("r1", first) == [{"seq": second, **event, "kind": "output", "output": big}]
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    store.delete_run("r1")
    assert store.get_run("r1") is None and store.events(None, 0) == []
    assert not (store.outputs_dir / "r1").exists()
    store.create_run({**run, "id": "r2"}, [], [{**event, "run_id": "r2"}])
    assert store.events(None, 0)[0]["seq"] > second  # seq never reused
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


def test_a_history_of_schema_1_is_migrated_with_its_events_intact(tmp_path):
    path = tmp_path / "v1.db"
    event = {
        "run_id": "r1", "node_id": "a", "ts": 1.5, "kind": "node", "state": "queued",
        "attempt": 1, "placement": "edge", "worker": None, "message": "queued on édge",
    }  # fmt: skip
    output = {"output_type": "stream", "name": "stdout", "text": "hi\n"}
    db = sqlite3.connect(path)
    db.executescript((Path(__file__).parent / "schemas" / "runs-v1.sql").read_text())
    db.execute(
        "INSERT INTO runs (id, name, spec, spec_hash, state, created) "
        "VALUES ('r1', 'n', '{}', 'h', 'succeeded', 1.0)"
    )
    db.execute(
        "INSERT INTO events (run_id, node_id, ts, kind, state, attempt, placement, message) "
        "VALUES ('r1', 'a', 1.5, 'node', 'queued', 1, 'edge', 'queued on édge')"
    )
    db.execute(
        "INSERT INTO events (run_id, node_id, ts, kind, state, attempt, placement, output) "
        "VALUES ('r1', 'a', 1.5, 'output', 'running', 1, 'edge', ?)",
        (json.dumps(output),),
    )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()

    store = Store(path)
    assert store._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    # As version 1 read them, and as new events are sent: the same text, seq first.
    expected = [
        {"seq": 1, **event},
        {**event, "seq": 2, "kind": "output", "state": "running", "message": None},
    ]
    expected[1]["output"] = output
    assert store.events("r1", 0) == expected
    assert [json.loads(text) for _, _, text in store.stored_events(None, 0)] == expected
    (seq, _, text) = store.record({**event, "state": "running"})
    assert seq == 3 and json.loads(text) == {"seq": 3, **event, "state": "running"}
    assert store.stored_events("r1", 2)[0][2] == text
    store.close()


@pytest.mark.parametrize(
    "value",
    [
        {"message": 'é \u2028 "q" \\ \n \ud800', "ts": 1.25, "attempt": None, "ok": True},
        {"a": [1, 2.5, float("nan"), float("inf"), {"b": []}]},
        [],
        "text",
    ],
)
def test_events_are_encoded_as_json_dumps_encodes_them(value):
    assert _encode(value) == json.dumps(value)


def test_an_event_body_has_the_columns_it_is_stored_in_in_their_order():
    assert tuple(_event_body({})) == _BODY_FIELDS


def test_an_event_that_is_not_json_is_refused_as_json_dumps_refuses_it():
    with pytest.raises(TypeError, match="not JSON serializable"):
        _encode({"output": object()})
