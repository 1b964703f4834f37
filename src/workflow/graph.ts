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
  /** The position of each node id in `nodes`. */
  readonly index: ReadonlyMap<string, number>;
  /**
   * The edges by position in `nodes`: the parents of node `i` are
   * `parentIndex[parentStart[i]]` to `parentIndex[parentStart[i + 1] - 1]`, in `after` order.
   */
  readonly parentStart: Int32Array;
  readonly parentIndex: readonly number[];
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
  const nodes: string[] = [];
  const index = new Map<string, number>();
  const nodeCells: ICellInfo[] = [];
  for (const cell of cells) {
    if (isNode(cell) && !index.has(cell.id)) {
      index.set(cell.id, nodes.length);
      nodes.push(cell.id);
      nodeCells.push(cell);
    }
  }
  // Edges by position, with no Map or array per node: this runs before every deploy and
  // validation, on workflows of thousands of nodes.
  const parentStart = new Int32Array(nodes.length + 1);
  const parentIndex: number[] = [];
  // listedBy[p] === i + 1 once node i lists p: drops repeated `after` ids.
  const listedBy = new Int32Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) {
    parentStart[i] = parentIndex.length;
    for (const id of nodeCells[i].continuum?.after ?? []) {
      const parent = index.get(id);
      if (parent !== undefined && listedBy[parent] !== i + 1) {
        listedBy[parent] = i + 1;
        parentIndex.push(parent);
      }
    }
  }
  parentStart[nodes.length] = parentIndex.length;
  return new Graph(nodes, index, parentStart, parentIndex);
}

/** An `IGraph` whose id-keyed maps are built on first use (ordering needs none). */
class Graph implements IGraph {
  constructor(
    readonly nodes: readonly string[],
    readonly index: ReadonlyMap<string, number>,
    readonly parentStart: Int32Array,
    readonly parentIndex: readonly number[]
  ) {}

  get parents(): ReadonlyMap<string, readonly string[]> {
    if (!this._parents) {
      const { nodes, parentStart, parentIndex } = this;
      this._parents = new Map(
        nodes.map((id, i) => [
          id,
          parentIndex
            .slice(parentStart[i], parentStart[i + 1])
            .map(parent => nodes[parent])
        ])
      );
    }
    return this._parents;
  }

  get children(): ReadonlyMap<string, readonly string[]> {
    if (!this._children) {
      const { nodes, parentStart, parentIndex } = this;
      const children = new Map<string, string[]>(nodes.map(id => [id, []]));
      for (let i = 0; i < nodes.length; i++) {
        for (let k = parentStart[i]; k < parentStart[i + 1]; k++) {
          children.get(nodes[parentIndex[k]])!.push(nodes[i]);
        }
      }
      this._children = children;
    }
    return this._children;
  }

  private _parents: ReadonlyMap<string, readonly string[]> | null = null;
  private _children: ReadonlyMap<string, readonly string[]> | null = null;
}

/**
 * A cell's `after` ids that are in `nodeIds`, each once, in their given order.
 */
export function dependenciesOf(
  cell: Pick<ICellInfo, 'continuum'>,
  nodeIds: { has(id: string): boolean }
): string[] {
  const after = cell.continuum?.after ?? [];
  const ids: string[] = [];
  // Lists are short: scanning what is kept beats a Set; long ones get one.
  const kept = after.length > 16 ? new Set<string>() : null;
  for (const id of after) {
    if (nodeIds.has(id) && !(kept ? kept.has(id) : ids.includes(id))) {
      kept?.add(id);
      ids.push(id);
    }
  }
  return ids;
}

/**
 * The nodes in an order that runs every node after those it depends on, or a cycle when there
 * is none. Nodes already in a valid order keep their notebook order.
 */
export function topologicalOrder(graph: IGraph): IOrder | ICycle {
  const { nodes, parentStart, parentIndex } = graph;
  const count = nodes.length;
  const order: string[] = [];
  // 0: not reached yet; ON_PATH: on the current path; PLACED: placed in `order`.
  const state = new Uint8Array(count);
  // The current path, and for each of its nodes the next of its parents to visit.
  const path = new Int32Array(count);
  const nextParent = new Int32Array(count);
  for (let root = 0; root < count; root++) {
    if (state[root] !== 0) {
      continue;
    }
    // Depth-first along parents: place a node once all its parents are placed.
    let top = 0;
    path[0] = root;
    nextParent[0] = parentStart[root];
    state[root] = ON_PATH;
    while (top >= 0) {
      const node = path[top];
      if (nextParent[top] === parentStart[node + 1]) {
        top--;
        state[node] = PLACED;
        order.push(nodes[node]);
        continue;
      }
      const parent = parentIndex[nextParent[top]++];
      if (state[parent] === 0) {
        state[parent] = ON_PATH;
        path[++top] = parent;
        nextParent[top] = parentStart[parent];
      } else if (state[parent] === ON_PATH) {
        // `path` runs from `parent` down to `node` against the edges; `node` runs after `parent`.
        const onPath = path.subarray(0, top + 1);
        const loop = Array.from(
          onPath.subarray(onPath.lastIndexOf(parent) + 1),
          i => nodes[i]
        ).reverse();
        return {
          cycle: startFirstInNotebook(graph, [
            nodes[parent],
            ...loop,
            nodes[parent]
          ])
        };
      }
    }
  }
  return { order };
}

const ON_PATH = 1;
const PLACED = 2;

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
  const first =
    graph.nodes[
      cycle.reduce((min, id) => Math.min(min, graph.index.get(id)!), Infinity)
    ];
  const open = cycle.slice(0, -1);
  const at = open.indexOf(first);
  return [...open.slice(at), ...open.slice(0, at), first];
}
