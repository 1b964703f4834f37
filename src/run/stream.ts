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

/**
 * The stream held open from before a run exists (`EventStream.hold`). While the stream stays
 * unbroken, the hold keeps the events of runs nobody follows yet, so a run created after the
 * hold was ready can be followed from its first event without fetching its history.
 */
export interface IStreamHold extends IDisposable {
  /** Open, and no event missed since the socket opened for this hold. */
  readonly isReady: boolean;
  /** Settles when the socket is open. */
  readonly ready: Promise<void>;
}

/** Append `event` to its run's list in `byRun`. */
function addByRun(byRun: Map<string, IRunEvent[]>, event: IRunEvent): void {
  const list = byRun.get(event.run_id);
  if (list) {
    list.push(event);
  } else {
    byRun.set(event.run_id, [event]);
  }
}

class StreamHold implements IStreamHold {
  constructor(private _release: (hold: StreamHold) => void) {
    this.ready = new Promise(resolve => (this._resolve = resolve));
  }

  readonly ready: Promise<void>;
  /** Events of runs that had no follower when they came, by run. */
  readonly events = new Map<string, IRunEvent[]>();

  get isReady(): boolean {
    return this._open && !this._broken;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  opened(): void {
    this._open = true;
    this._resolve();
  }

  /** Events were missed (a hole, a dropped socket): what it kept is no longer the whole. */
  broken(): void {
    this._broken = true;
    this.events.clear();
  }

  keep(event: IRunEvent): void {
    addByRun(this.events, event);
  }

  dispose(): void {
    if (!this._isDisposed) {
      this._isDisposed = true;
      this.events.clear();
      this._release(this);
    }
  }

  private _resolve: () => void = () => undefined;
  private _open = false;
  private _broken = false;
  private _isDisposed = false;
}

export namespace EventStream {
  export interface IOptions {
    /** The stream URL, resuming after `afterSeq`, or from now when null. */
    url: (afterSeq: number | null) => string;
    createSocket?: (url: string) => IEventSocket;
    /** First reconnection delay; it doubles up to `maxDelayMs`. */
    delayMs?: number;
    maxDelayMs?: number;
    /**
     * How long the socket stays open once nobody follows a run; the next deploy then finds
     * it open. 0 closes it at once.
     */
    lingerMs?: number;
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
    this._lingerMs = options.lingerMs ?? 30000;
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

  /**
   * Follow a run; the listener is asked to resync as soon as the socket is open. Given a
   * hold that was ready before the run was created and is still ready, the listener gets
   * the run's events from the hold instead: nothing to fetch.
   */
  subscribe(listener: IStreamListener, hold?: IStreamHold): IDisposable {
    this._cancelLinger();
    let set = this._listeners.get(listener.runId);
    if (!set) {
      set = new Set();
      this._listeners.set(listener.runId, set);
    }
    set.add(listener);
    if (hold instanceof StreamHold && hold.isReady && this._holds.has(hold)) {
      const events = hold.events.get(listener.runId);
      hold.events.delete(listener.runId);
      if (events) {
        listener.receive(events);
      }
    } else if (this._status === 'open') {
      listener.resync();
    } else {
      this._unsynced.add(listener);
      this._ensureSocket();
    }
    return this._subscription(listener);
  }

  /** Keep the socket open (opening it if need be) until the hold is disposed. */
  hold(): IStreamHold {
    this._cancelLinger();
    const hold = new StreamHold(released => {
      this._holds.delete(released);
      this._closeIfUnwanted();
    });
    this._holds.add(hold);
    if (this._status === 'open') {
      hold.opened();
    } else {
      this._ensureSocket();
    }
    return hold;
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
    this._breakHolds();
    this._holds.clear();
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
    this._closeIfUnwanted();
  }

  private get _wanted(): boolean {
    return this._listeners.size > 0 || this._holds.size > 0;
  }

  private _ensureSocket(): void {
    if (!this._socket && this._retryTimer === null) {
      this._connect(null);
    }
  }

  private _closeIfUnwanted(): void {
    if (this._wanted || this._lingerTimer !== null) {
      return;
    }
    if (this._lingerMs <= 0) {
      this._close();
      return;
    }
    this._lingerTimer = setTimeout(() => {
      this._lingerTimer = null;
      if (!this._wanted) {
        this._close();
      }
    }, this._lingerMs);
  }

  private _cancelLinger(): void {
    if (this._lingerTimer !== null) {
      clearTimeout(this._lingerTimer);
      this._lingerTimer = null;
    }
  }

  private _breakHolds(): void {
    this._holds.forEach(hold => hold.broken());
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
      this._holds.forEach(hold => hold.opened());
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
      this._breakHolds();
      if (this._isDisposed || !this._wanted) {
        this._cancelLinger();
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
        if (!this._isDisposed && this._wanted) {
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
      if (hole) {
        continue;
      }
      if (this._listeners.has(event.run_id)) {
        addByRun(byRun, event);
      } else {
        for (const hold of this._holds) {
          if (hold.isReady) {
            hold.keep(event);
          }
        }
      }
    }
    for (const [runId, list] of byRun) {
      for (const listener of this._listeners.get(runId) ?? []) {
        listener.receive(list);
      }
    }
    if (hole) {
      this._breakHolds();
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
    this._cancelLinger();
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
  private _lingerMs: number;
  private _lingerTimer: ReturnType<typeof setTimeout> | null = null;
  private _holds = new Set<StreamHold>();
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
