import { NotebookModel } from '@jupyterlab/notebook';

import {
  METADATA_KEY,
  NOTEBOOK_METADATA_KEY,
  NotebookWorkflow
} from '../model';
import { notebookWith } from './notebook';

function ids(model: NotebookModel): string[] {
  return Array.from(
    { length: model.cells.length },
    (_, i) => model.cells.get(i).id
  );
}

describe('NotebookWorkflow', () => {
  let model: NotebookModel;
  let workflow: NotebookWorkflow;
  let cell: string[];

  beforeEach(() => {
    model = notebookWith(['import math', 'a = 1', 'b = a + 1', 'c = b * 2']);
    workflow = new NotebookWorkflow(model);
    cell = ids(model);
  });

  afterEach(() => {
    workflow.dispose();
    model.dispose();
  });

  it('tags cells into the contract metadata and untags them', () => {
    workflow.toggleRole([cell[1], cell[2]], 'node', 'edge');
    expect(model.cells.get(1).getMetadata(METADATA_KEY)).toEqual({
      placement: 'edge',
      after: [],
      role: 'node'
    });
    expect(workflow.cells().filter(c => c.continuum)).toHaveLength(2);

    workflow.toggleRole([cell[1], cell[2]], 'node', 'edge');
    expect(model.cells.get(1).getMetadata(METADATA_KEY)).toBeUndefined();
    expect(workflow.cells().filter(c => c.continuum)).toHaveLength(0);
  });

  it('turns a mixed selection into nodes, keeping existing properties', () => {
    workflow.toggleRole([cell[1]], 'node', 'cloud');
    workflow.updateNode(cell[1], { label: 'load', retries: 2 });
    workflow.toggleRole([cell[1], cell[2]], 'node', 'edge');
    expect(workflow.node(cell[1])).toMatchObject({
      label: 'load',
      retries: 2,
      placement: 'cloud'
    });
    expect(workflow.node(cell[2])).toMatchObject({ placement: 'edge' });
  });

  it('sets placements and refuses malformed ones', () => {
    expect(workflow.setPlacement([cell[1]], 'gpu-pool')).toBe(true);
    expect(workflow.node(cell[1])).toMatchObject({
      role: 'node',
      placement: 'gpu-pool'
    });
    expect(workflow.setPlacement([cell[1]], '<script>')).toBe(false);
    expect(workflow.node(cell[1])?.placement).toBe('gpu-pool');
  });

  it('adds dependencies and refuses one that closes a cycle, naming it', () => {
    workflow.toggleRole([cell[1], cell[2], cell[3]], 'node', 'edge');
    expect(workflow.addDependency(cell[1], cell[2])).toBeNull();
    expect(workflow.addDependency(cell[2], cell[3])).toBeNull();

    const cycle = workflow.addDependency(cell[3], cell[1]);

    expect(cycle).toEqual([cell[3], cell[1], cell[2], cell[3]]);
    expect(workflow.node(cell[1])?.after).toEqual([]);
    expect(workflow.label(cell[3])).toBe('c = b * 2');
  });

  it('drops a deleted cell from every after list', () => {
    workflow.toggleRole([cell[1], cell[2], cell[3]], 'node', 'edge');
    workflow.addDependency(cell[1], cell[2]);
    workflow.addDependency(cell[1], cell[3]);

    model.sharedModel.deleteCell(1);

    expect(workflow.node(cell[2])?.after).toEqual([]);
    expect(workflow.node(cell[3])?.after).toEqual([]);
  });

  it('keeps the edges of a node moved by cut and paste', () => {
    workflow.toggleRole([cell[1], cell[2], cell[3]], 'node', 'edge');
    workflow.addDependency(cell[1], cell[2]);
    workflow.addDependency(cell[2], cell[3]);
    const cut = model.cells.get(1).toJSON();

    model.sharedModel.deleteCell(1);
    expect(workflow.node(cell[2])?.after).toEqual([]);
    model.sharedModel.insertCell(2, cut);

    expect(ids(model)).toEqual([cell[0], cell[2], cell[1], cell[3]]);
    expect(workflow.node(cell[2])?.after).toEqual([cell[1]]);
    expect(workflow.node(cell[3])?.after).toEqual([cell[2]]);
  });

  it('untagging a node removes it from its dependents', () => {
    workflow.toggleRole([cell[1], cell[2]], 'node', 'edge');
    workflow.addDependency(cell[1], cell[2]);
    workflow.toggleRole([cell[1]], 'node', 'edge');
    expect(workflow.node(cell[1])).toBeNull();
    expect(workflow.node(cell[2])?.after).toEqual([]);
  });

  it('undoes and redoes each edit as one step, dependents included', () => {
    workflow.toggleRole([cell[1], cell[2]], 'node', 'edge');
    workflow.addDependency(cell[1], cell[2]);
    workflow.toggleRole([cell[1]], 'node', 'edge');
    expect(workflow.node(cell[2])?.after).toEqual([]);

    workflow.undo();
    expect(workflow.node(cell[1])).toMatchObject({ role: 'node' });
    expect(workflow.node(cell[2])?.after).toEqual([cell[1]]);

    workflow.undo();
    workflow.undo();
    expect(workflow.node(cell[1])).toBeNull();
    expect(workflow.canUndo).toBe(false);

    workflow.redo();
    workflow.redo();
    expect(workflow.node(cell[2])?.after).toEqual([cell[1]]);
    expect(model.cells.get(2).getMetadata(METADATA_KEY)).toMatchObject({
      after: [cell[1]]
    });
    expect(workflow.canRedo).toBe(true);
  });

  it('moves nodes in the notebook metadata, each move one undoable step', () => {
    model.setMetadata(NOTEBOOK_METADATA_KEY, {
      last_run: 'r1',
      positions: { [cell[1]]: { x: 0, y: 0 }, gone: { x: 5, y: 5 } }
    });
    workflow.toggleRole([cell[1], cell[2]], 'node', 'edge');

    // A drag of two nodes: rounded, merged, and the position of a cell that is gone dropped.
    workflow.setPositions([
      { id: cell[1], position: { x: 10.4, y: -20.6 } },
      { id: cell[2], position: { x: 300, y: 40 } }
    ]);
    expect(model.getMetadata(NOTEBOOK_METADATA_KEY)).toEqual({
      last_run: 'r1',
      positions: { [cell[1]]: { x: 10, y: -21 }, [cell[2]]: { x: 300, y: 40 } }
    });
    expect(workflow.positions()).toEqual({
      [cell[1]]: { x: 10, y: -21 },
      [cell[2]]: { x: 300, y: 40 }
    });
    // A drop where the node was is no edit.
    workflow.setPositions([{ id: cell[1], position: { x: 10, y: -21 } }]);
    workflow.setPositions([{ id: cell[2], position: { x: 500, y: 40 } }]);

    workflow.undo();
    expect(workflow.positions()[cell[2]]).toEqual({ x: 300, y: 40 });
    workflow.undo();
    // Back to before the drag: the first node where it was, the second without a place.
    expect(model.getMetadata(NOTEBOOK_METADATA_KEY)).toEqual({
      last_run: 'r1',
      positions: { [cell[1]]: { x: 0, y: 0 }, gone: { x: 5, y: 5 } }
    });
    // Moves share the history of the other workflow edits.
    workflow.undo();
    expect(workflow.node(cell[1])).toBeNull();
    expect(workflow.canUndo).toBe(false);

    workflow.redo();
    workflow.redo();
    expect(workflow.positions()).toEqual({
      [cell[1]]: { x: 10, y: -21 },
      [cell[2]]: { x: 300, y: 40 }
    });
    expect(workflow.canRedo).toBe(true);
  });

  it('tags a cell and places it in one step', () => {
    workflow.transact(() => {
      workflow.toggleRole([cell[1]], 'node', 'edge');
      workflow.setPositions([{ id: cell[1], position: { x: 1, y: 2 } }]);
    });
    workflow.undo();
    expect(workflow.node(cell[1])).toBeNull();
    expect(workflow.positions()).toEqual({});
    expect(workflow.canUndo).toBe(false);
  });

  it('signals changes once per animation frame', async () => {
    let emitted = 0;
    workflow.changed.connect(() => emitted++);
    workflow.toggleRole([cell[1]], 'node', 'edge');
    workflow.setPlacement([cell[1]], 'cloud');
    model.cells.get(1).sharedModel.setSource('a = 2');
    await new Promise(resolve => requestAnimationFrame(resolve));
    expect(emitted).toBe(1);
    expect(workflow.cells()[1].source).toBe('a = 2');
  });
});
