import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { cellIdArgs } from '../commandArgs';
import { flowIcon } from '../icons';
import { CommandIDs, IOrchestrator, IWorkflows } from '../tokens';
// Needed at once: every notebook, restored ones included, shows its nodes' chips.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { Workflows } from './workflows';

function kernelLanguage(panel: NotebookPanel): string | null {
  const model = panel.model;
  const info = model?.getMetadata('language_info') as { name?: string };
  const spec = model?.getMetadata('kernelspec') as { language?: string };
  return (info?.name ?? spec?.language ?? null)?.toLowerCase() ?? null;
}

/**
 * Cells become workflow nodes: tagging, properties, dependencies and their inference.
 */
export const notebookPlugin: JupyterFrontEndPlugin<IWorkflows> = {
  id: 'jupyterlab-continuum:notebook',
  description:
    'Turns notebook cells into workflow nodes held in the cell metadata.',
  autoStart: true,
  requires: [INotebookTracker, IOrchestrator],
  optional: [ICommandPalette, ITranslator],
  provides: IWorkflows,
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    orchestrator: IOrchestrator,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): IWorkflows => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_continuum');
    const { commands } = app;
    const workflows = new Workflows(
      notebooks,
      cellId => void commands.execute(CommandIDs.editNode, { cellId }),
      trans
    );
    notebooks.widgetAdded.connect((_, panel) => workflows.forNotebook(panel));

    /** The code cells the user has selected (the active one at least). */
    const selectedCodeCells = (): string[] => {
      const notebook = notebooks.currentWidget?.content;
      if (!notebook) {
        return [];
      }
      return notebook.widgets
        .filter(
          cell =>
            cell.model.type === 'code' && notebook.isSelectedOrActive(cell)
        )
        .map(cell => cell.model.id);
    };
    const hasSelection = () => selectedCodeCells().length > 0;

    const toggleRole = (role: 'node' | 'setup') =>
      workflows.current?.toggleRole(
        selectedCodeCells(),
        role,
        orchestrator.defaultPlacement
      );

    commands.addCommand(CommandIDs.toggleNode, {
      label: trans.__('Toggle Workflow Node'),
      caption: trans.__('Tag or untag the selected cells as workflow nodes'),
      icon: args => (args.isPalette ? undefined : flowIcon),
      describedBy: { args: { type: 'object', properties: {} } },
      isEnabled: hasSelection,
      execute: () => toggleRole('node')
    });

    commands.addCommand(CommandIDs.toggleSetup, {
      label: trans.__('Toggle Workflow Setup Cell'),
      caption: trans.__(
        'Mark or unmark the selected cells as setup code prepended to every node'
      ),
      describedBy: { args: { type: 'object', properties: {} } },
      isEnabled: hasSelection,
      execute: () => toggleRole('setup')
    });

    commands.addCommand(CommandIDs.setPlacement, {
      label: args =>
        args.placement
          ? trans.__('Run Selected Cells on %1', args.placement as string)
          : trans.__('Set Workflow Placement'),
      caption: trans.__('Set where the selected workflow nodes run'),
      describedBy: {
        args: {
          type: 'object',
          properties: {
            placement: {
              type: 'string',
              description: trans.__('edge, cloud or a named target')
            }
          },
          required: ['placement']
        }
      },
      isEnabled: hasSelection,
      execute: args => {
        const placement = String(args.placement ?? '');
        const workflow = workflows.current;
        if (
          workflow &&
          !workflow.setPlacement(selectedCodeCells(), placement)
        ) {
          Notification.error(trans.__('Invalid placement "%1".', placement));
        }
      }
    });

    const edgeArgs = {
      type: 'object',
      properties: {
        source: {
          type: 'string',
          description: trans.__('Id of the upstream cell')
        },
        target: {
          type: 'string',
          description: trans.__('Id of the downstream cell')
        }
      },
      required: ['source', 'target']
    };

    commands.addCommand(CommandIDs.addDependency, {
      label: trans.__('Add Workflow Dependency'),
      caption: trans.__('Make one workflow node run after another'),
      describedBy: { args: edgeArgs },
      isEnabled: () => workflows.current !== null,
      execute: async args => {
        const workflow = workflows.current;
        const { connectOrExplain } = await import('./notify');
        return workflow
          ? connectOrExplain(
              workflow,
              String(args.source),
              String(args.target),
              trans
            )
          : false;
      }
    });

    commands.addCommand(CommandIDs.removeDependency, {
      label: trans.__('Remove Workflow Dependency'),
      caption: trans.__('Stop one workflow node from waiting for another'),
      describedBy: { args: edgeArgs },
      isEnabled: () => workflows.current !== null,
      execute: args => {
        workflows.current?.removeDependency(
          String(args.source),
          String(args.target)
        );
      }
    });

    commands.addCommand(CommandIDs.editNode, {
      label: trans.__('Edit Workflow Node…'),
      caption: trans.__(
        "Edit a workflow node's label, placement and resources"
      ),
      describedBy: cellIdArgs(trans),
      isEnabled: args => {
        const workflow = workflows.current;
        const id =
          (args.cellId as string) ??
          notebooks.activeCell?.model.id ??
          undefined;
        return !!workflow && !!id && workflow.node(id) !== null;
      },
      execute: async args => {
        const workflow = workflows.current;
        const id =
          (args.cellId as string) ?? notebooks.activeCell?.model.id ?? '';
        const meta = workflow?.node(id);
        if (!workflow || !meta) {
          return;
        }
        const names = await orchestrator.client
          .placements()
          .then(list => list.map(placement => placement.name))
          .catch(() => ['edge', 'cloud']);
        const { editNodeProperties } = await import('./editor');
        const edited = await editNodeProperties(
          meta,
          Array.from(new Set([orchestrator.defaultPlacement, ...names])),
          trans
        );
        if (edited) {
          workflow.setNode(id, edited);
        }
      }
    });

    commands.addCommand(CommandIDs.inferDependencies, {
      label: trans.__('Infer Workflow Dependencies'),
      caption: trans.__(
        'Suggest dependencies from the variables each node uses and defines'
      ),
      describedBy: { args: { type: 'object', properties: {} } },
      isEnabled: () => notebooks.currentWidget !== null,
      execute: async () => {
        const panel = notebooks.currentWidget;
        if (!panel) {
          return;
        }
        const language = kernelLanguage(panel);
        if (language && language !== 'python') {
          Notification.warning(
            trans.__(
              'Dependency inference reads Python only; this notebook uses %1. Draw the dependencies by hand.',
              language
            )
          );
          return;
        }
        const workflow = workflows.forNotebook(panel);
        let analysis;
        try {
          analysis = await orchestrator.client.analyze(
            workflow.analysisInput()
          );
        } catch (error) {
          Notification.error(
            trans.__(
              'Could not infer dependencies: %1',
              (error as Error).message
            )
          );
          return;
        }
        const suggestions = analysis.edges.filter(edge =>
          workflow.isNewDependency(edge.source, edge.target)
        );
        const { reviewSuggestions } = await import('./inference');
        const accepted = await reviewSuggestions(
          suggestions,
          analysis,
          id => workflow.label(id),
          trans
        );
        const { connectOrExplain } = await import('./notify');
        for (const edge of accepted) {
          connectOrExplain(workflow, edge.source, edge.target, trans);
        }
      }
    });

    commands.addCommand(CommandIDs.undo, {
      label: trans.__('Undo Workflow Edit'),
      caption: trans.__(
        'Undo the last change to the workflow (nodes, placements, dependencies)'
      ),
      describedBy: { args: { type: 'object', properties: {} } },
      isEnabled: () => !!workflows.current?.canUndo,
      execute: () => workflows.current?.undo()
    });

    commands.addCommand(CommandIDs.redo, {
      label: trans.__('Redo Workflow Edit'),
      caption: trans.__('Redo the last undone change to the workflow'),
      describedBy: { args: { type: 'object', properties: {} } },
      isEnabled: () => !!workflows.current?.canRedo,
      execute: () => workflows.current?.redo()
    });

    if (palette) {
      const category = trans.__('Continuum');
      for (const command of [
        CommandIDs.undo,
        CommandIDs.redo,
        CommandIDs.toggleNode,
        CommandIDs.toggleSetup,
        CommandIDs.editNode,
        CommandIDs.inferDependencies
      ]) {
        palette.addItem({ command, category });
      }
      for (const placement of ['edge', 'cloud']) {
        palette.addItem({
          command: CommandIDs.setPlacement,
          args: { placement },
          category
        });
      }
    }

    return workflows;
  }
};
