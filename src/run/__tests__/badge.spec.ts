import { nullTranslator } from '@jupyterlab/translation';

import { badgeText, formatDuration } from '../badge';
import { emptyRun, INodeStatus } from '../runState';

const trans = nullTranslator.load('jupyterlab_continuum');

function status(partial: Partial<INodeStatus>): INodeStatus {
  return { ...emptyRun('r', ['a']).nodes.a, ...partial };
}

describe('badgeText', () => {
  it('says a node was not run when there is no run', () => {
    expect(badgeText(undefined, 0, trans)).toBe('not run yet');
  });

  it.each<[Partial<INodeStatus>, string]>([
    [{ state: 'pending' }, 'waiting for upstream'],
    [{ state: 'queued', placement: 'edge' }, 'queued on edge'],
    [
      { state: 'running', startedAt: 100, worker: 'edge-0' },
      'running 12 s · edge-0'
    ],
    [
      { state: 'succeeded', startedAt: 100, since: 103.2, worker: 'cloud-0' },
      'done 3.2 s · cloud-0'
    ],
    [
      { state: 'failed', message: 'ZeroDivisionError: division by zero' },
      'ZeroDivisionError'
    ],
    [
      { state: 'error', message: 'worker lost: edge-0 left while running it' },
      'worker lost'
    ],
    [
      { state: 'retrying', message: 'retry 2/3 in 5 s: ValueError: bad' },
      'retry 2/3 in 5 s'
    ],
    [{ state: 'skipped' }, 'upstream failed'],
    [{ state: 'cancelled' }, 'cancelled']
  ])('%j reads "%s"', (partial, text) => {
    expect(badgeText(status(partial), 112.4, trans)).toBe(text);
  });
});

describe('formatDuration', () => {
  it.each([
    [0.04, '0.0 s'],
    [9.96, '10.0 s'],
    [42.9, '42 s'],
    [245, '4 min 05 s']
  ])('%s s reads "%s"', (seconds, text) => {
    expect(formatDuration(seconds, trans)).toBe(text);
  });
});
