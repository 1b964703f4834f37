import type { ILayoutRequest, LayoutResponse } from './backgroundLayout';

/**
 * The layout worker: runs the layouts of `layout.ts` off the main thread, where dagre
 * would freeze the page for seconds on a large graph.
 *
 * dagre is shared through JupyterLab's module federation, so it loads asynchronously; the
 * dynamic import keeps that behind the handler, which is in place before the first message.
 */
const layout = import('./layout');

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<ILayoutRequest>) => void) | null;
  postMessage(message: LayoutResponse): void;
};

scope.onmessage = async ({ data: { id, name, args } }) => {
  try {
    const { runLayout } = await layout;
    scope.postMessage({ id, result: runLayout(name, args) });
  } catch (error) {
    scope.postMessage({ id, error: String(error) });
  }
};
