"""JupyterLab extension and orchestrator for workflows across the cloud-edge continuum."""

try:
    from ._version import __version__
except ImportError:  # pragma: no cover - only outside an installed package
    import warnings

    warnings.warn("Importing 'jupyterlab_continuum' outside a proper installation.", stacklevel=2)
    __version__ = "dev"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyterlab-continuum"}]


def _jupyter_server_extension_points():
    from .app import ContinuumApp

    return [{"module": "jupyterlab_continuum", "app": ContinuumApp}]
