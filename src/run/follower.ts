import { IDisposable } from '@lumino/disposable';

import {
  applyEvents,
  emptyRun,
  IRunEvent,
  IRunView,
  RunStateName
} from './runState';
import { EventStream, IStreamHold, IStreamListener } from './stream';

/** Run states after which nothing happens unless someone retries. */
export const TERMINAL_RUN_STATES: ReadonlySet<RunStateName> = new Set([
  'succeeded',
  'failed',
  'cancelled'
]);

export namespace RunFollower {
  export interface IOptions {
    runId: string;
    /** The node ids of the run, so that nodes show as pending before their first event. */
    nodeIds?: string[];
    /** `GET /runs/{id}/events?after_seq=`. */
    fetchEvents: (runId: string, afterSeq: number) => Promise<IRunEvent[]>;
    stream: EventStream;
    /** Called with the new view, at most once per animation frame. */
    onChange: (view: IRunView) => void;
    /** Runs a callback before the next paint; `requestAnimationFrame` by default. */
    schedule?: (callback: () => void) => void;
  }
}

/**
 * The view of one run, kept up to date from its stored events and the live stream.
 *
 * While it fetches stored events, live ones wait in a buffer, so the fold always sees events
 * in seq order; events seen twice are skipped by seq. Changes are applied once per frame:
 * a burst of events costs one render.
 */
export class RunFollower implements IStreamListener, IDisposable {
  constructor(options: RunFollower.IOptions) {
    this.runId = options.runId;
    this._view = emptyRun(options.runId, options.nodeIds);
    this._fetchEvents = options.fetchEvents;
    this._stream = options.stream;
    this._onChange = options.onChange;
    this._schedule =
      options.schedule ?? (callback => requestAnimationFrame(callback));
  }

  readonly runId: string;

  /** The stream it follows the run on. */
  get stream(): EventStream {
    return this._stream;
  }

  get view(): IRunView {
    return this._view;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Whether it is following the live stream. */
  get isLive(): boolean {
    return this._subscription !== null;
  }

  /**
   * Fetch the run's history, then follow it live until it ends. With a hold that was ready
   * before the run was created, its history comes from the hold (`EventStream.subscribe`).
   */
  follow(hold?: IStreamHold): void {
    if (!this._subscription && !this._isDisposed) {
      this._following = true;
      this._subscription = this._stream.subscribe(this, hold);
      // A hold may hand over a whole run, folded before the subscription existed.
      if (!this._following) {
        this._unfollow();
      }
    }
  }

  /** Fetch what is stored of the run, without following it. */
  load(): Promise<void> {
    return this._catchUp();
  }

  receive(events: IRunEvent[]): void {
    if (this._fetching) {
      this._buffer.push(...events);
    } else {
      this._enqueue(events);
    }
  }

  resync(): void {
    if (this._fetching) {
      this._again = true;
    } else {
      void this._catchUp();
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._unfollow();
    if (this._retryTimer !== null) {
      clearTimeout(this._retryTimer);
    }
  }

  private async _catchUp(): Promise<void> {
    this._fetching = true;
    try {
      do {
        this._again = false;
        const events = await this._fetchEvents(this.runId, this._seq());
        if (this._isDisposed) {
          return;
        }
        this._enqueue(events);
      } while (this._again);
    } catch (error) {
      // Stored events stay stored: fetch them again shortly.
      if (this.isLive && this._retryTimer === null) {
        this._retryTimer = setTimeout(() => {
          this._retryTimer = null;
          this.resync();
        }, 1000);
      } else if (!this.isLive) {
        throw error;
      }
    } finally {
      this._fetching = false;
      const buffered = this._buffer;
      this._buffer = [];
      if (buffered.length && !this._isDisposed) {
        this._enqueue(buffered);
      }
    }
  }

  /** The last seq applied or waiting to be. */
  private _seq(): number {
    let seq = this._view.lastSeq;
    for (const event of this._pending) {
      seq = Math.max(seq, event.seq);
    }
    return seq;
  }

  private _enqueue(events: IRunEvent[]): void {
    if (events.length === 0) {
      return;
    }
    this._pending.push(...events);
    if (!this._scheduled) {
      this._scheduled = true;
      this._schedule(() => this._flush());
    }
  }

  private _flush(): void {
    this._scheduled = false;
    if (this._isDisposed) {
      return;
    }
    const pending = this._pending;
    this._pending = [];
    const view = applyEvents(this._view, pending);
    if (view === this._view) {
      return;
    }
    this._view = view;
    if (TERMINAL_RUN_STATES.has(view.state)) {
      this._unfollow();
    }
    this._onChange(view);
  }

  private _unfollow(): void {
    this._following = false;
    this._subscription?.dispose();
    this._subscription = null;
  }

  private _view: IRunView;
  private _fetchEvents: RunFollower.IOptions['fetchEvents'];
  private _stream: EventStream;
  private _onChange: (view: IRunView) => void;
  private _schedule: (callback: () => void) => void;
  private _subscription: IDisposable | null = null;
  private _following = false;
  private _fetching = false;
  private _again = false;
  private _buffer: IRunEvent[] = [];
  private _pending: IRunEvent[] = [];
  private _scheduled = false;
  private _retryTimer: ReturnType<typeof setTimeout> | null = null;
  private _isDisposed = false;
}
