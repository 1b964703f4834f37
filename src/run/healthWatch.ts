import type { IHealth } from './client';

/**
 * What a watcher last learnt of the orchestrator.
 */
export type HealthStatus =
  | { kind: 'loading' }
  | { kind: 'ok'; health: IHealth }
  | { kind: 'error'; message: string };

/**
 * How often to ask again while the answer may still change on its own.
 */
export interface IHealthWatchOptions {
  /** While the engine is starting: it comes up within seconds. */
  startingMs?: number;
  /** While the server cannot be reached: it may be restarting. */
  unreachableMs?: number;
}

/**
 * Asks `GET /health` now, and again while the engine is starting or the server is unreachable,
 * so a status read during the embedded cluster's boot does not stay "starting" for good.
 */
export class HealthWatch {
  constructor(
    private readonly _fetch: () => Promise<IHealth>,
    private readonly _onStatus: (status: HealthStatus) => void,
    options: IHealthWatchOptions = {}
  ) {
    this._startingMs = options.startingMs ?? 1000;
    this._unreachableMs = options.unreachableMs ?? 10000;
  }

  /**
   * Ask now, dropping any answer still on its way from an earlier ask (the orchestrator may
   * have changed since).
   */
  refresh(): void {
    if (this._disposed) {
      return;
    }
    clearTimeout(this._timer);
    this._timer = undefined;
    const ask = ++this._asks;
    const current = () => ask === this._asks && !this._disposed;
    this._fetch().then(
      health => {
        if (current()) {
          this._onStatus({ kind: 'ok', health });
          if (health.engine.status === 'starting') {
            this._again(this._startingMs);
          }
        }
      },
      (error: Error) => {
        if (current()) {
          this._onStatus({ kind: 'error', message: error.message });
          this._again(this._unreachableMs);
        }
      }
    );
  }

  dispose(): void {
    this._disposed = true;
    clearTimeout(this._timer);
  }

  private _again(ms: number): void {
    this._timer = setTimeout(() => this.refresh(), ms);
  }

  private readonly _startingMs: number;
  private readonly _unreachableMs: number;
  private _asks = 0;
  private _disposed = false;
  private _timer: ReturnType<typeof setTimeout> | undefined;
}
