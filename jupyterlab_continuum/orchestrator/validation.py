"""Workflow spec validation: the JSON Schema contract, size limits, then graph checks.

``find_problems`` lists everything wrong (``POST /validate``); ``check_spec`` refuses a spec
with the first problem's code as the reason (``POST /runs``), or returns it with defaults
filled in. Placements are checked apart: they need the engine.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator

from .errors import Invalid, PayloadTooLarge
from .graph import find_cycle

SCHEMA_PATH = Path(__file__).parent.parent / "spec" / "workflow.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
_NODE_DEFAULTS = {"depends_on": [], "retries": 0, "timeout_s": None}


def _inline_refs(schema: Any, defs: dict[str, Any]) -> Any:
    """``schema`` with its local ``#/$defs/...`` references replaced by what they name.

    The same constraints, errors and messages; resolving a reference per node id, placement
    and dependency took half the validation time of a 1,000-node workflow.
    """
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if len(schema) == 1 and isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline_refs(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline_refs(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline_refs(item, defs) for item in schema]
    return schema


_INLINED = _inline_refs(SCHEMA, SCHEMA.get("$defs", {}))
_VALIDATOR = Draft202012Validator(_INLINED)
# The same draft, compiled (Rust): it accepts a 1,000-node spec in under a millisecond, where
# jsonschema takes 100-250 ms before the run can start. What it does not accept, jsonschema
# decides and words (see _accepted).
_FAST_VALIDATOR = jsonschema_rs.Draft202012Validator(_INLINED)


def find_problems(
    spec: Any, *, max_source_bytes: int, placements: set[str] | None = None
) -> list[dict[str, Any]]:
    """Every problem of ``spec``, each ``{node_id?, path, code, message}``.

    ``placements`` are those the engine offers now; None skips that check.
    """
    problems = _size_problems(spec, max_source_bytes)
    problems += [_schema_problem(spec, error) for error in _schema_errors(spec)]
    if problems:  # graph checks need a well-formed spec
        return problems
    nodes = spec["nodes"]
    ids = [node["id"] for node in nodes]
    first: dict[str, int] = {}
    for index, node_id in enumerate(ids):
        if node_id in first:
            problems.append(
                _problem(
                    "duplicate_id",
                    f"/nodes/{index}/id",
                    f"node id {node_id!r} is used by nodes {first[node_id]} and {index}",
                    node_id,
                )
            )
        first.setdefault(node_id, index)
    for index, node in enumerate(nodes):
        for dep_index, dep in enumerate(node.get("depends_on", [])):
            if dep not in first:
                problems.append(
                    _problem(
                        "unknown_dependency",
                        f"/nodes/{index}/depends_on/{dep_index}",
                        f"node {node['id']!r} depends on {dep!r}, which is not in the workflow",
                        node["id"],
                    )
                )
    if not problems:
        cycle = find_cycle({node["id"]: node.get("depends_on", []) for node in nodes})
        if cycle:
            problems.append(
                _problem(
                    "cycle",
                    f"/nodes/{first[cycle[0]]}/depends_on",
                    "the dependencies form a cycle: " + " → ".join(cycle),
                    cycle[0],
                )
            )
    if placements is not None:
        problems += placement_problems(nodes, placements)
    return problems


def placement_problems(nodes: list[dict[str, Any]], placements: set[str]) -> list[dict[str, Any]]:
    """Nodes whose placement no worker offers: refused, or they would wait forever."""
    offered = ", ".join(sorted(placements)) or "none"
    return [
        _problem(
            "unknown_placement",
            f"/nodes/{index}/placement",
            f"node {node['id']!r} needs placement {node['placement']!r}, which no worker "
            f"offers (offered: {offered})",
            node["id"],
        )
        for index, node in enumerate(nodes)
        if node["placement"] not in placements
    ]


def check_spec(spec: Any, *, max_source_bytes: int) -> dict[str, Any]:
    """``spec`` with defaults filled in, or the error of its first problem."""
    raise_for(find_problems(spec, max_source_bytes=max_source_bytes))
    return normalize(spec)


def raise_for(problems: list[dict[str, Any]]) -> None:
    """Refuse with the first problem's code as the reason, and every problem in details."""
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        error = PayloadTooLarge if first["code"] == "source_too_large" else Invalid
        raise error(first["code"], first["message"] + more, problems)


def normalize(spec: dict[str, Any]) -> dict[str, Any]:
    """A valid spec (a copy) with the schema's defaults made explicit."""
    spec = json.loads(json.dumps(spec))  # JSON data: a third of copy.deepcopy's time
    spec.setdefault("setup", [])
    for node in spec["nodes"]:
        for key, default in _NODE_DEFAULTS.items():
            node.setdefault(key, list(default) if isinstance(default, list) else default)
        node.setdefault("label", node["id"])
    return spec


def _schema_errors(spec: Any) -> list:
    if _accepted(spec):
        return []
    return sorted(_VALIDATOR.iter_errors(spec), key=lambda e: list(map(str, e.absolute_path)))


def _accepted(spec: Any) -> bool:
    """Whether the fast validator accepts ``spec``, parsed JSON. It is stricter than jsonschema
    in places (``$`` before a final newline, NaN) and raises on what Rust strings refuse (lone
    surrogates): there jsonschema's word is the one that counts, as before."""
    try:
        return _FAST_VALIDATOR.is_valid(spec)
    except Exception:
        return False


def _schema_problem(spec: Any, error) -> dict[str, Any]:
    path = list(error.absolute_path)
    node_id = None
    if len(path) >= 2 and path[0] == "nodes" and isinstance(path[1], int):
        node = spec["nodes"][path[1]]
        candidate = node.get("id") if isinstance(node, dict) else None
        node_id = candidate if isinstance(candidate, str) else None
    if path == ["nodes"] and error.validator == "minItems":
        code = "empty_workflow"
        message = "the workflow has no nodes"
    elif error.validator in ("pattern", "minLength", "maxLength") and _is_id_path(path):
        code = "invalid_id"
        message = (
            f"{error.instance!r} is not a valid node id "
            "(1 to 64 letters, digits, '-' or '_', as notebook cell ids are)"
        )
    else:
        code = "schema"
        message = f"{_pointer(path) or 'the workflow'}: {error.message}"
    return _problem(code, _pointer(path), message, node_id)


def _is_id_path(path: list) -> bool:
    return (len(path) == 3 and path[2] == "id") or (len(path) == 4 and path[2] == "depends_on")


def _size_problems(spec: Any, max_source_bytes: int) -> list[dict[str, Any]]:
    """Sources over the limit, found before the schema so they get their own status."""
    if not isinstance(spec, dict):
        return []
    sources: list[tuple[str, Any, str | None]] = []
    nodes = spec.get("nodes")
    for index, node in enumerate(nodes if isinstance(nodes, list) else []):
        if isinstance(node, dict):
            node_id = node.get("id") if isinstance(node.get("id"), str) else None
            sources.append((f"/nodes/{index}/source", node.get("source"), node_id))
    setup = spec.get("setup")
    for index, source in enumerate(setup if isinstance(setup, list) else []):
        sources.append((f"/setup/{index}", source, None))
    problems = []
    for path, source, node_id in sources:
        if isinstance(source, str) and len(source.encode("utf-8", "replace")) > max_source_bytes:
            problems.append(
                _problem(
                    "source_too_large",
                    path,
                    f"{path} is larger than the limit of {max_source_bytes} bytes",
                    node_id,
                )
            )
    return problems


def _problem(code: str, path: str, message: str, node_id: str | None) -> dict[str, Any]:
    problem = {"path": path, "code": code, "message": message}
    if node_id is not None:
        problem["node_id"] = node_id
    return problem


def _pointer(path: list) -> str:
    """A JSON Pointer (RFC 6901) to the offending value."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)
