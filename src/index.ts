import { canvasPlugin } from './canvas/plugin';
import { notebookPlugin } from './notebook/plugin';
import { orchestratorPlugin } from './run/plugin';

export * from './tokens';

export default [orchestratorPlugin, notebookPlugin, canvasPlugin];
