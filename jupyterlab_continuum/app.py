"""The Jupyter server extension app: configuration, service lifetime and routes."""

from __future__ import annotations

from jupyter_server.extension.application import ExtensionApp
from traitlets import Integer, Unicode

from .handlers import API_PREFIX, route_table
from .orchestrator.service import ContinuumService


class ContinuumApp(ExtensionApp):
    """Serves the continuum API inside Jupyter (or alone, see ``main``)."""

    name = "jupyterlab_continuum"
    description = "Run notebook workflows across the cloud-edge continuum"
    load_other_extensions = True

    scheduler_address = Unicode(
        "",
        config=True,
        help="Address of an existing Dask scheduler (e.g. tls://host:8786). "
        "Empty starts an embedded local cluster with edge and cloud pools.",
    )
    edge_workers = Integer(1, config=True, help="Worker processes in the embedded edge pool.")
    cloud_workers = Integer(1, config=True, help="Worker processes in the embedded cloud pool.")
    edge_memory_limit = Unicode("1GiB", config=True, help="Memory limit of each edge worker.")
    cloud_memory_limit = Unicode("2GiB", config=True, help="Memory limit of each cloud worker.")
    threads_per_worker = Integer(2, config=True, help="Threads of each embedded worker.")

    def initialize_settings(self):
        self.service = ContinuumService(
            scheduler_address=self.scheduler_address,
            edge_workers=self.edge_workers,
            cloud_workers=self.cloud_workers,
            edge_memory_limit=self.edge_memory_limit,
            cloud_memory_limit=self.cloud_memory_limit,
            threads_per_worker=self.threads_per_worker,
            log=self.log,
        )
        self.settings["continuum_service"] = self.service

    def initialize_handlers(self):
        self.handlers.extend(route_table())
        self.log.info("continuum API registered under %s", API_PREFIX)

    async def _start_jupyter_server_extension(self, serverapp):
        # The cluster starts in the background so Jupyter's own start-up is not delayed.
        self.service.start_in_background()

    async def stop_extension(self):
        await self.service.stop()


main = launch_new_instance = ContinuumApp.launch_instance
