import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  Notification,
  ReactWidget,
  UseSignal
} from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IStatusBar } from '@jupyterlab/statusbar';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import { refreshIcon, runIcon, stopIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { cellIdArgs, notebookPathArgs } from '../commandArgs';
import { flowIcon } from '../icons';
import { CommandIDs, IOrchestrator, IRuns, IWorkflows } from '../tokens';
// Needed at once: every notebook, restored ones included, reattaches to its last run
// and shows its badges; the run panel's tab is in the sidebar from the start.
/* eslint-disable jupyter/prefer-lazy-imports */
import { CellBadges } from './cellBadges';
import { NotebookRuns } from './notebookRuns';
import { RunPanel } from './RunPanel';
/* eslint-enable jupyter/prefer-lazy-imports */
import { RunProgress } from './RunProgress';

/**
 * One `NotebookRuns` (and its cell badges) per open notebook; each reattaches to its last run
 * when the notebook opens.
 */
class Runs implements IRuns {
  constructor(
    private _notebooks: INotebookTracker,
    private _workflows: IWorkflows,
    private _orchestrator: IOrchestrator,
    private _openDetails: (runs: NotebookRuns, cellId: string) => void,
    private _onRunChanged: () => void,
    private _trans: TranslationBundle
  ) {}

  get current(): NotebookRuns | null {
    const panel = this._notebooks.currentWidget;
    return panel ? this.forNotebook(panel) : null;
  }

  forNotebook(panel: NotebookPanel): NotebookRuns {
    let runs = this._byPanel.get(panel);
    if (!runs) {
      const created = new NotebookRuns({
        panel,
        workflow: this._workflows.forNotebook(panel),
        orchestrator: this._orchestrator,
        trans: this._trans
      });
      const badges = new CellBadges(panel, created, this._trans, cellId =>
        this._openDetails(created, cellId)
      );
      this._byPanel.set(panel, created);
      const unsubscribe = created.state.subscribe((state, previous) => {
        if (
          state.live !== previous.live ||
          state.phase !== previous.phase ||
          state.run?.state !== previous.run?.state
        ) {
          this._onRunChanged();
        }
      });
      panel.disposed.connect(() => {
        unsubscribe();
        badges.dispose();
        created.dispose();
        this._byPanel.delete(panel);
      });
      void panel.context.ready
        .then(() => created.reattach())
        .catch(reason =>
          console.warn('Could not reattach to the last workflow run.', reason)
        );
      runs = created;
    }
    return runs;
  }

  /** The runs of the notebook at `path`, or of the current notebook. */
  find(path: unknown): NotebookRuns | null {
    if (typeof path !== 'string' || !path) {
      return this.current;
    }
    const panel = this._notebooks.find(item => item.context.path === path);
    return panel ? this.forNotebook(panel) : null;
  }

  private _byPanel = new Map<NotebookPanel, NotebookRuns>();
}

/**
 * Deploy to continuum and watch the run: commands, badges on cells, the run panel and the
 * progress in the status bar.
 */
export const runsPlugin: JupyterFrontEndPlugin<IRuns> = {
  id: 'jupyterlab-continuum:runs',
  description:
    "Deploys notebooks' workflows and shows their live status on cells and canvases.",
  autoStart: true,
  requires: [INotebookTracker, IOrchestrator, IWorkflows],
  optional: [ICommandPalette, ILayoutRestorer, IStatusBar, ITranslator],
  provides: IRuns,
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    orchestrator: IOrchestrator,
    workflows: IWorkflows,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    statusBar: IStatusBar | null,
    translator: ITranslator | null
  ): IRuns => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_continuum');
    const { commands, shell } = app;

    const panel = new RunPanel(
      () => runs.current,
      notebooks.currentChanged,
      trans
    );
    panel.id = 'continuum-runs';
    panel.title.icon = flowIcon;
    panel.title.caption = trans.__('Workflow runs');
    shell.add(panel, 'right', { rank: 600 });
    restorer?.add(panel, 'continuum-runs');

    const openDetails = (target: NotebookRuns, cellId: string) => {
      target.showDetails(cellId);
      shell.activateById(panel.id);
    };
    // Buttons and menus follow the run: deploy, cancel and retry enable as it moves.
    const runs = new Runs(
      notebooks,
      workflows,
      orchestrator,
      openDetails,
      () => commands.notifyCommandChanged(),
      trans
    );
    notebooks.widgetAdded.connect((_, notebook) => runs.forNotebook(notebook));

    const targetName = () => {
      const endpoint = orchestrator.client.endpoint;
      return (
        endpoint.host ?? trans.__('the orchestrator of this Jupyter server')
      );
    };
    const failed = (action: string, error: unknown) =>
      Notification.error(
        trans.__('%1 failed: %2', action, (error as Error).message),
        { autoClose: 8000 }
      );

    commands.addCommand(CommandIDs.deploy, {
      label: trans.__('Deploy to continuum'),
      caption: args =>
        trans.__(
          'Validate the workflow and run it on %1',
          args.isPalette ? trans.__('the orchestrator') : targetName()
        ),
      // In the notebook toolbar the button shows its name: it is the main action.
      icon: args => (args.isPalette || args.toolbar ? undefined : runIcon),
      describedBy: notebookPathArgs(trans),
      isEnabled: args => {
        const target = runs.find(args.path);
        return !!target && target.state.getState().phase === 'idle';
      },
      execute: async args => {
        const target = runs.find(args.path);
        if (!target) {
          return null;
        }
        const result = await target.deploy();
        if ('problems' in result) {
          const { showProblems } = await import('./problemsDialog');
          await showProblems(
            result.problems,
            id => target.workflow.label(id),
            trans
          );
        } else if ('error' in result) {
          Notification.error(
            trans.__('Could not deploy to %1: %2', targetName(), result.error),
            { autoClose: 8000 }
          );
        } else if ('runId' in result) {
          Notification.info(
            trans.__('Deployed to %1: run %2.', targetName(), result.runId),
            { autoClose: 3000 }
          );
        }
        return result;
      }
    });

    commands.addCommand(CommandIDs.cancelRun, {
      label: trans.__('Cancel Workflow Run'),
      caption: trans.__('Stop the running workflow of the notebook'),
      icon: args => (args.isPalette ? undefined : stopIcon),
      describedBy: notebookPathArgs(trans),
      isEnabled: args => !!runs.find(args.path)?.state.getState().live,
      execute: async args => {
        try {
          return await runs.find(args.path)?.cancel();
        } catch (error) {
          failed(trans.__('Cancel'), error);
          return false;
        }
      }
    });

    commands.addCommand(CommandIDs.retryFailed, {
      label: trans.__('Retry Failed Workflow Nodes'),
      caption: trans.__(
        'Run the failed and skipped nodes again with their current code, reusing what succeeded'
      ),
      icon: args => (args.isPalette ? undefined : refreshIcon),
      describedBy: notebookPathArgs(trans),
      isEnabled: args => {
        const state = runs.find(args.path)?.state.getState();
        return (
          !!state?.run &&
          !state.live &&
          Object.values(state.run.nodes).some(
            node => node.state !== 'succeeded'
          )
        );
      },
      execute: async args => {
        try {
          return await runs.find(args.path)?.retryFailed();
        } catch (error) {
          failed(trans.__('Retry'), error);
          return false;
        }
      }
    });

    commands.addCommand(CommandIDs.showRunDetails, {
      label: trans.__('Show Workflow Run Details'),
      caption: trans.__("Show a node's state history, attempts and outputs"),
      describedBy: cellIdArgs(trans),
      isEnabled: () => runs.current?.state.getState().run !== null,
      execute: args => {
        const target = runs.current;
        const cellId =
          (args.cellId as string) ?? notebooks.activeCell?.model.id;
        if (target && cellId) {
          openDetails(target, cellId);
        }
      }
    });

    if (palette) {
      const category = trans.__('Continuum');
      for (const command of [
        CommandIDs.deploy,
        CommandIDs.cancelRun,
        CommandIDs.retryFailed,
        CommandIDs.showRunDetails
      ]) {
        palette.addItem({ command, category });
      }
    }

    if (statusBar) {
      statusBar.registerStatusItem('jupyterlab-continuum:run-progress', {
        align: 'left',
        item: ReactWidget.create(
          <UseSignal signal={notebooks.currentChanged}>
            {() => {
              const target = runs.current;
              return target ? (
                <RunProgress
                  key={target.panel.id}
                  runs={target}
                  trans={trans}
                />
              ) : null;
            }}
          </UseSignal>
        ),
        isActive: () => notebooks.currentWidget !== null
      });
    }

    return runs;
  }
};
