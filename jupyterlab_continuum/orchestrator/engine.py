"""The Dask engine: an embedded edge/cloud cluster or a connection to an existing scheduler.

Knows nothing of HTTP. Placements are Dask worker resources: a worker of the edge pool
advertises ``{"edge": 1}``, so a task submitted with ``resources={"edge": 1}`` runs there.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from distributed import Client, Nanny, Scheduler, SpecCluster

log = logging.getLogger(__name__)


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
        "options": {"host": "127.0.0.1", "dashboard_address": None},
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
            self.client = await Client(address, asynchronous=True, name="continuum-orchestrator")
        except Exception as exc:  # the server keeps serving; health reports why
            self.status = "failed"
            self.error = f"{type(exc).__name__}: {exc}"
            log.exception("continuum engine failed to start")
            await self.stop()
            self.status = "failed"
            return
        self.status = "running"

    async def stop(self) -> None:
        if self.client is not None:
            await self.client.close()
            self.client = None
        if self.cluster is not None:
            await self.cluster.close()
            self.cluster = None
        self.status = "stopped"

    def describe(self) -> dict[str, Any]:
        address = None
        if self.client is not None:
            address = self.client.scheduler.address
        return {
            "kind": self.kind,
            "status": self.status,
            "scheduler_address": address,
            "error": self.error,
        }

    async def wait_running(self, timeout: float) -> None:
        """Wait until start() has settled (running or failed)."""
        async with asyncio.timeout(timeout):
            while self.status in ("stopped", "starting"):
                await asyncio.sleep(0.05)
