import { IRunEvent } from '../runState';

/** An event of run `r1`, node `a`, with `seq` (and `ts`) as given; the rest overridable. */
export function runEvent(
  seq: number,
  partial: Partial<IRunEvent> = {}
): IRunEvent {
  return {
    seq,
    ts: seq,
    run_id: 'r1',
    node_id: 'a',
    kind: 'node',
    state: 'queued',
    attempt: 1,
    placement: 'edge',
    worker: null,
    message: null,
    ...partial
  };
}
