import { MainAreaWidget, ReactWidget } from '@jupyterlab/apputils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { flowIcon } from '../icons';
import { IOrchestrator } from '../tokens';
import CanvasView from './CanvasView';
import { OrchestratorStatus } from './OrchestratorStatus';

/**
 * The body of a canvas: the React Flow editor.
 */
class CanvasContent extends ReactWidget {
  constructor(private _trans: TranslationBundle) {
    super();
    this.addClass('jp-Continuum-canvas');
  }

  protected render(): JSX.Element {
    return <CanvasView trans={this._trans} />;
  }
}

export namespace CanvasPanel {
  export interface IOptions {
    notebook: NotebookPanel;
    orchestrator: IOrchestrator;
    trans: TranslationBundle;
  }
}

/**
 * The workflow canvas of one notebook, opened beside it.
 */
export class CanvasPanel extends MainAreaWidget<CanvasContent> {
  constructor(options: CanvasPanel.IOptions) {
    super({ content: new CanvasContent(options.trans) });
    const { notebook, orchestrator, trans } = options;
    this.notebook = notebook;
    this.addClass('jp-Continuum-canvasPanel');
    this.title.icon = flowIcon;
    this.title.closable = true;
    this.toolbar.addItem(
      'orchestrator',
      ReactWidget.create(
        <OrchestratorStatus orchestrator={orchestrator} trans={trans} />
      )
    );
    this._trans = trans;
    this._syncTitle();
    notebook.context.pathChanged.connect(this._syncTitle, this);
    // A canvas only makes sense beside its notebook.
    notebook.disposed.connect(() => this.dispose());
  }

  /**
   * The notebook this canvas edits.
   */
  readonly notebook: NotebookPanel;

  /**
   * The path of the notebook this canvas edits.
   */
  get notebookPath(): string {
    return this.notebook.context.path;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.content.update();
  }

  private _syncTitle(): void {
    const name = this.notebook.context.localPath.split('/').pop() ?? '';
    this.title.label = this._trans.__('Flow: %1', name);
    this.title.caption = this._trans.__(
      'Workflow canvas of %1',
      this.notebook.context.path
    );
  }

  private _trans: TranslationBundle;
}
