import asyncio
import json

import pytest
from tornado.httpclient import HTTPClientError

pytest_plugins = ("pytest_jupyter.jupyter_server",)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "continuum_cluster: serve the continuum API on the session's shared Dask cluster "
        "(remote mode), with quick retries and stops and small size limits",
    )


@pytest.fixture
def jp_server_config(jp_server_config, request):
    continuum = {"threads_per_worker": 1}
    if request.node.get_closest_marker("continuum_cluster"):
        continuum = request.getfixturevalue("continuum_config")
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyterlab_continuum": True},
            # Every endpoint must demand authentication.
            "allow_unauthenticated_access": False,
        },
        "ContinuumApp": continuum,
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


@pytest.fixture(scope="session")
def dask_cluster():
    """A real cluster shaped as the embedded one (an edge-0 and a cloud-0 Nanny process),
    started once and shared: tests that kill or restart a worker wait for it to come back."""
    from distributed import SpecCluster

    from jupyterlab_continuum.orchestrator.engine import PoolSpec, embedded_cluster_spec

    pools = [PoolSpec("edge", 1, "1GiB", 1), PoolSpec("cloud", 1, "1GiB", 1)]
    scheduler, workers = embedded_cluster_spec(pools)
    # Synchronous: its own event loop thread, independent of each test's server loop.
    cluster = SpecCluster(scheduler=scheduler, workers=workers, name="continuum-tests")
    yield cluster
    cluster.close()


@pytest.fixture
def continuum_config(dask_cluster):
    """ContinuumApp settings for tests on the shared cluster."""
    return {
        "scheduler_address": dask_cluster.scheduler_address,
        "retry_backoff_s": 0.2,
        "cancel_grace_s": 1.0,
        "max_body_bytes": 256 * 1024,
        "max_source_bytes": 16 * 1024,
    }


class ContinuumAPI:
    """The continuum REST API of the test server, with bounded waits on its state."""

    TERMINAL = ("succeeded", "failed", "cancelled")

    def __init__(self, fetch):
        self._fetch = fetch

    async def call(self, method, path, body=None, headers=None, params=None):
        """``(status, JSON body or None)``, 4xx included."""
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        if body is None and method in ("POST", "PUT"):
            body = ""
        parts = ("continuum", "api", "v1", *path.strip("/").split("/"))
        try:
            response = await self._fetch(
                *parts, method=method, body=body, headers=headers, params=params
            )
        except HTTPClientError as err:
            response = err.response
            if response is None:
                raise
        return response.code, json.loads(response.body) if response.body else None

    async def ok(self, method, path, body=None, expect=200, **kwargs):
        status, payload = await self.call(method, path, body, **kwargs)
        assert status == expect, (status, payload)
        return payload

    async def submit(self, spec, **kwargs):
        return await self.ok("POST", "runs", spec, expect=201, **kwargs)

    async def run(self, run_id):
        return await self.ok("GET", f"runs/{run_id}")

    async def wait_run(self, run_id, timeout=60):
        """The run's snapshot once it is finished."""

        async def finished():
            run = await self.run(run_id)
            return run if run["state"] in self.TERMINAL else None

        return await until(finished, timeout, f"run {run_id} did not finish")

    async def wait_node(self, run_id, node_id, states, timeout=60):
        async def reached():
            run = await self.run(run_id)
            node = next(n for n in run["nodes"] if n["id"] == node_id)
            return node if node["state"] in states else None

        return await until(reached, timeout, f"node {node_id} never reached {states}")

    async def ready(self, placements=("edge", "cloud"), timeout=90):
        """Wait until each placement has a running worker (after a kill or restart)."""

        async def available():
            status, body = await self.call("GET", "placements")
            if status != 200:
                return None
            ready = {p["name"] for p in body["placements"] if p["available"]}
            return set(placements) <= ready or None

        await until(available, timeout, f"placements {placements} never became available")


async def until(probe, timeout, message, interval=0.1):
    """Poll ``probe`` (async) until it returns something truthy; fail after ``timeout`` s."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        value = await probe()
        if value:
            return value
        await asyncio.sleep(interval)
    pytest.fail(f"{message} within {timeout} s")


@pytest.fixture
def continuum_api(jp_fetch, continuum_service):
    return ContinuumAPI(jp_fetch)
