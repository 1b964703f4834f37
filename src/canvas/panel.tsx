import {
  MainAreaWidget,
  Notification,
  ReactWidget
} from '@jupyterlab/apputils';
import { Cell } from '@jupyterlab/cells';
import { Notebook, NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';
import {
  CommandToolbarButton,
  LabIcon,
  refreshIcon,
  runIcon,
  stopIcon
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { Message } from '@lumino/messaging';
import * as React from 'react';
// React Flow's stylesheet comes with the canvas, not with JupyterLab's startup.
import '@xyflow/react/dist/style.css';

import { flowIcon } from '../icons';
import type { NotebookWorkflow } from '../notebook/model';
import type { NotebookRuns } from '../run/notebookRuns';
import { RunProgress } from '../run/RunProgress';
import { CommandIDs, IOrchestrator } from '../tokens';
import { canvasToolbarItems } from './CanvasToolbar';
import { CanvasView } from './CanvasView';
import { OrchestratorStatus } from './OrchestratorStatus';
import { RunsContext } from './runsContext';
import { CanvasStore } from './store';

/**
 * The body of a canvas: the React Flow editor.
 */
class CanvasContent extends ReactWidget {
  constructor(
    private _props: CanvasView.IProps,
    private _runs: NotebookRuns
  ) {
    super();
    this.addClass('jp-Continuum-canvas');
  }

  protected render(): JSX.Element {
    return (
      <RunsContext.Provider value={this._runs}>
        <CanvasView {...this._props} />
      </RunsContext.Provider>
    );
  }
}

export namespace CanvasPanel {
  export interface IOptions {
    notebook: NotebookPanel;
    workflow: NotebookWorkflow;
    /** The notebook's runs, whose status the nodes show. */
    runs: NotebookRuns;
    orchestrator: IOrchestrator;
    commands: CommandRegistry;
    /** Open the properties of a node's cell. */
    editNode: (cellId: string) => void;
    trans: TranslationBundle;
  }
}

/**
 * The workflow canvas of one notebook, opened beside it.
 */
export class CanvasPanel extends MainAreaWidget<CanvasContent> {
  constructor(options: CanvasPanel.IOptions) {
    const {
      notebook,
      workflow,
      runs,
      orchestrator,
      commands,
      editNode,
      trans
    } = options;
    const store = new CanvasStore({
      workflow,
      defaultPlacement: () => orchestrator.defaultPlacement
    });
    super({
      content: new CanvasContent(
        {
          store,
          trans,
          reveal: (cellId: string) => this._reveal(cellId),
          editNode
        },
        runs
      )
    });
    this.notebook = notebook;
    this.store = store;
    this.addClass('jp-Continuum-canvasPanel');
    this.title.icon = flowIcon;
    this.title.closable = true;
    this._orchestrator = orchestrator;
    // Deploy and run control first (DESIGN §3.6); they act on this canvas's notebook.
    // The buttons hold this object: _syncTitle keeps its path that of the notebook.
    const args = this._runArgs;
    const runButton = (id: string, icon: LabIcon, label = '') =>
      new CommandToolbarButton({ commands, id, icon, label, args });
    const deploy = runButton(
      CommandIDs.deploy,
      runIcon,
      trans.__('Deploy to continuum')
    );
    deploy.addClass('jp-Continuum-deployButton');
    this.toolbar.addItem('continuum-deploy', deploy);
    this.toolbar.addItem(
      'continuum-progress',
      ReactWidget.create(<RunProgress runs={runs} trans={trans} />)
    );
    this.toolbar.addItem(
      'continuum-cancel',
      runButton(CommandIDs.cancelRun, stopIcon)
    );
    this.toolbar.addItem(
      'continuum-retry',
      runButton(CommandIDs.retryFailed, refreshIcon)
    );
    // Then the orchestrator, ahead of the layout and editing buttons (DESIGN §3.6 puts it
    // after layout): a narrow canvas moves the toolbar's last items into its overflow menu,
    // and the target is what must stay in sight.
    this.toolbar.addItem(
      'orchestrator',
      ReactWidget.create(
        <OrchestratorStatus orchestrator={orchestrator} trans={trans} />
      )
    );
    const suggest = () => void this._suggestDependencies();
    for (const [name, item] of canvasToolbarItems(store, trans, suggest)) {
      this.toolbar.addItem(name, item);
    }
    this._trans = trans;
    this._syncTitle();
    notebook.context.pathChanged.connect(this._syncTitle, this);
    notebook.content.activeCellChanged.connect(this._onActiveCell, this);
    this._onActiveCell(notebook.content, notebook.content.activeCell);
    // A canvas only makes sense beside its notebook.
    notebook.disposed.connect(() => this.dispose());
  }

  /**
   * The notebook this canvas edits.
   */
  readonly notebook: NotebookPanel;

  /**
   * The canvas state, mirroring the notebook's workflow.
   */
  readonly store: CanvasStore;

  /**
   * The path of the notebook this canvas edits.
   */
  get notebookPath(): string {
    return this.notebook.context.path;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.store.dispose();
    super.dispose();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.content.update();
  }

  /** Ask the orchestrator which dependencies the code implies; show the new ones. */
  private async _suggestDependencies(): Promise<void> {
    const trans = this._trans;
    let analysis;
    try {
      analysis = await this._orchestrator.client.analyze(
        this.store.workflow.analysisInput()
      );
    } catch (error) {
      Notification.error(
        trans.__('Could not infer dependencies: %1', (error as Error).message)
      );
      return;
    }
    if (this.store.suggest(analysis.edges) === 0) {
      Notification.info(trans.__('No new dependencies were found.'));
    }
  }

  /** Make a node's cell the notebook's active cell and scroll it into view. */
  private _reveal(cellId: string): void {
    const notebook = this.notebook.content;
    const index = notebook.widgets.findIndex(cell => cell.model.id === cellId);
    if (index >= 0) {
      notebook.activeCellIndex = index;
      void notebook.scrollToItem(index, 'smart');
    }
  }

  private _onActiveCell(_: Notebook, cell: Cell | null): void {
    this.store.setActiveCell(cell?.model.id ?? null);
  }

  private _syncTitle(): void {
    this._runArgs.path = this.notebook.context.path;
    const name = this.notebook.context.localPath.split('/').pop() ?? '';
    this.title.label = this._trans.__('Flow: %1', name);
    this.title.caption = this._trans.__(
      'Workflow canvas of %1',
      this.notebook.context.path
    );
  }

  private _runArgs = { path: '' };
  private _trans: TranslationBundle;
  private _orchestrator: IOrchestrator;
}
