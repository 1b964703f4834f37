"""The Dask engine: an embedded edge/cloud cluster or a connection to an existing scheduler.

Knows nothing of HTTP, nor of runs. Placements are Dask worker resources: a worker of the edge
pool advertises ``{"edge": 1}``, so a task submitted with ``resources={"edge": 1}`` runs there.
Status comes as it happens: the executor's worker events (topic ``executor.TOPIC``) and the
scheduler's worker removals (topic ``all``) are pushed to this client, and task completion is
awaited; nothing is polled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dask
from dask.delayed import Delayed, delayed
from distributed import Client, Future, Nanny, Scheduler, SpecCluster

from ..executor import TOPIC, interrupt_node, run_node

log = logging.getLogger(__name__)

TaskEventHandler = Callable[[dict[str, Any]], None]
WorkerRemovedHandler = Callable[[str], None]


@dataclass(frozen=True)
class PoolSpec:
    placement: str
    workers: int
    memory_limit: str
    threads: int


def embedded_cluster_spec(pools: list[PoolSpec]) -> tuple[dict, dict]:
    """Scheduler and worker specs of the embedded cluster, one Nanny process per worker."""
    scheduler = {
        "cls": Scheduler,
        # allowed_failures=0: a worker lost mid-node fails the task at once instead of Dask
        # re-running it; retries are the orchestrator's, with backoff.
        "options": {
            "host": "127.0.0.1",
            "dashboard": False,
            "dashboard_address": "127.0.0.1:0",  # its HTTP server (metrics) listens anyway
            "allowed_failures": 0,
        },
    }
    workers = {}
    for pool in pools:
        for i in range(pool.workers):
            name = f"{pool.placement}-{i}"
            workers[name] = {
                "cls": Nanny,
                "options": {
                    "name": name,
                    "host": "127.0.0.1",
                    "nthreads": pool.threads,
                    "memory_limit": pool.memory_limit,
                    "resources": {pool.placement: 1},
                    "dashboard_address": "127.0.0.1:0",
                },
            }
    return scheduler, workers


class DaskEngine:
    """Owns the Dask client (and the embedded cluster when there is one)."""

    def __init__(self, scheduler_address: str = "", pools: list[PoolSpec] | None = None):
        self.scheduler_address = scheduler_address
        self.pools = pools or []
        self.kind = "remote" if scheduler_address else "embedded"
        self.status = "stopped"
        self.error: str | None = None
        self.cluster: SpecCluster | None = None
        self.client: Client | None = None
        self._settled = asyncio.Event()
        self._on_task_event: TaskEventHandler = lambda event: None
        self._on_worker_removed: WorkerRemovedHandler = lambda address: None

    def listen(self, on_task_event: TaskEventHandler, on_worker_removed: WorkerRemovedHandler):
        """Set who hears of executor events and of workers leaving (before ``start``)."""
        self._on_task_event = on_task_event
        self._on_worker_removed = on_worker_removed

    async def start(self) -> None:
        self.status = "starting"
        try:
            if self.kind == "embedded":
                scheduler, workers = embedded_cluster_spec(self.pools)
                self.cluster = await SpecCluster(
                    scheduler=scheduler, workers=workers, asynchronous=True, name="continuum"
                )
                address = self.cluster.scheduler_address
            else:
                address = self.scheduler_address
            self.client = await Client(
                address, asynchronous=True, name="continuum-orchestrator", set_as_default=False
            )
            self.client.subscribe_topic(TOPIC, lambda event: self._on_task_event(event[1]))
            self.client.subscribe_topic("all", self._scheduler_event)
        except Exception as exc:  # the server keeps serving; health reports why
            log.exception("continuum engine failed to start")
            await self.stop()
            self.status = "failed"
            self.error = f"{type(exc).__name__}: {exc}"
        else:
            self.status = "running"
        self._settled.set()

    async def stop(self) -> None:
        if self.client is not None:
            for topic in (TOPIC, "all"):  # or the scheduler tells a closed client it left
                self.client.unsubscribe_topic(topic)
            await self.client.close()
            self.client = None
        if self.cluster is not None:
            await self.cluster.close()
            self.cluster = None
        self.status = "stopped"

    async def wait_running(self, timeout: float) -> None:
        """Wait until start() has settled (running or failed)."""
        await asyncio.wait_for(self._settled.wait(), timeout)

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "status": self.status,
            "scheduler_address": self.client.scheduler.address if self.client else None,
            "error": self.error,
        }

    async def placements(self) -> list[dict[str, Any]]:
        """Each placement with its workers, and whether one of them can take work now."""
        info = await self._running_client().scheduler.identity()
        by_placement: dict[str, list[dict[str, Any]]] = {p.placement: [] for p in self._pools()}
        for address, worker in sorted(info["workers"].items(), key=lambda i: str(i[1]["name"])):
            described = {
                "name": str(worker["name"]),
                "address": address,
                "threads": worker["nthreads"],
                "memory_limit": worker["memory_limit"],
                "resources": worker["resources"],
                "status": worker["status"],
            }
            for resource in worker["resources"]:
                by_placement.setdefault(resource, []).append(described)
        return [
            {
                "name": name,
                "workers": workers,
                "available": any(w["status"] == "running" for w in workers),
            }
            for name, workers in sorted(by_placement.items())
        ]

    def submit(
        self, tasks: list[tuple[str, dict[str, Any], str, list[Future | str]]]
    ) -> list[Future]:
        """Queue nodes ``(key, task, placement, dependencies)``, in dependency order, in one
        message to the scheduler: per-node submits cost a serialization and a graph update
        each, a quarter of the server's time in a 1,000-node run (py-spy). A dependency is a
        future, or the key of a node before it in ``tasks``; values move worker to worker."""
        if not tasks:
            return []
        nodes: dict[str, Delayed] = {}
        for key, task, placement, dependencies in tasks:
            upstream = [nodes[d] if isinstance(d, str) else d for d in dependencies]
            with dask.annotate(resources={placement: 1}):
                nodes[key] = delayed(run_node, pure=False)(task, *upstream, dask_key_name=key)
        return self._running_client().compute(list(nodes.values()), optimize_graph=False)

    async def settled(self, future: Future) -> None:
        """Wait until ``future`` finished, failed or was cancelled, without fetching its value.

        ``Future.exception()`` waits on the future's state alone: one coroutine per node, where
        ``as_completed`` costs a queue, locks, conditions and several tasks (a tenth of the
        server's CPU time on a 1,000-node run).
        """
        await future.exception()

    async def interrupt(self, address: str, key: str) -> bool:
        """Raise NodeCancelled into the thread running ``key``; whether it was running."""
        try:
            replies = await self._running_client().run(
                interrupt_node, key, workers=[address], on_error="return"
            )
        except Exception:  # the worker left meanwhile
            return False
        return replies.get(address) is True

    async def cancel(self, futures: list[Future]) -> None:
        if futures and self.client is not None:
            await self.client.cancel(futures, reason="cancelled by the continuum orchestrator")

    async def restart_worker(self, address: str) -> None:
        """Restart a worker process through its Nanny (the only way to stop a stuck thread).

        Returns once its replacement has joined (or the restart gave up): work queued
        meanwhile must not land on a process that the restart is about to replace.
        """
        await self._running_client().restart_workers([address], raise_for_error=False)

    def _pools(self) -> list[PoolSpec]:
        return self.pools if self.kind == "embedded" else []

    def _running_client(self) -> Client:
        if self.client is None:
            raise RuntimeError(f"the Dask engine is {self.status}")
        return self.client

    def _scheduler_event(self, event: tuple[float, dict[str, Any]]) -> None:
        message = event[1]
        if isinstance(message, dict) and message.get("action") == "remove-worker":
            self._on_worker_removed(message["worker"])
