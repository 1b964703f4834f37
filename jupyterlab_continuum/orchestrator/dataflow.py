"""Which variables travel along which edges (DESIGN §3.2).

The frontend's spec carries sources and dependencies, not names, so the names are found here:
a node imports each name it uses from its nearest ancestor that defines it, and exports the
names its descendants import from it. Names no ancestor defines come from the setup cells, or
are the user's NameError.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .analysis import analyze_cells
from .graph import topological_order


@dataclass
class NodeFlow:
    imports: dict[str, str] = field(default_factory=dict)  # name -> providing node id
    exports: set[str] = field(default_factory=set)

    @property
    def providers(self) -> list[str]:
        return sorted(set(self.imports.values()))


def plan_dataflow(spec: dict[str, Any]) -> dict[str, NodeFlow]:
    """Per node of a valid, normalized spec: what it imports (from whom) and exports."""
    deps = {node["id"]: node["depends_on"] for node in spec["nodes"]}
    order = topological_order(deps)
    position = {node_id: i for i, node_id in enumerate(order)}
    facts = cell_facts(spec.get("setup", []), spec["nodes"])
    flows = {node_id: NodeFlow() for node_id in deps}
    # visible[n]: each name some ancestor of n defines -> the nearest such ancestor. Where two
    # branches both define it, the later one in topological order wins, deterministically.
    visible: dict[str, dict[str, str]] = {}
    for node_id in order:
        seen: dict[str, str] = {}
        for parent in deps[node_id]:
            offered = {**visible[parent], **dict.fromkeys(facts[parent][0], parent)}
            for name, provider in offered.items():
                if name not in seen or position[provider] > position[seen[name]]:
                    seen[name] = provider
        visible[node_id] = seen
        for name in facts[node_id][1] & seen.keys():
            flows[node_id].imports[name] = seen[name]
            flows[seen[name]].exports.add(name)
    return flows


def cell_facts(setup: list[str], nodes: list[dict[str, Any]]) -> dict[str, tuple[set, set]]:
    """``{node id: (defines, uses)}`` from the dependency analysis."""
    cells = [{"id": f"setup-{i}", "source": s, "role": "setup"} for i, s in enumerate(setup)]
    cells += [{"id": node["id"], "source": node["source"], "role": "node"} for node in nodes]
    analysed = analyze_cells(cells)["cells"][len(setup) :]
    return {cell["id"]: (set(cell["defines"]), set(cell["uses"])) for cell in analysed}
