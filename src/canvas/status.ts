import { createStore } from 'zustand/vanilla';

import type { NodeState } from '../run/runState';

/** What a badge shows: the state and, when known, one short text ("running 12 s · edge-0"). */
export interface INodeStatus {
  state: NodeState;
  text?: string;
}

/**
 * Node statuses keyed by node (cell) id, kept out of React Flow's node array so that a
 * status change re-renders one badge, not the graph (DESIGN §5). The run layer fills
 * it, flushing once per animation frame.
 */
export const nodeStatuses = createStore<Record<string, INodeStatus>>(
  () => ({})
);
