import { canvasPlugin } from './canvas/plugin';
import { notebookPlugin } from './notebook/plugin';
import { orchestratorPlugin } from './run/plugin';
import { runsPlugin } from './run/runsPlugin';

export * from './tokens';

export default [orchestratorPlugin, notebookPlugin, runsPlugin, canvasPlugin];
