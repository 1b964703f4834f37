import {
  expect,
  IJupyterLabPageFixture,
  Locator,
  test
} from '@jupyterlab/galata';
import { readFileSync } from 'fs';
import { join } from 'path';

import { INodeCell, runCommand, workflowNotebook } from './helpers';

const ARTIFACTS = 'artifacts';
const EXAMPLE = join(
  __dirname,
  '..',
  '..',
  'examples',
  'continuum-quickstart.ipynb'
);
// Runs go through a real Dask cluster: a node takes seconds, not milliseconds.
const RUN_TIMEOUT = 90_000;

async function openNotebook(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  name: string,
  content: string
): Promise<void> {
  await page.contents.uploadContent(content, 'text', `${tmpPath}/${name}`);
  await page.notebook.openByPath(`${tmpPath}/${name}`);
  await page.notebook.activate(name);
}

/** Open a new notebook of these node cells and deploy it. */
async function deployNotebook(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  name: string,
  cells: INodeCell[]
): Promise<void> {
  await openNotebook(page, tmpPath, name, workflowNotebook(cells));
  await runCommand(page, 'continuum:deploy');
}

function cellBadge(page: IJupyterLabPageFixture, cellId: string): Locator {
  return page.locator(
    `.jp-Notebook .jp-Continuum-cellChip[data-continuum-cell="${cellId}"] .jp-Continuum-badge`
  );
}

/** Wait until a badge shows `state` (a run goes through a real Dask cluster: allow seconds). */
async function expectStatus(
  badge: Locator,
  state: string | RegExp,
  timeout = RUN_TIMEOUT
): Promise<void> {
  await expect(badge).toHaveAttribute('data-continuum-status', state, {
    timeout
  });
}

function canvasBadge(page: IJupyterLabPageFixture, cellId: string): Locator {
  return page.locator(
    `.jp-Continuum-canvas [data-continuum-node-id="${cellId}"] .jp-Continuum-badge`
  );
}

/** The outputs of a cell, in any open notebook, as its model holds them (JSON). */
async function cellOutputText(
  page: IJupyterLabPageFixture,
  cellId: string
): Promise<string> {
  return page.evaluate(id => {
    for (const widget of window.jupyterapp.shell.widgets('main')) {
      const cells = (widget as any).context?.model?.cells;
      for (let i = 0; i < (cells?.length ?? 0); i++) {
        const cell = cells.get(i);
        if (cell.id === id) {
          return JSON.stringify(cell.outputs.toJSON());
        }
      }
    }
    return '';
  }, cellId);
}

test.describe('Deploy to continuum', () => {
  // Wide enough for the notebook and its canvas side by side, as in the screenshots.
  test.use({ autoGoto: true, viewport: { width: 1440, height: 900 } });

  test('the example deploys and every badge goes green, outputs land in the cells', async ({
    page,
    tmpPath
  }) => {
    const example = JSON.parse(readFileSync(EXAMPLE, 'utf-8'));
    const nodes: string[] = example.cells
      .filter((cell: any) => cell.metadata.continuum?.role === 'node')
      .map((cell: any) => cell.id);
    await openNotebook(
      page,
      tmpPath,
      'quickstart.ipynb',
      JSON.stringify(example)
    );
    await page.sidebar.close('left');
    await runCommand(page, 'continuum:open-canvas');
    const deploy = page.locator(
      '.jp-Continuum-canvasPanel .jp-Continuum-deployButton'
    );
    await expect(deploy).toHaveText(/Deploy to continuum/);
    await expect(deploy).toBeEnabled();
    await deploy.click();

    // The first node runs on the edge while the others wait.
    await expect(
      page.locator(
        '.jp-Continuum-canvas .jp-Continuum-badge[data-continuum-status="running"]'
      )
    ).not.toHaveCount(0, { timeout: RUN_TIMEOUT });
    await page.screenshot({ path: `${ARTIFACTS}/deploy-running.png` });

    for (const id of nodes) {
      await expectStatus(canvasBadge(page, id), 'succeeded');
      await expectStatus(cellBadge(page, id), 'succeeded');
    }
    await expect(
      page.locator('.jp-Continuum-canvasPanel .jp-Continuum-progressText')
    ).toHaveText(`${nodes.length}/${nodes.length} ✓`);
    await expect(canvasBadge(page, 'train')).toHaveText(/done .* · cloud-0/);
    await expect(canvasBadge(page, 'collect')).toHaveText(/done .* · edge-0/);

    // The evaluation's printout is in its cell, as if the cell had run here.
    expect(await cellOutputText(page, 'evaluate')).toContain(
      'accuracy on held-out readings'
    );
    await expect(
      page.locator('.jp-Notebook .jp-OutputArea-output').filter({
        hasText: 'accuracy on held-out readings'
      })
    ).toHaveCount(1);
    // The evaluation cell, its badge and its output, beside the finished canvas.
    await page
      .locator('.jp-Continuum-cellChip[data-continuum-cell="evaluate"]')
      .scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${ARTIFACTS}/deploy-finished.png` });
  });

  test('a failing node shows its traceback, its downstream is skipped, retry after a fix succeeds', async ({
    page,
    tmpPath
  }) => {
    await deployNotebook(page, tmpPath, 'failing.ipynb', [
      { id: 'load', source: 'x = 21' },
      {
        id: 'divide',
        source: 'y = x / 0',
        after: ['load'],
        placement: 'cloud'
      },
      { id: 'report', source: 'print("answer", y * 2)', after: ['divide'] }
    ]);
    await expectStatus(cellBadge(page, 'divide'), 'failed');
    await expect(cellBadge(page, 'divide')).toHaveText('ZeroDivisionError');
    await expectStatus(cellBadge(page, 'report'), 'skipped');
    await expectStatus(cellBadge(page, 'load'), 'succeeded');
    // The traceback is the cell's output, rendered by the notebook as an error.
    await expect(
      page
        .locator(
          '.jp-Notebook .jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]'
        )
        .filter({ hasText: 'ZeroDivisionError' })
    ).toHaveCount(1);

    // The badge opens the node's details: its states and its traceback.
    await cellBadge(page, 'divide').click();
    const details = page.locator(
      '.jp-Continuum-runPanel [data-continuum-details="divide"]'
    );
    await expect(details).toBeVisible();
    await expect(details.locator('.jp-Continuum-history tr')).toHaveCount(4); // pending → failed
    await expect(details.locator('.jp-Continuum-attempt')).toContainText(
      'on cloud-0'
    );
    await expect(details.locator('.jp-Continuum-attempt pre')).toContainText(
      'ZeroDivisionError: division by zero'
    );

    // Fix the cell, then retry what failed: the upstream result is reused.
    await page.evaluate(() => {
      const panel = window.jupyterapp.shell.currentWidget as any;
      const cells = panel.context.model.cells;
      for (let i = 0; i < cells.length; i++) {
        if (cells.get(i).id === 'divide') {
          cells.get(i).sharedModel.setSource('y = x / 1');
        }
      }
    });
    await runCommand(page, 'continuum:retry-failed');
    for (const id of ['divide', 'report']) {
      await expectStatus(cellBadge(page, id), 'succeeded');
    }
    expect(await cellOutputText(page, 'report')).toContain('answer 42.0');
    expect(await cellOutputText(page, 'divide')).not.toContain(
      'ZeroDivisionError'
    );
    // The load node was not run again: still its first attempt.
    await expect(cellBadge(page, 'load')).toHaveAttribute('title', /^done/);
    await expect(cellBadge(page, 'load')).not.toHaveAttribute(
      'title',
      /attempt 2/
    );
  });

  test("the run panel lists the notebook's runs and shows a past one's final states", async ({
    page,
    tmpPath
  }) => {
    await deployNotebook(page, tmpPath, 'history.ipynb', [
      { id: 'only', source: 'print("first")' }
    ]);
    await expectStatus(cellBadge(page, 'only'), 'succeeded');
    await page.evaluate(() => {
      const panel = window.jupyterapp.shell.currentWidget as any;
      panel.context.model.cells
        .get(0)
        .sharedModel.setSource('raise ValueError("second")');
    });
    await runCommand(page, 'continuum:deploy');
    await expectStatus(cellBadge(page, 'only'), 'failed');
    await expect(cellBadge(page, 'only')).toHaveText('ValueError');

    await page.sidebar.openTab('continuum-runs');
    const runs = page.locator('.jp-Continuum-runHistory li');
    await expect(runs).toHaveCount(2);
    await expect(runs.nth(0)).toHaveClass(/jp-mod-selected/);
    await expectStatus(runs.nth(0).locator('.jp-Continuum-badge'), 'failed');
    // The older run: its final states come back on the cell, its outputs stay out of it.
    await runs.nth(1).locator('button').click();
    await expectStatus(cellBadge(page, 'only'), 'succeeded');
    await expect(runs.nth(1)).toHaveClass(/jp-mod-selected/);
    expect(await cellOutputText(page, 'only')).toContain('ValueError');
  });

  test('a long node is cancelled', async ({ page, tmpPath }) => {
    await deployNotebook(page, tmpPath, 'long.ipynb', [
      { id: 'sleepy', source: 'import time\ntime.sleep(600)' },
      { id: 'after', source: 'print("never")', after: ['sleepy'] }
    ]);
    await expectStatus(cellBadge(page, 'sleepy'), 'running');
    await runCommand(page, 'continuum:cancel-run');
    await expectStatus(cellBadge(page, 'sleepy'), /cancell(ing|ed)/);
    await expectStatus(cellBadge(page, 'sleepy'), 'cancelled');
    await expectStatus(cellBadge(page, 'after'), 'cancelled');
  });

  test('a page reloaded mid-run reattaches to the run', async ({
    page,
    tmpPath
  }) => {
    await deployNotebook(page, tmpPath, 'reattach.ipynb', [
      { id: 'slow', source: 'import time\ntime.sleep(20)\nvalue = 7' },
      { id: 'show', source: 'print("value is", value)', after: ['slow'] }
    ]);
    await expectStatus(cellBadge(page, 'slow'), 'running');
    // Saved, so the run id is in the notebook; the layout keeps the notebook open.
    await page.notebook.save();
    await page.reload({ waitForIsReady: false });
    await page.evaluate(async () => {
      await window.jupyterapp.restored;
    });
    // Live state right after the reload, then the end of the run.
    await expectStatus(cellBadge(page, 'slow'), 'running');
    await expectStatus(cellBadge(page, 'show'), 'succeeded');
    expect(await cellOutputText(page, 'show')).toContain('value is 7');
  });

  test('problems stop a deploy and show on the cells and in one list', async ({
    page,
    tmpPath
  }) => {
    await openNotebook(
      page,
      tmpPath,
      'invalid.ipynb',
      workflowNotebook([
        { id: 'empty', source: '' },
        { id: 'elsewhere', source: 'x = 1', placement: 'mars' }
      ])
    );
    await page.evaluate(() => {
      void window.jupyterapp.commands.execute('continuum:deploy');
    });
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Fix 2 problems before deploying');
    await expect(dialog).toContainText('"empty" has no code');
    await expect(dialog).toContainText('unknown placement "mars"');
    await dialog.locator('button', { hasText: 'OK' }).click();
    await expect(
      page.locator('.jp-Continuum-cellChip.jp-mod-problem')
    ).toHaveCount(2);
    // Nothing was submitted.
    const runs = await page.evaluate(async () => {
      const settings = window.jupyterapp.serviceManager.serverSettings;
      const response = await fetch(
        `${settings.baseUrl}continuum/api/v1/runs?notebook=${encodeURIComponent(
          (window.jupyterapp.shell.currentWidget as any).context.path
        )}`
      );
      return (await response.json()).total;
    });
    expect(runs).toBe(0);
  });
});
