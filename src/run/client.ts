import axios, { AxiosError, AxiosInstance } from 'axios';

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

  private async _get<T>(path: string): Promise<T> {
    try {
      return (await this._http.get<T>(path)).data;
    } catch (error) {
      throw toOrchestratorError(error);
    }
  }

  private _http: AxiosInstance;
}
