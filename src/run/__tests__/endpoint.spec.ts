import { resolveEndpoint } from '../endpoint';

const server = {
  baseUrl: 'http://localhost:8888/lab-base/',
  wsUrl: 'ws://localhost:8888/lab-base/',
  token: ''
};

describe('resolveEndpoint', () => {
  it('targets the embedded orchestrator of this Jupyter server by default', () => {
    const endpoint = resolveEndpoint(
      { orchestratorUrl: '', orchestratorToken: 'ignored' },
      server
    );
    expect(endpoint).toEqual({
      kind: 'embedded',
      host: null,
      apiUrl: 'http://localhost:8888/lab-base/continuum/api/v1/',
      wsUrl: 'ws://localhost:8888/lab-base/continuum/api/v1/',
      headers: {},
      wsQuery: {}
    });
  });

  it('uses the Jupyter token for the embedded orchestrator', () => {
    const endpoint = resolveEndpoint(
      { orchestratorUrl: '  ', orchestratorToken: '' },
      { ...server, baseUrl: 'http://h/', wsUrl: 'ws://h', token: 'abc' }
    );
    expect(endpoint.apiUrl).toBe('http://h/continuum/api/v1/');
    expect(endpoint.wsUrl).toBe('ws://h/continuum/api/v1/');
    expect(endpoint.headers).toEqual({ Authorization: 'token abc' });
    expect(endpoint.wsQuery).toEqual({ token: 'abc' });
  });

  it('targets a remote orchestrator with a bearer token', () => {
    const endpoint = resolveEndpoint(
      {
        orchestratorUrl: 'https://orch.example.org:8890/base',
        orchestratorToken: ' s3cret '
      },
      server
    );
    expect(endpoint.kind).toBe('remote');
    expect(endpoint.host).toBe('orch.example.org:8890');
    expect(endpoint.apiUrl).toBe(
      'https://orch.example.org:8890/base/continuum/api/v1/'
    );
    expect(endpoint.wsUrl).toBe(
      'wss://orch.example.org:8890/base/continuum/api/v1/'
    );
    expect(endpoint.headers).toEqual({ Authorization: 'Bearer s3cret' });
  });

  it('refuses URLs that are not http(s)', () => {
    expect(() =>
      resolveEndpoint(
        { orchestratorUrl: 'file:///etc/passwd', orchestratorToken: '' },
        server
      )
    ).toThrow('Unsupported orchestrator URL scheme: file:');
  });
});
