import { ICellModel } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import {
  buildGraph,
  findCyclePath,
  ICellInfo,
  INodeMetadata,
  nodeLabel,
  Placement,
  PLACEMENT_PATTERN,
  readNodeMetadata,
  removeNodeEverywhere
} from '../workflow';

/** Key of the node metadata in a cell's metadata (contract, DESIGN §3.1). */
export const METADATA_KEY = 'continuum';

/**
 * The workflow a notebook holds in its cells' metadata.
 *
 * Reads go through a snapshot rebuilt once per change burst; writes go through
 * JupyterLab's metadata API, so undo/redo and collaboration keep working.
 */
export class NotebookWorkflow implements IDisposable {
  constructor(readonly panel: NotebookPanel) {
    const model = panel.model;
    if (model) {
      model.cells.changed.connect(this._onCellsChanged, this);
      for (let i = 0; i < model.cells.length; i++) {
        this._watch(model.cells.get(i));
      }
    }
  }

  /** Emitted (at most once per animation frame) when nodes, edges or sources change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** The notebook's cells as the workflow core sees them, in notebook order. */
  cells(): ICellInfo[] {
    if (!this._snapshot) {
      this._snapshot = this._readCells();
    }
    return this._snapshot;
  }

  /** The node metadata of a cell, or null when it is not tagged. */
  node(cellId: string): INodeMetadata | null {
    return this.cells().find(cell => cell.id === cellId)?.continuum ?? null;
  }

  /** The label a cell shows as a node (its id when there is no such cell). */
  label(cellId: string): string {
    const cell = this.cells().find(c => c.id === cellId);
    return cell ? nodeLabel(cell) : cellId;
  }

  /** Write (or, with null, remove) a cell's node metadata. */
  setNode(cellId: string, metadata: INodeMetadata | null): void {
    const cell = this._cellModel(cellId);
    if (!cell) {
      return;
    }
    if (metadata === null) {
      cell.deleteMetadata(METADATA_KEY);
      // An untagged cell is no longer a dependency of anything.
      this._applyPatches(removeNodeEverywhere(this.cells(), cellId));
    } else {
      cell.setMetadata(METADATA_KEY, metadata as any);
    }
  }

  /** Change some fields of a tagged cell's metadata. */
  updateNode(cellId: string, patch: Partial<INodeMetadata>): void {
    const current = this.node(cellId);
    if (current) {
      this.setNode(cellId, { ...current, ...patch });
    }
  }

  /**
   * Tag the cells with a role, or untag them when they all have it already.
   */
  toggleRole(
    cellIds: string[],
    role: 'node' | 'setup',
    defaultPlacement: Placement
  ): void {
    const untag = cellIds.every(id => this.node(id)?.role === role);
    for (const id of cellIds) {
      this.setNode(
        id,
        untag
          ? null
          : {
              placement: defaultPlacement,
              after: [],
              ...this.node(id),
              role
            }
      );
    }
  }

  /**
   * Run the cells on a placement, tagging those that are not nodes yet.
   * Returns false (changing nothing) for a malformed placement name.
   */
  setPlacement(cellIds: string[], placement: Placement): boolean {
    if (!PLACEMENT_PATTERN.test(placement)) {
      return false;
    }
    for (const id of cellIds) {
      this.setNode(id, {
        after: [],
        ...this.node(id),
        role: 'node',
        placement
      });
    }
    return true;
  }

  /**
   * Add the edge source → target. Returns the cycle it would close instead of adding it.
   */
  addDependency(source: string, target: string): string[] | null {
    const targetMeta = this.node(target);
    if (!targetMeta || !this.node(source) || source === target) {
      return source === target ? [source, source] : null;
    }
    const cycle = findCyclePath(buildGraph(this.cells()), source, target);
    if (cycle) {
      return cycle;
    }
    const after = targetMeta.after ?? [];
    if (!after.includes(source)) {
      this.updateNode(target, { after: [...after, source] });
    }
    return null;
  }

  /** Remove the edge source → target. */
  removeDependency(source: string, target: string): void {
    const after = this.node(target)?.after;
    if (after?.includes(source)) {
      this.updateNode(target, { after: after.filter(id => id !== source) });
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    if (this._frame !== null) {
      cancelAnimationFrame(this._frame);
    }
    Signal.clearData(this);
  }

  private _readCells(): ICellInfo[] {
    const model = this.panel.model;
    const cells: ICellInfo[] = [];
    if (!model) {
      return cells;
    }
    for (let i = 0; i < model.cells.length; i++) {
      const cell = model.cells.get(i);
      const meta = readNodeMetadata(cell.getMetadata(METADATA_KEY));
      cells.push({
        id: cell.id,
        cellType: cell.type as ICellInfo['cellType'],
        source: cell.sharedModel.getSource(),
        ...(meta ? { continuum: meta } : {})
      });
    }
    return cells;
  }

  private _cellModel(cellId: string): ICellModel | null {
    const model = this.panel.model;
    if (!model) {
      return null;
    }
    for (let i = 0; i < model.cells.length; i++) {
      const cell = model.cells.get(i);
      if (cell.id === cellId) {
        return cell;
      }
    }
    return null;
  }

  private _applyPatches(patches: Map<string, INodeMetadata>): void {
    for (const [cellId, meta] of patches) {
      this._cellModel(cellId)?.setMetadata(METADATA_KEY, meta as any);
    }
  }

  private _watch(cell: ICellModel): void {
    cell.metadataChanged.connect(this._onCellChanged, this);
    cell.contentChanged.connect(this._onCellChanged, this);
  }

  private _onCellsChanged(_: unknown, change: any): void {
    if (change.type === 'add') {
      for (const cell of change.newValues as ICellModel[]) {
        this._watch(cell);
      }
    }
    if (change.type === 'remove') {
      this._snapshot = null;
      this._dropDanglingDependencies();
    }
    this._schedule();
  }

  /**
   * Deleting a cell removes it from every `after` list (contract, DESIGN §3.1). Checking
   * for ids no cell has any more also covers removals made by another client.
   */
  private _dropDanglingDependencies(): void {
    const cells = this.cells();
    const ids = new Set(cells.map(cell => cell.id));
    for (const cell of cells) {
      const after = cell.continuum?.after;
      if (after?.some(id => !ids.has(id))) {
        this._cellModel(cell.id)?.setMetadata(METADATA_KEY, {
          ...cell.continuum,
          after: after.filter(id => ids.has(id))
        } as any);
      }
    }
  }

  private _onCellChanged(): void {
    this._schedule();
  }

  private _schedule(): void {
    this._snapshot = null;
    if (this._frame !== null || this._isDisposed) {
      return;
    }
    this._frame = requestAnimationFrame(() => {
      this._frame = null;
      this._changed.emit();
    });
  }

  private _snapshot: ICellInfo[] | null = null;
  private _frame: number | null = null;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}
