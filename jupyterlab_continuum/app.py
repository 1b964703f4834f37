"""The Jupyter server extension app: configuration, service lifetime and routes.

The same app serves alone: ``jupyter-continuum serve`` (also ``jupyter continuum serve``)
starts a Jupyter server with only this extension, on loopback, with a required token.
"""

from __future__ import annotations

import os
import sys

from jupyter_server.extension.application import ExtensionApp
from traitlets import Float, Integer, Unicode, default

from .handlers import API_PREFIX, DEFAULT_MAX_BODY_BYTES, route_table
from .orchestrator.runner import RunOptions
from .orchestrator.service import ContinuumService

USAGE = """\
usage: jupyter-continuum serve [--port=N] [--token=TOKEN] [--ip=127.0.0.1] [--Class.trait=value ...]

Serve the continuum orchestrator API without JupyterLab, so long runs outlive the notebook.
Listens on loopback unless --ip says otherwise. A token is required: give one with --token (or
JUPYTER_TOKEN), or one is generated and printed. Send it as `Authorization: Bearer <token>` (or
`token <token>`). Options: any ServerApp or ContinuumApp setting, e.g.
--ContinuumApp.scheduler_address=tcp://scheduler:8786 to drive an existing Dask cluster.
"""


class ContinuumApp(ExtensionApp):
    """Serves the continuum API inside Jupyter (or alone, see ``main``)."""

    name = "jupyterlab_continuum"
    description = "Run notebook workflows across the cloud-edge continuum"
    load_other_extensions = True
    # Applied only when this app starts the server (`jupyter-continuum serve`).
    serverapp_config = {"allow_unauthenticated_access": False}
    aliases = {
        **ExtensionApp.aliases,
        "token": "IdentityProvider.token",
        "scheduler-address": "ContinuumApp.scheduler_address",
    }

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
    db_path = Unicode(
        "",
        config=True,
        help="SQLite file of runs and events (large outputs go next to it, in <db_path>.outputs)."
        " Empty: continuum/continuum.db in Jupyter's data directory.",
    )
    max_body_bytes = Integer(
        DEFAULT_MAX_BODY_BYTES, config=True, help="Largest request body accepted, in bytes."
    )
    max_source_bytes = Integer(
        1024 * 1024, config=True, help="Largest node or setup source accepted, in bytes."
    )
    retry_backoff_s = Float(1.0, config=True, help="Delay before a node's first retry; doubles.")
    retry_backoff_max_s = Float(60.0, config=True, help="Longest delay between retries.")
    cancel_grace_s = Float(
        2.0,
        config=True,
        help="How long a cancelled or timed-out node may take to stop before its worker is "
        "restarted.",
    )
    retain_results = Integer(
        8,
        config=True,
        help="How many finished, unsuccessful runs keep their nodes' values on the workers, "
        "so a retry reuses them instead of running those nodes again.",
    )

    @default("open_browser")
    def _default_open_browser(self):
        return False

    def initialize_settings(self):
        db_path = self.db_path or os.path.join(self.data_dir, "continuum", "continuum.db")
        self.service = ContinuumService(
            db_path=db_path,
            scheduler_address=self.scheduler_address,
            edge_workers=self.edge_workers,
            cloud_workers=self.cloud_workers,
            edge_memory_limit=self.edge_memory_limit,
            cloud_memory_limit=self.cloud_memory_limit,
            threads_per_worker=self.threads_per_worker,
            max_source_bytes=self.max_source_bytes,
            retain_results=self.retain_results,
            options=RunOptions(
                retry_backoff_s=self.retry_backoff_s,
                retry_backoff_max_s=self.retry_backoff_max_s,
                cancel_grace_s=self.cancel_grace_s,
            ),
            log=self.log,
        )
        self.settings["continuum_service"] = self.service
        self.settings["continuum_max_body_bytes"] = self.max_body_bytes

    def initialize_handlers(self):
        self.handlers.extend(route_table())
        self.log.info("continuum API registered under %s", API_PREFIX)

    async def _start_jupyter_server_extension(self, serverapp):
        # The cluster starts in the background so Jupyter's own start-up is not delayed.
        self.service.start_in_background()

    async def stop_extension(self):
        await self.service.stop()


class ContinuumServer(ContinuumApp):
    """``jupyter-continuum serve``: the continuum API alone, token required."""

    load_other_extensions = False

    @classmethod
    def initialize_server(cls, argv=None, load_other_extensions=True, **kwargs):
        serverapp = super().initialize_server(argv, load_other_extensions, **kwargs)
        identity = serverapp.identity_provider
        if not identity.token:
            raise SystemExit("jupyter-continuum serve: refusing to serve without a token")
        print(f"jupyter-continuum: API at {serverapp.connection_url.rstrip('/')}{API_PREFIX}")
        if identity.token_generated:
            print(f"jupyter-continuum: generated token {identity.token}")
        sys.stdout.flush()
        return serverapp


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    wants_help = any(arg in ("-h", "--help", "--help-all") for arg in args)
    if args[:1] != ["serve"] or wants_help:
        # Our usage, not traitlets': its help cannot describe the --token alias.
        print(USAGE, file=sys.stdout if wants_help else sys.stderr)
        return 0 if wants_help else 2
    ContinuumServer.launch_instance(args[1:])
    return 0


if __name__ == "__main__":  # python -m jupyterlab_continuum.app serve
    # Jupyter finds the extension by its classes' module: use the package's, not __main__'s.
    from jupyterlab_continuum.app import main as package_main

    sys.exit(package_main())
