"""Server configuration for the Galata tests.

Never use it in production: it disables every security protection.
"""

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821
c.ServerApp.allow_root = True  # noqa: F821  (CI runs as root)
