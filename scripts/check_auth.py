"""Fail when any endpoint of the extension can be reached without authentication.

With unauthenticated access disallowed, Jupyter Server warns about every handler verb
that lacks an authentication decorator; this turns such a warning into a failure.
"""

import sys
import warnings

from jupyter_server.serverapp import ServerApp
from jupyter_server.utils import JupyterServerAuthWarning

app = ServerApp(
    allow_unauthenticated_access=False,
    allow_root=True,
    jpserver_extensions={"jupyterlab_continuum": True},
    # An extension that fails to load must fail here, not pass as "nothing to report".
    reraise_server_extension_failures=True,
)

with warnings.catch_warnings(record=True) as records:
    warnings.simplefilter("always")
    app.initialize(argv=[], find_extensions=False, new_httpserver=False)

problems = [
    str(record.message)
    for record in records
    if issubclass(record.category, JupyterServerAuthWarning)
]
if problems:
    sys.exit(
        "\n".join(problems)
        + "\n\nAdd @tornado.web.authenticated (or @ws_authenticated for WebSockets)"
        " to the verb methods listed above."
    )

routes = [
    rule.matcher.regex.pattern
    for rule in app.web_app.default_router.rules[0].target.rules
    if "continuum" in rule.matcher.regex.pattern
]
if not routes:
    sys.exit("The continuum routes were not registered: nothing was checked.")
print(f"All {len(routes)} continuum endpoints require authentication.")
