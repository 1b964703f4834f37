import json

import pytest
from tornado.httpclient import HTTPClientError

from jupyterlab_continuum import __version__


async def test_health_reports_version_and_engine(jp_fetch, continuum_service):
    response = await jp_fetch("continuum", "api", "v1", "health")

    assert response.code == 200
    payload = json.loads(response.body)
    assert payload["version"] == __version__
    engine = payload["engine"]
    assert engine["kind"] == "embedded"
    assert engine["status"] == "running", engine
    assert engine["scheduler_address"].startswith("tcp://127.0.0.1:")
    assert engine["versions"]["distributed"]


async def test_health_refuses_requests_without_credentials(jp_fetch):
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("continuum", "api", "v1", "health", headers={"Authorization": ""})
    assert err.value.code == 403
