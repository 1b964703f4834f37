import { IWidgetTracker } from '@jupyterlab/apputils';
import { Token } from '@lumino/coreutils';
import { ISignal } from '@lumino/signaling';

import type { NotebookPanel } from '@jupyterlab/notebook';

import type { CanvasPanel } from './canvas/panel';
import type { NotebookWorkflow } from './notebook/model';
import type { OrchestratorClient } from './run/client';
import type { NotebookRuns } from './run/notebookRuns';
import type { EventStream } from './run/stream';

/**
 * Command ids: a contract (DESIGN §3.5); acceptance checks drive the UI through them.
 */
export namespace CommandIDs {
  export const openCanvas = 'continuum:open-canvas';
  export const toggleNode = 'continuum:toggle-node';
  export const setPlacement = 'continuum:set-placement';
  export const addDependency = 'continuum:add-dependency';
  export const inferDependencies = 'continuum:infer-dependencies';
  export const deploy = 'continuum:deploy';
  export const cancelRun = 'continuum:cancel-run';
  export const retryFailed = 'continuum:retry-failed';
  export const toggleSetup = 'continuum:toggle-setup';
  export const editNode = 'continuum:edit-node';
  export const removeDependency = 'continuum:remove-dependency';
  export const undo = 'continuum:undo';
  export const redo = 'continuum:redo';
  export const showRunDetails = 'continuum:show-run-details';
}

/**
 * Id of the plugin holding the user settings (schema/plugin.json).
 */
export const SETTINGS_PLUGIN_ID = 'jupyterlab-continuum:plugin';

/**
 * The tracker of open workflow canvases, one per notebook.
 */
export type ICanvasTracker = IWidgetTracker<CanvasPanel>;

export const ICanvasTracker = new Token<ICanvasTracker>(
  'jupyterlab-continuum:ICanvasTracker',
  'A tracker of the workflow canvases opened beside notebooks.'
);

/**
 * The orchestrator the workflows of this JupyterLab are deployed to, following the settings.
 */
export interface IOrchestrator {
  /** Client of the orchestrator the settings currently point to. */
  readonly client: OrchestratorClient;
  /** The live event stream of that orchestrator, shared by every followed run. */
  readonly events: EventStream;
  /** Placement given to newly tagged cells. */
  readonly defaultPlacement: string;
  /** Whether deployed outputs replace the cells' outputs. */
  readonly writeOutputsToCells: boolean;
  /** Emitted when the settings change the target or the preferences. */
  readonly changed: ISignal<IOrchestrator, void>;
}

export const IOrchestrator = new Token<IOrchestrator>(
  'jupyterlab-continuum:IOrchestrator',
  'The orchestrator that workflows are deployed to, as configured in the settings.'
);

/**
 * The workflows held by open notebooks.
 */
export interface IWorkflows {
  /** The workflow of a notebook, created on first use and disposed with the notebook. */
  forNotebook(panel: NotebookPanel): NotebookWorkflow;
  /** The workflow of the current notebook, if any. */
  readonly current: NotebookWorkflow | null;
}

export const IWorkflows = new Token<IWorkflows>(
  'jupyterlab-continuum:IWorkflows',
  'The workflows that open notebooks hold in their cell metadata.'
);

/**
 * The runs of open notebooks: deploy, follow, cancel, retry.
 */
export interface IRuns {
  /** The runs of a notebook, created on first use and disposed with the notebook. */
  forNotebook(panel: NotebookPanel): NotebookRuns;
  /** The runs of the current notebook, if any. */
  readonly current: NotebookRuns | null;
}

export const IRuns = new Token<IRuns>(
  'jupyterlab-continuum:IRuns',
  'The workflow runs of open notebooks: deploy, live status, cancel and retry.'
);
