/**
 * The state of one run as its events tell it (DESIGN §3.3, §3.4). Pure: no I/O, no UI.
 *
 * Events may arrive twice (a catch-up overlapping the live stream) or out of order within
 * a batch; `applyEvents` keeps the view as if each had arrived once, in seq order.
 */

export type NodeState =
  | 'pending'
  | 'queued'
  | 'running'
  | 'retrying'
  | 'succeeded'
  | 'failed'
  | 'error'
  | 'skipped'
  | 'cancelling'
  | 'cancelled';

export type RunStateName =
  'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const TERMINAL_NODE_STATES: ReadonlySet<NodeState> = new Set([
  'succeeded',
  'failed',
  'error',
  'skipped',
  'cancelled'
]);

/** An nbformat output object (stream, display_data, execute_result, error). */
export type Output = { output_type: string } & Record<string, unknown>;

/** One event of the stream and of the catch-up (contract, DESIGN §3.4). */
export interface IRunEvent {
  seq: number;
  ts: string | number;
  run_id: string;
  node_id: string | null;
  kind: 'node' | 'run' | 'output';
  state: string | null;
  attempt: number | null;
  placement: string | null;
  worker: string | null;
  message: string | null;
  output?: Output;
}

export interface IStateChange {
  state: NodeState;
  ts: string | number;
  attempt: number;
  worker: string | null;
  message: string | null;
}

export interface INodeStatus {
  state: NodeState;
  attempt: number;
  placement: string | null;
  worker: string | null;
  message: string | null;
  /** When the node entered its current state. */
  since: string | number | null;
  /** When the node first started running in its current attempt. */
  startedAt: string | number | null;
  history: IStateChange[];
  /** Outputs of the current attempt, in order. */
  outputs: Output[];
}

export interface IRunView {
  runId: string;
  state: RunStateName;
  lastSeq: number;
  nodes: Readonly<Record<string, INodeStatus>>;
}

export function emptyRun(runId: string, nodeIds: string[] = []): IRunView {
  const nodes: Record<string, INodeStatus> = {};
  for (const id of nodeIds) {
    nodes[id] = newStatus();
  }
  return { runId, state: 'pending', lastSeq: 0, nodes };
}

function newStatus(): INodeStatus {
  return {
    state: 'pending',
    attempt: 0,
    placement: null,
    worker: null,
    message: null,
    since: null,
    startedAt: null,
    history: [],
    outputs: []
  };
}

/**
 * The view after the events: duplicates (seq already applied) are skipped, the rest applied
 * in seq order. Returns the same object when nothing changed, so stores can skip renders.
 */
export function applyEvents(
  view: IRunView,
  events: readonly IRunEvent[]
): IRunView {
  const fresh = events
    .filter(event => event.run_id === view.runId && event.seq > view.lastSeq)
    .sort((a, b) => a.seq - b.seq);
  if (fresh.length === 0) {
    return view;
  }
  let state = view.state;
  const nodes: Record<string, INodeStatus> = { ...view.nodes };
  let lastSeq = view.lastSeq;
  for (const event of fresh) {
    if (event.seq <= lastSeq) {
      continue; // the same seq twice within one batch
    }
    lastSeq = event.seq;
    if (event.kind === 'run') {
      state = (event.state as RunStateName) ?? state;
      continue;
    }
    if (event.node_id === null) {
      continue;
    }
    const current = nodes[event.node_id] ?? newStatus();
    nodes[event.node_id] =
      event.kind === 'output'
        ? applyOutput(current, event)
        : applyNodeState(current, event);
  }
  return { runId: view.runId, state, lastSeq, nodes };
}

function applyNodeState(status: INodeStatus, event: IRunEvent): INodeStatus {
  const state = (event.state as NodeState) ?? status.state;
  const attempt = event.attempt ?? status.attempt;
  const newAttempt = attempt !== status.attempt;
  return {
    state,
    attempt,
    placement: event.placement ?? status.placement,
    worker: event.worker ?? (newAttempt ? null : status.worker),
    message: event.message,
    since: event.ts,
    startedAt:
      state === 'running' && (newAttempt || status.state !== 'running')
        ? event.ts
        : newAttempt
          ? null
          : status.startedAt,
    history: [
      ...status.history,
      {
        state,
        ts: event.ts,
        attempt,
        worker: event.worker,
        message: event.message
      }
    ],
    // A new attempt starts with a clean slate, as re-running a cell does.
    outputs: newAttempt ? [] : status.outputs
  };
}

function applyOutput(status: INodeStatus, event: IRunEvent): INodeStatus {
  if (!event.output) {
    return status;
  }
  const attempt = event.attempt ?? status.attempt;
  const outputs = attempt === status.attempt ? status.outputs : [];
  return { ...status, attempt, outputs: [...outputs, event.output] };
}

export interface IProgress {
  total: number;
  done: number;
  succeeded: number;
  running: number;
  failed: number;
  skipped: number;
}

/** Counts for the progress indicator ("4/6 ✓ · 1 running"). */
export function progress(view: IRunView): IProgress {
  const counts: IProgress = {
    total: 0,
    done: 0,
    succeeded: 0,
    running: 0,
    failed: 0,
    skipped: 0
  };
  for (const status of Object.values(view.nodes)) {
    counts.total++;
    if (TERMINAL_NODE_STATES.has(status.state)) {
      counts.done++;
    }
    if (status.state === 'succeeded') {
      counts.succeeded++;
    } else if (status.state === 'running' || status.state === 'retrying') {
      counts.running++;
    } else if (status.state === 'failed' || status.state === 'error') {
      counts.failed++;
    } else if (status.state === 'skipped' || status.state === 'cancelled') {
      counts.skipped++;
    }
  }
  return counts;
}
