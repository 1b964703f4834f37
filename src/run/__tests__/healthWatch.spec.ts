import type { IHealth } from '../client';
import { HealthStatus, HealthWatch } from '../healthWatch';

function health(status: IHealth['engine']['status']): IHealth {
  return {
    version: '0.1.0',
    engine: {
      kind: 'embedded',
      status,
      scheduler_address: null,
      error: null,
      versions: {}
    }
  };
}

/** A server whose answers the test hands out one at a time. */
class Server {
  asks: {
    resolve: (health: IHealth) => void;
    reject: (error: Error) => void;
  }[] = [];

  fetch = (): Promise<IHealth> =>
    new Promise((resolve, reject) => this.asks.push({ resolve, reject }));
}

function engineStates(seen: HealthStatus[]): string[] {
  return seen.map(status =>
    status.kind === 'ok' ? status.health.engine.status : status.kind
  );
}

describe('HealthWatch', () => {
  let server: Server;
  let seen: HealthStatus[];
  let watch: HealthWatch;

  beforeEach(() => {
    jest.useFakeTimers();
    server = new Server();
    seen = [];
    watch = new HealthWatch(server.fetch, status => seen.push(status), {
      startingMs: 100,
      unreachableMs: 1000
    });
  });

  afterEach(() => {
    watch.dispose();
    jest.useRealTimers();
  });

  it('asks again while the engine is starting, and stops once it runs', async () => {
    watch.refresh();
    server.asks[0].resolve(health('starting'));
    await Promise.resolve();
    expect(engineStates(seen)).toEqual(['starting']);

    jest.advanceTimersByTime(99);
    expect(server.asks).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(server.asks).toHaveLength(2);

    server.asks[1].resolve(health('running'));
    await Promise.resolve();
    expect(engineStates(seen)).toEqual(['starting', 'running']);
    jest.advanceTimersByTime(60000);
    expect(server.asks).toHaveLength(2);
  });

  it('does not ask again once the engine has failed', async () => {
    watch.refresh();
    server.asks[0].resolve(health('failed'));
    await Promise.resolve();
    jest.advanceTimersByTime(60000);
    expect(server.asks).toHaveLength(1);
    expect(engineStates(seen)).toEqual(['failed']);
  });

  it('asks again, more slowly, while the server is unreachable', async () => {
    watch.refresh();
    server.asks[0].reject(new Error('Network Error'));
    await Promise.resolve();
    await Promise.resolve();
    expect(seen).toEqual([{ kind: 'error', message: 'Network Error' }]);

    jest.advanceTimersByTime(999);
    expect(server.asks).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(server.asks).toHaveLength(2);
  });

  it('drops an answer overtaken by a later ask', async () => {
    watch.refresh();
    watch.refresh();
    server.asks[1].resolve(health('running'));
    await Promise.resolve();
    server.asks[0].resolve(health('starting'));
    await Promise.resolve();
    expect(engineStates(seen)).toEqual(['running']);
    jest.advanceTimersByTime(60000);
    expect(server.asks).toHaveLength(2);
  });

  it('neither reports nor asks after it is disposed', async () => {
    watch.refresh();
    server.asks[0].resolve(health('starting'));
    await Promise.resolve();
    watch.dispose();
    jest.advanceTimersByTime(60000);
    expect(server.asks).toHaveLength(1);

    watch.refresh();
    expect(server.asks).toHaveLength(1);
    expect(engineStates(seen)).toEqual(['starting']);
  });
});
