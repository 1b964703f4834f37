import { graphlib, layout } from '@dagrejs/dagre';

/** A point on the canvas, in flow coordinates. */
export interface IPoint {
  x: number;
  y: number;
}

/** What the layout needs of a node: its id and, once React Flow measured it, its size. */
export interface ILayoutNode {
  id: string;
  width?: number;
  height?: number;
}

/** Size assumed for a node React Flow has not measured yet. */
export const DEFAULT_NODE_SIZE = { width: 220, height: 90 };

/** Space between the nodes of a rank, between ranks, and between a new group and the rest. */
const NODE_GAP = 30;
const RANK_GAP = 80;
const GROUP_GAP = 60;

/**
 * Top-left positions for the nodes, layered left to right along the edges (dagre).
 * Edges whose ends are not among the nodes are ignored.
 */
export function layoutLeftToRight(
  nodes: readonly ILayoutNode[],
  edges: readonly { source: string; target: string }[]
): Map<string, IPoint> {
  const graph = new graphlib.Graph();
  graph.setGraph({ rankdir: 'LR', nodesep: NODE_GAP, ranksep: RANK_GAP });
  graph.setDefaultEdgeLabel(() => ({}));
  const sizes = new Map<string, { width: number; height: number }>();
  for (const node of nodes) {
    const size = {
      width: node.width ?? DEFAULT_NODE_SIZE.width,
      height: node.height ?? DEFAULT_NODE_SIZE.height
    };
    sizes.set(node.id, size);
    graph.setNode(node.id, size);
  }
  for (const edge of edges) {
    if (sizes.has(edge.source) && sizes.has(edge.target)) {
      graph.setEdge(edge.source, edge.target);
    }
  }
  layout(graph);
  const positions = new Map<string, IPoint>();
  for (const [id, size] of sizes) {
    // dagre gives centres; React Flow places nodes by their top-left corner.
    const { x, y } = graph.node(id);
    positions.set(id, {
      x: Math.round(x - size.width / 2),
      y: Math.round(y - size.height / 2)
    });
  }
  return positions;
}

/**
 * Positions for nodes that have none yet, laid out among themselves and put below the
 * nodes already placed, so that adding nodes never moves the ones the user arranged.
 */
export function placeNewNodes(
  fresh: readonly ILayoutNode[],
  edges: readonly { source: string; target: string }[],
  placed: readonly (IPoint & { height?: number })[]
): Map<string, IPoint> {
  const positions = layoutLeftToRight(fresh, edges);
  if (placed.length === 0) {
    return positions;
  }
  const left = Math.min(...placed.map(point => point.x));
  const bottom = Math.max(
    ...placed.map(point => point.y + (point.height ?? DEFAULT_NODE_SIZE.height))
  );
  const top = Math.min(...Array.from(positions.values(), point => point.y));
  const leftmost = Math.min(
    ...Array.from(positions.values(), point => point.x)
  );
  for (const [id, point] of positions) {
    positions.set(id, {
      x: point.x - leftmost + left,
      y: point.y - top + bottom + GROUP_GAP
    });
  }
  return positions;
}
