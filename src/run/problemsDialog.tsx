import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { IProblem } from './problems';

/**
 * Every problem that stops a deploy, in one list; each is also marked on its node and cell.
 */
export async function showProblems(
  problems: readonly IProblem[],
  label: (nodeId: string) => string,
  trans: TranslationBundle
): Promise<void> {
  await showDialog({
    title: trans._n(
      'Fix %1 problem before deploying',
      'Fix %1 problems before deploying',
      problems.length
    ),
    body: (
      <ul className="jp-Continuum-problems">
        {problems.map((problem, index) => (
          <li key={index} data-continuum-problem-node={problem.nodeId ?? ''}>
            {problem.nodeId !== null && (
              <strong>{`${label(problem.nodeId)}: `}</strong>
            )}
            {problem.message}
          </li>
        ))}
      </ul>
    ),
    buttons: [Dialog.okButton({ label: trans.__('OK') })]
  });
}
