/**
 * The workflow core (src/workflow) in the browser, as the production bundle runs it: build the
 * spec, validate and order a big workflow. The baseline is a plain Kahn sort of the same graph.
 */
import {
  buildGraph,
  buildSpec,
  ICellInfo,
  topologicalOrder,
  validateWorkflow
} from '../../../src/workflow';

/** `count` node cells in layers of 100, each after one to three nodes of the layer before. */
function cells(count: number, width = 100): ICellInfo[] {
  const out: ICellInfo[] = [];
  for (let k = 0; k < count; k++) {
    const layer = Math.floor(k / width);
    const i = k % width;
    let after: string[] = [];
    if (layer > 0) {
      const previous = (layer - 1) * width;
      const deps = Array.from(
        new Set([
          previous + i,
          previous + ((i + 1) % width),
          previous + ((i * 7) % width)
        ])
      ).sort((a, b) => a - b);
      after = deps.slice(0, 1 + (k % 3)).map(d => `n${d}`);
    }
    out.push({
      id: `n${k}`,
      cellType: 'code',
      source: `v${k} = ${k}`,
      continuum: {
        label: `step ${k}`,
        placement: i % 2 ? 'edge' : 'cloud',
        after
      }
    });
  }
  return out;
}

/** What the extension does before a deploy: its spec, its issues, its order. */
function subject(input: ICellInfo[]): number {
  const spec = buildSpec({
    name: 'bench',
    cells: input,
    defaultPlacement: 'edge'
  });
  const issues = validateWorkflow(input, { placements: ['edge', 'cloud'] });
  const order = topologicalOrder(buildGraph(input));
  if (
    issues.length ||
    !('order' in order) ||
    spec.nodes.length !== input.length
  ) {
    throw new Error('unexpected result');
  }
  return order.order.length;
}

/** The least any ordering costs: adjacency from `after`, in-degrees, a queue. */
function baseline(input: ICellInfo[]): number {
  const children = new Map<string, string[]>();
  const degree = new Map<string, number>();
  for (const cell of input) {
    children.set(cell.id, []);
    degree.set(cell.id, 0);
  }
  for (const cell of input) {
    for (const parent of cell.continuum?.after ?? []) {
      children.get(parent)!.push(cell.id);
      degree.set(cell.id, degree.get(cell.id)! + 1);
    }
  }
  const queue = input.filter(cell => degree.get(cell.id) === 0).map(c => c.id);
  for (let head = 0; head < queue.length; head++) {
    for (const child of children.get(queue[head])!) {
      const left = degree.get(child)! - 1;
      degree.set(child, left);
      if (left === 0) {
        queue.push(child);
      }
    }
  }
  if (queue.length !== input.length) {
    throw new Error('cycle');
  }
  return queue.length;
}

function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

declare global {
  interface Window {
    benchWorkflow(
      count: number,
      reps: number
    ): {
      baseline_ms: number[];
      subject_ms: number[];
      parts_ms: { [part: string]: number[] };
      alone_ms: number[];
    };
  }
}

window.benchWorkflow = (count, reps) => {
  const input = cells(count);
  const result = {
    baseline_ms: [] as number[],
    subject_ms: [] as number[],
    parts_ms: { buildSpec: [], validateWorkflow: [], topologicalOrder: [] } as {
      [part: string]: number[];
    },
    // The subject again, back to back: no baseline run between to leave its garbage.
    alone_ms: [] as number[]
  };
  for (let i = 0; i < 5; i++) {
    subject(input);
    baseline(input);
  }
  for (let i = 0; i < reps; i++) {
    // Alternating, ABBA.
    const first = i % 2 === 0;
    if (first) {
      result.baseline_ms.push(time(() => baseline(input)));
    }
    result.subject_ms.push(time(() => subject(input)));
    if (!first) {
      result.baseline_ms.push(time(() => baseline(input)));
    }
  }
  for (let i = 0; i < reps; i++) {
    result.parts_ms.buildSpec.push(
      time(() =>
        buildSpec({ name: 'bench', cells: input, defaultPlacement: 'edge' })
      )
    );
    result.parts_ms.validateWorkflow.push(
      time(() => validateWorkflow(input, { placements: ['edge', 'cloud'] }))
    );
    result.parts_ms.topologicalOrder.push(
      time(() => topologicalOrder(buildGraph(input)))
    );
  }
  for (let i = 0; i < reps; i++) {
    result.alone_ms.push(time(() => subject(input)));
  }
  return result;
};
