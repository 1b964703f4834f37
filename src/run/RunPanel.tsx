import { ReactWidget } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Message } from '@lumino/messaging';
import { ISignal } from '@lumino/signaling';
import * as React from 'react';

import type { NotebookRuns } from './notebookRuns';

// The panel's content loads the first time the panel shows, not with JupyterLab.
const RunPanelBody = React.lazy(() =>
  import('./RunPanelBody').then(module => ({ default: module.RunPanelBody }))
);

/**
 * The run panel of the right sidebar: the current notebook's runs and a node's details.
 */
export class RunPanel extends ReactWidget {
  constructor(
    private _current: () => NotebookRuns | null,
    private _currentChanged: ISignal<unknown, unknown>,
    private _trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-Continuum-runPanel');
    _currentChanged.connect(this.update, this);
  }

  dispose(): void {
    this._currentChanged.disconnect(this.update, this);
    super.dispose();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.update();
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this.update();
  }

  /**
   * Nothing while hidden: a closed sidebar follows no run and fetches no history, and the
   * content's code loads the first time the panel shows.
   */
  protected render(): JSX.Element | null {
    if (!this.isVisible) {
      return null;
    }
    const runs = this._current();
    return (
      <React.Suspense fallback={null}>
        <RunPanelBody
          key={runs?.panel.id ?? 'none'}
          runs={runs}
          trans={this._trans}
        />
      </React.Suspense>
    );
  }
}
