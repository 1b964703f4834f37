import type { TranslationBundle } from '@jupyterlab/translation';

import type { INodeStatus, NodeState } from './runState';

/**
 * The one vocabulary of status badges (DESIGN §3.3), shared by the canvas, the cells and the
 * run panel: the state drives colour and dot/ring in CSS (`data-continuum-status`), this
 * module the short text.
 */

/** Seconds since epoch, as the orchestrator stamps events. */
function seconds(ts: string | number | null): number | null {
  if (ts === null) {
    return null;
  }
  const value = typeof ts === 'number' ? ts : Date.parse(ts) / 1000;
  return Number.isFinite(value) ? value : null;
}

/** "3.2 s", "12 s", "4 min 05 s": short, as a badge has little room. */
export function formatDuration(
  totalSeconds: number,
  trans: TranslationBundle
): string {
  const value = Math.max(0, totalSeconds);
  if (value < 10) {
    return trans.__('%1 s', value.toFixed(1));
  }
  if (value < 60) {
    return trans.__('%1 s', Math.floor(value));
  }
  const minutes = Math.floor(value / 60);
  const rest = String(Math.floor(value % 60)).padStart(2, '0');
  return trans.__('%1 min %2 s', minutes, rest);
}

/** The name of a state as a badge shows it when there is nothing more to say. */
export function stateName(state: NodeState, trans: TranslationBundle): string {
  switch (state) {
    case 'pending':
      return trans.__('pending');
    case 'queued':
      return trans.__('queued');
    case 'running':
      return trans.__('running');
    case 'retrying':
      return trans.__('retrying');
    case 'succeeded':
      return trans.__('done');
    case 'failed':
      return trans.__('failed');
    case 'error':
      return trans.__('error');
    case 'skipped':
      return trans.__('skipped');
    case 'cancelling':
      return trans.__('cancelling');
    case 'cancelled':
      return trans.__('cancelled');
  }
}

/** The part of a message before its first colon: "ZeroDivisionError" of "ZeroDivisionError: …". */
function headline(message: string | null): string | null {
  if (!message) {
    return null;
  }
  const head = message.split(':', 1)[0].trim();
  return head || null;
}

/**
 * The badge text of a node: "running 12 s · edge-0", "done 3.2 s · cloud-0",
 * "ZeroDivisionError", "retry 2/3 in 5 s". `now` in epoch seconds; `null` status: no run yet.
 */
export function badgeText(
  status: INodeStatus | undefined,
  now: number,
  trans: TranslationBundle
): string {
  if (!status) {
    return trans.__('not run yet');
  }
  const worker = status.worker;
  const started = seconds(status.startedAt);
  switch (status.state) {
    case 'pending':
      return trans.__('waiting for upstream');
    case 'queued':
      return status.placement
        ? trans.__('queued on %1', status.placement)
        : stateName('queued', trans);
    case 'running': {
      const took =
        started === null ? null : formatDuration(now - started, trans);
      if (took && worker) {
        return trans.__('running %1 · %2', took, worker);
      }
      return took ? trans.__('running %1', took) : stateName('running', trans);
    }
    case 'retrying':
      // The orchestrator says "retry 2/3 in 5 s: ZeroDivisionError".
      return headline(status.message) ?? stateName('retrying', trans);
    case 'succeeded': {
      const ended = seconds(status.since);
      const took =
        started !== null && ended !== null
          ? formatDuration(ended - started, trans)
          : null;
      if (took && worker) {
        return trans.__('done %1 · %2', took, worker);
      }
      return took ? trans.__('done %1', took) : stateName('succeeded', trans);
    }
    case 'failed':
    case 'error':
      return headline(status.message) ?? stateName(status.state, trans);
    case 'skipped':
      return trans.__('upstream failed');
    case 'cancelling':
    case 'cancelled':
      return stateName(status.state, trans);
  }
}

/** Whether a badge's text changes with time (it shows a running duration). */
export function ticks(status: INodeStatus | undefined): boolean {
  return status?.state === 'running';
}

/** The full text of a badge's tooltip: the orchestrator's message, untrimmed. */
export function badgeTitle(
  status: INodeStatus | undefined,
  trans: TranslationBundle
): string {
  if (!status) {
    return trans.__('Not deployed yet');
  }
  const parts = [stateName(status.state, trans)];
  if (status.message) {
    parts.push(status.message);
  }
  if (status.attempt > 1) {
    parts.push(trans.__('attempt %1', status.attempt));
  }
  return parts.join(' — ');
}
