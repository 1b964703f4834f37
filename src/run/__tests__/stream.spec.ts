import { RunFollower } from '../follower';
import { IRunEvent } from '../runState';
import { EventStream, IEventSocket, IStreamHold } from '../stream';
import { runEvent } from './events';

/**
 * The orchestrator as the stream and the follower see it: a log of events (its store), the
 * sockets opened on `/events` and the catch-up endpoint.
 */
class Orchestrator {
  log: IRunEvent[] = [];
  sockets: FakeSocket[] = [];
  fetches: { runId: string; afterSeq: number }[] = [];
  /** While set, catch-up answers wait for `release()`. */
  hold = false;

  emit(runId: string, partial: Partial<IRunEvent> = {}): IRunEvent {
    const event = runEvent(this.log.length + 1, {
      run_id: runId,
      state: 'running',
      worker: 'edge-0',
      ...partial
    });
    this.log.push(event);
    return event;
  }

  fetchEvents = (runId: string, afterSeq: number): Promise<IRunEvent[]> => {
    this.fetches.push({ runId, afterSeq });
    // The answer is what is stored when the request arrives.
    const answer = this.log.filter(
      event => event.run_id === runId && event.seq > afterSeq
    );
    if (!this.hold) {
      return Promise.resolve(answer);
    }
    return new Promise(resolve => this._held.push(() => resolve(answer)));
  };

  release(): void {
    this.hold = false;
    this._held.splice(0).forEach(resolve => resolve());
  }

  get socket(): FakeSocket {
    return this.sockets[this.sockets.length - 1];
  }

  private _held: (() => void)[] = [];
}

class FakeSocket implements IEventSocket {
  constructor(readonly url: string) {}
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  closed = false;

  open(): void {
    this.onopen?.({});
  }

  send(events: IRunEvent[]): void {
    this.onmessage?.({ data: JSON.stringify(events) });
  }

  drop(): void {
    this.closed = true;
    this.onclose?.({});
  }

  close(): void {
    this.closed = true;
  }
}

/** Let pending promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await Promise.resolve();
  }
}

function setup(lingerMs = 0) {
  const server = new Orchestrator();
  const stream = new EventStream({
    url: afterSeq => `ws://orchestrator/events?after_seq=${afterSeq ?? ''}`,
    createSocket: url => {
      const socket = new FakeSocket(url);
      server.sockets.push(socket);
      return socket;
    },
    delayMs: 100,
    lingerMs
  });
  const views: number[] = [];
  const follow = (runId: string, hold?: IStreamHold) => {
    const follower = new RunFollower({
      runId,
      nodeIds: ['a', 'b'],
      fetchEvents: server.fetchEvents,
      stream,
      onChange: view => views.push(view.lastSeq),
      schedule: callback => callback()
    });
    follower.follow(hold);
    return follower;
  };
  return { server, stream, follow, views };
}

/** The seqs a follower applied to node `a`, in order (the fake stamps ts = seq). */
function appliedSeqs(follower: RunFollower): number[] {
  return follower.view.nodes.a.history.map(change => Number(change.ts));
}

describe('EventStream and RunFollower', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('catches up on what was stored, then follows live, each event once', async () => {
    const { server, follow } = setup();
    server.emit('r1', { state: 'queued' });
    const follower = follow('r1');
    expect(server.sockets).toHaveLength(1);
    server.socket.open();
    await settle();
    expect(server.fetches).toEqual([{ runId: 'r1', afterSeq: 0 }]);
    expect(follower.view.nodes.a.state).toBe('queued');

    const running = server.emit('r1', { state: 'running' });
    server.socket.send([running]);
    server.socket.send([running]); // a repeat is skipped
    expect(follower.view.nodes.a.state).toBe('running');
    expect(follower.view.nodes.a.history).toHaveLength(2);
  });

  it('keeps live events that arrive during the catch-up and applies them after it', async () => {
    const { server, follow } = setup();
    server.emit('r1', { state: 'queued' });
    server.hold = true;
    const follower = follow('r1');
    server.socket.open();
    // Meanwhile the node starts and succeeds: the live stream brings both.
    const running = server.emit('r1', { state: 'running' });
    const done = server.emit('r1', { state: 'succeeded' });
    server.socket.send([running, done]);
    expect(follower.view.nodes.a.state).toBe('pending');
    server.release();
    await settle();
    expect(follower.view.nodes.a.history.map(change => change.state)).toEqual([
      'queued',
      'running',
      'succeeded'
    ]);
    expect(appliedSeqs(follower)).toEqual([1, 2, 3]);
  });

  it('applies a batch in seq order whatever order it came in', async () => {
    const { server, follow } = setup();
    const follower = follow('r1');
    server.socket.open();
    await settle();
    const queued = server.emit('r1', { state: 'queued' });
    const running = server.emit('r1', { state: 'running' });
    server.socket.send([running, queued]);
    expect(follower.view.nodes.a.history.map(change => change.state)).toEqual([
      'queued',
      'running'
    ]);
  });

  it('fetches what a hole in seq left out, and applies it in order', async () => {
    const { server, follow } = setup();
    const follower = follow('r1');
    server.socket.open();
    await settle();
    server.socket.send([server.emit('r1', { state: 'queued' })]);
    server.emit('r1', { state: 'running' }); // stored, never sent
    const done = server.emit('r1', { state: 'succeeded' });
    server.socket.send([done]);
    await settle();
    expect(server.fetches.at(-1)).toEqual({ runId: 'r1', afterSeq: 1 });
    expect(follower.view.nodes.a.history.map(change => change.state)).toEqual([
      'queued',
      'running',
      'succeeded'
    ]);
    // Later events arrive live again, once.
    server.socket.send([
      done,
      server.emit('r1', { state: 'running', attempt: 2 })
    ]);
    expect(follower.view.nodes.a.history).toHaveLength(4);
  });

  it('resumes after the last seq seen when the socket drops, missing nothing', async () => {
    jest.useFakeTimers();
    const { server, follow } = setup();
    const follower = follow('r1');
    server.socket.open();
    await settle();
    server.socket.send([server.emit('r1', { state: 'queued' })]);
    server.socket.drop();
    // While the socket is down the node runs.
    server.emit('r1', { state: 'running' });
    server.emit('r2', { state: 'running' }); // another run's event, same seq sequence
    jest.advanceTimersByTime(100);
    expect(server.sockets).toHaveLength(2);
    expect(server.socket.url).toContain('after_seq=1');
    server.socket.open();
    // The server catches the socket up from its store: seq 2 and 3.
    server.socket.send(server.log.slice(1));
    await settle();
    expect(follower.view.nodes.a.history.map(change => change.state)).toEqual([
      'queued',
      'running'
    ]);
    // A resumed socket needs no fetch: only the first catch-up happened.
    expect(server.fetches).toHaveLength(1);
  });

  it('backs off between reconnections and resets after one succeeds', () => {
    jest.useFakeTimers();
    const { server, follow } = setup();
    follow('r1');
    server.socket.drop();
    jest.advanceTimersByTime(99);
    expect(server.sockets).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(server.sockets).toHaveLength(2);
    server.socket.drop();
    jest.advanceTimersByTime(199);
    expect(server.sockets).toHaveLength(2);
    jest.advanceTimersByTime(1);
    expect(server.sockets).toHaveLength(3);
    server.socket.open();
    server.socket.drop();
    jest.advanceTimersByTime(100);
    expect(server.sockets).toHaveLength(4);
  });

  it('asks a run followed while the socket was down to fetch its history', async () => {
    jest.useFakeTimers();
    const { server, follow } = setup();
    follow('r1');
    server.socket.open();
    await settle();
    server.socket.send([server.emit('r1', { state: 'queued' })]);
    server.socket.drop();
    server.emit('r2', { state: 'queued' });
    const second = follow('r2');
    jest.advanceTimersByTime(100);
    server.socket.open();
    await settle();
    expect(server.fetches).toContainEqual({ runId: 'r2', afterSeq: 0 });
    expect(second.view.nodes.a.state).toBe('queued');
  });

  it('stops following a run that ended, and closes the socket when nobody follows', async () => {
    const { server, follow, stream } = setup();
    const follower = follow('r1');
    server.socket.open();
    await settle();
    server.socket.send([
      server.emit('r1', { state: 'succeeded' }),
      server.emit('r1', { kind: 'run', node_id: null, state: 'succeeded' })
    ]);
    expect(follower.view.state).toBe('succeeded');
    expect(follower.isLive).toBe(false);
    expect(server.socket.closed).toBe(true);
    expect(stream.status).toBe('closed');
  });

  it('keeps the socket open a while after the last run ends, for the next deploy', async () => {
    jest.useFakeTimers();
    const { server, follow, stream } = setup(1000);
    follow('r1');
    server.socket.open();
    await settle();
    server.socket.send([
      server.emit('r1', { kind: 'run', node_id: null, state: 'succeeded' })
    ]);
    jest.advanceTimersByTime(999);
    expect(stream.status).toBe('open');
    const hold = stream.hold();
    expect(hold.isReady).toBe(true);
    hold.dispose();
    jest.advanceTimersByTime(999);
    expect(server.sockets).toHaveLength(1);
    expect(stream.status).toBe('open');
    jest.advanceTimersByTime(1);
    expect(server.socket.closed).toBe(true);
    expect(stream.status).toBe('closed');
  });

  it('hands a run created after a ready hold its events, with nothing to fetch', async () => {
    const { server, follow, stream } = setup();
    const hold = stream.hold();
    expect(hold.isReady).toBe(false);
    server.socket.open();
    await hold.ready;
    expect(hold.isReady).toBe(true);
    // The run starts before its submit answers, so before anyone follows it.
    server.socket.send([
      server.emit('r1', { state: 'queued' }),
      server.emit('r2', { state: 'queued' }),
      server.emit('r1', { state: 'running' })
    ]);
    const follower = follow('r1', hold);
    hold.dispose();
    const done = server.emit('r1', { state: 'succeeded' });
    server.socket.send([done]);
    expect(server.fetches).toEqual([]);
    expect(appliedSeqs(follower)).toEqual([1, 3, 4]);
    expect(follower.view.nodes.a.state).toBe('succeeded');
  });

  it('fetches the history when the hold missed events or was not ready', async () => {
    const { server, follow, stream } = setup();
    const early = stream.hold();
    // Not open yet when the run is created: a late follower may have missed its start.
    const notReady = follow('r0', early);
    server.socket.open();
    await settle();
    expect(server.fetches).toEqual([{ runId: 'r0', afterSeq: 0 }]);
    const hold = stream.hold();
    notReady.dispose();
    early.dispose();
    expect(hold.isReady).toBe(true);
    server.socket.send([server.emit('r1', { state: 'queued' })]);
    server.emit('r1', { state: 'running' }); // stored, never sent: a hole
    server.socket.send([server.emit('r1', { state: 'succeeded' })]);
    expect(hold.isReady).toBe(false);
    const follower = follow('r1', hold);
    await settle();
    expect(server.fetches).toContainEqual({ runId: 'r1', afterSeq: 0 });
    expect(appliedSeqs(follower)).toEqual([1, 2, 3]);
  });

  it('follows a run again when it is retried after it ended', async () => {
    const { server, follow } = setup(1000);
    const follower = follow('r1');
    server.socket.open();
    await settle();
    server.socket.send([
      server.emit('r1', { state: 'failed' }),
      server.emit('r1', { kind: 'run', node_id: null, state: 'failed' })
    ]);
    expect(follower.isLive).toBe(false);
    // The retry: the same run goes on, and its view is followed from where it ended.
    follower.follow();
    expect(follower.isLive).toBe(true);
    server.socket.send([
      server.emit('r1', { kind: 'run', node_id: null, state: 'running' }),
      server.emit('r1', { state: 'running', attempt: 2 })
    ]);
    await settle();
    expect(follower.view.state).toBe('running');
    expect(follower.view.nodes.a.state).toBe('running');
  });

  it('gives each run only its own events', async () => {
    const { server, follow } = setup();
    const first = follow('r1');
    const second = follow('r2');
    server.socket.open();
    await settle();
    server.socket.send([
      server.emit('r1', { state: 'queued' }),
      server.emit('r2', { state: 'running' })
    ]);
    expect(first.view.nodes.a.state).toBe('queued');
    expect(second.view.nodes.a.state).toBe('running');
  });

  it('renders once per frame however many events arrive', async () => {
    const server = new Orchestrator();
    const frames: (() => void)[] = [];
    const stream = new EventStream({
      url: () => 'ws://orchestrator/events',
      createSocket: url => {
        const socket = new FakeSocket(url);
        server.sockets.push(socket);
        return socket;
      }
    });
    const renders: number[] = [];
    const follower = new RunFollower({
      runId: 'r1',
      fetchEvents: server.fetchEvents,
      stream,
      onChange: view => renders.push(view.lastSeq),
      schedule: callback => frames.push(callback)
    });
    follower.follow();
    server.socket.open();
    await settle();
    for (let i = 0; i < 100; i++) {
      server.socket.send([
        server.emit('r1', {
          kind: 'output',
          output: { output_type: 'stream', name: 'stdout', text: `${i}\n` }
        })
      ]);
    }
    expect(frames).toHaveLength(1);
    frames.shift()!();
    expect(renders).toEqual([100]);
    expect(follower.view.nodes.a.outputs).toHaveLength(100);
  });
});
