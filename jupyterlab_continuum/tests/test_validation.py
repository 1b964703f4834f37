"""Spec validation, graph walks and the dataflow plan: pure functions, no server."""

import sys

import pytest

from jupyterlab_continuum.orchestrator import dataflow
from jupyterlab_continuum.orchestrator.dataflow import plan_dataflow
from jupyterlab_continuum.orchestrator.errors import Invalid, PayloadTooLarge
from jupyterlab_continuum.orchestrator.graph import (
    dependents,
    find_cycle,
    reachable,
    topological_order,
)
from jupyterlab_continuum.orchestrator.validation import (
    _VALIDATOR,
    _schema_errors,
    check_spec,
    find_problems,
)


def node(node_id, source="pass", placement="edge", depends_on=(), **extra):
    return {
        "id": node_id,
        "source": source,
        "placement": placement,
        "depends_on": list(depends_on),
        **extra,
    }


def codes(spec, **kwargs):
    kwargs.setdefault("max_source_bytes", 1000)
    return [p["code"] for p in find_problems(spec, **kwargs)]


def test_a_valid_spec_gets_its_defaults():
    spec = check_spec({"name": "w", "nodes": [node("a")]}, max_source_bytes=1000)
    assert spec["setup"] == []
    assert spec["nodes"][0] | {} == {
        **node("a"),
        "label": "a",
        "retries": 0,
        "timeout_s": None,
    }


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ([], ["schema"]),
        ({"name": "w", "nodes": []}, ["empty_workflow"]),
        ({"name": "w", "nodes": [node("a b")]}, ["invalid_id"]),
        ({"name": "w", "nodes": [node("x" * 65)]}, ["invalid_id"]),
        ({"name": "w", "nodes": [node("a"), node("a")]}, ["duplicate_id"]),
        ({"name": "w", "nodes": [node("a", depends_on=["b"])]}, ["unknown_dependency"]),
        ({"name": "w", "nodes": [node("a", source="#" * 1001)]}, ["source_too_large"]),
        ({"name": "w", "nodes": [node("a")], "setup": ["#" * 1001]}, ["source_too_large"]),
        ({"name": "w", "nodes": [node("a", timeout_s=0)]}, ["schema"]),
    ],
)
def test_problems_have_specific_codes(spec, expected):
    assert codes(spec) == expected


def test_cycles_are_reported_with_their_path():
    spec = {"name": "w", "nodes": [node("a", depends_on=["b"]), node("b", depends_on=["a"])]}
    (problem,) = find_problems(spec, max_source_bytes=1000)
    assert problem["message"] == "the dependencies form a cycle: a → b → a"
    assert problem["path"] == "/nodes/0/depends_on"


def test_placements_are_checked_against_what_is_offered():
    spec = {"name": "w", "nodes": [node("a", placement="edge"), node("b", placement="tpu")]}
    (problem,) = find_problems(spec, max_source_bytes=1000, placements={"edge", "cloud"})
    assert problem["code"] == "unknown_placement" and problem["node_id"] == "b"
    assert "offered: cloud, edge" in problem["message"]


def test_check_spec_raises_the_first_problem_with_all_in_details():
    spec = {"name": "w", "nodes": [node("a", depends_on=["x"]), node("a")]}
    with pytest.raises(Invalid) as err:
        check_spec(spec, max_source_bytes=1000)
    assert err.value.code == "duplicate_id"
    assert [d["code"] for d in err.value.details] == ["duplicate_id", "unknown_dependency"]
    with pytest.raises(PayloadTooLarge):
        check_spec({"name": "w", "nodes": [node("a", source="#" * 2000)]}, max_source_bytes=1000)


def test_graph_walks():
    deps = {"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"]}
    assert find_cycle(deps) is None
    assert topological_order(deps) == ["a", "b", "c", "d"]
    assert topological_order({"d": ["b", "c"], "c": ["a"], "b": ["a"], "a": []}) == [
        "a", "b", "c", "d",
    ]  # fmt: skip
    assert dependents(deps) == {"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": []}
    assert reachable(deps, ["d"]) == {"a", "b", "c"}
    assert reachable(dependents(deps), ["b"]) == {"d"}
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["b"]}) == ["b", "c", "b"]
    long_chain = {str(i): [str(i - 1)] if i else [] for i in range(5000)}
    assert topological_order(long_chain)[-1] == "4999"  # no recursion limit


def flows(*nodes, setup=()):
    spec = {"name": "w", "nodes": [n | {"label": n["id"]} for n in nodes], "setup": list(setup)}
    return plan_dataflow(spec)


def test_variables_come_from_the_nearest_ancestor_that_defines_them():
    plan = flows(
        node("load", "import numpy as np\ndata = np.ones(3)\nscale = 2"),
        node("clean", "data = data[data > 0]", depends_on=["load"]),
        node("train", "model = data * scale", depends_on=["clean"]),
        node("side", "unrelated = 1"),
    )
    assert plan["clean"].imports == {"data": "load"}
    assert plan["train"].imports == {"data": "clean", "scale": "load"}
    assert plan["load"].exports == {"data", "scale"}
    assert plan["clean"].exports == {"data"}
    assert plan["train"].exports == set()
    assert plan["side"].imports == {} and plan["train"].providers == ["clean", "load"]


def test_setup_names_and_builtins_are_not_imported():
    plan = flows(
        node("a", "np = None\nlen = 3"),
        node("b", "print(np.zeros(len))", depends_on=["a"]),
        setup=["import numpy as np"],
    )
    assert plan["b"].imports == {"np": "a", "len": "a"}  # a rebinds them: a's values win
    setup = ["import numpy as np"]
    plan = flows(node("a", "x = 1"), node("b", "print(np, x)", depends_on=["a"]), setup=setup)
    assert plan["b"].imports == {"x": "a"}


def test_the_fallback_analysis_when_the_shared_one_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "jupyterlab_continuum.orchestrator.analysis", None)
    plan = flows(
        node("a", "import os.path\nx = 1\ndef f():\n    return x"),
        node("b", "y = f() + x\nprint(y, os.sep)", depends_on=["a"]),
    )
    assert plan["b"].imports == {"f": "a", "x": "a", "os": "a"}
    assert dataflow.cell_facts([], [node("c", "x = (")]) == {"c": (set(), set())}


def _spec(**fields):
    return {"name": "w", "nodes": [node("a", **fields)]}


@pytest.mark.parametrize(
    "spec",
    [
        _spec(),
        _spec(label="x" * 200, retries=10, timeout_s=1.5, resources={"cpu": 0.5, "gpu": 1.0}),
        _spec(resources={"memory": "2 GiB"}),
        {"name": "\U0001f600" * 200, "nodes": [node("a")], "setup": ["import os"]},
        {"name": "\U0001f600" * 201, "nodes": [node("a")]},
        {"name": "w", "nodes": [node("a")], "notebook": {"path": "n.ipynb"}, "extra": 1},
        _spec(retries=True),
        _spec(retries=10**30),
        _spec(timeout_s=float("nan")),
        _spec(timeout_s=float("inf")),
        _spec(resources={"cpu": True}),
        _spec(depends_on=["b", "b"]),
        {"name": "w", "nodes": [node("a\n")]},
        {"name": "w", "nodes": [node("\ud800")]},
        {"name": "w", "nodes": [node("a", source="\ud800")]},
        {"name": "w", "nodes": [{**node("a"), 1: 2}]},
    ],
)
def test_the_schema_check_decides_as_jsonschema_does(spec):
    """The compiled validator's fast acceptance never lets through what jsonschema refuses."""
    assert (_schema_errors(spec) == []) == _VALIDATOR.is_valid(spec)
