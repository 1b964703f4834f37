import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IOrchestrator } from '../tokens';

type Status =
  | { kind: 'loading' }
  | { kind: 'ok'; engine: string; state: string; version: string }
  | { kind: 'error'; message: string };

/**
 * The orchestrator a canvas deploys to, and whether its engine is up.
 */
export function OrchestratorStatus(props: {
  orchestrator: IOrchestrator;
  trans: TranslationBundle;
}): JSX.Element {
  const { orchestrator, trans } = props;
  const [status, setStatus] = React.useState<Status>({ kind: 'loading' });
  const targetName = () =>
    orchestrator.client.endpoint.host ?? trans.__('embedded');
  const [target, setTarget] = React.useState(targetName);

  React.useEffect(() => {
    let live = true;
    const refresh = () => {
      setTarget(targetName());
      orchestrator.client
        .health()
        .then(health => {
          if (live) {
            setStatus({
              kind: 'ok',
              engine: health.engine.kind,
              state: health.engine.status,
              version: health.version
            });
          }
        })
        .catch((error: Error) => {
          if (live) {
            setStatus({ kind: 'error', message: error.message });
          }
        });
    };
    refresh();
    orchestrator.changed.connect(refresh);
    return () => {
      live = false;
      orchestrator.changed.disconnect(refresh);
    };
  }, [orchestrator]);

  let text: string;
  let title: string;
  switch (status.kind) {
    case 'loading':
      text = trans.__('%1 · connecting', target);
      title = trans.__('Connecting to the orchestrator');
      break;
    case 'ok':
      text = trans.__('%1 · %2', target, status.state);
      title = trans.__(
        'Orchestrator %1 (%2 engine, version %3)',
        target,
        status.engine,
        status.version
      );
      break;
    case 'error':
      text = trans.__('%1 · unreachable', target);
      title = status.message;
      break;
  }
  return (
    <span
      className="jp-Continuum-orchestratorStatus"
      data-continuum-engine={status.kind === 'ok' ? status.state : status.kind}
      title={title}
    >
      {text}
    </span>
  );
}
