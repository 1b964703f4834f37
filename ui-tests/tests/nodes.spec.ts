import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import {
  notebookCells,
  runCommand,
  startCommand,
  validateWithNbformat
} from './helpers';

const NAME = 'pipeline.ipynb';

async function openCellContextMenu(
  page: IJupyterLabPageFixture,
  index: number
): Promise<void> {
  await page
    .locator('.jp-Notebook .jp-Cell')
    .nth(index)
    .locator('.jp-InputPrompt')
    .click({ button: 'right' });
}

test('cells become workflow nodes that survive save and reload', async ({
  page,
  tmpPath
}) => {
  await page.notebook.createNew(NAME);
  await page.notebook.setCell(0, 'code', 'import math');
  await page.notebook.addCell('code', 'data = [1, 4, 9]');
  await page.notebook.addCell('code', 'total = sum(data)');
  await page.notebook.addCell(
    'code',
    'print("<b>not bold</b>", math.sqrt(total))'
  );

  // Setup cell, from the palette command.
  await page.notebook.selectCells(0);
  await runCommand(page, 'continuum:toggle-setup');

  // Node from the cell toolbar.
  await page.notebook.selectCells(1);
  const toolbarButton = page
    .locator('.jp-Notebook .jp-Cell')
    .nth(1)
    .locator('.jp-cell-toolbar [data-jp-item-name="continuum-toggle-node"]');
  await toolbarButton.click();

  // Node from the context menu.
  await page.notebook.selectCells(2);
  await openCellContextMenu(page, 2);
  await page.getByRole('menuitem', { name: 'Toggle Workflow Node' }).click();

  // Node from the keyboard shortcut, in command mode.
  await page.notebook.selectCells(3);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Alt+w');

  // Placement of the third node from the context submenu.
  await page.notebook.selectCells(2);
  await openCellContextMenu(page, 2);
  await page
    .locator('.lm-Menu-item', { hasText: 'Workflow Placement' })
    .hover();
  await page
    .getByRole('menuitem', { name: 'Run Selected Cells on cloud' })
    .click();

  const chips = page.locator('.jp-Continuum-cellChip');
  await expect(chips).toHaveCount(4);
  await expect(chips.nth(2).locator('.jp-Continuum-placement')).toHaveText(
    'cloud'
  );
  // Cell text is rendered as text: the label of the last node shows the markup verbatim.
  await expect(chips.nth(3).locator('.jp-Continuum-chipLabel')).toContainText(
    '<b>not bold</b>'
  );
  await expect(chips.nth(3).locator('b')).toHaveCount(0);

  // Inferred dependencies arrive as suggestions that the user accepts.
  await startCommand(page, 'continuum:infer-dependencies');
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog.locator('.jp-Continuum-suggestionList li')).toHaveCount(
    2
  );
  await dialog.getByRole('button', { name: 'Add selected' }).click();
  // The accepted edges are added once the dialog has closed: wait for the second one.
  await expect
    .poll(async () => (await notebookCells(page))[3].continuum?.after?.length)
    .toBe(1);

  let cells = await notebookCells(page);
  const [setup, data, total, report] = cells;
  expect(setup.continuum).toMatchObject({ role: 'setup' });
  expect(data.continuum).toMatchObject({
    role: 'node',
    placement: 'edge',
    after: []
  });
  expect(total.continuum).toMatchObject({
    placement: 'cloud',
    after: [data.id]
  });
  expect(report.continuum).toMatchObject({
    placement: 'edge',
    after: [total.id]
  });

  // A dependency that would close a cycle is refused, naming the cycle.
  await runCommand(page, 'continuum:add-dependency', {
    source: report.id,
    target: data.id
  });
  await expect(
    page.locator('.jp-toast-message', { hasText: 'cycle' })
  ).toBeVisible();
  expect((await notebookCells(page))[1].continuum?.after).toEqual([]);

  await page.notebook.save();
  await page.notebook.close(true);
  await page.notebook.openByPath(`${tmpPath}/${NAME}`);
  await expect(page.locator('.jp-Continuum-cellChip')).toHaveCount(4);
  cells = await notebookCells(page);
  expect(cells.map(cell => cell.continuum)).toEqual([
    setup.continuum,
    data.continuum,
    total.continuum,
    report.continuum
  ]);

  const saved = await page.evaluate(async path => {
    const model = await window.jupyterapp.serviceManager.contents.get(path);
    return model.content;
  }, `${tmpPath}/${NAME}`);
  validateWithNbformat(saved);
});

test('deleting a node removes it from every dependency list', async ({
  page
}) => {
  await page.notebook.createNew('delete.ipynb');
  await page.notebook.setCell(0, 'code', 'a = 1');
  await page.notebook.addCell('code', 'b = a + 1');
  for (const index of [0, 1]) {
    await page.notebook.selectCells(index);
    await runCommand(page, 'continuum:toggle-node');
  }
  let [a, b] = await notebookCells(page);
  await runCommand(page, 'continuum:add-dependency', {
    source: a.id,
    target: b.id
  });
  await expect
    .poll(async () => (await notebookCells(page))[1].continuum?.after)
    .toEqual([a.id]);

  await page.notebook.selectCells(0);
  await page.keyboard.press('Escape');
  await page.keyboard.press('d');
  await page.keyboard.press('d');

  await expect.poll(async () => (await notebookCells(page)).length).toBe(1);
  [b] = await notebookCells(page);
  expect(b.continuum?.after).toEqual([]);

  // The notebook's undo brings the cell back as a node; no after list names a missing cell.
  await page.keyboard.press('z');
  await expect.poll(async () => (await notebookCells(page)).length).toBe(2);
  const restored = await notebookCells(page);
  expect(restored.map(cell => cell.id)).toEqual([a.id, b.id]);
  expect(restored[0].continuum).toMatchObject({ role: 'node' });
  const ids = new Set(restored.map(cell => cell.id));
  for (const cell of restored) {
    expect((cell.continuum?.after ?? []).every(id => ids.has(id))).toBe(true);
  }
});

test('the chip opens the node editor and its edits land in the metadata', async ({
  page
}) => {
  await page.notebook.createNew('editor.ipynb');
  await page.notebook.setCell(0, 'code', 'rows = load_rows()');
  await page.notebook.selectCells(0);
  await runCommand(page, 'continuum:toggle-node');

  await page.locator('.jp-Continuum-cellChip').click();
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog.locator('.jp-Continuum-nodeForm')).toBeVisible();
  await dialog.locator('input[name="label"]').fill('ingest');
  await dialog.locator('select[name="placement"]').selectOption('cloud');
  await dialog.locator('input[name="memory"]').fill('2GiB');
  await dialog.locator('input[name="retries"]').fill('2');
  await dialog.locator('input[name="timeout_s"]').fill('30');
  await dialog.getByRole('button', { name: 'Save' }).click();

  await expect(page.locator('.jp-Continuum-chipLabel')).toHaveText('ingest');
  await expect(
    page.locator('.jp-Continuum-cellChip .jp-Continuum-placement')
  ).toHaveText('cloud');
  const [cell] = await notebookCells(page);
  expect(cell.continuum).toEqual({
    label: 'ingest',
    placement: 'cloud',
    after: [],
    role: 'node',
    resources: { memory: '2GiB' },
    retries: 2,
    timeout_s: 30
  });

  // Undo of a workflow edit restores the previous properties.
  await runCommand(page, 'continuum:undo');
  await expect(page.locator('.jp-Continuum-chipLabel')).toHaveText(
    'rows = load_rows()'
  );
});
