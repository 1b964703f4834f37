"""Server configuration for the Galata tests.

Never use it in production: it disables every security protection.
"""

import os
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821
c.ServerApp.allow_root = True  # noqa: F821  (CI runs as root)
# Another port lets two suites (or a suite and `make lab`) run side by side.
c.ServerApp.port = int(os.environ.get("GALATA_PORT", "8888"))  # noqa: F821
# Each suite run keeps its run history beside its notebooks, not in the user's data dir.
c.ContinuumApp.db_path = str(Path(c.ServerApp.root_dir) / ".continuum" / "runs.db")  # noqa: F821
