import { canvasPlugin } from './canvas/plugin';
import { orchestratorPlugin } from './run/plugin';

export * from './tokens';

export default [orchestratorPlugin, canvasPlugin];
