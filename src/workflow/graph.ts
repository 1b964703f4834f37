/**
 * The dependency graph of a notebook's nodes: node ids joined by their `after` edges.
 *
 * An edge `a → b` means "b runs after a" (b's `after` lists a). Every walk is iterative and
 * O(V + E), so graphs of tens of thousands of nodes, or thousands deep, are fine. Where there is
 * a choice, results follow notebook order, so they are deterministic.
 */

import { isNode, withoutNode } from './metadata';
import { ICellInfo, INodeMetadata } from './types';

/** The nodes of a notebook and their edges, as `buildGraph` makes them. */
export interface IGraph {
  /** Node ids in notebook order. */
  readonly nodes: readonly string[];
  /** For each node, the nodes it runs after (its `after`, limited to nodes). */
  readonly parents: ReadonlyMap<string, readonly string[]>;
  /** For each node, the nodes that run after it. */
  readonly children: ReadonlyMap<string, readonly string[]>;
}

/** Every node placed after all the nodes it runs after. */
export interface IOrder {
  order: string[];
}

/**
 * A cycle that prevents any order, as a path of edges that ends where it starts:
 * `[a, b, a]` is `a → b → a`. It starts at its node that comes first in the notebook.
 */
export interface ICycle {
  cycle: string[];
}

/**
 * The graph of the node cells (tagged code cells that are not setup). Edges come from `after`;
 * ids there that are not nodes are ignored (validation reports them). When cells share an id,
 * the first one is the node.
 */
export function buildGraph(cells: readonly ICellInfo[]): IGraph {
  const nodeCells = new Map<string, ICellInfo>();
  for (const cell of cells) {
    if (isNode(cell) && !nodeCells.has(cell.id)) {
      nodeCells.set(cell.id, cell);
    }
  }
  const ids = new Set(nodeCells.keys());
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  for (const id of ids) {
    parents.set(id, dependenciesOf(nodeCells.get(id)!, ids));
    children.set(id, []);
  }
  for (const [id, ofNode] of parents) {
    for (const parent of ofNode) {
      children.get(parent)!.push(id);
    }
  }
  return { nodes: Array.from(ids), parents, children };
}

/** A cell's `after` ids that are in `nodeIds`, each once, in their given order. */
export function dependenciesOf(
  cell: Pick<ICellInfo, 'continuum'>,
  nodeIds: ReadonlySet<string>
): string[] {
  const after = cell.continuum?.after ?? [];
  return Array.from(new Set(after)).filter(id => nodeIds.has(id));
}

/**
 * The nodes in an order that runs every node after those it depends on, or a cycle when there
 * is none. Nodes already in a valid order keep their notebook order.
 */
export function topologicalOrder(graph: IGraph): IOrder | ICycle {
  const order: string[] = [];
  // Absent: not reached yet; false: on the current path; true: placed in `order`.
  const placed = new Map<string, boolean>();
  for (const root of graph.nodes) {
    if (placed.has(root)) {
      continue;
    }
    // Depth-first along parents: place a node once all its parents are placed.
    const path = [root];
    const nextParent = [0];
    placed.set(root, false);
    while (path.length > 0) {
      const top = path.length - 1;
      const node = path[top];
      const parents = graph.parents.get(node)!;
      if (nextParent[top] === parents.length) {
        path.pop();
        nextParent.pop();
        placed.set(node, true);
        order.push(node);
        continue;
      }
      const parent = parents[nextParent[top]++];
      const state = placed.get(parent);
      if (state === undefined) {
        placed.set(parent, false);
        path.push(parent);
        nextParent.push(0);
      } else if (state === false) {
        // `path` runs from `parent` down to `node` against the edges; `node` runs after `parent`.
        const loop = path.slice(path.lastIndexOf(parent) + 1).reverse();
        return {
          cycle: startFirstInNotebook(graph, [parent, ...loop, parent])
        };
      }
    }
  }
  return { order };
}

/**
 * The cycle that adding the edge `source → target` (target runs after source) would close, as
 * `[source, target, …, source]` (shortest such), or null when the edge is safe to add.
 */
export function findCyclePath(
  graph: IGraph,
  source: string,
  target: string
): string[] | null {
  if (!graph.children.has(source) || !graph.children.has(target)) {
    return null;
  }
  // Breadth-first from target along edges; the edge closes a cycle iff source is reached.
  const cameFrom = new Map<string, string>([[target, target]]);
  const queue = [target];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head];
    if (node === source) {
      const path = [source];
      for (let step = source; step !== target;) {
        step = cameFrom.get(step)!;
        path.push(step);
      }
      return [source, ...path.reverse()];
    }
    for (const child of graph.children.get(node)!) {
      if (!cameFrom.has(child)) {
        cameFrom.set(child, node);
        queue.push(child);
      }
    }
  }
  return null;
}

/** The nodes `id` runs after, directly or not, in notebook order (`id` excluded). */
export function upstream(graph: IGraph, id: string): string[] {
  return reachable(graph, graph.parents, id);
}

/** The nodes that run after `id`, directly or not, in notebook order (`id` excluded). */
export function downstream(graph: IGraph, id: string): string[] {
  return reachable(graph, graph.children, id);
}

/**
 * What deleting (or untagging) the cell `id` changes in the other cells: for each tagged cell
 * whose `after` lists it, its new metadata, by cell id in notebook order.
 */
export function removeNodeEverywhere(
  cells: readonly ICellInfo[],
  id: string
): Map<string, INodeMetadata> {
  const patches = new Map<string, INodeMetadata>();
  for (const cell of cells) {
    if (cell.id === id || !cell.continuum) {
      continue;
    }
    const patched = withoutNode(cell.continuum, id);
    if (patched !== cell.continuum) {
      patches.set(cell.id, patched);
    }
  }
  return patches;
}

function reachable(
  graph: IGraph,
  edges: ReadonlyMap<string, readonly string[]>,
  id: string
): string[] {
  const seen = new Set<string>();
  const stack = [...(edges.get(id) ?? [])];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (!seen.has(node)) {
      seen.add(node);
      for (const next of edges.get(node)!) {
        stack.push(next);
      }
    }
  }
  seen.delete(id);
  return graph.nodes.filter(node => seen.has(node));
}

/** `cycle` (closed: last id = first id) rotated to start at its earliest node in the notebook. */
function startFirstInNotebook(graph: IGraph, cycle: string[]): string[] {
  const members = new Set(cycle);
  const first = graph.nodes.find(node => members.has(node))!;
  const open = cycle.slice(0, -1);
  const at = open.indexOf(first);
  return [...open.slice(at), ...open.slice(0, at), first];
}
