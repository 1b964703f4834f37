/**
 * Where the orchestrator lives and how to authenticate to it.
 *
 * Pure: takes plain values so it is unit-testable without a server.
 */

export const API_PATH = 'continuum/api/v1';

export interface IOrchestratorSettings {
  /** Base URL of a standalone orchestrator; empty for the embedded one. */
  orchestratorUrl: string;
  /** Bearer token of the standalone orchestrator. */
  orchestratorToken: string;
}

export interface IJupyterServer {
  baseUrl: string;
  wsUrl: string;
  token: string;
}

export interface IOrchestratorEndpoint {
  kind: 'embedded' | 'remote';
  /** Host of a remote orchestrator; null for the embedded one. */
  host: string | null;
  /** REST base URL ending with a slash. */
  apiUrl: string;
  /** WebSocket base URL ending with a slash. */
  wsUrl: string;
  /** Headers every request carries. */
  headers: Record<string, string>;
  /** Query parameters a WebSocket URL carries (browsers cannot set its headers). */
  wsQuery: Record<string, string>;
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

export function resolveEndpoint(
  settings: IOrchestratorSettings,
  server: IJupyterServer
): IOrchestratorEndpoint {
  const remote = settings.orchestratorUrl.trim();
  if (!remote) {
    const token = server.token;
    return {
      kind: 'embedded',
      host: null,
      apiUrl: withSlash(withSlash(server.baseUrl) + API_PATH),
      wsUrl: withSlash(withSlash(server.wsUrl) + API_PATH),
      headers: token ? { Authorization: `token ${token}` } : {},
      wsQuery: token ? { token } : {}
    };
  }
  const url = new URL(withSlash(remote));
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`Unsupported orchestrator URL scheme: ${url.protocol}`);
  }
  const token = settings.orchestratorToken.trim();
  const ws = new URL(url.href);
  ws.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return {
    kind: 'remote',
    host: url.host,
    apiUrl: withSlash(url.href + API_PATH),
    wsUrl: withSlash(ws.href + API_PATH),
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    wsQuery: token ? { token } : {}
  };
}
