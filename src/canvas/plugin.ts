import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, WidgetTracker } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { notebookPathArgs } from '../commandArgs';
import { flowIcon } from '../icons';
import {
  CommandIDs,
  ICanvasTracker,
  IOrchestrator,
  IRuns,
  IWorkflows
} from '../tokens';
import type { CanvasPanel } from './panel';

/**
 * The workflow canvas: one per notebook, split to its right, restored on reload.
 */
export const canvasPlugin: JupyterFrontEndPlugin<ICanvasTracker> = {
  id: 'jupyterlab-continuum:canvas',
  description: 'Opens the workflow canvas of a notebook beside it.',
  autoStart: true,
  requires: [
    INotebookTracker,
    IDocumentManager,
    IOrchestrator,
    IWorkflows,
    IRuns
  ],
  optional: [ICommandPalette, ILayoutRestorer, ITranslator],
  provides: ICanvasTracker,
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    docManager: IDocumentManager,
    orchestrator: IOrchestrator,
    workflows: IWorkflows,
    runs: IRuns,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    translator: ITranslator | null
  ): ICanvasTracker => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_continuum');
    const tracker = new WidgetTracker<CanvasPanel>({
      namespace: 'continuum-canvas'
    });

    const notebookFor = (path: string | undefined): NotebookPanel | null => {
      if (!path) {
        return notebooks.currentWidget;
      }
      return notebooks.find(panel => panel.context.path === path) ?? null;
    };

    app.commands.addCommand(CommandIDs.openCanvas, {
      label: trans.__('Open Workflow Canvas'),
      caption: trans.__("Open the notebook's workflow canvas beside it"),
      icon: args => (args.isPalette ? undefined : flowIcon),
      describedBy: notebookPathArgs(trans),
      isEnabled: args => !!args.path || notebooks.currentWidget !== null,
      execute: async args => {
        const path = args.path as string | undefined;
        let notebook = notebookFor(path);
        if (!notebook && path) {
          // On restore the canvas may come back before its notebook does.
          const widget = docManager.openOrReveal(path);
          notebook = widget instanceof NotebookPanel ? widget : null;
        }
        if (!notebook) {
          return null;
        }
        const existing = tracker.find(canvas => canvas.notebook === notebook);
        if (existing) {
          app.shell.activateById(existing.id);
          return existing;
        }
        // The canvas (and React Flow with it) is fetched on first open only.
        const { CanvasPanel } = await import('./panel');
        const canvas = new CanvasPanel({
          notebook,
          workflow: workflows.forNotebook(notebook),
          runs: runs.forNotebook(notebook),
          orchestrator,
          commands: app.commands,
          editNode: cellId =>
            void app.commands.execute(CommandIDs.editNode, { cellId }),
          trans
        });
        canvas.id = `continuum-canvas-${notebook.id}`;
        notebook.context.pathChanged.connect(() => void tracker.save(canvas));
        // While the layout is restored the notebook may not be in the shell yet; the restorer
        // puts both back where they were, so only a live notebook needs the split.
        app.shell.add(
          canvas,
          'main',
          notebook.isAttached
            ? { mode: 'split-right', ref: notebook.id }
            : undefined
        );
        // Not awaited: while the layout is restored, adding waits for the restore to finish.
        void tracker.add(canvas);
        app.shell.activateById(canvas.id);
        return canvas;
      }
    });

    palette?.addItem({
      command: CommandIDs.openCanvas,
      category: trans.__('Continuum')
    });

    if (restorer) {
      void restorer.restore(tracker, {
        command: CommandIDs.openCanvas,
        args: canvas => ({ path: canvas.notebookPath }),
        name: canvas => canvas.notebookPath
      });
    }

    return tracker;
  }
};
