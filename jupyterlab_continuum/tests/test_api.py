"""The REST contract: authentication, the OpenAPI document, and bad input as specific 4xx."""

import json
import re
from pathlib import Path

import nbformat
import pytest
from tornado.httpclient import HTTPClientError

from jupyterlab_continuum.handlers import API_PREFIX, OPENAPI_PATH, route_table

NOTEBOOKS = Path(__file__).parent / "notebooks"

pytestmark = pytest.mark.continuum_cluster

VERBS = ("get", "post", "put", "patch", "delete")


def openapi_path(pattern):
    """A route pattern as an OpenAPI path: ``runs/(?P<run_id>[^/]+)`` -> ``runs/{run_id}``."""
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern.removeprefix(API_PREFIX))


def implemented_verbs(handler):
    from tornado.web import RequestHandler

    return {
        verb
        for verb in VERBS
        if getattr(handler, verb) is not getattr(RequestHandler, verb, None)
        and getattr(handler, verb) is not RequestHandler._unimplemented_method
    }


def spec(*nodes, **extra):
    return {"name": "w", "nodes": list(nodes), **extra}


def node(node_id, placement="edge", source="x = 1", **extra):
    return {"id": node_id, "source": source, "placement": placement, **extra}


def test_openapi_document_matches_the_routes():
    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    assert document["openapi"].startswith("3.1")
    routes = {openapi_path(pattern): handler for pattern, handler in route_table()}

    assert set(routes) == set(document["paths"])
    for path, handler in routes.items():
        documented = set(document["paths"][path]) & set(VERBS)
        assert documented == implemented_verbs(handler), path
        for verb in documented:
            assert "403" in document["paths"][path][verb]["responses"], (path, verb)


def test_every_route_is_authenticated(jp_serverapp):
    """The check jupyter_server itself makes (JupyterServerAuthWarning) finds nothing."""
    for pattern, handler in route_table():
        assert jp_serverapp.web_app._check_handler_auth(pattern, handler) == [], pattern


@pytest.mark.parametrize(("pattern", "handler"), route_table())
async def test_every_route_refuses_requests_without_credentials(
    jp_fetch, jp_ws_fetch, pattern, handler
):
    path = pattern.removeprefix("/")
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", "some-id", path)
    verbs = ["get"] if handler.__name__ == "EventsHandler" else sorted(implemented_verbs(handler))
    for verb in verbs:
        with pytest.raises(HTTPClientError) as err:
            if handler.__name__ == "EventsHandler":
                await jp_ws_fetch(*path.split("/"), headers={"Authorization": ""})
            else:
                body = "{}" if verb == "post" else None
                await jp_fetch(
                    *path.split("/"),
                    method=verb.upper(),
                    body=body,
                    headers={"Authorization": ""},
                )
        assert err.value.code == 403, (verb, path)


async def test_openapi_is_served_and_self_contained(continuum_api):
    document = await continuum_api.ok("GET", "openapi.json")
    assert set(document["paths"]) == {openapi_path(p) for p, _ in route_table()}
    workflow = document["components"]["schemas"]["WorkflowSpec"]
    assert workflow["title"] == "Continuum workflow"


async def test_placements_reflect_the_workers(continuum_api):
    await continuum_api.ready()
    body = await continuum_api.ok("GET", "placements")
    assert body["engine"] == "remote"
    placements = {p["name"]: p for p in body["placements"]}
    assert set(placements) == {"edge", "cloud"}
    (edge_worker,) = placements["edge"]["workers"]
    assert edge_worker["name"] == "edge-0"
    assert edge_worker["resources"] == {"edge": 1}
    assert edge_worker["threads"] == 1
    assert edge_worker["memory_limit"] == 1024**3
    assert placements["edge"]["available"] is True


async def test_health_reports_the_remote_engine(continuum_api, dask_cluster):
    health = await continuum_api.ok("GET", "health")
    assert health["engine"]["kind"] == "remote"
    assert health["engine"]["scheduler_address"] == dask_cluster.scheduler_address


async def test_analyze_infers_the_edges_of_a_realistic_notebook(continuum_api):
    notebook = nbformat.read(NOTEBOOKS / "churn_pipeline.ipynb", as_version=4)
    cells = [
        {
            "id": cell.id,
            "source": cell.source,
            "role": cell.metadata.get("continuum", {}).get("role", "node")
            if "continuum" in cell.metadata
            else None,
        }
        for cell in notebook.cells
        if cell.cell_type == "code"
    ]

    result = await continuum_api.ok("POST", "analyze", {"cells": cells})

    edges = {(e["source"], e["target"]): e["variables"] for e in result["edges"]}
    assert edges[("train", "evaluate")] == ["model"]
    assert edges[("split", "train")] == ["X_train", "y_train"]
    assert [p["variables"] for p in result["problems"]] == [["DATA_URL"], ["TEST_SIZE"]]


async def test_analyze_reports_a_syntax_error_on_its_cell_not_as_a_failure(continuum_api):
    body = {"cells": [{"id": "a", "source": "x = (1,"}, {"id": "b", "source": "y = 2"}]}
    result = await continuum_api.ok("POST", "analyze", body)
    broken, fine = result["cells"]
    assert broken["error"]["line"] == 1
    assert fine == {"id": "b", "defines": ["y"], "uses": [], "error": None}
    status, error = await continuum_api.call("POST", "analyze", {"cells": "nope"})
    assert (status, error["reason"]) == (422, "invalid_body")


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ("{not json", 400, "invalid_json"),
        ("[1, 2]", 400, "not_an_object"),
        ('"text"', 400, "not_an_object"),
        ("", 400, "empty_body"),
        ("{" + " " * 300 * 1024 + "}", 413, "body_too_large"),
        (spec(node("big", source="x = 1\n" * 4000)), 413, "source_too_large"),
        ({"name": "w"}, 422, "schema"),
        (spec(node("a", placement="")), 422, "schema"),
        (spec(node("a", retries=-1)), 422, "schema"),
        (spec(), 422, "empty_workflow"),
        (spec(node("bad id!")), 422, "invalid_id"),
        (spec(node("a", depends_on=["no such/id"])), 422, "invalid_id"),
        (spec(node("a"), node("a")), 422, "duplicate_id"),
        (spec(node("a", depends_on=["ghost"])), 422, "unknown_dependency"),
        (spec(node("a", depends_on=["a"])), 422, "cycle"),
        (spec(node("gpu-node", placement="gpu")), 422, "unknown_placement"),
    ],
)
async def test_bad_submissions_are_refused_and_nothing_is_stored(
    continuum_api, body, status, reason
):
    got, error = await continuum_api.call("POST", "runs", body)

    assert (got, error["reason"]) == (status, reason), error
    assert set(error) == {"message", "reason", "details"}
    assert (await continuum_api.ok("GET", "runs"))["total"] == 0


async def test_a_cycle_is_named_by_its_path(continuum_api):
    body = spec(
        node("a", depends_on=["c"]), node("b", depends_on=["a"]), node("c", depends_on=["b"])
    )
    status, error = await continuum_api.call("POST", "runs", body)
    assert status == 422
    assert error["message"] == "the dependencies form a cycle: a → c → b → a"
    assert error["details"][0]["code"] == "cycle"


async def test_schema_errors_list_their_paths(continuum_api):
    body = {"name": "", "nodes": [{"id": "a", "source": 1, "placement": "edge"}], "extra": True}
    status, error = await continuum_api.call("POST", "runs", body)
    assert status == 422
    paths = {detail["path"] for detail in error["details"]}
    assert {"", "/name", "/nodes/0/source"} <= paths
    assert next(d for d in error["details"] if d["path"] == "/nodes/0/source")["node_id"] == "a"


async def test_validate_lists_every_problem(continuum_api):
    body = spec(
        node("a", placement="moon"), node("b", depends_on=["ghost"]), node("b"), setup=["x = 1"]
    )
    result = await continuum_api.ok("POST", "validate", body)
    assert result["valid"] is False
    assert {e["code"] for e in result["errors"]} == {
        "duplicate_id",
        "unknown_dependency",
        "unknown_placement",
    }
    ok = await continuum_api.ok("POST", "validate", spec(node("a"), node("b", "cloud")))
    assert ok == {"valid": True, "errors": []}


async def test_unknown_runs_and_nodes_are_404(continuum_api):
    for method, path in [
        ("GET", "runs/nope"),
        ("DELETE", "runs/nope"),
        ("GET", "runs/nope/events"),
        ("GET", "runs/nope/nodes/a/outputs"),
        ("POST", "runs/nope/cancel"),
        ("POST", "runs/nope/retry"),
    ]:
        status, error = await continuum_api.call(method, path)
        assert (status, error["reason"]) == (404, "run_not_found"), (method, path)
    with pytest.raises(HTTPClientError) as err:
        await continuum_api._fetch(
            "continuum", "api", "v1", "events", params={"run_id": "nope"}, method="GET"
        )
    assert err.value.code == 404  # not a WebSocket request, but the run check comes first


async def test_actions_invalid_in_the_current_state_are_409(continuum_api):
    await continuum_api.ready()
    api = continuum_api
    run = await api.submit(spec(node("slow", source="import time\ntime.sleep(1.5)")))

    for method, path, reason in [
        ("DELETE", f"runs/{run['id']}", "invalid_state"),
        ("POST", f"runs/{run['id']}/retry", "invalid_state"),
    ]:
        status, error = await api.call(method, path)
        assert (status, error["reason"]) == (409, reason), (method, path)
    status, error = await api.call("GET", f"runs/{run['id']}/nodes/ghost/outputs")
    assert (status, error["reason"]) == (404, "node_not_found")

    finished = await api.wait_run(run["id"])
    assert finished["state"] == "succeeded"
    for method, path, reason in [
        ("POST", f"runs/{run['id']}/cancel", "invalid_state"),
        ("POST", f"runs/{run['id']}/retry", "nothing_to_retry"),
    ]:
        status, error = await api.call(method, path)
        assert (status, error["reason"]) == (409, reason), (method, path)
    for body, status, reason in [
        ({"node_ids": "slow"}, 422, "invalid_body"),
        ({"surprise": 1}, 422, "invalid_body"),
        ({"node_ids": ["ghost"]}, 422, "unknown_node"),
        ({"sources": {"slow": "x = 1\n" * 4000}}, 413, "source_too_large"),
        ("[]", 400, "not_an_object"),
    ]:
        got, error = await api.call("POST", f"runs/{run['id']}/retry", body)
        assert (got, error["reason"]) == (status, reason), body

    await api.ok("DELETE", f"runs/{run['id']}", expect=204)
    status, _ = await api.call("GET", f"runs/{run['id']}")
    assert status == 404


async def test_runs_are_listed_newest_first_with_pagination(continuum_api):
    await continuum_api.ready()
    ids = [(await continuum_api.submit(spec(node("n", source=f"x = {i}"))))["id"] for i in range(3)]
    page = await continuum_api.ok("GET", "runs", params={"limit": 2})
    assert page["total"] == 3
    assert [r["id"] for r in page["runs"]] == ids[::-1][:2]
    rest = await continuum_api.ok("GET", "runs", params={"limit": 2, "offset": 2})
    assert [r["id"] for r in rest["runs"]] == ids[:1]
    status, error = await continuum_api.call("GET", "runs", params={"limit": 0})
    assert (status, error["reason"]) == (400, "invalid_parameter")
    for run_id in ids:
        await continuum_api.wait_run(run_id)
