import { LayoutArgs, LayoutName, LayoutResult, runLayout } from './layout';

/** A layout for the worker to run. */
export interface ILayoutRequest {
  id: number;
  name: LayoutName;
  args: LayoutArgs<LayoutName>;
}

/** The worker's answer: the layout's result, or why it failed. */
export type LayoutResponse =
  { id: number; result: unknown } | { id: number; error: string };

interface IPending {
  request: ILayoutRequest;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

const pending = new Map<number, IPending>();
let nextId = 0;
let worker: Worker | null = null;
/** Set when the worker could not start (e.g. a Content Security Policy forbids it). */
let noWorker = false;

/**
 * Run a layout in the layout worker, off the main thread; where no worker can start, on the
 * main thread rather than not at all.
 */
export function runLayoutInBackground<K extends LayoutName>(
  name: K,
  args: LayoutArgs<K>
): Promise<LayoutResult<K>> {
  if (noWorker) {
    return Promise.resolve().then(() => runLayout(name, args));
  }
  return new Promise<LayoutResult<K>>((resolve, reject) => {
    const request = { id: nextId++, name, args };
    pending.set(request.id, {
      request,
      resolve: resolve as (result: unknown) => void,
      reject
    });
    layoutWorker().postMessage(request);
  });
}

function layoutWorker(): Worker {
  if (!worker) {
    // The bundler emits the worker as a chunk of its own (`.js`: it bundles tsc's output).
    worker = new Worker(new URL('./layout.worker.js', import.meta.url));
    worker.onmessage = ({ data }: MessageEvent<LayoutResponse>) => {
      const job = pending.get(data.id);
      pending.delete(data.id);
      if ('error' in data) {
        job?.reject(new Error(data.error));
      } else {
        job?.resolve(data.result);
      }
    };
    worker.onerror = event => {
      console.warn(
        'The layout worker failed; laying out on the main thread.',
        event
      );
      worker?.terminate();
      worker = null;
      noWorker = true;
      const waiting = Array.from(pending.values());
      pending.clear();
      for (const { request, resolve, reject } of waiting) {
        try {
          resolve(runLayout(request.name, request.args));
        } catch (error) {
          reject(error as Error);
        }
      }
    };
  }
  return worker;
}
