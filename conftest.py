import pytest

pytest_plugins = ("pytest_jupyter.jupyter_server",)


@pytest.fixture
def jp_server_config(jp_server_config):
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyterlab_continuum": True},
            # Every endpoint must demand authentication.
            "allow_unauthenticated_access": False,
        },
        "ContinuumApp": {"threads_per_worker": 1},
    }


@pytest.fixture
def continuum_service(jp_serverapp, jp_asyncio_loop):
    """The extension's service, started as a real server starts it (engine and all).

    Sync on purpose: pytest-jupyter runs tests on its own loop, which is the server's.
    """
    jp_asyncio_loop.run_until_complete(jp_serverapp.extension_manager.start_all_extensions())
    service = jp_serverapp.web_app.settings["continuum_service"]
    jp_asyncio_loop.run_until_complete(service.engine.wait_running(timeout=120))
    yield service
    jp_asyncio_loop.run_until_complete(service.stop())
