import {
  expect,
  IJupyterLabPageFixture,
  Locator,
  test
} from '@jupyterlab/galata';
import { mkdirSync, writeFileSync } from 'fs';

import { layeredWorkflowNotebook, runCommand } from './helpers';

/**
 * Frame times of a 1,000-node canvas while the user pans and drags a node, at fit view and
 * at 100 % zoom. A measurement, not a test: it asserts nothing about timings and runs only
 * with CANVAS_BENCH=1 (numbers in artifacts/canvas-bench.json).
 */
test.skip(!process.env.CANVAS_BENCH, 'set CANVAS_BENCH=1 to measure');
test.setTimeout(600 * 1000);
// A trace snapshots the whole DOM at every mouse move: it would be what is measured.
test.use({ trace: 'off' });

const COUNT = 1000;
const RUNS = 5;
const MOVES = 120;

interface ISample {
  scenario: string;
  zoom: number;
  nodesInDom: number;
  p50: number[];
  p95: number[];
  max: number[];
}

/**
 * Press at `from`, move back and forth by (4, 2) px per animation frame, release; return the
 * time between those frames, in ms. The events are dispatched in the page, one per frame, so
 * that a frame's time is what the canvas needs to follow the pointer, not the latency of the
 * test driver.
 */
async function gestureFrameTimes(
  page: IJupyterLabPageFixture,
  from: { x: number; y: number }
): Promise<number[]> {
  return page.evaluate(
    ({ from, moves }) =>
      new Promise<number[]>(resolve => {
        const fire = (type: string, x: number, y: number) =>
          (document.elementFromPoint(x, y) ?? document.body).dispatchEvent(
            new MouseEvent(type, {
              bubbles: true,
              cancelable: true,
              view: window,
              clientX: x,
              clientY: y,
              button: 0,
              buttons: type === 'mouseup' ? 0 : 1
            })
          );
        const deltas: number[] = [];
        let last = 0;
        let move = 0;
        let at = from;
        fire('mousedown', from.x, from.y);
        const tick = (now: number) => {
          if (last) {
            deltas.push(now - last);
          }
          last = now;
          if (++move > moves) {
            fire('mouseup', at.x, at.y);
            resolve(deltas);
            return;
          }
          const step = move <= moves / 2 ? move : moves - move;
          at = { x: from.x + 4 * step, y: from.y + 2 * step };
          fire('mousemove', at.x, at.y);
          requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      }),
    { from, moves: MOVES }
  );
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(
    sorted.length - 1,
    Math.ceil((p / 100) * sorted.length) - 1
  );
  return Math.round(sorted[Math.max(0, index)] * 10) / 10;
}

/** A point on the empty pane, and the centre of a node near the middle of the view. */
async function targets(canvas: Locator): Promise<{
  pane: { x: number; y: number };
  node: { x: number; y: number };
}> {
  return canvas.evaluate(element => {
    const box = element
      .querySelector('.react-flow__pane')!
      .getBoundingClientRect();
    const middle = {
      x: box.left + box.width / 2,
      y: box.top + box.height / 2
    };
    let pane = null;
    for (let y = box.bottom - 30; y > box.top + 60 && !pane; y -= 7) {
      for (let x = box.left + 60; x < box.right - 220 && !pane; x += 7) {
        if (
          document
            .elementFromPoint(x, y)
            ?.classList.contains('react-flow__pane')
        ) {
          pane = { x, y };
        }
      }
    }
    const nodes = Array.from(
      element.querySelectorAll<HTMLElement>('.react-flow__node'),
      node => {
        const rect = node.getBoundingClientRect();
        return {
          x: rect.left + rect.width / 2,
          y: rect.top + rect.height / 2
        };
      }
    ).filter(point =>
      document.elementFromPoint(point.x, point.y)?.closest('.react-flow__node')
    );
    nodes.sort(
      (a, b) =>
        Math.hypot(a.x - middle.x, a.y - middle.y) -
        Math.hypot(b.x - middle.x, b.y - middle.y)
    );
    return { pane: pane!, node: nodes[0] };
  });
}

test('1,000-node canvas: pan and node-drag frame times', async ({
  page,
  tmpPath
}) => {
  const name = `${tmpPath}/flow-bench.ipynb`;
  await page.contents.uploadContent(
    JSON.stringify(layeredWorkflowNotebook(COUNT, 10)),
    'text',
    name
  );
  await page.notebook.openByPath(name);
  await page.sidebar.close('left');
  await runCommand(page, 'continuum:open-canvas');
  const canvas = page.locator('.jp-Continuum-canvasPanel');
  const viewport = canvas.locator('.react-flow__viewport');
  await expect(canvas.locator('.react-flow__node').first()).toBeVisible({
    timeout: 60000
  });
  await expect(canvas.locator('.jp-Continuum-canvasBusy')).toHaveCount(0);

  const samples: ISample[] = [];
  const views: [string, () => Promise<void>][] = [
    [
      'fit view',
      async () => {
        await canvas.locator('.react-flow__controls-fitview').click();
      }
    ],
    [
      '100 %',
      async () => {
        await canvas.locator('.jp-Continuum-cellListToggle').click();
        await canvas.locator('[data-continuum-cell-id="n505"]').click();
        await canvas.locator('.jp-Continuum-cellListToggle').click();
        await expect(viewport).toHaveAttribute('style', /scale\(1\)/);
      }
    ]
  ];
  for (const [view, show] of views) {
    for (const scenario of ['pan', 'node drag']) {
      const sample: ISample = {
        scenario: `${scenario} at ${view}`,
        zoom: 0,
        nodesInDom: 0,
        p50: [],
        p95: [],
        max: []
      };
      for (let run = 0; run < RUNS; run++) {
        await show();
        const style = (await viewport.getAttribute('style'))!;
        sample.zoom = Number(/scale\(([\d.]+)\)/.exec(style)![1]);
        sample.nodesInDom = await canvas.locator('.react-flow__node').count();
        const { pane, node } = await targets(canvas);
        const deltas = await gestureFrameTimes(
          page,
          scenario === 'pan' ? pane : node
        );
        sample.p50.push(percentile(deltas, 50));
        sample.p95.push(percentile(deltas, 95));
        sample.max.push(percentile(deltas, 100));
        if (scenario === 'node drag') {
          // Put the node back, so that every run starts from the same graph.
          await canvas.locator('[data-continuum-action="undo"]').click();
        }
      }
      samples.push(sample);
    }
  }
  mkdirSync('artifacts', { recursive: true });
  writeFileSync(
    'artifacts/canvas-bench.json',
    JSON.stringify({ nodes: COUNT, runs: RUNS, moves: MOVES, samples }, null, 2)
  );
  console.log(JSON.stringify(samples, null, 1));
});
