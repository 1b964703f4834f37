import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';

import { IWorkflows } from '../tokens';
import { CellChips } from './chips';
import { NotebookWorkflow } from './model';

/**
 * One workflow (and its cell chips) per open notebook.
 */
export class Workflows implements IWorkflows {
  constructor(
    private _notebooks: INotebookTracker,
    private _openEditor: (cellId: string) => void,
    private _trans: TranslationBundle
  ) {}

  get current(): NotebookWorkflow | null {
    const panel = this._notebooks.currentWidget;
    return panel ? this.forNotebook(panel) : null;
  }

  forNotebook(panel: NotebookPanel): NotebookWorkflow {
    let workflow = this._byPanel.get(panel);
    if (!workflow) {
      const created = new NotebookWorkflow(panel.model!);
      const chips = new CellChips(
        panel,
        created,
        this._trans,
        this._openEditor
      );
      this._byPanel.set(panel, created);
      panel.disposed.connect(() => {
        chips.dispose();
        created.dispose();
        this._byPanel.delete(panel);
      });
      workflow = created;
    }
    return workflow;
  }

  private _byPanel = new Map<NotebookPanel, NotebookWorkflow>();
}
