import type { ICodeCellModel } from '@jupyterlab/cells';

import { notebookWith } from '../../notebook/__tests__/notebook';
import { CellOutputWriter } from '../cellOutputs';
import { runEvent } from './events';
import {
  applyEvents,
  emptyRun,
  IRunEvent,
  IRunView,
  Output
} from '../runState';

const stdout = (text: string): Output => ({
  output_type: 'stream',
  name: 'stdout',
  text
});

describe('CellOutputWriter', () => {
  let seq = 0;
  const event = (partial: Partial<IRunEvent>): IRunEvent =>
    runEvent(++seq, {
      run_id: 'r',
      state: 'running',
      worker: 'edge-0',
      ...partial
    });

  function setup() {
    const model = notebookWith(['print("a")', 'print("b")', 'untouched = 1']);
    const cells = Array.from(model.cells) as ICodeCellModel[];
    cells.forEach(cell =>
      cell.outputs.add({ output_type: 'stream', name: 'stdout', text: 'old\n' })
    );
    const [a, b] = cells.map(cell => cell.id);
    const writer = new CellOutputWriter(model);
    let view: IRunView = emptyRun('r', [a, b]);
    const apply = (...events: Partial<IRunEvent>[]) => {
      const next = applyEvents(view, events.map(event));
      writer.write(next, view);
      view = next;
    };
    return { cells, a, b, apply };
  }

  it("replaces a node cell's outputs when the node starts, then appends as they stream", () => {
    const { cells, a, apply } = setup();
    apply({ node_id: a, state: 'queued' });
    expect(cells[0].outputs.length).toBe(1); // still the old output
    apply({ node_id: a, state: 'running' });
    expect(cells[0].outputs.length).toBe(0);
    apply({ node_id: a, kind: 'output', output: stdout('one\n') });
    apply(
      { node_id: a, kind: 'output', output: stdout('two\n') },
      {
        node_id: a,
        kind: 'output',
        output: {
          output_type: 'display_data',
          data: { 'text/plain': 'x' },
          metadata: {}
        }
      }
    );
    const outputs = cells[0].outputs.toJSON();
    // Consecutive stream chunks merge, as the notebook stores them.
    expect(outputs).toHaveLength(2);
    expect(outputs[0]).toMatchObject({ name: 'stdout', text: 'one\ntwo\n' });
    expect(outputs[1]).toMatchObject({ output_type: 'display_data' });
  });

  it('leaves the cells of other nodes and of untagged cells alone', () => {
    const { cells, a, apply } = setup();
    apply(
      { node_id: a, state: 'running' },
      { node_id: a, kind: 'output', output: stdout('a\n') }
    );
    expect(cells[1].outputs.toJSON()).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'old\n' }
    ]);
    expect(cells[2].outputs.length).toBe(1);
  });

  it('leaves a cell without outputs untouched when its node starts', () => {
    const model = notebookWith(['x = 1']);
    const cell = model.cells.get(0) as ICodeCellModel;
    const writer = new CellOutputWriter(model);
    const before = emptyRun('r', [cell.id]);
    const view = applyEvents(before, [
      event({ node_id: cell.id, state: 'running' })
    ]);
    // Every change to a cell makes the notebook do work of its own: none is needed here.
    let changes = 0;
    cell.outputs.changed.connect(() => changes++);
    model.contentChanged.connect(() => changes++);
    writer.write(view, before);
    expect(changes).toBe(0);

    writer.write(
      applyEvents(view, [
        event({ node_id: cell.id, kind: 'output', output: stdout('one\n') })
      ]),
      view
    );
    expect(changes).toBeGreaterThan(0);
    expect(cell.outputs.toJSON()).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'one\n' }
    ]);
  });

  it('finds a node cell added while the run goes on', () => {
    const model = notebookWith(['x = 1']);
    const writer = new CellOutputWriter(model);
    const before = emptyRun('r', ['late']);
    const first = applyEvents(before, [
      event({ node_id: 'late', kind: 'output', output: stdout('early\n') })
    ]);
    writer.write(first, before); // no such cell yet: nothing to write
    model.sharedModel.insertCell(1, {
      cell_type: 'code',
      id: 'late',
      source: 'y = 2'
    });
    writer.write(
      applyEvents(first, [
        event({ node_id: 'late', kind: 'output', output: stdout('later\n') })
      ]),
      first
    );
    const late = model.cells.get(1) as ICodeCellModel;
    expect(late.id).toBe('late');
    expect(late.outputs.toJSON()).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'early\nlater\n' }
    ]);
    writer.dispose();
  });

  it('starts afresh for a new attempt', () => {
    const { cells, b, apply } = setup();
    apply(
      { node_id: b, state: 'running' },
      { node_id: b, kind: 'output', output: stdout('first try\n') }
    );
    apply({ node_id: b, state: 'retrying' });
    apply({ node_id: b, state: 'queued', attempt: 2 });
    expect(cells[1].outputs.toJSON()).toMatchObject([{ text: 'first try\n' }]);
    apply(
      { node_id: b, state: 'running', attempt: 2 },
      { node_id: b, kind: 'output', output: stdout('second try\n'), attempt: 2 }
    );
    expect(cells[1].outputs.toJSON()).toMatchObject([{ text: 'second try\n' }]);
  });
});
