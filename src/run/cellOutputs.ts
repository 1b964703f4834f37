import type { ICodeCellModel } from '@jupyterlab/cells';
import type { INotebookModel } from '@jupyterlab/notebook';
import type { IDisposable } from '@lumino/disposable';

import type { INodeStatus, IRunView } from './runState';

/**
 * Writes the outputs of a followed run into the nodes' cells as they stream in.
 *
 * A node's first output of an attempt (or its start) replaces what its cell showed; later
 * outputs are appended. Only the nodes' own cells are touched.
 */
export class CellOutputWriter implements IDisposable {
  constructor(private _model: INotebookModel) {
    _model.cells.changed.connect(this._forgetCells, this);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Bring the cells in line with the view; `previous` is the view last written. */
  write(view: IRunView, previous: IRunView | null): void {
    const changed = Object.entries(view.nodes).filter(
      ([id, status]) => previous?.nodes[id] !== status
    );
    if (changed.length === 0) {
      return;
    }
    const cells = this._codeCells();
    // Not in one shared-model transaction: a cell model would then apply its own output
    // changes a second time when the transaction's events arrive.
    for (const [id, status] of changed) {
      const cell = cells.get(id);
      if (cell) {
        this._writeNode(id, status, cell);
      }
    }
  }

  /** Forget what was written: the next run starts afresh. */
  reset(): void {
    this._written.clear();
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._model.cells.changed.disconnect(this._forgetCells, this);
  }

  private _writeNode(
    id: string,
    status: INodeStatus,
    cell: ICodeCellModel
  ): void {
    let written = this._written.get(id);
    const started = status.startedAt !== null || status.outputs.length > 0;
    if (!written || written.attempt !== status.attempt) {
      if (!started) {
        return; // the old outputs stay until the new attempt shows something
      }
      // An empty area is left alone: each clear is a notebook change, and the notebook
      // answers every change with work of its own (a layout read per cell, a trust count
      // over all cells), which thousands of nodes starting at once make quadratic.
      if (cell.outputs.length > 0) {
        cell.outputs.clear();
      }
      written = { attempt: status.attempt, count: 0 };
      this._written.set(id, written);
    }
    for (const output of status.outputs.slice(written.count)) {
      cell.outputs.add(
        output as Parameters<ICodeCellModel['outputs']['add']>[0]
      );
    }
    written.count = status.outputs.length;
  }

  /** The code cells by id, kept until cells come or go (a run writes many times a second). */
  private _codeCells(): Map<string, ICodeCellModel> {
    if (this._cells) {
      return this._cells;
    }
    const cells = new Map<string, ICodeCellModel>();
    for (let i = 0; i < this._model.cells.length; i++) {
      const cell = this._model.cells.get(i);
      if (cell.type === 'code') {
        cells.set(cell.id, cell as ICodeCellModel);
      }
    }
    return (this._cells = cells);
  }

  private _forgetCells(): void {
    this._cells = null;
  }

  private _written = new Map<string, { attempt: number; count: number }>();
  private _cells: Map<string, ICodeCellModel> | null = null;
  private _isDisposed = false;
}
