"""One run in flight: the node and run state machines of DESIGN §3.3, driven by Dask.

The nodes to run are submitted to Dask at once, each depending on the futures of the nodes it
depends on or takes values from, so Dask starts a node as soon as its inputs exist and moves
them worker to worker. The state machine follows what Dask reports: the executor's ``started``
and ``output`` events, each future's completion, and workers leaving. Retries (with backoff),
timeouts and cancellation are decided here, not by Dask.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Coroutine, Iterable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from distributed import Future

from ..executor import NodeCancelled, NodeError, NodeFailed
from .dataflow import plan_dataflow
from .engine import DaskEngine
from .graph import dependents, reachable, topological_order

NODE_TERMINAL = frozenset({"succeeded", "failed", "error", "skipped", "cancelled"})
RUN_TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
RETRYABLE = frozenset({"failed", "error", "skipped", "cancelled"})
_IN_FLIGHT = frozenset({"queued", "running"})

# publish(event, run=..., node=..., attempt=...): store the change with its event, then send it.
Publish = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class RunOptions:
    retry_backoff_s: float = 1.0  # first retry delay; doubles per attempt
    retry_backoff_max_s: float = 60.0
    cancel_grace_s: float = 2.0  # how long an interrupted node may take to stop


@dataclass
class NodeRuntime:
    id: str
    label: str
    placement: str
    depends_on: list[str]
    retries: int
    timeout_s: float | None
    state: str = "pending"
    attempt: int = 0
    worker: str | None = None
    address: str | None = None  # of the worker running it
    started: float | None = None
    key: str | None = None  # the Dask task of the current attempt; None once abandoned
    future: Future | None = None  # kept after success: downstream and retries read it
    exports: frozenset[str] = frozenset()  # the names that future's value holds
    timer: asyncio.TimerHandle | None = None
    stopping: asyncio.Task | None = None  # stopping an abandoned attempt still running


class RunExecution:
    def __init__(
        self,
        run: dict[str, Any],
        engine: DaskEngine,
        publish: Publish,
        options: RunOptions,
        on_settled: Callable[[RunExecution], None],
    ):
        self.run_id: str = run["id"]
        self.spec: dict[str, Any] = run["spec"]
        self.state: str = run["state"]
        self.engine = engine
        self._publish = publish
        self._options = options
        self._on_settled = on_settled
        self.cancel_requested = False
        self.nodes = {
            row["node_id"]: NodeRuntime(
                id=row["node_id"],
                label=row["label"],
                placement=row["placement"],
                depends_on=row["depends_on"],
                retries=spec_node["retries"],
                timeout_s=spec_node["timeout_s"],
                state=row["state"],
                attempt=row["attempt"],
                worker=row["worker"],
            )
            for row, spec_node in zip(run["nodes"], self.spec["nodes"], strict=True)
        }
        self._deps = {node_id: node.depends_on for node_id, node in self.nodes.items()}
        self._children = dependents(self._deps)
        self._order = topological_order(self._deps)
        self._position = {node_id: i for i, node_id in enumerate(self._order)}
        self._open = {n.id for n in self.nodes.values() if n.state not in NODE_TERMINAL}
        # How many of each node's dependencies have not succeeded, kept by _transition: a node
        # is ready when it reaches 0 (a count, or a fan-in would check all its inputs each time
        # one of them finishes: quadratic).
        self._unmet = {
            node_id: sum(self.nodes[d].state != "succeeded" for d in deps)
            for node_id, deps in self._deps.items()
        }
        self._flow = plan_dataflow(self.spec)
        self._abandoned: set[str] = set()  # keys given up on; their executions are strays
        self._tasks: set[asyncio.Task] = set()

    # Commands.

    def start(self, node_ids: set[str]) -> None:
        """Run ``node_ids`` (all of a new run's nodes, or what a retry picked)."""
        self.cancel_requested = False  # a retried run may have been cancelled
        changes = {"finished": None, "spec": self.spec}  # a retry may have changed sources
        if self.state == "pending":
            changes["started"] = time.time()
        self._set_run_state("running", None, **changes)
        for node_id in self._order:
            node = self.nodes[node_id]
            if node_id in node_ids and node.state != "pending":
                self._transition(node, "pending", "waiting for upstream", reset=True)
        self._submit(node_ids)
        self._queue_ready(node_ids)
        self._maybe_finish()  # nothing to run: done already

    def abort(self, message: str) -> None:
        """End the run now: unfinished nodes ``error`` with ``message``, the run ``failed``."""
        now = time.time()
        for node_id in self._order:
            node = self.nodes[node_id]
            if node.state not in NODE_TERMINAL:
                in_attempt = node.state != "pending"
                self._abandon(node)
                self._transition(node, "error", message, in_attempt=in_attempt, finished=now)
        self._set_run_state("failed", message, finished=now)

    def cancel(self) -> None:
        self.cancel_requested = True
        for node_id in self._order:
            node = self.nodes[node_id]
            if node.state == "running":
                self._transition(node, "cancelling", "cancelling", in_attempt=True)
                stop = self._abandon(node)
                self._spawn(self._cancelled_when_stopped(node, stop))
            elif node.state in ("pending", "queued", "retrying"):
                was_in_attempt = node.state != "pending"
                self._abandon(node)
                self._transition(node, "cancelled", "cancelled", in_attempt=was_in_attempt)
        self._maybe_finish()

    def plan_retry(self, node_ids: list[str] | None, sources: dict[str, str]) -> set[str]:
        """What a retry runs: the nodes asked for (default: those that did not succeed), with
        changed sources, their descendants, and what they need that is not at hand: upstream
        nodes that did not succeed, and providers whose values are gone (e.g. after a restart).
        """
        if sources:
            for spec_node in self.spec["nodes"]:
                spec_node["source"] = sources.get(spec_node["id"], spec_node["source"])
            self._flow = plan_dataflow(self.spec)
        targets = set(node_ids or ()) or {n.id for n in self.nodes.values() if n.state in RETRYABLE}
        targets |= set(sources)
        rerun = targets | reachable(self._children, targets)
        pending = list(rerun)
        while pending:
            node_id = pending.pop()
            needed = [d for d in self._deps[node_id] if self.nodes[d].state != "succeeded"]
            needed += [p for p in self._flow[node_id].providers if not self._has_values(p)]
            for other in needed:
                if other not in rerun:
                    rerun.add(other)
                    pending.append(other)
        return rerun

    def shutdown(self) -> None:
        """Forget the run without recording anything (the orchestrator is stopping)."""
        for task in self._tasks:
            task.cancel()
        for node in self.nodes.values():
            self._cancel_timer(node)
        self.release()

    def release(self) -> None:
        """Let Dask free the values kept for downstream nodes and retries."""
        for node in self.nodes.values():
            node.future = None

    # What Dask reports.

    def on_task_event(self, message: dict[str, Any]) -> None:
        node = self.nodes.get(message.get("node_id", ""))
        if node is None:
            return
        if message["key"] != node.key:
            if message["event"] == "started" and message["key"] in self._abandoned:
                # Started before its cancellation reached the worker: stop it (best effort).
                self._spawn(self.engine.interrupt(message["worker"], message["key"]))
            return
        if message["event"] == "started":
            if node.state == "pending":
                self._catch_up(node)
            if node.state == "queued":
                node.worker, node.address = message["worker_name"], message["worker"]
                node.started = time.time()
                self._transition(
                    node,
                    "running",
                    f"running on {node.worker}",
                    in_attempt=True,
                    worker=node.worker,
                    started=node.started,
                )
                if node.timeout_s:
                    loop = asyncio.get_running_loop()
                    node.timer = loop.call_later(node.timeout_s, self._time_out, node, node.key)
        elif message["event"] == "output" and node.state == "running":
            output = json.loads(message["output"])
            self._publish(self._event(node, "output", node.state, None, output=output))

    def on_worker_removed(self, address: str) -> None:
        for node in self.nodes.values():
            if node.state == "running" and node.address == address:
                node.address = None  # nothing to interrupt there any more
                # Abandoning cancels the task, in case Dask would run it again elsewhere.
                self._fail(node, "error", f"worker lost: {node.worker} left while running it")

    # Internals.

    def _submit(self, node_ids: set[str]) -> None:
        """Submit ``node_ids`` to Dask in one go (one message to the scheduler), in dependency
        order.

        A node waits on the futures of its unfinished upstream nodes and of the nodes it takes
        values from. One whose upstream has no task yet (it waits to be retried) is left out:
        it goes in with that upstream's retry.
        """
        setup = self.spec.get("setup", [])
        sources = {node["id"]: node["source"] for node in self.spec["nodes"]}
        batch: list[tuple[NodeRuntime, dict[str, Any], list[Future | str]]] = []
        in_batch: set[str] = set()
        for node_id in sorted(node_ids, key=self._position.__getitem__):
            node = self.nodes[node_id]
            flow = self._flow[node_id]
            unfinished = [d for d in node.depends_on if self.nodes[d].state != "succeeded"]
            upstream = [self.nodes[u] for u in dict.fromkeys([*unfinished, *flow.providers])]
            if any(u.future is None and u.id not in in_batch for u in upstream):
                continue
            if node.key is not None:
                self._abandon(node)  # submitted before, by another upstream's retry
            node.key = f"continuum-{node_id}-{uuid.uuid4().hex[:12]}"
            task = {
                "key": node.key,
                "run_id": self.run_id,
                "node_id": node_id,
                "attempt": node.attempt + 1,
                "setup": setup,
                "source": sources[node_id],
                "imports": flow.imports,
                "exports": sorted(flow.exports),
            }
            # Upstream nodes of this batch by key, the others by their futures.
            dependencies = [u.key if u.id in in_batch else u.future for u in upstream]
            batch.append((node, task, dependencies))
            in_batch.add(node_id)
            node.exports = frozenset(flow.exports)
        futures = self.engine.submit(
            [(node.key, task, node.placement, deps) for node, task, deps in batch]
        )
        for (node, _, _), future in zip(batch, futures, strict=True):
            node.future = future
            self._spawn(self._watch(node, node.key, future))

    def _queue_ready(self, candidates: Iterable[str]) -> None:
        """Queue the candidates whose task is in and whose upstream nodes all succeeded."""
        for node_id in sorted(candidates, key=self._position.__getitem__):
            node = self.nodes[node_id]
            if node.state in ("pending", "retrying") and node.key and self._unmet[node_id] == 0:
                node.attempt += 1
                self._transition(
                    node,
                    "queued",
                    f"queued on {node.placement}",
                    reset=True,
                    attempt_row={"queued": time.time()},
                )

    async def _watch(self, node: NodeRuntime, key: str, future: Future) -> None:
        await self.engine.settled(future)
        if node.key != key:
            return  # abandoned
        if node.state == "pending" and future.status == "finished":
            self._catch_up(node)
        if node.state not in _IN_FLIGHT:
            return  # pending with a failed upstream: handled there
        if future.status == "error":
            self._fail_with(node, await future.exception())
        elif future.status == "cancelled":
            self._fail(node, "error", "the cluster cancelled the task")
        else:
            self._succeed(node)

    def _catch_up(self, node: NodeRuntime) -> None:
        """Dask ran ``node``, so its upstream nodes finished: process what we have not yet."""
        for dep in node.depends_on:
            upstream = self.nodes[dep]
            if upstream.future is not None and upstream.future.status == "finished":
                if upstream.state == "pending":
                    self._catch_up(upstream)
                if upstream.state in _IN_FLIGHT:
                    self._succeed(upstream)

    def _succeed(self, node: NodeRuntime) -> None:
        if node.state == "queued":  # its start event was lost: keep the state machine whole
            self._transition(node, "running", "running", in_attempt=True)
        self._cancel_timer(node)
        took = f" in {time.time() - node.started:.1f} s" if node.started else ""
        where = f" on {node.worker}" if node.worker else ""
        self._transition(
            node, "succeeded", f"done{took}{where}", in_attempt=True, finished=time.time()
        )
        self._queue_ready(self._children[node.id])
        self._maybe_finish()

    def _fail_with(self, node: NodeRuntime, exc: BaseException) -> None:
        if isinstance(exc, NodeFailed):
            error = {"ename": exc.ename, "evalue": exc.evalue, "traceback": exc.traceback}
            message = f"{exc.ename}: {exc.evalue}" if exc.evalue else exc.ename
            self._fail(node, "failed", message, error)
        elif isinstance(exc, NodeError):
            self._fail(node, "error", str(exc))
        elif isinstance(exc, NodeCancelled):
            self._fail(node, "error", "stopped on its worker")
        elif type(exc).__name__ == "KilledWorker":
            self._fail(node, "error", f"worker lost: {node.worker or 'its worker'} died running it")
        else:
            self._fail(node, "error", f"{type(exc).__name__}: {exc}")

    def _fail(
        self, node: NodeRuntime, state: str, message: str, error: dict[str, Any] | None = None
    ) -> None:
        """Attempt over without success: retry after a backoff while retries remain."""
        self._abandon(node)
        outcome = {"state": state, "finished": time.time(), "message": message, "error": error}
        if not self.cancel_requested and node.attempt <= node.retries:
            delay = min(
                self._options.retry_backoff_s * 2 ** (node.attempt - 1),
                self._options.retry_backoff_max_s,
            )
            self._transition(
                node,
                "retrying",
                f"retry {node.attempt + 1}/{node.retries + 1} in {delay:g} s: {message}",
                attempt_row=outcome,
                error=error,
            )
            self._spawn(self._retry_later(node, delay))
            return
        self._transition(
            node, state, message, attempt_row=outcome, error=error, finished=outcome["finished"]
        )
        for node_id in sorted(reachable(self._children, [node.id]), key=self._position.__getitem__):
            skipped = self.nodes[node_id]
            if skipped.state == "pending":
                self._abandon(skipped)
                self._transition(
                    skipped, "skipped", f"upstream {node.label} {state}", finished=time.time()
                )
        self._maybe_finish()

    async def _retry_later(self, node: NodeRuntime, delay: float) -> None:
        stopping = node.stopping
        await asyncio.sleep(delay)
        if stopping is not None:
            await stopping  # a timed-out attempt must stop before its retry takes the worker
        if node.state != "retrying" or self.cancel_requested:
            return
        descendants = reachable(self._children, [node.id])
        resubmitted = {node.id} | {d for d in descendants if self.nodes[d].state == "pending"}
        self._submit(resubmitted)
        self._queue_ready(resubmitted)

    def _time_out(self, node: NodeRuntime, key: str) -> None:
        if node.key == key and node.state == "running":
            self._fail(node, "failed", f"timed out after {node.timeout_s:g} s")

    def _abandon(self, node: NodeRuntime) -> asyncio.Task | None:
        """Give up the node's current task; stop it if it runs. The stopping task, if any."""
        self._cancel_timer(node)
        key, future, address = node.key, node.future, node.address
        node.key = node.future = None
        if key is None or future is None:
            return None
        self._abandoned.add(key)
        if future.status != "pending":
            return None
        running = node.state in ("running", "cancelling")
        node.stopping = self._spawn(self._stop(key, future, address if running else None))
        return node.stopping

    async def _stop(self, key: str, future: Future, address: str | None) -> None:
        """Interrupt a running task; restart its worker if it does not stop in time."""
        interrupted = address is not None and await self.engine.interrupt(address, key)
        if interrupted:
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.engine.settled(future), self._options.cancel_grace_s)
                return
        await self.engine.cancel([future])
        if interrupted:
            assert address is not None
            await self.engine.restart_worker(address)

    async def _cancelled_when_stopped(self, node: NodeRuntime, stop: asyncio.Task | None) -> None:
        if stop is not None:
            await stop
        self._transition(node, "cancelled", "cancelled", in_attempt=True, finished=time.time())
        self._maybe_finish()

    def _maybe_finish(self) -> None:
        if self.state != "running" or self._open:
            return
        counts: dict[str, int] = {}
        for node in self.nodes.values():
            counts[node.state] = counts.get(node.state, 0) + 1
        if self.cancel_requested:
            state = "cancelled"
        else:
            state = "succeeded" if counts.keys() == {"succeeded"} else "failed"
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        self._set_run_state(state, summary, finished=time.time())
        self._on_settled(self)

    def _has_values(self, node_id: str) -> bool:
        node = self.nodes[node_id]
        return (
            node.state == "succeeded"
            and node.future is not None
            and node.future.status == "finished"
            and self._flow[node_id].exports <= node.exports
        )

    def _cancel_timer(self, node: NodeRuntime) -> None:
        if node.timer is not None:
            node.timer.cancel()
            node.timer = None

    def _spawn(self, coroutine: Coroutine) -> asyncio.Task:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # Recording.

    def _transition(
        self,
        node: NodeRuntime,
        state: str,
        message: str,
        *,
        reset: bool = False,
        in_attempt: bool = False,
        attempt_row: dict[str, Any] | None = None,
        **node_changes: Any,
    ) -> None:
        """Move ``node`` to ``state``, recording it on the node, its attempt and as an event.

        ``reset`` clears what the previous attempt left on the node; ``in_attempt`` and
        ``attempt_row`` update the current attempt's row too.
        """
        if (node.state == "succeeded") != (state == "succeeded"):
            change = -1 if state == "succeeded" else 1
            for child in self._children[node.id]:
                self._unmet[child] += change
        node.state = state
        if state in NODE_TERMINAL:
            self._open.discard(node.id)
        else:
            self._open.add(node.id)
        if reset:
            node.worker = node.address = node.started = None
            node_changes = {
                "worker": None, "started": None, "finished": None, "error": None, **node_changes
            }  # fmt: skip
        node_changes.update(state=state, attempt=node.attempt, message=message)
        attempt = None
        if in_attempt or attempt_row is not None:
            attempt = {"state": state, "message": message, **(attempt_row or {})}
            attempt.update({k: node_changes[k] for k in ("worker", "started", "finished")
                            if k in node_changes})  # fmt: skip
        self._publish(self._event(node, "node", state, message), node=node_changes, attempt=attempt)

    def _set_run_state(self, state: str, message: str | None, **changes: Any) -> None:
        self.state = state
        event = {
            "run_id": self.run_id,
            "node_id": None,
            "ts": time.time(),
            "kind": "run",
            "state": state,
            "attempt": None,
            "placement": None,
            "worker": None,
            "message": message,
        }
        self._publish(event, run={"state": state, "message": message, **changes})

    def _event(
        self, node: NodeRuntime, kind: str, state: str, message: str | None, **extra: Any
    ) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "node_id": node.id,
            "ts": time.time(),
            "kind": kind,
            "state": state,
            "attempt": node.attempt,
            "placement": node.placement,
            "worker": node.worker,
            "message": message,
            **extra,
        }
