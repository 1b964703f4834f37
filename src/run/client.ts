import type { AxiosInstance, AxiosRequestConfig, AxiosStatic } from 'axios';

import type { IWorkflowSpec } from '../workflow';
import { IOrchestratorEndpoint } from './endpoint';
import type { IRunEvent, NodeState, Output, RunStateName } from './runState';

/**
 * `GET /health` (DESIGN §3.4).
 */
export interface IHealth {
  version: string;
  engine: {
    kind: 'embedded' | 'remote';
    status: 'stopped' | 'starting' | 'running' | 'failed';
    scheduler_address: string | null;
    error: string | null;
    versions: Record<string, string>;
  };
}

/**
 * `POST /analyze`: what each cell defines and uses, and the edges that follow.
 */
export interface IAnalysis {
  cells: {
    id: string;
    defines: string[];
    uses: string[];
    error: { line: number; column: number; message: string } | null;
  }[];
  edges: { source: string; target: string; variables: string[] }[];
  problems: {
    cell_id: string;
    code: string;
    variables: string[];
    defined_in: string[];
    message: string;
  }[];
}

/**
 * `GET /placements`: each placement with its workers.
 */
export interface IPlacement {
  name: string;
  available: boolean;
  workers: {
    name: string;
    threads: number;
    memory_limit: number | null;
    resources: Record<string, number>;
  }[];
}

/**
 * The server's verdict on a spec (JSON Schema and graph checks), as `POST /validate` answers
 * it; a refused `POST /runs` carries the same errors as its details.
 */
export interface IServerValidation {
  valid: boolean;
  errors: { node_id?: string; path: string; code: string; message: string }[];
}

/** A run as `GET /runs` lists it. */
export interface IRunSummary {
  id: string;
  name: string;
  notebook: { path: string } | null;
  state: RunStateName;
  message: string | null;
  /** Epoch seconds. */
  created: number;
  started: number | null;
  finished: number | null;
  node_counts: Partial<Record<NodeState, number>>;
}

/** One attempt of a node, as the run snapshot keeps it. */
export interface IAttempt {
  attempt: number;
  state: NodeState;
  worker: string | null;
  queued: number | null;
  started: number | null;
  finished: number | null;
  message: string | null;
  error: INodeError | null;
}

/** A node error as the executor reports it. */
export interface INodeError {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** `GET /runs/{id}`: the run and every node's state. */
export interface IRunSnapshot extends IRunSummary {
  last_seq: number;
  nodes: {
    id: string;
    label: string;
    placement: string;
    depends_on: string[];
    state: NodeState;
    attempt: number;
    worker: string | null;
    started: number | null;
    finished: number | null;
    message: string | null;
    error: INodeError | null;
    attempts: IAttempt[];
  }[];
}

/**
 * An orchestrator answer that was not a success, with the contract's error body.
 */
export class OrchestratorError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly reason: string,
    readonly details: unknown[] = []
  ) {
    super(message);
    this.name = 'OrchestratorError';
  }
}

function toOrchestratorError(
  axios: AxiosStatic,
  error: unknown
): OrchestratorError {
  if (axios.isAxiosError(error)) {
    const body = error.response?.data as
      { message?: string; reason?: string; details?: unknown[] } | undefined;
    if (error.response) {
      return new OrchestratorError(
        body?.message ?? error.message,
        error.response.status,
        body?.reason ?? error.response.statusText,
        body?.details ?? []
      );
    }
    return new OrchestratorError(error.message, null, 'network error');
  }
  return new OrchestratorError(String(error), null, 'unknown error');
}

/**
 * REST client of the orchestrator, embedded or remote.
 */
export class OrchestratorClient {
  constructor(readonly endpoint: IOrchestratorEndpoint) {}

  health(): Promise<IHealth> {
    return this._get<IHealth>('health');
  }

  async placements(): Promise<IPlacement[]> {
    return (await this._get<{ placements: IPlacement[] }>('placements'))
      .placements;
  }

  analyze(
    cells: { id: string; source: string; role: 'node' | 'setup' | null }[]
  ): Promise<IAnalysis> {
    return this._post<IAnalysis>('analyze', { cells });
  }

  /** Submit a run; the key makes a repeated click (or a retried request) one run. */
  submit(spec: IWorkflowSpec, idempotencyKey: string): Promise<IRunSnapshot> {
    return this._request<IRunSnapshot>({
      method: 'POST',
      url: 'runs',
      data: spec,
      headers: { 'Idempotency-Key': idempotencyKey }
    });
  }

  runs(
    query: { notebook?: string; limit?: number; offset?: number } = {}
  ): Promise<{ runs: IRunSummary[]; total: number }> {
    return this._get('runs', query);
  }

  run(runId: string): Promise<IRunSnapshot> {
    return this._get<IRunSnapshot>(`runs/${encodeURIComponent(runId)}`);
  }

  /** Every event of a run after `afterSeq`, in order. */
  async events(runId: string, afterSeq: number): Promise<IRunEvent[]> {
    const answer = await this._get<{ events: IRunEvent[] }>(
      `runs/${encodeURIComponent(runId)}/events`,
      { after_seq: afterSeq }
    );
    return answer.events;
  }

  async outputs(runId: string, nodeId: string): Promise<Output[]> {
    const answer = await this._get<{ outputs: Output[] }>(
      `runs/${encodeURIComponent(runId)}/nodes/${encodeURIComponent(nodeId)}/outputs`
    );
    return answer.outputs;
  }

  cancel(runId: string): Promise<IRunSummary> {
    return this._post<IRunSummary>(
      `runs/${encodeURIComponent(runId)}/cancel`,
      {}
    );
  }

  /** Re-run what did not succeed (or `node_ids`) and its downstream, with fixed `sources`. */
  retry(
    runId: string,
    body: { node_ids?: string[]; sources?: Record<string, string> }
  ): Promise<IRunSnapshot> {
    return this._post<IRunSnapshot>(
      `runs/${encodeURIComponent(runId)}/retry`,
      body
    );
  }

  /** The URL of the live event stream, credentials included (browsers send no headers). */
  eventsUrl(afterSeq: number | null): string {
    const url = new URL('events', this.endpoint.wsUrl);
    for (const [name, value] of Object.entries(this.endpoint.wsQuery)) {
      url.searchParams.set(name, value);
    }
    if (afterSeq !== null) {
      url.searchParams.set('after_seq', String(afterSeq));
    }
    return url.href;
  }

  private _get<T>(path: string, params?: object): Promise<T> {
    return this._request<T>({ method: 'GET', url: path, params });
  }

  private _post<T>(path: string, body: unknown): Promise<T> {
    return this._request<T>({ method: 'POST', url: path, data: body });
  }

  private async _request<T>(config: AxiosRequestConfig): Promise<T> {
    const { axios, http } = await this._http();
    try {
      return (await http.request<T>(config)).data;
    } catch (error) {
      throw toOrchestratorError(axios, error);
    }
  }

  /** Axios loads with the first request, not with JupyterLab (it is most of our startup bytes). */
  private _http(): Promise<{ axios: AxiosStatic; http: AxiosInstance }> {
    this._httpReady ??= import('axios').then(({ default: axios }) => ({
      axios,
      http: axios.create({
        baseURL: this.endpoint.apiUrl,
        headers: this.endpoint.headers,
        // Cookie-authenticated Jupyter sessions need the XSRF header on writes.
        xsrfCookieName: '_xsrf',
        xsrfHeaderName: 'X-XSRFToken',
        withXSRFToken: this.endpoint.kind === 'embedded',
        withCredentials: this.endpoint.kind === 'embedded',
        timeout: 30000
      })
    }));
    return this._httpReady;
  }

  private _httpReady: Promise<{
    axios: AxiosStatic;
    http: AxiosInstance;
  }> | null = null;
}
