"""Walks over a workflow's dependency graph, given as ``{node: [the nodes it depends on]}``.

Every function keeps the nodes' given order wherever it has a choice, so results (and error
messages) are deterministic. Walks are iterative: workflows may be thousands of nodes deep.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

Deps = Mapping[str, Sequence[str]]


def find_cycle(deps: Deps) -> list[str] | None:
    """The first cycle found, as a path that ends where it starts (``[a, b, a]``), or None.

    Dependencies on nodes missing from ``deps`` are ignored (they are reported elsewhere).
    """
    done: set[str] = set()
    for root in deps:
        if root in done:
            continue
        path = [root]
        stack = [iter(deps[root])]
        while stack:
            child = next(stack[-1], None)
            if child is None:
                stack.pop()
                done.add(path.pop())
            elif child in path:
                return [*path[path.index(child) :], child]
            elif child in deps and child not in done:
                path.append(child)
                stack.append(iter(deps[child]))
    return None


def topological_order(deps: Deps) -> list[str]:
    """Every node after the nodes it depends on (``deps`` must be acyclic)."""
    order: list[str] = []
    placed: set[str] = set()
    for root in deps:
        stack = [(root, iter(deps[root]))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                if node not in placed:
                    placed.add(node)
                    order.append(node)
            elif child not in placed and child in deps:
                stack.append((child, iter(deps[child])))
    return order


def dependents(deps: Deps) -> dict[str, list[str]]:
    """The reverse graph: ``{node: [the nodes that depend on it]}``."""
    reverse: dict[str, list[str]] = {node: [] for node in deps}
    for node, parents in deps.items():
        for parent in parents:
            reverse[parent].append(node)
    return reverse


def reachable(graph: Deps, roots: Iterable[str]) -> set[str]:
    """The nodes reachable from ``roots`` (excluded unless reachable from another root).

    With ``deps`` this gives ancestors; with ``dependents(deps)``, descendants.
    """
    seen: set[str] = set()
    stack = [child for root in roots for child in graph[root]]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(graph[node])
    return seen
