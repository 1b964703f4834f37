import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { useStore } from 'zustand';

import type { NotebookRuns } from './notebookRuns';
import { IProgress, progress } from './runState';

/** "4/6 ✓ · 1 running · 1 failed". */
export function progressText(
  counts: IProgress,
  trans: TranslationBundle
): string {
  const parts = [trans.__('%1/%2 ✓', counts.succeeded, counts.total)];
  if (counts.running) {
    parts.push(trans.__('%1 running', counts.running));
  }
  if (counts.failed) {
    parts.push(trans.__('%1 failed', counts.failed));
  }
  if (counts.skipped) {
    parts.push(trans.__('%1 skipped', counts.skipped));
  }
  return parts.join(' · ');
}

/**
 * The progress of a notebook's run on display: text and a thin bar. Nothing without a run.
 */
export function RunProgress(props: {
  runs: NotebookRuns;
  trans: TranslationBundle;
}): JSX.Element | null {
  const run = useStore(props.runs.state, state => state.run);
  if (!run) {
    return null;
  }
  const counts = progress(run);
  const share = counts.total ? counts.done / counts.total : 0;
  return (
    <span
      className="jp-Continuum-progress"
      data-continuum-run-state={run.state}
      title={props.trans.__('Run %1: %2', run.runId, run.state)}
    >
      <span className="jp-Continuum-progressText">
        {progressText(counts, props.trans)}
      </span>
      <span className="jp-Continuum-progressBar" aria-hidden="true">
        <span style={{ width: `${Math.round(share * 100)}%` }} />
      </span>
    </span>
  );
}
