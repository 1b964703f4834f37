import axios, { AxiosError, AxiosInstance, AxiosRequestConfig } from 'axios';

import { IOrchestratorEndpoint } from './endpoint';

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

function toOrchestratorError(error: unknown): OrchestratorError {
  if (error instanceof AxiosError) {
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
  constructor(readonly endpoint: IOrchestratorEndpoint) {
    this._http = axios.create({
      baseURL: endpoint.apiUrl,
      headers: endpoint.headers,
      // Cookie-authenticated Jupyter sessions need the XSRF header on writes.
      xsrfCookieName: '_xsrf',
      xsrfHeaderName: 'X-XSRFToken',
      withXSRFToken: endpoint.kind === 'embedded',
      withCredentials: endpoint.kind === 'embedded',
      timeout: 30000
    });
  }

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

  private _get<T>(path: string): Promise<T> {
    return this._request<T>({ method: 'GET', url: path });
  }

  private _post<T>(path: string, body: unknown): Promise<T> {
    return this._request<T>({ method: 'POST', url: path, data: body });
  }

  private async _request<T>(config: AxiosRequestConfig): Promise<T> {
    try {
      return (await this._http.request<T>(config)).data;
    } catch (error) {
      throw toOrchestratorError(error);
    }
  }

  private _http: AxiosInstance;
}
