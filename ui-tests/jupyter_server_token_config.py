"""A second server for the Galata tests, protected as a real one is: a token and XSRF checks.

Galata's own server turns both off, so a request without credentials or without the XSRF
header would pass there unnoticed; the tests that use this server would fail.
"""

import os
from pathlib import Path
from tempfile import mkdtemp

TOKEN = "continuum-e2e-token"

c.ServerApp.allow_root = True  # noqa: F821  (CI runs as root)
c.ServerApp.open_browser = False  # noqa: F821
c.ServerApp.port = int(os.environ.get("GALATA_PORT", "8888")) + 100  # noqa: F821
c.ServerApp.port_retries = 0  # noqa: F821
c.ServerApp.root_dir = mkdtemp(prefix="continuum-token-")  # noqa: F821
c.ServerApp.disable_check_xsrf = False  # noqa: F821
c.IdentityProvider.token = TOKEN  # noqa: F821
c.LabApp.expose_app_in_browser = True  # noqa: F821
c.LabApp.workspaces_dir = mkdtemp(prefix="continuum-token-workspaces-")  # noqa: F821
c.ContinuumApp.db_path = str(Path(c.ServerApp.root_dir) / ".continuum" / "runs.db")  # noqa: F821
