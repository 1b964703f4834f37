import type { NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import { UUID } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { createStore, StoreApi } from 'zustand/vanilla';

import { NOTEBOOK_METADATA_KEY, NotebookWorkflow } from '../notebook/model';
import type { IOrchestrator } from '../tokens';
import { buildSpec, isNode, validateWorkflow } from '../workflow';
import { CellOutputWriter } from './cellOutputs';
import { OrchestratorError } from './client';
import type { IRunSnapshot, IRunSummary, IServerValidation } from './client';
import { RunFollower, TERMINAL_RUN_STATES } from './follower';
import { IProblem, localProblems, serverProblems } from './problems';
import type { IRunView } from './runState';
import type { IStreamHold } from './stream';

/** How long a deploy waits for the event stream to open before it submits anyway. */
const STREAM_WAIT_MS = 2000;

/** Settles when `promise` does, or after `ms`, whichever comes first. */
async function atMost(promise: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>(
    resolve => (timer = setTimeout(resolve, ms))
  );
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function isPlacementProblem(issue: { code: string }): boolean {
  return issue.code === 'unknown-placement';
}

/** The orchestrator refused the spec; its details are the problems, as `/validate` lists them. */
function isRefusal(
  error: unknown
): error is OrchestratorError & { details: IServerValidation['errors'] } {
  return (
    error instanceof OrchestratorError &&
    (error.status === 422 || error.status === 413) &&
    error.details.length > 0
  );
}

/** What the canvas, the cells and the run panel show of a notebook's runs. */
export interface IRunsState {
  /** The run on display: the last one deployed, reattached or opened from the history. */
  run: IRunView | null;
  /** Whether that run is followed live (it has not ended). */
  live: boolean;
  /** Where it runs: "embedded" or the remote orchestrator's host. */
  target: string | null;
  /** What the deploy button is doing. */
  phase: 'idle' | 'validating' | 'submitting';
  /** What stopped the last deploy; empty when it went through. */
  problems: IProblem[];
  /** The node whose run details are shown in the run panel. */
  detailsNode: string | null;
}

/** The outcome of a deploy, for the command's caller. */
export type DeployResult =
  | { runId: string }
  | { problems: IProblem[] }
  | { error: string }
  | { busy: true };

/**
 * The runs of one notebook: deploy, follow, cancel and retry, and what they show.
 */
export class NotebookRuns implements IDisposable {
  constructor(options: NotebookRuns.IOptions) {
    this.panel = options.panel;
    this.workflow = options.workflow;
    this._orchestrator = options.orchestrator;
    this._trans = options.trans;
    this._outputs = new CellOutputWriter(this.workflow.model);
    this.workflow.changed.connect(this._onWorkflowChanged, this);
    this._orchestrator.changed.connect(this._onOrchestratorChanged, this);
  }

  readonly panel: NotebookPanel;
  readonly workflow: NotebookWorkflow;
  readonly state: StoreApi<IRunsState> = createStore<IRunsState>(() => ({
    run: null,
    live: false,
    target: null,
    phase: 'idle',
    problems: [],
    detailsNode: null
  }));

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** The key of the current orchestrator in `metadata.continuum.last_run`. */
  get targetKey(): string {
    const endpoint = this._orchestrator.client.endpoint;
    return endpoint.host ?? endpoint.kind;
  }

  /**
   * Validate here and on the orchestrator, then submit the notebook's workflow as its cells
   * are now (unsaved edits included) and follow the run.
   */
  async deploy(): Promise<DeployResult> {
    if (this.state.getState().phase !== 'idle') {
      return { busy: true };
    }
    const defaultPlacement = this._orchestrator.defaultPlacement;
    const client = this._orchestrator.client;
    this.state.setState({ phase: 'validating', problems: [] });
    // The stream opens while the workflow is checked; open before the run exists, it brings
    // every event of the run, so the first badges need no fetch.
    const hold = this._orchestrator.events.hold();
    try {
      const cells = this.workflow.cells();
      let local = validateWorkflow(cells, {
        defaultPlacement,
        placements: this._placements
      });
      if (!this._placements || local.some(isPlacementProblem)) {
        // The orchestrator's placements (a pool whose worker restarts still counts), fetched
        // once and again when one seems unknown, so it shows among the other problems.
        this._placements = (await client.placements()).map(
          placement => placement.name
        );
        local = validateWorkflow(cells, {
          defaultPlacement,
          placements: this._placements
        });
      }
      if (local.length > 0) {
        return this._refuse(localProblems(local, this._trans));
      }
      const spec = buildSpec({
        name: this.panel.context.localPath.split('/').pop() ?? '',
        path: this.panel.context.path,
        cells,
        defaultPlacement
      });
      this.state.setState({ phase: 'submitting' });
      await atMost(hold.ready, STREAM_WAIT_MS);
      const wasReady = hold.isReady;
      let snapshot: IRunSnapshot;
      try {
        // The server checks the spec as it takes it: a refusal lists every problem.
        snapshot = await client.submit(spec, UUID.uuid4());
      } catch (error) {
        if (isRefusal(error)) {
          return this._refuse(
            serverProblems({ valid: false, errors: error.details })
          );
        }
        throw error;
      }
      this._rememberRun(snapshot.id);
      this._show(
        snapshot,
        { live: true, writeOutputs: true },
        wasReady ? hold : undefined
      );
      return { runId: snapshot.id };
    } catch (error) {
      return { error: (error as Error).message };
    } finally {
      hold.dispose();
      this.state.setState({ phase: 'idle' });
    }
  }

  /** Cancel the run on display; false when it is not running. */
  async cancel(): Promise<boolean> {
    const run = this.state.getState().run;
    if (!run || TERMINAL_RUN_STATES.has(run.state)) {
      return false;
    }
    await this._orchestrator.client.cancel(run.runId);
    return true;
  }

  /**
   * Re-run what did not succeed in the run on display and what depends on it, with the
   * cells' current code; successful upstream results are reused.
   */
  async retryFailed(): Promise<boolean> {
    const run = this.state.getState().run;
    if (!run || !TERMINAL_RUN_STATES.has(run.state)) {
      return false;
    }
    const sources: Record<string, string> = {};
    for (const cell of this.workflow.cells()) {
      const status = run.nodes[cell.id];
      if (status && status.state !== 'succeeded' && isNode(cell)) {
        sources[cell.id] = cell.source;
      }
    }
    const snapshot = await this._orchestrator.client.retry(run.runId, {
      sources
    });
    this._show(snapshot, { live: true, writeOutputs: true });
    return true;
  }

  /** Show a run: followed live until it ends; a past run shows its final states. */
  async open(runId: string): Promise<void> {
    const snapshot = await this._orchestrator.client.run(runId);
    this._show(snapshot, {
      live: !TERMINAL_RUN_STATES.has(snapshot.state),
      writeOutputs: false
    });
  }

  /**
   * Show the notebook's last run on this orchestrator, from the notebook metadata, or the
   * notebook's latest run when it is still going (the deploy may not have been saved).
   */
  async reattach(): Promise<void> {
    if (!this.workflow.cells().some(isNode)) {
      return; // not a workflow: nothing ran, no request
    }
    const client = this._orchestrator.client;
    let runId = this._lastRunId();
    if (!runId) {
      const latest = await client.runs({
        notebook: this.panel.context.path,
        limit: 1
      });
      const run = latest.runs[0];
      runId = run && !TERMINAL_RUN_STATES.has(run.state) ? run.id : null;
    }
    if (!runId) {
      return;
    }
    const snapshot = await client.run(runId);
    const live = !TERMINAL_RUN_STATES.has(snapshot.state);
    // A run still going writes its outputs as if it had been followed from the start.
    this._show(snapshot, { live, writeOutputs: live });
  }

  /** The notebook's past runs on this orchestrator, newest first. */
  async history(): Promise<IRunSummary[]> {
    const answer = await this._orchestrator.client.runs({
      notebook: this.panel.context.path,
      limit: 50
    });
    return answer.runs;
  }

  /** A run's stored state: attempts, workers, errors. */
  snapshot(runId: string): Promise<IRunSnapshot> {
    return this._orchestrator.client.run(runId);
  }

  /** Show a node's run details in the run panel. */
  showDetails(nodeId: string | null): void {
    this.state.setState({ detailsNode: nodeId });
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this.workflow.changed.disconnect(this._onWorkflowChanged, this);
    this._orchestrator.changed.disconnect(this._onOrchestratorChanged, this);
    this._follower?.dispose();
    this._outputs.dispose();
  }

  private _show(
    snapshot: IRunSnapshot,
    options: { live: boolean; writeOutputs: boolean },
    hold?: IStreamHold
  ): void {
    const same = this._follower?.runId === snapshot.id;
    if (!same) {
      this._follower?.dispose();
      this._outputs.reset();
      this._written = null;
      this._follower = new RunFollower({
        runId: snapshot.id,
        nodeIds: snapshot.nodes.map(node => node.id),
        fetchEvents: (runId, afterSeq) =>
          this._orchestrator.client.events(runId, afterSeq),
        stream: this._orchestrator.events,
        onChange: view => this._onView(view)
      });
    }
    const follower = this._follower!;
    this._writeOutputs = options.writeOutputs;
    this.state.setState({
      run: follower.view,
      live: options.live,
      target: this.targetKey,
      detailsNode: same ? this.state.getState().detailsNode : null
    });
    if (options.live) {
      follower.follow(hold);
    } else {
      void follower.load().catch(error => {
        console.error('Could not load the events of a run.', error);
      });
    }
  }

  private _onView(view: IRunView): void {
    if (this._isDisposed) {
      return;
    }
    if (this._writeOutputs && this._orchestrator.writeOutputsToCells) {
      this._outputs.write(view, this._written);
      this._written = view;
    }
    this.state.setState({
      run: view,
      live: !TERMINAL_RUN_STATES.has(view.state)
    });
  }

  private _refuse(problems: IProblem[]): DeployResult {
    this.state.setState({ problems, phase: 'idle' });
    return { problems };
  }

  /** Problems go away as the user fixes them (the server's are checked again on deploy). */
  private _onWorkflowChanged(): void {
    if (this.state.getState().problems.length === 0) {
      return;
    }
    const issues = validateWorkflow(this.workflow.cells(), {
      defaultPlacement: this._orchestrator.defaultPlacement,
      placements: this._placements
    });
    this.state.setState({ problems: localProblems(issues, this._trans) });
  }

  /**
   * The settings point elsewhere (or authenticate otherwise): follow this notebook's last
   * run there, if any, on the new stream.
   */
  private _onOrchestratorChanged(): void {
    this._placements = undefined; // another orchestrator's
    if (
      !this._follower ||
      this._follower.stream === this._orchestrator.events
    ) {
      return;
    }
    this._follower?.dispose();
    this._follower = null;
    this.state.setState({
      run: null,
      live: false,
      target: null,
      detailsNode: null
    });
    void this.reattach().catch(reason =>
      console.warn('Could not reattach to the last workflow run.', reason)
    );
  }

  private _lastRunId(): string | null {
    const meta = this.workflow.model.getMetadata(NOTEBOOK_METADATA_KEY) as
      { last_run?: Record<string, unknown> } | undefined;
    const id = meta?.last_run?.[this.targetKey];
    return typeof id === 'string' ? id : null;
  }

  private _rememberRun(runId: string): void {
    const model = this.workflow.model;
    const raw = model.getMetadata(NOTEBOOK_METADATA_KEY);
    const meta = raw && typeof raw === 'object' ? (raw as any) : {};
    const lastRun =
      meta.last_run && typeof meta.last_run === 'object' ? meta.last_run : {};
    model.setMetadata(NOTEBOOK_METADATA_KEY, {
      ...meta,
      last_run: { ...lastRun, [this.targetKey]: runId }
    });
  }

  private _orchestrator: IOrchestrator;
  private _trans: TranslationBundle;
  private _outputs: CellOutputWriter;
  private _follower: RunFollower | null = null;
  private _placements: string[] | undefined = undefined;
  private _writeOutputs = false;
  private _written: IRunView | null = null;
  private _isDisposed = false;
}

export namespace NotebookRuns {
  export interface IOptions {
    panel: NotebookPanel;
    workflow: NotebookWorkflow;
    orchestrator: IOrchestrator;
    trans: TranslationBundle;
  }
}
