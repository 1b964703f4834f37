import fc from 'fast-check';

import {
  applyEvents,
  emptyRun,
  IRunEvent,
  IRunView,
  progress
} from '../runState';
import { runEvent } from './events';

let seq = 0;
function event(partial: Partial<IRunEvent>): IRunEvent {
  return runEvent(++seq, partial);
}

/** A realistic run: a runs and prints on edge-0, b fails once then succeeds on cloud-0. */
function story(): IRunEvent[] {
  seq = 0;
  return [
    event({ kind: 'run', node_id: null, state: 'running', attempt: null }),
    event({ state: 'queued' }),
    event({ state: 'running', worker: 'edge-0' }),
    event({
      kind: 'output',
      state: null,
      output: { output_type: 'stream', name: 'stdout', text: 'hello\n' }
    }),
    event({ state: 'succeeded', worker: 'edge-0', message: 'done' }),
    event({ node_id: 'b', state: 'queued', placement: 'cloud' }),
    event({ node_id: 'b', state: 'running', worker: 'cloud-0' }),
    event({
      node_id: 'b',
      kind: 'output',
      state: null,
      output: { output_type: 'stream', name: 'stdout', text: 'try 1\n' }
    }),
    event({ node_id: 'b', state: 'retrying', message: 'retry 1/1 in 1 s' }),
    event({ node_id: 'b', state: 'queued', attempt: 2 }),
    event({ node_id: 'b', state: 'running', attempt: 2, worker: 'cloud-0' }),
    event({
      node_id: 'b',
      kind: 'output',
      state: null,
      attempt: 2,
      output: { output_type: 'stream', name: 'stdout', text: 'try 2\n' }
    }),
    event({ node_id: 'b', state: 'succeeded', attempt: 2, worker: 'cloud-0' }),
    event({ kind: 'run', node_id: null, state: 'succeeded', attempt: null })
  ];
}

describe('applyEvents', () => {
  it('follows a run to its end', () => {
    const view = applyEvents(emptyRun('r1', ['a', 'b']), story());

    expect(view.state).toBe('succeeded');
    expect(view.lastSeq).toBe(14);
    expect(view.nodes.a).toMatchObject({
      state: 'succeeded',
      worker: 'edge-0',
      attempt: 1,
      startedAt: 3
    });
    expect(view.nodes.a.outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'hello\n' }
    ]);
    expect(view.nodes.a.history.map(change => change.state)).toEqual([
      'queued',
      'running',
      'succeeded'
    ]);
  });

  it('starts each attempt with fresh outputs and start time', () => {
    const view = applyEvents(emptyRun('r1'), story());
    expect(view.nodes.b).toMatchObject({ attempt: 2, startedAt: 11 });
    expect(view.nodes.b.outputs.map(output => output.text)).toEqual([
      'try 2\n'
    ]);
  });

  it('ignores duplicates, out-of-order batches and other runs', () => {
    const events = story();
    const once = applyEvents(emptyRun('r1'), events);
    const shuffledTwice = applyEvents(emptyRun('r1'), [
      ...[...events].reverse(),
      ...events,
      { ...events[2], run_id: 'r2', seq: 99 }
    ]);
    expect(shuffledTwice).toEqual(once);
  });

  it('resumes from a partial view as if the stream never broke', () => {
    const events = story();
    const whole = applyEvents(emptyRun('r1'), events);
    // The client saw the first 6 events, lost the connection, then caught up with an
    // overlap (the server resends from an older after_seq).
    const partial = applyEvents(emptyRun('r1'), events.slice(0, 6));
    const resumed = applyEvents(partial, events.slice(3));
    expect(resumed).toEqual(whole);
  });

  it('returns the same object when nothing is new', () => {
    const view = applyEvents(emptyRun('r1'), story());
    expect(applyEvents(view, story().slice(0, 5))).toBe(view);
  });

  it('equals the in-order result however connections break and overlap', () => {
    const events = story();
    const whole = applyEvents(emptyRun('r1'), events);
    // Each connection resumes from the client's last seq or earlier (an overlap) and
    // delivers the following events in order until it breaks.
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(3), fc.nat(events.length)), { maxLength: 20 }),
        connections => {
          let view: IRunView = emptyRun('r1');
          for (const [overlap, length] of connections) {
            const next = events.findIndex(e => e.seq > view.lastSeq);
            if (next < 0) {
              break;
            }
            const from = Math.max(0, next - overlap);
            view = applyEvents(view, events.slice(from, next + length));
          }
          view = applyEvents(
            view,
            events.filter(e => e.seq > view.lastSeq)
          );
          return JSON.stringify(view) === JSON.stringify(whole);
        }
      )
    );
  });
});

describe('progress', () => {
  it('counts terminal and active nodes', () => {
    seq = 0;
    const view = applyEvents(emptyRun('r1', ['a', 'b', 'c', 'd']), [
      event({ node_id: 'a', state: 'succeeded' }),
      event({ node_id: 'b', state: 'running' }),
      event({ node_id: 'c', state: 'failed' }),
      event({ node_id: 'd', state: 'skipped' })
    ]);
    expect(progress(view)).toEqual({
      total: 4,
      done: 3,
      succeeded: 1,
      running: 1,
      failed: 1,
      skipped: 1
    });
  });
});
