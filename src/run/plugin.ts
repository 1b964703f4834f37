import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { Signal } from '@lumino/signaling';

import { IOrchestrator, SETTINGS_PLUGIN_ID } from '../tokens';
import { OrchestratorClient } from './client';
import { IOrchestratorSettings, resolveEndpoint } from './endpoint';
import { EventStream } from './stream';

/**
 * Follows the user settings and keeps one client for the orchestrator they point to.
 */
class Orchestrator implements IOrchestrator {
  constructor(private _app: JupyterFrontEnd) {
    this._client = this._makeClient({
      orchestratorUrl: '',
      orchestratorToken: ''
    });
    this._events = this._makeStream(this._client);
  }

  get client(): OrchestratorClient {
    return this._client;
  }

  get events(): EventStream {
    return this._events;
  }

  get defaultPlacement(): string {
    return this._defaultPlacement;
  }

  get writeOutputsToCells(): boolean {
    return this._writeOutputsToCells;
  }

  get changed(): Signal<this, void> {
    return this._changed;
  }

  update(settings: ISettingRegistry.ISettings): void {
    const composite = settings.composite;
    const client = this._makeClient({
      orchestratorUrl: (composite.orchestratorUrl as string) ?? '',
      orchestratorToken: (composite.orchestratorToken as string) ?? ''
    });
    if (
      JSON.stringify(client.endpoint) !== JSON.stringify(this._client.endpoint)
    ) {
      this._events.dispose();
      this._events = this._makeStream(client);
    }
    this._client = client;
    this._defaultPlacement = (composite.defaultPlacement as string) || 'edge';
    this._writeOutputsToCells = composite.writeOutputsToCells !== false;
    this._changed.emit();
  }

  private _makeClient(settings: IOrchestratorSettings): OrchestratorClient {
    const server = this._app.serviceManager.serverSettings;
    return new OrchestratorClient(
      resolveEndpoint(settings, {
        baseUrl: server.baseUrl,
        wsUrl: server.wsUrl,
        token: server.token
      })
    );
  }

  private _makeStream(client: OrchestratorClient): EventStream {
    return new EventStream({ url: afterSeq => client.eventsUrl(afterSeq) });
  }

  private _client: OrchestratorClient;
  private _events: EventStream;
  private _defaultPlacement = 'edge';
  private _writeOutputsToCells = true;
  private _changed = new Signal<this, void>(this);
}

export const orchestratorPlugin: JupyterFrontEndPlugin<IOrchestrator> = {
  id: SETTINGS_PLUGIN_ID,
  description:
    'Connects JupyterLab to the continuum orchestrator chosen in the settings.',
  autoStart: true,
  provides: IOrchestrator,
  optional: [ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    settingRegistry: ISettingRegistry | null
  ): IOrchestrator => {
    const orchestrator = new Orchestrator(app);
    if (settingRegistry) {
      settingRegistry
        .load(SETTINGS_PLUGIN_ID)
        .then(settings => {
          orchestrator.update(settings);
          settings.changed.connect(() => orchestrator.update(settings));
        })
        .catch(reason => {
          console.error(
            'Failed to load jupyterlab-continuum settings.',
            reason
          );
        });
    }
    console.log('JupyterLab extension jupyterlab-continuum is activated!');
    return orchestrator;
  }
};
