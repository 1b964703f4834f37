"""The orchestrator service: what the handlers delegate to.

Owns the engine, the store and the runs in flight; validates requests against the contracts
and the current state, and tells subscribers of every event once it is stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import sqlite3
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dask
import distributed

from .analysis import analyze_cells
from .engine import DaskEngine, PoolSpec
from .errors import Conflict, Invalid, NotFound, PayloadTooLarge, Unavailable
from .runner import RUN_TERMINAL, RunExecution, RunOptions
from .store import Store, StoredEvent
from .validation import check_spec, find_problems, placement_problems, raise_for

# Called with the events of each commit, in seq order: one call per batch, not per event.
Subscriber = Callable[[list[StoredEvent]], None]

INTERRUPTED = "interrupted by orchestrator restart"
_ENGINE_START_WAIT_S = 60  # how long a submit waits for an engine still starting
# While events keep coming, at most one commit per interval: a commit costs 0.1-0.2 ms (WAL
# frames for the node, attempt and event pages), and a run's nodes finish one per loop turn.
# An event after a quiet interval is committed and sent at once.
_FLUSH_INTERVAL_S = 0.005


class ContinuumService:
    def __init__(
        self,
        db_path: str | Path,
        scheduler_address: str = "",
        edge_workers: int = 1,
        cloud_workers: int = 1,
        edge_memory_limit: str = "1GiB",
        cloud_memory_limit: str = "2GiB",
        threads_per_worker: int = 2,
        max_source_bytes: int = 1024 * 1024,
        retain_results: int = 8,
        options: RunOptions | None = None,
        log: logging.Logger | None = None,
    ):
        self.log = log or logging.getLogger(__name__)
        self.max_source_bytes = max_source_bytes
        self.retain_results = retain_results
        self.options = options or RunOptions()
        self.engine = DaskEngine(
            scheduler_address,
            [
                PoolSpec("edge", edge_workers, edge_memory_limit, threads_per_worker),
                PoolSpec("cloud", cloud_workers, cloud_memory_limit, threads_per_worker),
            ],
        )
        self.engine.listen(self._on_task_event, self._on_worker_removed)
        self.store = Store(db_path)
        self._runs: dict[str, RunExecution] = {}  # in flight
        # Finished without success, their values kept for a retry; least recent first.
        self._retained: OrderedDict[str, RunExecution] = OrderedDict()
        self._subscribers: set[Subscriber] = set()
        self._unsent: list[StoredEvent] = []  # recorded, to commit then send (_flush)
        self._flush_handle: asyncio.Handle | None = None
        self._last_flush = 0.0  # time.monotonic() of the last commit
        self._start_task: asyncio.Task | None = None
        self._recover()

    # Lifetime.

    def start_in_background(self) -> None:
        self._start_task = asyncio.ensure_future(self.engine.start())

    async def stop(self) -> None:
        """Stop without recording anything: runs in flight are marked on the next start."""
        self._flush()
        for run in [*self._runs.values(), *self._retained.values()]:
            run.shutdown()
        self._runs.clear()
        self._retained.clear()
        if self._start_task is not None:
            await asyncio.gather(self._start_task, return_exceptions=True)
        await self.engine.stop()
        self.store.close()

    def engine_status(self) -> dict[str, Any]:
        return {
            **self.engine.describe(),
            "versions": {"dask": dask.__version__, "distributed": distributed.__version__},
        }

    def runs_in_flight(self) -> int:
        return len(self._runs)

    # Events.

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call ``subscriber`` with every event from now on, once committed; returns unsubscribe."""
        self._subscribers.add(subscriber)
        return lambda: self._subscribers.discard(subscriber)

    def events(self, run_id: str, after_seq: int, limit: int | None = None) -> dict[str, Any]:
        self._run_row(run_id)
        self._flush()  # only what is committed, and so sent, is read back
        events = self.store.events(run_id, after_seq, limit)
        return {"run_id": run_id, "events": events}

    def stored_events(self, run_id: str | None, after_seq: int, limit: int) -> list[StoredEvent]:
        """Catch-up for the live stream (all runs when ``run_id`` is None)."""
        self._flush()
        return self.store.stored_events(run_id, after_seq, limit)

    def latest_seq(self) -> int:
        self._flush()
        return self.store.last_seq()

    def check_run(self, run_id: str) -> None:
        self._run_row(run_id)

    # Queries.

    def analyze(self, cells: list[dict[str, Any]]) -> dict[str, Any]:
        try:
            return analyze_cells(cells)
        except ValueError as exc:
            raise Invalid("invalid_cells", str(exc)) from None

    async def validate(self, spec: Any) -> dict[str, Any]:
        placements = await self._placement_names() if self.engine.status == "running" else None
        problems = find_problems(
            spec, max_source_bytes=self.max_source_bytes, placements=placements
        )
        return {"valid": not problems, "errors": problems}

    async def placements(self) -> dict[str, Any]:
        # A deploy right after the server starts waits for the workers, as a submit does.
        await self._wait_for_engine()
        return {"engine": self.engine.kind, "placements": await self.engine.placements()}

    def list_runs(self, limit: int, offset: int, notebook_path: str | None) -> dict[str, Any]:
        runs, total = self.store.list_runs(limit, offset, notebook_path)
        return {
            "runs": [_run_summary(run) for run in runs],
            "total": total,
            "limit": limit,
            "offset": offset,
        }

    def get_run(self, run_id: str) -> dict[str, Any]:
        self._flush()  # its last_seq: a seq that is stored
        run = self._run_row(run_id)
        attempts: dict[str, list[dict[str, Any]]] = {}
        for attempt in self.store.attempts(run_id):
            node_id = attempt.pop("node_id")
            attempt.pop("run_id")
            attempts.setdefault(node_id, []).append(attempt)
        return {
            **_run_summary(run),
            "last_seq": self.store.last_seq(run_id),
            "nodes": [
                {
                    "id": node["node_id"],
                    **{k: node[k] for k in _NODE_FIELDS},
                    "attempts": attempts.get(node["node_id"], []),
                }
                for node in run["nodes"]
            ],
        }

    def node_outputs(self, run_id: str, node_id: str, attempt: int | None) -> dict[str, Any]:
        node = self._node_row(run_id, node_id)
        attempt = node["attempt"] if attempt is None else attempt
        return {
            "run_id": run_id,
            "node_id": node_id,
            "attempt": attempt,
            "outputs": _merge_streams(self.store.outputs(run_id, node_id, attempt)),
        }

    # Commands.

    async def submit(
        self, spec: Any, idempotency_key: str | None = None
    ) -> tuple[dict[str, Any], bool]:
        """Start a run of ``spec``: its snapshot, and False when the key replayed an old run."""
        spec = check_spec(spec, max_source_bytes=self.max_source_bytes)
        spec_hash = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()
        if idempotency_key and (replayed := self._replay(idempotency_key, spec_hash)):
            return replayed, False
        await self._wait_for_engine()
        raise_for(placement_problems(spec["nodes"], await self._placement_names()))

        run_id = uuid.uuid4().hex
        now = time.time()
        run_row = {
            "id": run_id,
            "name": spec["name"],
            "notebook_path": (spec.get("notebook") or {}).get("path"),
            "spec": spec,
            "spec_hash": spec_hash,
            "idempotency_key": idempotency_key,
            "state": "pending",
            "created": now,
        }
        node_rows = [
            {
                "run_id": run_id,
                "node_id": node["id"],
                "position": position,
                "label": node["label"],
                "placement": node["placement"],
                "depends_on": node["depends_on"],
                "state": "pending",
                "message": "waiting for upstream",
            }
            for position, node in enumerate(spec["nodes"])
        ]
        events = [_event(run_id, None, "run", "pending", None, now)]
        events += [
            _event(run_id, node["id"], "node", "pending", "waiting for upstream", now, node)
            for node in spec["nodes"]
        ]
        try:
            stored = self.store.create_run(run_row, node_rows, events)
        except sqlite3.IntegrityError:  # the same key, submitted concurrently
            replayed = self._replay(idempotency_key or "", spec_hash)
            if replayed is None:
                raise
            return replayed, False
        self._broadcast(stored)
        # The rows just stored, rather than read back: that read cost as much as the inserts.
        run = {**run_row, "nodes": [{"attempt": 0, "worker": None, **row} for row in node_rows]}
        self._execute(self._execution(run), {node["id"] for node in spec["nodes"]})
        return self.get_run(run_id), True

    def cancel(self, run_id: str) -> dict[str, Any]:
        run = self._run_row(run_id)
        execution = self._runs.get(run_id)
        if execution is None and self.store.owned_elsewhere(run_id):
            raise Conflict(
                "owned_elsewhere", f"run {run_id} is run by another orchestrator: cancel it there"
            )
        if execution is None:
            raise Conflict(
                "invalid_state",
                f"run {run_id} is {run['state']}: only a pending or running run can be cancelled",
            )
        if not execution.cancel_requested:
            execution.cancel()
        return self.get_run(run_id)

    async def retry(
        self, run_id: str, node_ids: list[str] | None, sources: dict[str, str]
    ) -> dict[str, Any]:
        self._check_retry(run_id, node_ids, sources)
        await self._wait_for_engine()
        placements = await self._placement_names()
        # Checked again: the run may have been retried or deleted meanwhile.
        run = self._check_retry(run_id, node_ids, sources)
        raise_for(placement_problems(run["spec"]["nodes"], placements))
        execution = self._retained.pop(run_id, None) or self._execution(run)
        self._execute(execution, execution.plan_retry(node_ids, sources))
        return self.get_run(run_id)

    def _check_retry(
        self, run_id: str, node_ids: list[str] | None, sources: dict[str, str]
    ) -> dict[str, Any]:
        run = self._run_row(run_id)
        if run["state"] not in RUN_TERMINAL or run_id in self._runs:
            raise Conflict(
                "invalid_state", f"run {run_id} is {run['state']}: wait for it to finish first"
            )
        known = {node["node_id"] for node in run["nodes"]}
        unknown = [n for n in [*(node_ids or []), *sources] if n not in known]
        if unknown:
            raise Invalid(
                "unknown_node",
                f"run {run_id} has no node {unknown[0]!r}",
                [{"node_id": n, "code": "unknown_node"} for n in unknown],
            )
        for node_id, source in sources.items():
            if len(source.encode("utf-8", "replace")) > self.max_source_bytes:
                raise PayloadTooLarge(
                    "source_too_large",
                    f"the source of {node_id!r} is larger than {self.max_source_bytes} bytes",
                )
        if not node_ids and not sources and run["state"] == "succeeded":
            raise Conflict("nothing_to_retry", f"every node of run {run_id} succeeded")
        return run

    def delete(self, run_id: str) -> None:
        run = self._run_row(run_id)
        if run["state"] not in RUN_TERMINAL or run_id in self._runs:
            raise Conflict(
                "invalid_state", f"run {run_id} is {run['state']}: cancel it before deleting it"
            )
        retained = self._retained.pop(run_id, None)
        if retained is not None:
            retained.release()
        self.store.delete_run(run_id)

    # Internals.

    def _execute(self, execution: RunExecution, node_ids: set[str]) -> None:
        self._runs[execution.run_id] = execution
        try:
            execution.start(node_ids)
        except Exception as exc:  # e.g. the connection to the scheduler dropped
            self.log.exception("continuum: could not submit run %s", execution.run_id)
            self._runs.pop(execution.run_id, None)
            execution.abort(f"could not submit to Dask: {type(exc).__name__}: {exc}")

    def _execution(self, run: dict[str, Any]) -> RunExecution:
        return RunExecution(run, self.engine, self._publish, self.options, self._on_settled)

    def _on_settled(self, execution: RunExecution) -> None:
        self._runs.pop(execution.run_id, None)
        # The run's last event goes out first, not after releasing its futures: a loop callback
        # each, 8% of the server's time in a 1,000-node run (py-spy).
        self._flush()
        if execution.state == "succeeded":
            execution.release()
        else:
            self._retain(execution)

    def _retain(self, execution: RunExecution) -> None:
        self._retained[execution.run_id] = execution
        while len(self._retained) > self.retain_results:
            self._retained.popitem(last=False)[1].release()

    def _recover(self) -> None:
        """Runs a previous orchestrator left unfinished are failed as interrupted."""
        for run_id in self.store.orphaned_run_ids(("pending", "running")):
            self._execution(self._run_row(run_id)).abort(INTERRUPTED)
            self.log.warning("continuum: run %s was %s", run_id, INTERRUPTED)

    def _publish(
        self,
        event: dict[str, Any],
        run: dict[str, Any] | None = None,
        node: dict[str, Any] | None = None,
        attempt: dict[str, Any] | None = None,
    ) -> int:
        """Record a change with its event (its seq is returned); it is committed and sent with
        the others recorded until the flush (one commit for many events: at the end of this
        turn of the event loop, or _FLUSH_INTERVAL_S after the last commit), before anything
        reads them."""
        stored = self.store.record(event, run=run, node=node, attempt=attempt, commit=False)
        self._unsent.append(stored)
        if self._flush_handle is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no loop yet (recovery at start-up)
                self._flush()
                return stored[0]
            wait = self._last_flush + _FLUSH_INTERVAL_S - time.monotonic()
            self._flush_handle = (
                loop.call_later(wait, self._flush) if wait > 0 else loop.call_soon(self._flush)
            )
        return stored[0]

    def _flush(self) -> None:
        """Commit what was recorded since the last flush, then send it, in seq order."""
        if self._flush_handle is not None:
            self._flush_handle.cancel()  # when called before it is due
            self._flush_handle = None
        if not self._unsent:  # nothing recorded since (every record comes with its event)
            return
        self.store.commit()
        self._last_flush = time.monotonic()
        events, self._unsent = self._unsent, []
        self._send(events)

    def _broadcast(self, events: list[StoredEvent]) -> None:
        """Send events stored (and committed) elsewhere, after those recorded before them."""
        self._flush()
        self._send(events)

    def _send(self, events: list[StoredEvent]) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber(events)
            except Exception:
                self.log.exception("continuum: event subscriber failed")

    def _on_task_event(self, message: dict[str, Any]) -> None:
        execution = self._runs.get(message.get("run_id", ""))
        if execution is not None:
            execution.on_task_event(message)

    def _on_worker_removed(self, address: str) -> None:
        for execution in list(self._runs.values()):
            execution.on_worker_removed(address)

    def _replay(self, idempotency_key: str, spec_hash: str) -> dict[str, Any] | None:
        run_id = self.store.run_id_for_key(idempotency_key)
        if run_id is None:
            return None
        if self._run_row(run_id)["spec_hash"] != spec_hash:
            raise Conflict(
                "idempotency_key_reused",
                f"Idempotency-Key {idempotency_key!r} was used for run {run_id} with another spec",
            )
        return self.get_run(run_id)

    def _require_engine(self) -> None:
        if self.engine.status != "running":
            reason = f": {self.engine.error}" if self.engine.error else ""
            raise Unavailable(
                "engine_unavailable", f"the Dask engine is {self.engine.status}{reason}"
            )

    async def _wait_for_engine(self) -> None:
        if self.engine.status == "starting":
            try:
                await self.engine.wait_running(_ENGINE_START_WAIT_S)
            except asyncio.TimeoutError:
                pass
        self._require_engine()

    async def _placement_names(self) -> set[str]:
        return {placement["name"] for placement in await self.engine.placements()}

    def _run_row(self, run_id: str) -> dict[str, Any]:
        run = self.store.get_run(run_id)
        if run is None:
            raise NotFound("run_not_found", f"no run {run_id!r}")
        return run

    def _node_row(self, run_id: str, node_id: str) -> dict[str, Any]:
        for node in self._run_row(run_id)["nodes"]:
            if node["node_id"] == node_id:
                return node
        raise NotFound("node_not_found", f"run {run_id} has no node {node_id!r}")


_NODE_FIELDS = (
    "label", "placement", "depends_on", "state", "attempt", "worker", "started", "finished",
    "message", "error",
)  # fmt: skip


def _run_summary(run: dict[str, Any]) -> dict[str, Any]:
    counts = run.get("node_counts")
    if counts is None:
        counts = {}
        for node in run["nodes"]:
            counts[node["state"]] = counts.get(node["state"], 0) + 1
    return {
        "id": run["id"],
        "name": run["name"],
        "notebook": {"path": run["notebook_path"]} if run["notebook_path"] else None,
        "state": run["state"],
        "message": run["message"],
        "created": run["created"],
        "started": run["started"],
        "finished": run["finished"],
        "node_counts": counts,
    }


def _event(
    run_id: str,
    node_id: str | None,
    kind: str,
    state: str,
    message: str | None,
    ts: float,
    node: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "node_id": node_id,
        "ts": ts,
        "kind": kind,
        "state": state,
        "attempt": 0 if node else None,
        "placement": node["placement"] if node else None,
        "worker": None,
        "message": message,
    }


def _merge_streams(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive stream chunks of one stream, joined as a notebook stores them."""
    merged: list[dict[str, Any]] = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            output.get("output_type") == "stream"
            and previous is not None
            and previous.get("output_type") == "stream"
            and previous["name"] == output["name"]
        ):
            merged[-1] = {**previous, "text": previous["text"] + output["text"]}
        else:
            merged.append(output)
    return merged
