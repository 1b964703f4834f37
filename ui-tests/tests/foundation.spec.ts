import { expect, test } from '@jupyterlab/galata';

import { reloadWithCanvas, runCommand } from './helpers';

const ARTIFACTS = 'artifacts';

test.describe('activation', () => {
  // Load the page ourselves so every console message is captured.
  test.use({ autoGoto: false });

  test('activates the extension exactly once', async ({ page }) => {
    const logs: string[] = [];
    page.on('console', message => logs.push(message.text()));

    await page.goto();

    expect(
      logs.filter(
        text =>
          text === 'JupyterLab extension jupyterlab-continuum is activated!'
      )
    ).toHaveLength(1);
  });
});

test.describe('workflow canvas', () => {
  test('opens beside the notebook, once per notebook, and comes back on reload', async ({
    page
  }, testInfo) => {
    const name = 'flow.ipynb';
    await page.notebook.createNew(name);
    // Room for the whole canvas toolbar: a narrow one moves its end into the overflow menu.
    await page.sidebar.close('left');

    await runCommand(page, 'continuum:open-canvas');

    const canvas = page.locator('.jp-Continuum-canvasPanel');
    await expect(canvas).toBeVisible();
    await expect(canvas.locator('.react-flow')).toBeVisible();
    await expect(
      page.getByRole('tab', { name: 'Flow: flow.ipynb' })
    ).toBeVisible();

    // Split to the right: the notebook stays visible and the canvas sits after it.
    const notebook = page.locator('.jp-NotebookPanel');
    await expect(notebook).toBeVisible();
    const notebookBox = await notebook.boundingBox();
    const canvasBox = await canvas.boundingBox();
    expect(notebookBox && canvasBox).toBeTruthy();
    expect(canvasBox!.x).toBeGreaterThanOrEqual(
      notebookBox!.x + notebookBox!.width - 1
    );

    // The canvas reports the embedded orchestrator's engine, fetched from /health.
    await expect(
      canvas.locator(
        '.jp-Continuum-orchestratorStatus[data-continuum-engine="running"]'
      )
    ).toHaveText('embedded · running', { timeout: 60000 });

    const shot = await page.screenshot({
      path: `${ARTIFACTS}/canvas-beside-notebook.png`
    });
    await testInfo.attach('canvas-beside-notebook', {
      body: shot,
      contentType: 'image/png'
    });

    // A second request activates the same canvas instead of opening another.
    await page.locator('.jp-NotebookPanel .jp-Cell').first().click();
    await runCommand(page, 'continuum:open-canvas');
    await expect(page.locator('.jp-Continuum-canvasPanel')).toHaveCount(1);

    await reloadWithCanvas(page);
    await expect(page.locator('.jp-Continuum-canvasPanel')).toHaveCount(1);
    await expect(
      page.locator('.jp-Continuum-canvasPanel .react-flow')
    ).toBeVisible();
    await expect(
      page.getByRole('tab', { name: 'Flow: flow.ipynb' })
    ).toBeVisible();
  });

  test('is offered in the notebook toolbar, the View menu and the palette', async ({
    page
  }) => {
    await page.notebook.createNew('menus.ipynb');

    const button = page.locator(
      '.jp-NotebookPanel-toolbar [data-jp-item-name="continuum-open-canvas"]'
    );
    await expect(button).toBeVisible();
    await button.locator('button').click();
    await expect(page.locator('.jp-Continuum-canvasPanel')).toBeVisible();

    await page.locator('.jp-NotebookPanel .jp-Cell').first().click();
    await page.menu.open('View');
    await expect(
      page.locator('.lm-Menu-itemLabel', { hasText: 'Open Workflow Canvas' })
    ).toBeVisible();
    await page.keyboard.press('Escape');

    await page.keyboard.press('Control+Shift+C');
    await page.locator('.lm-CommandPalette-input').fill('Open Workflow Canvas');
    await expect(
      page.locator('.lm-CommandPalette-item', {
        hasText: 'Open Workflow Canvas'
      })
    ).toBeVisible();
  });
});
