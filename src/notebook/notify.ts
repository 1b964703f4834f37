import { Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

import { NotebookWorkflow } from './model';

/**
 * Add source → target, telling the user (with the cycle named) when it is refused.
 * Shared by the commands and the canvas so both refuse in the same words.
 */
export function connectOrExplain(
  workflow: NotebookWorkflow,
  source: string,
  target: string,
  trans: TranslationBundle
): boolean {
  if (!workflow.node(source) || !workflow.node(target)) {
    Notification.error(
      trans.__('Both cells must be workflow nodes to be connected.')
    );
    return false;
  }
  const cycle = workflow.addDependency(source, target);
  if (cycle) {
    Notification.error(
      trans.__(
        'Refused: %1 → %2 would close the cycle %3.',
        workflow.label(source),
        workflow.label(target),
        cycle.map(id => workflow.label(id)).join(' → ')
      ),
      { autoClose: 8000 }
    );
    return false;
  }
  return true;
}
