import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { HealthStatus, HealthWatch } from '../run/healthWatch';
import { IOrchestrator } from '../tokens';

/**
 * The orchestrator a canvas deploys to, and whether its engine is up.
 */
export function OrchestratorStatus(props: {
  orchestrator: IOrchestrator;
  trans: TranslationBundle;
}): JSX.Element {
  const { orchestrator, trans } = props;
  const [status, setStatus] = React.useState<HealthStatus>({
    kind: 'loading'
  });
  const targetName = () =>
    orchestrator.client.endpoint.host ?? trans.__('embedded');
  const [target, setTarget] = React.useState(targetName);

  React.useEffect(() => {
    const watch = new HealthWatch(
      () => orchestrator.client.health(),
      setStatus
    );
    const refresh = () => {
      setTarget(targetName());
      watch.refresh();
    };
    refresh();
    orchestrator.changed.connect(refresh);
    return () => {
      orchestrator.changed.disconnect(refresh);
      watch.dispose();
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
      text = trans.__('%1 · %2', target, status.health.engine.status);
      title = trans.__(
        'Orchestrator %1 (%2 engine, version %3)',
        target,
        status.health.engine.kind,
        status.health.version
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
      data-continuum-engine={
        status.kind === 'ok' ? status.health.engine.status : status.kind
      }
      title={title}
    >
      {text}
    </span>
  );
}
