import { NotebookModel } from '@jupyterlab/notebook';

import {
  METADATA_KEY,
  NOTEBOOK_METADATA_KEY,
  NotebookWorkflow
} from '../../notebook/model';
import { runLayoutInBackground } from '../backgroundLayout';
import { runLayout } from '../layout';
import { CanvasStore, CROSS_EDGE_CLASS, SUGGESTED_EDGE_CLASS } from '../store';
import { notebookWith } from '../../notebook/__tests__/notebook';

// jsdom has no workers: the background layouts run the same layouts when a test says so.
jest.mock('../backgroundLayout', () => ({ runLayoutInBackground: jest.fn() }));
let background: (() => void)[] = [];
beforeEach(() => {
  background = [];
  jest
    .mocked(runLayoutInBackground)
    .mockReset()
    .mockImplementation(
      (name, args) =>
        new Promise(resolve =>
          background.push(() => resolve(runLayout(name, args)))
        ) as any
    );
});

/** Let the layouts sent to the background finish, in order, and wait until the store has them. */
async function finishBackground(store: CanvasStore): Promise<void> {
  for (const run of background.splice(0)) {
    run();
  }
  await new Promise<void>(resolve => {
    const check = () => {
      if (!store.state.getState().layingOut) {
        unsubscribe();
        resolve();
      }
    };
    const unsubscribe = store.state.subscribe(check);
    check();
  });
}

const nextFrame = () =>
  new Promise(resolve => requestAnimationFrame(() => resolve(undefined)));

/** A notebook whose cells c0 → c1 → … form a chain of nodes, written straight into the metadata. */
function chainNotebook(count: number): NotebookModel {
  const model = new NotebookModel();
  model.sharedModel.insertCells(
    0,
    Array.from({ length: count }, (_, i) => ({
      id: `c${i}`,
      cell_type: 'code',
      source: `x${i} = ${i}`,
      metadata: {
        [METADATA_KEY]: {
          role: 'node',
          placement: 'edge',
          after: i ? [`c${i - 1}`] : []
        }
      }
    }))
  );
  return model;
}

/** What React Flow reports while the user drags nodes, and the drop that ends it. */
function drag(
  store: CanvasStore,
  moved: { id: string; position: { x: number; y: number } }[]
): void {
  for (const dragging of [true, false]) {
    store.onNodesChange(
      moved.map(({ id, position }) => ({
        type: 'position',
        id,
        position,
        dragging
      }))
    );
  }
  store.moveNodes(moved);
}

describe('CanvasStore', () => {
  let model: NotebookModel;
  let workflow: NotebookWorkflow;
  let store: CanvasStore;
  let cell: string[];

  const state = () => store.state.getState();
  const nodeIds = () => state().nodes.map(node => node.id);
  const edgePairs = () => state().edges.map(edge => [edge.source, edge.target]);
  /** What the canvas does on a handle-to-handle drag, minus the notification. */
  const connect = (source: string, target: string) => {
    const cycle = workflow.addDependency(source, target);
    store.sync();
    return cycle;
  };

  beforeEach(() => {
    model = notebookWith([
      '# load\nimport math',
      'a = 1',
      'b = a + 1',
      'c = b * 2'
    ]);
    workflow = new NotebookWorkflow(model);
    store = new CanvasStore({ workflow, defaultPlacement: () => 'edge' });
    cell = Array.from(
      { length: model.cells.length },
      (_, i) => model.cells.get(i).id
    );
  });

  afterEach(() => {
    store.dispose();
    workflow.dispose();
    model.dispose();
  });

  it('mirrors tagged cells as nodes and `after` lists as edges', async () => {
    expect(state().nodes).toEqual([]);
    expect(state().cells.map(entry => entry.tagged)).toEqual([
      false,
      false,
      false,
      false
    ]);

    // Cell edits made outside the canvas reach it on the next frame.
    workflow.toggleRole([cell[0], cell[1], cell[2]], 'node', 'edge');
    workflow.toggleRole([cell[3]], 'setup', 'edge');
    workflow.updateNode(cell[2], { placement: 'cloud', after: [cell[1]] });
    workflow.updateNode(cell[1], { resources: { gpu: 1 } });
    await nextFrame();

    expect(nodeIds()).toEqual([cell[0], cell[1], cell[2]]);
    expect(state().nodes[0]).toMatchObject({
      type: 'workflow',
      data: { label: 'import math', code: 'import math', placement: 'edge' }
    });
    expect(state().nodes[1].data.resources).toEqual({ gpu: 1 });
    expect(edgePairs()).toEqual([[cell[1], cell[2]]]);
    // edge → cloud: data leaves the device.
    expect(state().edges[0].className).toBe(CROSS_EDGE_CLASS);

    model.cells.get(1).sharedModel.setSource('x = 2');
    await nextFrame();
    expect(state().nodes[1].data.code).toBe('x = 2');
  });

  it('offers inferred dependencies not in the workflow, and drops them once accepted', () => {
    workflow.toggleRole([cell[1], cell[2], cell[3]], 'node', 'edge');
    workflow.addDependency(cell[1], cell[2]);
    store.sync();
    const shown = store.suggest([
      // Already in the workflow.
      { source: cell[1], target: cell[2], variables: ['a'] },
      { source: cell[2], target: cell[3], variables: ['b'] },
      { source: cell[1], target: cell[3], variables: ['a', 'x'] },
      // Cell 0 is not a node.
      { source: cell[0], target: cell[3], variables: ['math'] }
    ]);
    expect(shown).toBe(2);
    const [first, second] = state().suggestions;
    expect(first).toMatchObject({
      source: cell[2],
      target: cell[3],
      label: 'b',
      className: SUGGESTED_EDGE_CLASS,
      selectable: false
    });
    expect(second.label).toBe('a, x');
    // Suggestions live in the store: the workflow has only its own edge.
    expect(edgePairs()).toEqual([[cell[1], cell[2]]]);

    // Accepting one (a click connects it) removes it from the suggestions.
    expect(connect(cell[2], cell[3])).toBeNull();
    expect(workflow.node(cell[3])?.after).toEqual([cell[2]]);
    expect(state().suggestions).toEqual([second]);
    // Undoing the acceptance offers it again.
    store.undo();
    expect(state().suggestions.map(edge => edge.label)).toEqual(['b', 'a, x']);

    // A node that leaves the workflow takes its suggestions with it.
    workflow.setNode(cell[1], null);
    store.sync();
    expect(state().suggestions.map(edge => edge.label)).toEqual(['b']);

    store.clearSuggestions();
    expect(state().suggestions).toEqual([]);
  });

  it('builds the analysis input from the code cells', () => {
    workflow.toggleRole([cell[1]], 'node', 'edge');
    model.sharedModel.insertCell(0, { cell_type: 'markdown', source: '# x' });
    expect(workflow.analysisInput()).toEqual([
      { id: cell[0], source: '# load\nimport math', role: null },
      { id: cell[1], source: 'a = 1', role: 'node' },
      { id: cell[2], source: 'b = a + 1', role: null },
      { id: cell[3], source: 'c = b * 2', role: null }
    ]);
  });

  it('lays nodes out in swimlanes by placement without saving the positions', () => {
    workflow.toggleRole([cell[0], cell[1], cell[2], cell[3]], 'node', 'edge');
    workflow.setPlacement([cell[1], cell[3]], 'cloud');
    workflow.updateNode(cell[2], { placement: 'gpu-farm' });
    workflow.addDependency(cell[0], cell[1]);
    workflow.addDependency(cell[1], cell[2]);
    workflow.setPositions([{ id: cell[0], position: { x: 500, y: 500 } }]);
    store.sync();
    const saved = model.getMetadata(NOTEBOOK_METADATA_KEY);

    store.toggleSwimlanes();
    const on = state();
    expect(on.swimlanes).toBe(true);
    expect(on.lanes.map(band => band.lane)).toEqual(['edge', 'cloud', 'other']);
    const laneOf = (id: string) =>
      on.lanes.find(band => {
        const { y } = on.nodes.find(node => node.id === id)!.position;
        return y >= band.y && y < band.y + band.height;
      })?.lane;
    expect([cell[0], cell[1], cell[2], cell[3]].map(laneOf)).toEqual([
      'edge',
      'cloud',
      'other',
      'cloud'
    ]);
    // Bands do not overlap, and dependencies still read from left to right.
    expect(on.lanes[1].y).toBeGreaterThanOrEqual(
      on.lanes[0].y + on.lanes[0].height
    );
    const x = (id: string) => on.nodes.find(node => node.id === id)!.position.x;
    expect(x(cell[0])).toBeLessThan(x(cell[1]));
    expect(x(cell[1])).toBeLessThan(x(cell[2]));
    expect(model.getMetadata(NOTEBOOK_METADATA_KEY)).toEqual(saved);

    // A placement change moves the node to its lane; no other-placement lane is left.
    workflow.setPlacement([cell[2]], 'edge');
    store.sync();
    expect(state().lanes.map(band => band.lane)).toEqual(['edge', 'cloud']);

    // A node the user drags stays where dropped, and that position is saved.
    store.moveNodes([{ id: cell[3], position: { x: -300, y: -300 } }]);
    expect(state().nodes.find(node => node.id === cell[3])!.position).toEqual({
      x: -300,
      y: -300
    });

    // Off: back to the saved positions.
    store.toggleSwimlanes();
    expect(state().lanes).toEqual([]);
    expect(state().nodes[0].position).toEqual({ x: 500, y: 500 });
  });

  it('keeps unchanged nodes as the same objects', async () => {
    workflow.toggleRole([cell[1], cell[2]], 'node', 'edge');
    store.sync();
    const [first, second] = state().nodes;
    workflow.updateNode(cell[2], { label: 'train' });
    store.sync();
    expect(state().nodes[0]).toBe(first);
    expect(state().nodes[1]).not.toBe(second);
    expect(state().nodes[1].data.label).toBe('train');
  });

  it('lays out new nodes automatically and persists dragged positions', () => {
    model.setMetadata(NOTEBOOK_METADATA_KEY, { last_run: 'r1' });
    workflow.toggleRole([cell[1], cell[2]], 'node', 'edge');
    workflow.addDependency(cell[1], cell[2]);
    store.sync();
    const [a, b] = state().nodes;
    // Left to right along the edge.
    expect(b.position.x).toBeGreaterThan(a.position.x);

    workflow.setPositions([{ id: cell[1], position: { x: 10.4, y: -20 } }]);
    expect(model.getMetadata(NOTEBOOK_METADATA_KEY)).toEqual({
      last_run: 'r1',
      positions: { [cell[1]]: { x: 10, y: -20 } }
    });
    expect(state().nodes[0].position).toEqual({ x: 10, y: -20 });

    // A node tagged later goes below the others, which do not move.
    workflow.toggleRole([cell[3]], 'node', 'edge');
    store.sync();
    const [, placedB, c] = state().nodes;
    expect(placedB.position).toEqual(b.position);
    expect(c.position.y).toBeGreaterThan(Math.max(a.position.y, b.position.y));

    // Auto-layout saves every position.
    store.autoLayout();
    expect(
      Object.keys(model.getMetadata(NOTEBOOK_METADATA_KEY).positions).sort()
    ).toEqual([cell[1], cell[2], cell[3]].sort());
  });

  it('connects nodes through the workflow and refuses a cycle', () => {
    workflow.toggleRole([cell[1], cell[2], cell[3]], 'node', 'edge');
    expect(connect(cell[1], cell[2])).toBeNull();
    expect(connect(cell[2], cell[3])).toBeNull();
    expect(model.cells.get(3).getMetadata(METADATA_KEY).after).toEqual([
      cell[2]
    ]);
    expect(edgePairs()).toEqual([
      [cell[1], cell[2]],
      [cell[2], cell[3]]
    ]);

    expect(connect(cell[3], cell[1])).toEqual([
      cell[3],
      cell[1],
      cell[2],
      cell[3]
    ]);
    expect(model.cells.get(1).getMetadata(METADATA_KEY).after).toEqual([]);
    expect(state().edges).toHaveLength(2);

    // Canvas edits are undoable through the workflow's history.
    expect(state().canUndo).toBe(true);
    store.undo();
    expect(edgePairs()).toEqual([[cell[1], cell[2]]]);
    store.redo();
    expect(state().edges).toHaveLength(2);
  });

  it('deletes selected nodes by untagging their cells, in one undoable step', () => {
    workflow.toggleRole([cell[1], cell[2], cell[3]], 'node', 'edge');
    connect(cell[1], cell[2]);
    connect(cell[2], cell[3]);
    connect(cell[1], cell[3]);

    store.select([cell[2]]);
    // An edge selected with it: React Flow's own selection change.
    store.onEdgesChange([
      {
        type: 'select',
        id: state().edges.find(edge => edge.target === cell[3])!.id,
        selected: true
      }
    ]);
    store.onEdgesChange([
      {
        type: 'select',
        id: state().edges.find(
          edge => edge.source === cell[1] && edge.target === cell[3]
        )!.id,
        selected: true
      }
    ]);
    store.deleteSelection();

    expect(model.cells.length).toBe(4);
    expect(model.cells.get(2).getMetadata(METADATA_KEY)).toBeUndefined();
    expect(nodeIds()).toEqual([cell[1], cell[3]]);
    expect(state().edges).toEqual([]);
    expect(model.cells.get(3).getMetadata(METADATA_KEY).after).toEqual([]);

    store.undo();
    expect(nodeIds()).toEqual([cell[1], cell[2], cell[3]]);
    expect(state().edges).toHaveLength(3);
  });

  it('ignores React Flow removals: deletion untags through deleteSelection', () => {
    workflow.toggleRole([cell[1]], 'node', 'edge');
    store.sync();
    store.onNodesChange([{ type: 'remove', id: cell[1] }]);
    expect(nodeIds()).toEqual([cell[1]]);
  });

  it('places dropped cells, tagging the untagged and selecting all', () => {
    workflow.toggleRole([cell[1]], 'node', 'cloud');
    store.sync();
    const before = state().nodes[0].position;

    store.placeCells([cell[1], cell[2]], { x: 300, y: 40 });

    expect(workflow.node(cell[2])).toMatchObject({
      role: 'node',
      placement: 'edge'
    });
    expect(state().nodes.find(node => node.id === cell[2])!.position).toEqual({
      x: 300,
      y: 40
    });
    // Already a node: only selected, not moved.
    expect(state().nodes[0].position).toEqual(before);
    expect(state().selection).toEqual([cell[1], cell[2]]);

    // The drop is one step: undo untags the cell and forgets where it was dropped.
    store.undo();
    expect(workflow.node(cell[2])).toBeNull();
    expect(workflow.positions()).toEqual({});
    expect(nodeIds()).toEqual([cell[1]]);
  });

  it('undoes a drag of nodes in one step, back to where they were', () => {
    workflow.toggleRole([cell[1], cell[2], cell[3]], 'node', 'edge');
    connect(cell[1], cell[2]);
    const before = state().nodes.map(node => node.position);

    drag(store, [
      { id: cell[1], position: { x: 400, y: 300 } },
      { id: cell[2], position: { x: 700, y: 300 } }
    ]);
    expect(state().nodes.map(node => node.position)).toEqual([
      { x: 400, y: 300 },
      { x: 700, y: 300 },
      before[2]
    ]);

    store.undo();
    expect(state().nodes.map(node => node.position)).toEqual(before);
    expect(workflow.positions()).toEqual({});
    // The step before the drag: the dependency.
    expect(state().edges).toHaveLength(1);
    store.undo();
    expect(state().edges).toEqual([]);

    store.redo();
    store.redo();
    expect(state().nodes[1].position).toEqual({ x: 700, y: 300 });
    expect(state().canRedo).toBe(false);
  });

  it('undoes an auto-layout in one step and fits the view to it', () => {
    workflow.toggleRole([cell[1], cell[2], cell[3]], 'node', 'edge');
    connect(cell[1], cell[2]);
    connect(cell[2], cell[3]);
    drag(store, [{ id: cell[3], position: { x: -500, y: 0 } }]);
    const before = state().nodes.map(node => node.position);
    store.viewport = { x: 10, y: 20, zoom: 2 };
    const fits = state().fitRequest;

    store.autoLayout();
    const x = state().nodes.map(node => node.position.x);
    expect(x[0]).toBeLessThan(x[1]);
    expect(x[1]).toBeLessThan(x[2]);
    expect(Object.keys(workflow.positions())).toHaveLength(3);
    // The view follows the new layout, forgetting where the user had moved it.
    expect(state().fitRequest).toBe(fits + 1);
    expect(store.viewport).toBeNull();

    store.undo();
    expect(state().nodes.map(node => node.position)).toEqual(before);
    expect(workflow.positions()).toEqual({ [cell[3]]: { x: -500, y: 0 } });
  });

  it('sets the placement of the selection in one step', () => {
    workflow.toggleRole([cell[1], cell[2]], 'node', 'edge');
    store.sync();
    store.select([cell[1], cell[2]]);
    store.setPlacement('cloud');
    expect(state().nodes.map(node => node.data.placement)).toEqual([
      'cloud',
      'cloud'
    ]);
    store.undo();
    expect(state().nodes.map(node => node.data.placement)).toEqual([
      'edge',
      'edge'
    ]);
  });

  it('lays large workflows out in the background', async () => {
    const big = chainNotebook(300);
    const bigWorkflow = new NotebookWorkflow(big);
    const bigStore = new CanvasStore({
      workflow: bigWorkflow,
      defaultPlacement: () => 'edge'
    });
    const bigState = () => bigStore.state.getState();
    const x = (id: string) =>
      bigState().nodes.find(node => node.id === id)!.position.x;

    // New nodes show once the worker has placed them, and the view fits them then.
    expect(runLayoutInBackground).toHaveBeenCalledWith(
      'placeNewNodes',
      expect.anything()
    );
    expect(bigState()).toMatchObject({ nodes: [], edges: [], layingOut: true });
    let fits = bigState().fitRequest;
    await finishBackground(bigStore);
    expect(bigState().nodes).toHaveLength(300);
    expect(bigState().edges).toHaveLength(299);
    expect(x('c0')).toBeLessThan(x('c299'));
    expect(bigState().fitRequest).toBe(fits + 1);

    // Swimlanes too: the view fits once they are laid out.
    fits = bigState().fitRequest;
    bigStore.toggleSwimlanes();
    expect(bigState().lanes).toEqual([]);
    expect(bigState().fitRequest).toBe(fits);
    await finishBackground(bigStore);
    expect(bigState().lanes.map(band => band.lane)).toEqual(['edge', 'cloud']);
    expect(bigState().fitRequest).toBe(fits + 1);

    // An auto-layout superseded by a newer one is dropped; the newer one is one step.
    drag(bigStore, [{ id: 'c0', position: { x: 9000, y: 0 } }]);
    bigStore.autoLayout();
    bigWorkflow.removeDependency('c149', 'c150');
    bigStore.sync();
    bigStore.autoLayout();
    expect(bigWorkflow.positions()).toEqual({ c0: { x: 9000, y: 0 } });
    await finishBackground(bigStore);
    expect(Object.keys(bigWorkflow.positions())).toHaveLength(300);
    expect(x('c0')).toBeLessThan(x('c1'));
    bigStore.undo();
    expect(bigWorkflow.positions()).toEqual({ c0: { x: 9000, y: 0 } });
    expect(x('c0')).toBe(9000);
    expect(bigWorkflow.node('c150')?.after).toEqual([]);

    bigStore.dispose();
    bigWorkflow.dispose();
    big.dispose();
  });

  it('tries a failed background layout again on the next change only', async () => {
    const failed = new Error('worker lost');
    jest.mocked(runLayoutInBackground).mockRejectedValueOnce(failed);
    const logged = jest.spyOn(console, 'error').mockImplementation(() => {});
    const big = chainNotebook(300);
    const bigWorkflow = new NotebookWorkflow(big);
    const bigStore = new CanvasStore({
      workflow: bigWorkflow,
      defaultPlacement: () => 'edge'
    });

    await finishBackground(bigStore);
    expect(logged).toHaveBeenCalledWith('The canvas layout failed.', failed);
    expect(bigStore.state.getState().nodes).toEqual([]);
    expect(runLayoutInBackground).toHaveBeenCalledTimes(1);

    bigStore.sync();
    await finishBackground(bigStore);
    expect(bigStore.state.getState().nodes).toHaveLength(300);
    expect(runLayoutInBackground).toHaveBeenCalledTimes(2);

    logged.mockRestore();
    bigStore.dispose();
    bigWorkflow.dispose();
    big.dispose();
  });

  it('re-creates only the changed node of a 1,000-node workflow', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `c${i}`);
    const big = chainNotebook(1000);
    const bigWorkflow = new NotebookWorkflow(big);
    const bigStore = new CanvasStore({
      workflow: bigWorkflow,
      defaultPlacement: () => 'edge'
    });
    await finishBackground(bigStore);
    const before = bigStore.state.getState();
    expect(before.nodes).toHaveLength(1000);
    expect(before.edges).toHaveLength(999);

    bigWorkflow.updateNode(ids[500], { placement: 'cloud' });
    bigStore.sync();
    const after = bigStore.state.getState();
    const changed = after.nodes.filter((node, i) => node !== before.nodes[i]);
    expect(changed.map(node => node.id)).toEqual([ids[500]]);
    // Only the two edges around it change class (they now cross edge ↔ cloud).
    const changedEdges = after.edges.filter(
      (edge, i) => edge !== before.edges[i]
    );
    expect(changedEdges.map(edge => edge.className)).toEqual([
      CROSS_EDGE_CLASS,
      CROSS_EDGE_CLASS
    ]);

    bigStore.dispose();
    bigWorkflow.dispose();
    big.dispose();
  });
});
