/**
 * 2. Deploy latency in the browser: the Deploy button → the first `running` badge on the
 * canvas node and on the cell (attribute `data-continuum-status`, DESIGN §3.5).
 *
 * Config: {base, token, path, node}. It opens the notebook and its canvas, then answers one
 * line of JSON per line it reads on stdin, so that the Python side can interleave raw Dask
 * samples: "deploy" → {canvas_ms, cell_ms}; "quit" → exits. Its first line is {ready: true}
 * once Deploy is enabled, or {error}.
 * Times are taken in the page: from the click on the canvas's Deploy button to the mutation
 * that shows the badge.
 */
import { createInterface } from 'node:readline';

import { config, defineBadgeWatch, launch, log, newPage } from './lib.mjs';

const say = value => process.stdout.write(`${JSON.stringify(value)}\n`);

const browser = await launch();
try {
  const page = await newPage(browser);
  await page.goto(
    `${config.base}/lab/tree/${config.path}?reset&token=${config.token}`
  );
  await page.waitForFunction(() => window.jupyterapp !== undefined, null, {
    timeout: 120000
  });
  await page.evaluate(() => window.jupyterapp.restored);
  await page.waitForSelector('.jp-NotebookPanel .jp-Cell');
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('continuum:open-canvas');
  });
  await page.waitForSelector(
    `.jp-Continuum-canvas [data-continuum-node-id="${config.node}"]`
  );
  await defineBadgeWatch(page);
  await page.waitForFunction(
    path => window.jupyterapp.commands.isEnabled('continuum:deploy', { path }),
    config.path
  );
  say({ ready: true });
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.trim() === 'quit') {
      break;
    }
    say(await deployOnce(page));
  }
} catch (error) {
  log(String(error?.stack ?? error));
  say({ error: String(error?.message ?? error) });
} finally {
  await browser.close();
}

async function deployOnce(page) {
  const result = await page.evaluate(async ({ node, path }) => {
    const app = window.jupyterapp;
    const canvasBadge = `.jp-Continuum-canvas [data-continuum-node-id="${node}"] [data-continuum-status]`;
    const isCellBadge = el =>
      !el.closest('.jp-Continuum-canvas') && el.closest('.jp-Cell');
    const times = {};
    const done = new Promise((resolve, reject) => {
      const timeout = setTimeout(
        () => reject(new Error('no running badge')),
        60000
      );
      const check = badge => {
        if (badge.getAttribute('data-continuum-status') !== 'running') {
          return;
        }
        const at = performance.now();
        if (badge.matches(canvasBadge)) {
          times.canvas ??= at;
        } else if (isCellBadge(badge)) {
          times.cell ??= at;
        }
        if (times.canvas !== undefined && times.cell !== undefined) {
          clearTimeout(timeout);
          observer.disconnect();
          resolve();
        }
      };
      const observer = window.__watchBadges(check);
    });
    // The canvas's Deploy button, pressed as a mouse does: JupyterLab's toolbar buttons act on
    // mousedown, so a bare click() would not deploy.
    const button = document.querySelector(
      '.jp-Continuum-canvasPanel .jp-Continuum-deployButton jp-button'
    );
    const start = performance.now();
    for (const type of ['mousedown', 'mouseup', 'click']) {
      button.dispatchEvent(
        new MouseEvent(type, { bubbles: true, cancelable: true, button: 0 })
      );
    }
    await done;
    // The run ends (the node sleeps briefly) and Deploy is enabled again before the next.
    const idle = () =>
      app.commands.isEnabled('continuum:deploy', { path }) &&
      document
        .querySelector(canvasBadge)
        ?.getAttribute('data-continuum-status') === 'succeeded';
    const t0 = performance.now();
    while (!idle()) {
      if (performance.now() - t0 > 60000) {
        throw new Error('the run did not end');
      }
      await new Promise(r => setTimeout(r, 50));
    }
    return {
      canvas_ms: times.canvas - start,
      cell_ms: times.cell - start
    };
  }, config);
  return result;
}
