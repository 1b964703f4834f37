"""The orchestrator service: what the handlers delegate to."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import dask
import distributed

from .engine import DaskEngine, PoolSpec


class ContinuumService:
    def __init__(
        self,
        scheduler_address: str = "",
        edge_workers: int = 1,
        cloud_workers: int = 1,
        edge_memory_limit: str = "1GiB",
        cloud_memory_limit: str = "2GiB",
        threads_per_worker: int = 2,
        log: logging.Logger | None = None,
    ):
        self.log = log or logging.getLogger(__name__)
        self.engine = DaskEngine(
            scheduler_address,
            [
                PoolSpec("edge", edge_workers, edge_memory_limit, threads_per_worker),
                PoolSpec("cloud", cloud_workers, cloud_memory_limit, threads_per_worker),
            ],
        )
        self._start_task: asyncio.Task | None = None

    def start_in_background(self) -> None:
        self._start_task = asyncio.ensure_future(self.engine.start())

    async def stop(self) -> None:
        if self._start_task is not None:
            await asyncio.gather(self._start_task, return_exceptions=True)
        await self.engine.stop()

    def engine_status(self) -> dict[str, Any]:
        return {
            **self.engine.describe(),
            "versions": {"dask": dask.__version__, "distributed": distributed.__version__},
        }
