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

/** A swimlane's extent, in flow coordinates, and how many nodes it holds. */
export interface ILaneBand {
  x: number;
  y: number;
  width: number;
  height: number;
  count: number;
}

/** Room above the nodes of a lane (for its label), around them, and between lanes. */
const LANE_HEADER = 36;
const LANE_PADDING = 20;
const LANE_GAP = 20;

/**
 * Positions in horizontal lanes, lane 0 on top: the nodes keep their left-to-right layer
 * of the whole graph (so dependencies still read from left to right) and their order
 * within the layer, but each lane stacks only its own nodes.
 */
export function layoutSwimlanes(
  nodes: readonly (ILayoutNode & { lane: number })[],
  edges: readonly { source: string; target: string }[],
  laneCount: number
): { positions: Map<string, IPoint>; bands: ILaneBand[] } {
  const layered = layoutLeftToRight(nodes, edges);
  const positions = new Map<string, IPoint>();
  const xs = Array.from(layered.values(), point => point.x);
  const left = (xs.length ? Math.min(...xs) : 0) - LANE_PADDING;
  const right = nodes.reduce(
    (max, node) =>
      Math.max(
        max,
        layered.get(node.id)!.x + (node.width ?? DEFAULT_NODE_SIZE.width)
      ),
    left + LANE_PADDING + DEFAULT_NODE_SIZE.width
  );
  const bands: ILaneBand[] = [];
  let top = 0;
  for (let lane = 0; lane < laneCount; lane++) {
    const members = nodes.filter(node => node.lane === lane);
    const first = Math.min(...members.map(node => layered.get(node.id)!.y));
    // An empty lane keeps the room of one node, to drop one there.
    let bottom =
      top + LANE_HEADER + (members.length ? 0 : DEFAULT_NODE_SIZE.height);
    for (const node of members) {
      const point = layered.get(node.id)!;
      const y = point.y - first + top + LANE_HEADER;
      positions.set(node.id, { x: point.x, y });
      bottom = Math.max(bottom, y + (node.height ?? DEFAULT_NODE_SIZE.height));
    }
    const height = bottom + LANE_PADDING - top;
    bands.push({
      x: left,
      y: top,
      width: right + LANE_PADDING - left,
      height,
      count: members.length
    });
    top += height + LANE_GAP;
  }
  return { positions, bands };
}

/** The layouts by name: the main thread and the layout worker run them the same way. */
const LAYOUTS = { layoutLeftToRight, placeNewNodes, layoutSwimlanes };

export type LayoutName = keyof typeof LAYOUTS;
export type LayoutArgs<K extends LayoutName> = Parameters<(typeof LAYOUTS)[K]>;
export type LayoutResult<K extends LayoutName> = ReturnType<
  (typeof LAYOUTS)[K]
>;

/** Run a layout by name. */
export function runLayout<K extends LayoutName>(
  name: K,
  args: LayoutArgs<K>
): LayoutResult<K> {
  const layout = LAYOUTS[name] as unknown as (
    ...args: LayoutArgs<K>
  ) => LayoutResult<K>;
  return layout(...args);
}
