import {
  expect,
  IJupyterLabPageFixture,
  Locator,
  test
} from '@jupyterlab/galata';

import {
  layeredWorkflowNotebook,
  reloadWithCanvas,
  runCommand
} from './helpers';

const NAME = 'flow-canvas.ipynb';
const ARTIFACTS = 'artifacts';

// Wide enough for every canvas toolbar button beside the notebook (narrower, the editing
// buttons move into the toolbar's overflow menu).
test.use({ viewport: { width: 1440, height: 900 } });

interface INotebookState {
  cells: {
    id: string;
    continuum?: { placement?: string; after?: string[]; role?: string };
  }[];
  positions: Record<string, { x: number; y: number }>;
}

/** The notebook's cells and canvas positions, read from its model (the canvas may be current). */
async function notebookState(
  page: IJupyterLabPageFixture,
  name = NAME
): Promise<INotebookState> {
  return page.evaluate(name => {
    const panel = Array.from(window.jupyterapp.shell.widgets('main')).find(
      (widget: any) => widget.context?.path?.endsWith(name)
    ) as any;
    const json = panel.context.model.toJSON();
    return {
      cells: json.cells.map((cell: any) => ({
        id: cell.id,
        continuum: cell.metadata.continuum
      })),
      positions: json.metadata.continuum?.positions ?? {}
    };
  }, name);
}

async function center(locator: Locator): Promise<{ x: number; y: number }> {
  const box = await locator.boundingBox();
  expect(box).toBeTruthy();
  return { x: box!.x + box!.width / 2, y: box!.y + box!.height / 2 };
}

/** A point of the canvas where a press lands on the empty pane, which pans the view. */
async function emptySpot(canvas: Locator): Promise<{ x: number; y: number }> {
  const spot = await canvas.evaluate(element => {
    const pane = element
      .querySelector('.react-flow__pane')!
      .getBoundingClientRect();
    for (let y = pane.bottom - 30; y > pane.top + 60; y -= 15) {
      for (let x = pane.left + pane.width / 2; x < pane.right - 30; x += 15) {
        if (
          document
            .elementFromPoint(x, y)
            ?.classList.contains('react-flow__pane')
        ) {
          return { x, y };
        }
      }
    }
    return null;
  });
  expect(spot).toBeTruthy();
  return spot!;
}

/** Pan the view by dragging the empty pane. */
async function pan(
  page: IJupyterLabPageFixture,
  canvas: Locator,
  by: { x: number; y: number }
): Promise<void> {
  const from = await emptySpot(canvas);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + by.x, from.y + by.y, { steps: 10 });
  await page.mouse.up();
}

/** Press the mouse on one element, move there in steps (as a user does), release on the other. */
async function drag(
  page: IJupyterLabPageFixture,
  from: Locator,
  to: { x: number; y: number } | Locator
): Promise<void> {
  // Wait for both ends to stand still (the view may still be fitting).
  await from.hover({ trial: true });
  if (!('x' in to)) {
    await to.hover({ trial: true });
  }
  const start = await center(from);
  const end = 'x' in to ? to : await center(to);
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  // Start towards the end: moving towards the canvas border would pan the view.
  const length = Math.hypot(end.x - start.x, end.y - start.y) || 1;
  await page.mouse.move(
    start.x + (10 * (end.x - start.x)) / length,
    start.y + (10 * (end.y - start.y)) / length,
    { steps: 3 }
  );
  await page.mouse.move(end.x, end.y, { steps: 15 });
  await page.mouse.up();
}

test('the canvas edits the workflow two ways with the notebook and comes back on reload', async ({
  page
}) => {
  await page.notebook.createNew(NAME);
  await page.notebook.setCell(
    0,
    'code',
    'def load():\n    return [1, 2, 3]\n\ndata = load()'
  );
  await page.notebook.addCell('code', 'total = sum(data)');
  await page.notebook.addCell('code', 'print("<b>total</b>", total)');
  await page.notebook.addCell('code', 'summary = {"total": total}');
  for (const index of [0, 1]) {
    await page.notebook.selectCells(index);
    await runCommand(page, 'continuum:toggle-node');
  }
  // Galata's window is small: give the notebook and its canvas the room.
  await page.sidebar.close('left');
  await runCommand(page, 'continuum:open-canvas');

  const canvas = page.locator('.jp-Continuum-canvasPanel');
  const nodes = canvas.locator('[data-continuum-node-id]');
  await expect(nodes).toHaveCount(2);
  const id = (await notebookState(page)).cells.map(cell => cell.id);
  const node = (i: number) =>
    canvas.locator(`[data-continuum-node-id="${id[i]}"]`);
  await expect(node(0).locator('.jp-Continuum-nodeLabel')).toHaveText('load');
  await expect(node(0).locator('.jp-Continuum-nodeCode')).toHaveText(
    'def load():'
  );
  await expect(
    node(0).locator('.jp-Continuum-badge[data-continuum-status="pending"]')
  ).toBeVisible();

  // Connect two nodes by dragging from one's output handle to the other's input handle.
  await drag(
    page,
    node(0).locator('.react-flow__handle-right'),
    node(1).locator('.react-flow__handle-left')
  );
  await expect
    .poll(async () => (await notebookState(page)).cells[1].continuum?.after)
    .toEqual([id[0]]);
  await expect(canvas.locator('.react-flow__edge')).toHaveCount(1);

  // Drag the third cell by its prompt onto the canvas: it becomes a node where it lands.
  const pane = canvas.locator('.react-flow__pane');
  const paneBox = (await pane.boundingBox())!;
  const drop = {
    x: Math.round(paneBox.x + paneBox.width * 0.55),
    y: Math.round(paneBox.y + paneBox.height * 0.08)
  };
  await drag(
    page,
    page.locator('.jp-Notebook .jp-Cell').nth(2).locator('.jp-InputPrompt'),
    drop
  );
  await expect(nodes).toHaveCount(3);
  const dropped = await notebookState(page);
  expect(dropped.cells).toHaveLength(4);
  expect(dropped.cells[2].continuum).toMatchObject({ role: 'node' });
  expect(dropped.positions[id[2]]).toBeTruthy();
  const landed = (await canvas
    .locator(`.react-flow__node[data-id="${id[2]}"]`)
    .boundingBox())!;
  expect(Math.abs(landed.x - drop.x)).toBeLessThan(4);
  expect(Math.abs(landed.y - drop.y)).toBeLessThan(4);
  // Cell text is rendered as text.
  await expect(node(2).locator('.jp-Continuum-nodeLabel')).toHaveText(
    'print("<b>total</b>", total)'
  );
  await expect(node(2).locator('b')).toHaveCount(0);

  // Auto-layout puts every node apart and saves the positions.
  const toolbar = canvas.locator('.jp-Toolbar');
  await toolbar.locator('[data-continuum-action="layout"]').click();
  await expect
    .poll(async () => Object.keys((await notebookState(page)).positions).sort())
    .toEqual([id[0], id[1], id[2]].sort());

  await drag(
    page,
    node(1).locator('.react-flow__handle-right'),
    node(2).locator('.react-flow__handle-left')
  );
  await expect
    .poll(async () => (await notebookState(page)).cells[2].continuum?.after)
    .toEqual([id[1]]);

  // Closing a cycle is refused, with a message naming it.
  await drag(
    page,
    node(2).locator('.react-flow__handle-right'),
    node(0).locator('.react-flow__handle-left')
  );
  await expect(
    page.locator('.Toastify__toast', { hasText: 'cycle' })
  ).toBeVisible();
  expect((await notebookState(page)).cells[0].continuum?.after).toEqual([]);
  await expect(canvas.locator('.react-flow__edge')).toHaveCount(2);

  // Selecting a node shows its cell; the placement key moves it to the cloud.
  await node(2).locator('.jp-Continuum-nodeLabel').click();
  await expect(node(2)).toHaveClass(/jp-mod-active/);
  await expect(page.locator('.jp-Notebook .jp-Cell').nth(2)).toHaveClass(
    /jp-mod-active/
  );
  await page.keyboard.press('c');
  await expect
    .poll(async () => (await notebookState(page)).cells[2].continuum?.placement)
    .toBe('cloud');
  await expect(
    node(2).locator('.jp-Continuum-placement[data-placement="cloud"]')
  ).toBeVisible();
  // The edge into it now carries data from the edge to the cloud.
  await expect(canvas.locator('.jp-Continuum-crossEdge')).toHaveCount(1);
  // The notebook did not take the key: no cell was copied or changed type.
  expect((await notebookState(page)).cells).toHaveLength(4);

  // Undo and redo, from the keyboard and the toolbar.
  await page.keyboard.press('Control+z');
  await expect
    .poll(async () => (await notebookState(page)).cells[2].continuum?.placement)
    .toBe('edge');
  await page.keyboard.press('Control+Shift+z');
  await expect
    .poll(async () => (await notebookState(page)).cells[2].continuum?.placement)
    .toBe('cloud');
  await toolbar.locator('[data-continuum-action="undo"]').click();
  await expect
    .poll(async () => (await notebookState(page)).cells[2].continuum?.placement)
    .toBe('edge');
  await toolbar.locator('[data-continuum-action="redo"]').click();
  await expect
    .poll(async () => (await notebookState(page)).cells[2].continuum?.placement)
    .toBe('cloud');

  // Deleting a node untags its cell (the cell stays); undo brings it back.
  await node(0).locator('.jp-Continuum-nodeLabel').click();
  await page.keyboard.press('Delete');
  await expect(nodes).toHaveCount(2);
  let state = await notebookState(page);
  expect(state.cells).toHaveLength(4);
  expect(state.cells[0].continuum).toBeUndefined();
  expect(state.cells[1].continuum?.after).toEqual([]);
  await page.keyboard.press('Control+z');
  await expect(nodes).toHaveCount(3);
  expect((await notebookState(page)).cells[1].continuum?.after).toEqual([
    id[0]
  ]);

  // A cell of the side list joins the workflow with a click.
  await canvas.locator('.jp-Continuum-cellListToggle').click();
  await canvas.locator(`[data-continuum-cell-id="${id[3]}"]`).click();
  await expect(nodes).toHaveCount(4);
  await canvas.locator('.jp-Continuum-cellListToggle').click();

  // Cells edited in the notebook show on the canvas at once.
  // The notebook becomes current (`activate` by name also matches the canvas tab).
  await page.locator('.jp-Notebook .jp-Cell').nth(3).click();
  await page.notebook.setCell(3, 'code', 'report = {"sum": total}');
  await expect(node(3).locator('.jp-Continuum-nodeLabel')).toHaveText(
    'report = {"sum": total}'
  );

  // Auto-layout orders the chain from left to right.
  await toolbar.locator('[data-continuum-action="layout"]').click();
  await expect
    .poll(async () => {
      const { positions } = await notebookState(page);
      return (
        positions[id[0]]?.x < positions[id[1]]?.x &&
        positions[id[1]]?.x < positions[id[2]]?.x
      );
    })
    .toBe(true);
  const saved = (await notebookState(page)).positions;

  await canvas.locator('.react-flow__controls-fitview').click();
  await page.screenshot({ path: `${ARTIFACTS}/canvas-light.png` });
  await page.theme.setDarkTheme();
  await expect(nodes).toHaveCount(4);
  await page.screenshot({ path: `${ARTIFACTS}/canvas-dark.png` });

  // Reload: the same canvas comes back beside the notebook, with the saved positions.
  await page.locator('.jp-Notebook .jp-Cell').first().click();
  await page.notebook.save();
  await reloadWithCanvas(page);
  await expect(page.locator('.jp-Continuum-canvasPanel')).toHaveCount(1);
  await expect(nodes).toHaveCount(4);
  await expect(canvas.locator('.react-flow__edge')).toHaveCount(2);
  state = await notebookState(page);
  expect(state.positions).toEqual(saved);
  expect(state.cells[2].continuum).toMatchObject({
    placement: 'cloud',
    after: [id[1]]
  });
});

test('the canvas suggests inferred dependencies and edits placement from a node menu', async ({
  page
}) => {
  const name = 'flow-suggest.ipynb';
  await page.notebook.createNew(name);
  await page.notebook.setCell(0, 'code', 'x = 1');
  await page.notebook.addCell('code', 'y = x + 1');
  await page.notebook.addCell('code', 'z = y * 2');
  await page.notebook.addCell('code', 'w = x + z');
  for (const index of [0, 1, 2, 3]) {
    await page.notebook.selectCells(index);
    await runCommand(page, 'continuum:toggle-node');
  }
  await page.sidebar.close('left');
  await runCommand(page, 'continuum:open-canvas');
  const state = () => notebookState(page, name);
  const placements = async () =>
    (await state()).cells.map(cell => cell.continuum?.placement);

  const canvas = page.locator('.jp-Continuum-canvasPanel');
  await expect(canvas.locator('[data-continuum-node-id]')).toHaveCount(4);
  const id = (await state()).cells.map(cell => cell.id);
  const node = (i: number) =>
    canvas.locator(`[data-continuum-node-id="${id[i]}"]`);
  const toolbar = canvas.locator('.jp-Toolbar');

  // The orchestrator's analysis shows as dashed suggestions, labelled with their variables.
  await toolbar.locator('[data-continuum-action="suggest"]').click();
  const suggested = canvas.locator('.jp-Continuum-suggestedEdge');
  await expect(suggested).toHaveCount(4);
  const suggestion = (source: number, target: number) =>
    canvas.locator(`[data-id="suggested:${id[source]}->${id[target]}"]`);
  await expect(suggestion(1, 2).locator('.react-flow__edge-text')).toHaveText(
    'y'
  );
  await page.screenshot({ path: `${ARTIFACTS}/canvas-suggestions.png` });
  expect((await state()).cells.map(cell => cell.continuum?.after)).toEqual([
    [],
    [],
    [],
    []
  ]);

  // A click on a suggestion's label accepts it; so does Enter on a focused suggestion.
  await suggestion(0, 1).locator('.react-flow__edge-textwrapper').click();
  await expect
    .poll(async () => (await state()).cells[1].continuum?.after)
    .toEqual([id[0]]);
  await expect(suggested).toHaveCount(3);
  await suggestion(1, 2).focus();
  await page.keyboard.press('Enter');
  await expect
    .poll(async () => (await state()).cells[2].continuum?.after)
    .toEqual([id[1]]);
  await expect(suggested).toHaveCount(2);
  await expect(
    canvas.locator('.react-flow__edge:not(.jp-Continuum-suggestedEdge)')
  ).toHaveCount(2);

  // Escape dismisses the rest, which never reach the notebook.
  await page.keyboard.press('Escape');
  await expect(suggested).toHaveCount(0);
  expect((await state()).cells[3].continuum?.after).toEqual([]);

  // Right-click on a node outside the selection: the menu acts on that node alone.
  await node(0).locator('.jp-Continuum-nodeLabel').click();
  await node(1)
    .locator('.jp-Continuum-nodeLabel')
    .click({ modifiers: ['ControlOrMeta'] });
  await expect(canvas.locator('.react-flow__node.selected')).toHaveCount(2);
  const label = node(2).locator('.jp-Continuum-nodeLabel');
  await label.click({ button: 'right' });
  const menu = canvas.locator('.jp-Continuum-nodeMenu');
  await expect(menu).toBeVisible();
  // It opens where the node was clicked.
  const clicked = await center(label);
  const opened = (await menu.boundingBox())!;
  expect(Math.abs(opened.x - clicked.x)).toBeLessThan(2);
  expect(Math.abs(opened.y - clicked.y)).toBeLessThan(2);
  await menu.locator('[data-continuum-menu="cloud"]').click();
  await expect(menu).toHaveCount(0);
  await expect.poll(placements).toEqual(['edge', 'edge', 'cloud', 'edge']);
  // Escape closes the menu without acting.
  await node(3).locator('.jp-Continuum-nodeLabel').click({ button: 'right' });
  await expect(menu).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(menu).toHaveCount(0);

  // Right-click within a multi-selection: the menu acts on the whole selection.
  await node(0).locator('.jp-Continuum-nodeLabel').click();
  await node(1)
    .locator('.jp-Continuum-nodeLabel')
    .click({ modifiers: ['ControlOrMeta'] });
  await node(1).locator('.jp-Continuum-nodeLabel').click({ button: 'right' });
  await menu.locator('[data-continuum-menu="cloud"]').click();
  await expect.poll(placements).toEqual(['cloud', 'cloud', 'cloud', 'edge']);
  await node(0).locator('.jp-Continuum-nodeLabel').click({ button: 'right' });
  await menu.locator('[data-continuum-menu="edge"]').click();
  await expect.poll(placements).toEqual(['edge', 'edge', 'cloud', 'edge']);

  // Swimlanes group the nodes by placement without saving their positions.
  const positions = (await state()).positions;
  await toolbar.locator('[data-continuum-action="swimlanes"]').click();
  const lanes = canvas.locator('.jp-Continuum-lane');
  await expect(lanes).toHaveCount(2);
  await expect(lanes.first()).toHaveAttribute('data-lane', 'edge');
  const cloudLane = (await lanes.nth(1).boundingBox())!;
  const cloudNode = (await node(2).boundingBox())!;
  expect(cloudNode.y).toBeGreaterThan(cloudLane.y);
  expect(cloudNode.y + cloudNode.height).toBeLessThan(
    cloudLane.y + cloudLane.height
  );
  expect((await state()).positions).toEqual(positions);
  await page.screenshot({ path: `${ARTIFACTS}/canvas-swimlanes.png` });
});

/** A new notebook of two tagged cells (a = 1, b = a + 1) with its canvas open. */
async function twoNodeCanvas(
  page: IJupyterLabPageFixture,
  name: string
): Promise<Locator> {
  await page.notebook.createNew(name);
  await page.notebook.setCell(0, 'code', 'a = 1');
  await page.notebook.addCell('code', 'b = a + 1');
  for (const index of [0, 1]) {
    await page.notebook.selectCells(index);
    await runCommand(page, 'continuum:toggle-node');
  }
  await page.sidebar.close('left');
  await runCommand(page, 'continuum:open-canvas');
  const canvas = page.locator('.jp-Continuum-canvasPanel');
  await expect(canvas.locator('[data-continuum-node-id]')).toHaveCount(2);
  return canvas;
}

test('a node drag is one step of the workflow undo history', async ({
  page
}) => {
  const name = 'flow-undo.ipynb';
  const canvas = await twoNodeCanvas(page, name);
  const state = () => notebookState(page, name);
  const id = (await state()).cells.map(cell => cell.id);
  const node = canvas.locator(`.react-flow__node[data-id="${id[0]}"]`);
  const label = node.locator('.jp-Continuum-nodeLabel');
  await label.hover({ trial: true });
  const before = (await node.boundingBox())!;

  const start = await center(label);
  await drag(page, label, { x: start.x + 120, y: start.y + 60 });
  await expect.poll(async () => (await state()).positions[id[0]]).toBeTruthy();
  // It follows the pointer (give or take React Flow's drag threshold and the rounding).
  const moved = (await node.boundingBox())!;
  expect(Math.abs(moved.x - before.x - 120)).toBeLessThan(6);
  expect(Math.abs(moved.y - before.y - 60)).toBeLessThan(6);

  // The canvas's undo takes the whole drag back, and only the drag.
  await page.keyboard.press('Control+z');
  await expect
    .poll(async () => (await state()).positions[id[0]])
    .toBeUndefined();
  await expect
    .poll(async () => {
      const box = (await node.boundingBox())!;
      return Math.hypot(box.x - before.x, box.y - before.y);
    })
    .toBeLessThan(1);
  expect((await state()).cells.map(cell => cell.continuum?.role)).toEqual([
    'node',
    'node'
  ]);

  await page.keyboard.press('Control+Shift+z');
  await expect.poll(async () => (await state()).positions[id[0]]).toBeTruthy();
  await expect
    .poll(async () => {
      const box = (await node.boundingBox())!;
      return Math.hypot(box.x - moved.x, box.y - moved.y);
    })
    .toBeLessThan(1);
});

test('the canvas keeps its view when its tab is hidden and shown again', async ({
  page,
  tmpPath
}) => {
  const name = 'flow-view.ipynb';
  const canvas = await twoNodeCanvas(page, name);
  const viewport = canvas.locator('.react-flow__viewport');
  const fitted = await viewport.getAttribute('style');

  // The user zooms out and pans.
  await canvas.locator('.react-flow__controls-zoomout').click();
  await expect(viewport).not.toHaveAttribute('style', fitted!);
  await pan(page, canvas, { x: -80, y: -50 });
  const chosen = await viewport.getAttribute('style');
  expect(chosen).not.toEqual(fitted);

  // Another document opened in the canvas's tab area hides it; back to the canvas.
  const other = `${tmpPath}/other.txt`;
  await page.contents.uploadContent('hidden canvas', 'text', other);
  const canvasId = (await canvas.getAttribute('id'))!;
  await runCommand(page, 'docmanager:open', {
    path: other,
    options: { mode: 'tab-after', ref: canvasId }
  });
  await expect(canvas).toBeHidden();
  await page.evaluate(id => window.jupyterapp.shell.activateById(id), canvasId);
  await expect(canvas).toBeVisible();
  await expect(canvas.locator('.react-flow__node').first()).toBeVisible();
  await expect(viewport).toHaveAttribute('style', chosen!);

  // Fit view still fits.
  await canvas.locator('.react-flow__controls-fitview').click();
  await expect(viewport).toHaveAttribute('style', fitted!);
});

test('a 1,000-node workflow renders only the nodes in sight and lays out in a worker', async ({
  page,
  tmpPath
}) => {
  const name = `${tmpPath}/flow-large.ipynb`;
  const count = 1000;
  const width = 10;
  await page.contents.uploadContent(
    JSON.stringify(layeredWorkflowNotebook(count, width)),
    'text',
    name
  );
  // The layout workers this extension starts, and whether one failed (the layouts would
  // then run on the main thread).
  const workers: string[] = [];
  page.on('worker', worker => {
    if (worker.url().includes('/lab/extensions/jupyterlab-continuum/')) {
      workers.push(worker.url());
    }
  });
  const failures: string[] = [];
  page.on('console', message => {
    if (message.text().includes('layout worker failed')) {
      failures.push(message.text());
    }
  });
  await page.notebook.openByPath(name);
  await page.sidebar.close('left');
  await runCommand(page, 'continuum:open-canvas');

  const canvas = page.locator('.jp-Continuum-canvasPanel');
  const rendered = canvas.locator('.react-flow__node');
  const busy = canvas.locator('.jp-Continuum-canvasBusy');
  const positions = async () => (await notebookState(page, name)).positions;
  /** The ids of the rendered nodes, and whether each overlaps the visible pane. */
  const inDom = () =>
    canvas.evaluate(element => {
      const pane = element
        .querySelector('.react-flow__pane')!
        .getBoundingClientRect();
      return Array.from(
        element.querySelectorAll<HTMLElement>('.react-flow__node'),
        node => {
          const box = node.getBoundingClientRect();
          return {
            id: node.dataset.id!,
            visible:
              box.right > pane.left &&
              box.left < pane.right &&
              box.bottom > pane.top &&
              box.top < pane.bottom
          };
        }
      );
    });

  // No node has a saved position: the layout worker places them all, off the main thread.
  await expect(rendered.first()).toBeVisible({ timeout: 60000 });
  await expect(busy).toHaveCount(0);
  expect(workers).toHaveLength(1);
  expect(await positions()).toEqual({});

  // Fitted (at the smallest zoom), part of the graph is out of sight and out of the DOM.
  let shown = await inDom();
  expect(shown.length).toBeGreaterThan(0);
  expect(shown.length).toBeLessThan(count);
  expect(shown.every(node => node.visible)).toBe(true);
  // So far out, the cards keep their label and status and skip their smaller text.
  const flowRoot = canvas.locator('.jp-Continuum-flow');
  await expect(flowRoot).toHaveClass(/jp-mod-overview/);
  const card = canvas.locator('[data-continuum-node-id]').first();
  await expect(card.locator('.jp-Continuum-nodeLabel')).toBeVisible();
  await expect(card.locator('.jp-Continuum-badge')).toBeVisible();
  await expect(card.locator('.jp-Continuum-placementChip')).toHaveCount(1);
  await expect(card.locator('.jp-Continuum-placementChip')).toBeHidden();

  // At 100 %, on a node picked from the cell list, only its neighbourhood is rendered.
  await canvas.locator('.jp-Continuum-cellListToggle').click();
  await canvas.locator('[data-continuum-cell-id="n505"]').click();
  await canvas.locator('.jp-Continuum-cellListToggle').click();
  await expect(canvas.locator('.react-flow__viewport')).toHaveAttribute(
    'style',
    /scale\(1\)/
  );
  await expect(canvas.locator('[data-continuum-node-id="n505"]')).toBeVisible();
  await expect(flowRoot).not.toHaveClass(/jp-mod-overview/);
  await expect(
    canvas.locator(
      '[data-continuum-node-id="n505"] .jp-Continuum-placementChip'
    )
  ).toBeVisible();
  shown = await inDom();
  expect(shown.length).toBeLessThan(50);
  expect(shown.every(node => node.visible)).toBe(true);

  // Panning brings other nodes in and takes those left behind out.
  await pan(page, canvas, { x: -500, y: 0 });
  await expect(canvas.locator('[data-continuum-node-id="n505"]')).toHaveCount(
    0
  );
  const panned = await inDom();
  expect(panned.every(node => node.visible)).toBe(true);
  expect(panned.some(node => !shown.find(old => old.id === node.id))).toBe(
    true
  );

  // Auto-layout runs in the worker too, and is one undoable step.
  const toolbar = canvas.locator('.jp-Toolbar');
  await toolbar.locator('[data-continuum-action="layout"]').click();
  await expect(busy).toHaveText('Laying out the workflow…');
  await expect(busy).toHaveCount(0, { timeout: 60000 });
  await expect
    .poll(async () => Object.keys(await positions()).length)
    .toBe(count);
  const laidOut = await positions();
  // Dependencies read from left to right: n10 depends on n0, n11 on n0 and n1.
  expect(laidOut.n0.x).toBeLessThan(laidOut.n10.x);
  expect(laidOut.n1.x).toBeLessThan(laidOut.n11.x);
  // The same worker, which never failed.
  expect(workers).toHaveLength(1);
  expect(failures).toEqual([]);

  await toolbar.locator('[data-continuum-action="undo"]').click();
  await expect.poll(positions).toEqual({});
  await toolbar.locator('[data-continuum-action="redo"]').click();
  await expect.poll(positions).toEqual(laidOut);
});
