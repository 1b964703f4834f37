import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import type { IRunEvent } from './runState';

/**
 * What the stream needs of a WebSocket; the browser's `WebSocket` fits.
 */
export interface IEventSocket {
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  close(): void;
}

/**
 * A follower of one run on the stream.
 */
export interface IStreamListener {
  readonly runId: string;
  /** Live events of its run, in seq order. */
  receive(events: IRunEvent[]): void;
  /**
   * The stream may have missed events of its run (a new socket, a gap in `seq`): fetch them.
   * Called while the socket is open, so that what happens next arrives live.
   */
  resync(): void;
}

export type StreamStatus = 'closed' | 'connecting' | 'open' | 'reconnecting';

export namespace EventStream {
  export interface IOptions {
    /** The stream URL, resuming after `afterSeq`, or from now when null. */
    url: (afterSeq: number | null) => string;
    createSocket?: (url: string) => IEventSocket;
    /** First reconnection delay; it doubles up to `maxDelayMs`. */
    delayMs?: number;
    maxDelayMs?: number;
  }
}

/**
 * One WebSocket to the orchestrator's `/events`, shared by every run followed from this page.
 *
 * It takes every run's events, so that `seq` (increasing per orchestrator) arrives without
 * holes: a hole means events were missed, and the listeners fetch them. A dropped socket
 * reconnects with backoff and resumes after the last seq it saw, so nothing is lost.
 */
export class EventStream implements IDisposable {
  constructor(options: EventStream.IOptions) {
    this._url = options.url;
    this._createSocket =
      options.createSocket ?? (url => new WebSocket(url) as IEventSocket);
    this._delayMs = options.delayMs ?? 250;
    this._maxDelayMs = options.maxDelayMs ?? 10000;
  }

  get status(): StreamStatus {
    return this._status;
  }

  get statusChanged(): ISignal<this, StreamStatus> {
    return this._statusChanged;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Follow a run; the listener is asked to resync as soon as the socket is open. */
  subscribe(listener: IStreamListener): IDisposable {
    let set = this._listeners.get(listener.runId);
    if (!set) {
      set = new Set();
      this._listeners.set(listener.runId, set);
    }
    set.add(listener);
    if (this._status === 'open') {
      listener.resync();
      return this._subscription(listener);
    }
    this._unsynced.add(listener);
    if (!this._socket && this._retryTimer === null) {
      this._connect(null);
    }
    return this._subscription(listener);
  }

  private _subscription(listener: IStreamListener): IDisposable {
    return {
      isDisposed: false,
      dispose: () => this._unsubscribe(listener)
    };
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._listeners.clear();
    this._unsynced.clear();
    this._close();
    Signal.clearData(this);
  }

  private _unsubscribe(listener: IStreamListener): void {
    this._unsynced.delete(listener);
    const set = this._listeners.get(listener.runId);
    set?.delete(listener);
    if (set?.size === 0) {
      this._listeners.delete(listener.runId);
    }
    if (this._listeners.size === 0) {
      this._close();
    }
  }

  private _connect(afterSeq: number | null): void {
    this._setStatus(this._attempts > 0 ? 'reconnecting' : 'connecting');
    const socket = this._createSocket(this._url(afterSeq));
    this._socket = socket;
    // A resumed stream starts right after the last seq seen: anything later is a hole.
    this._seq = afterSeq;
    socket.onopen = () => {
      if (socket !== this._socket) {
        return;
      }
      this._attempts = 0;
      this._setStatus('open');
      if (afterSeq === null) {
        this._resyncAll();
      } else {
        // Followers that came while the socket was down have their history to fetch.
        const unsynced = [...this._unsynced];
        this._unsynced.clear();
        unsynced.forEach(listener => listener.resync());
      }
    };
    socket.onmessage = event => {
      if (socket === this._socket) {
        this._onMessage(event.data);
      }
    };
    socket.onclose = () => {
      if (socket !== this._socket) {
        return;
      }
      this._socket = null;
      if (this._isDisposed || this._listeners.size === 0) {
        this._setStatus('closed');
        return;
      }
      this._setStatus('reconnecting');
      const delay = Math.min(
        this._delayMs * 2 ** this._attempts,
        this._maxDelayMs
      );
      this._attempts++;
      this._retryTimer = setTimeout(() => {
        this._retryTimer = null;
        if (!this._isDisposed && this._listeners.size > 0) {
          this._connect(this._seq);
        }
      }, delay);
    };
  }

  private _onMessage(data: unknown): void {
    let events: IRunEvent[];
    try {
      const parsed = JSON.parse(String(data));
      events = (Array.isArray(parsed) ? parsed : [parsed]).sort(
        (a, b) => a?.seq - b?.seq
      );
    } catch {
      return; // not ours to understand; the next batch or a resync repairs the view
    }
    // After a hole, the rest of the batch is not delivered: the fold takes events in seq
    // order, so the listeners fetch the missing ones and these together from the store.
    let hole = false;
    const byRun = new Map<string, IRunEvent[]>();
    for (const event of events) {
      if (typeof event?.seq !== 'number') {
        continue;
      }
      if (this._seq !== null) {
        if (event.seq <= this._seq) {
          continue; // seen already
        }
        hole ||= event.seq > this._seq + 1;
      }
      this._seq = event.seq;
      if (!hole && this._listeners.has(event.run_id)) {
        let list = byRun.get(event.run_id);
        if (!list) {
          list = [];
          byRun.set(event.run_id, list);
        }
        list.push(event);
      }
    }
    for (const [runId, list] of byRun) {
      for (const listener of this._listeners.get(runId) ?? []) {
        listener.receive(list);
      }
    }
    if (hole) {
      this._resyncAll();
    }
  }

  private _resyncAll(): void {
    this._unsynced.clear();
    for (const set of this._listeners.values()) {
      for (const listener of set) {
        listener.resync();
      }
    }
  }

  private _close(): void {
    if (this._retryTimer !== null) {
      clearTimeout(this._retryTimer);
      this._retryTimer = null;
    }
    const socket = this._socket;
    this._socket = null;
    this._seq = null;
    this._attempts = 0;
    socket?.close();
    this._setStatus('closed');
  }

  private _setStatus(status: StreamStatus): void {
    if (status !== this._status) {
      this._status = status;
      this._statusChanged.emit(status);
    }
  }

  private _url: (afterSeq: number | null) => string;
  private _createSocket: (url: string) => IEventSocket;
  private _delayMs: number;
  private _maxDelayMs: number;
  private _listeners = new Map<string, Set<IStreamListener>>();
  private _unsynced = new Set<IStreamListener>();
  private _socket: IEventSocket | null = null;
  private _seq: number | null = null;
  private _attempts = 0;
  private _retryTimer: ReturnType<typeof setTimeout> | null = null;
  private _status: StreamStatus = 'closed';
  private _statusChanged = new Signal<this, StreamStatus>(this);
  private _isDisposed = false;
}
