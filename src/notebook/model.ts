import { ICellModel } from '@jupyterlab/cells';
import { INotebookModel } from '@jupyterlab/notebook';
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

/** A node's place on the canvas, in flow coordinates. */
export interface IPosition {
  x: number;
  y: number;
}

/**
 * One undoable edit: each touched cell's metadata, and each touched node position, before
 * and after it (null: none).
 */
interface IStep {
  cells: Map<
    string,
    { before: INodeMetadata | null; after: INodeMetadata | null }
  >;
  positions: Map<string, { before: IPosition | null; after: IPosition | null }>;
}

/** Key of the node metadata in a cell's metadata (contract, DESIGN §3.1). */
export const METADATA_KEY = 'continuum';

/** Key of the workflow data (canvas positions among them) in the notebook metadata. */
export const NOTEBOOK_METADATA_KEY = 'continuum';

/**
 * The workflow a notebook holds in its cells' metadata.
 *
 * Reads go through a snapshot rebuilt once per change burst; writes go through
 * JupyterLab's metadata API, so undo/redo and collaboration keep working. The canvas
 * positions of the nodes (notebook metadata `continuum.positions`) share the workflow's
 * undo history: moving nodes is an edit like any other.
 */
export class NotebookWorkflow implements IDisposable {
  constructor(readonly model: INotebookModel) {
    model.cells.changed.connect(this._onCellsChanged, this);
    for (let i = 0; i < model.cells.length; i++) {
      this._watch(model.cells.get(i));
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
      this._byId = new Map(this._snapshot.map(cell => [cell.id, cell]));
      this._index = new Map(this._snapshot.map((cell, i) => [cell.id, i]));
    }
    return this._snapshot;
  }

  /** The node metadata of a cell, or null when it is not tagged. */
  node(cellId: string): INodeMetadata | null {
    this.cells();
    return this._byId.get(cellId)?.continuum ?? null;
  }

  /** The label a cell shows as a node (its id when there is no such cell). */
  label(cellId: string): string {
    this.cells();
    const cell = this._byId.get(cellId);
    return cell ? nodeLabel(cell) : cellId;
  }

  /** What `POST /analyze` reads: the code cells, in order, with their role. */
  analysisInput(): {
    id: string;
    source: string;
    role: 'node' | 'setup' | null;
  }[] {
    return this.cells()
      .filter(cell => cell.cellType === 'code')
      .map(cell => ({
        id: cell.id,
        source: cell.source,
        role: cell.continuum?.role ?? null
      }));
  }

  /** Whether an inferred source → target would be new: both are nodes, not yet linked. */
  isNewDependency(source: string, target: string): boolean {
    const targetMeta = this.node(target);
    return (
      this.node(source)?.role === 'node' &&
      targetMeta?.role === 'node' &&
      !targetMeta.after?.includes(source)
    );
  }

  /** Write (or, with null, remove) a cell's node metadata, as one undoable step. */
  setNode(cellId: string, metadata: INodeMetadata | null): void {
    this.transact(() => {
      this._write(cellId, metadata);
      if (metadata === null) {
        // An untagged cell is no longer a dependency of anything.
        for (const [id, meta] of removeNodeEverywhere(this.cells(), cellId)) {
          this._write(id, meta);
        }
      }
    });
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
    this.transact(() => {
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
    });
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

  /** Node positions on the canvas, from the notebook metadata. */
  positions(): Record<string, IPosition> {
    const raw = (this.model.getMetadata(NOTEBOOK_METADATA_KEY) as any)
      ?.positions;
    const positions: Record<string, IPosition> = {};
    if (raw && typeof raw === 'object') {
      for (const [id, point] of Object.entries<any>(raw)) {
        if (Number.isFinite(point?.x) && Number.isFinite(point?.y)) {
          positions[id] = { x: point.x, y: point.y };
        }
      }
    }
    return positions;
  }

  /**
   * Move nodes on the canvas, as one undoable step (a drag, a layout). Positions are
   * rounded to whole pixels; those of cells that no longer exist are dropped.
   */
  setPositions(moved: readonly { id: string; position: IPosition }[]): void {
    const cellIds = new Set(this.cells().map(cell => cell.id));
    const changes = new Map<string, IPosition | null>();
    for (const id of Object.keys(this.positions())) {
      if (!cellIds.has(id)) {
        changes.set(id, null);
      }
    }
    for (const { id, position } of moved) {
      if (cellIds.has(id)) {
        changes.set(id, {
          x: Math.round(position.x),
          y: Math.round(position.y)
        });
      }
    }
    this.transact(() => this._writePositions(changes));
  }

  /**
   * Make the edits one undoable step (nested calls join the outer step), e.g. deleting
   * nodes and edges together.
   */
  transact(edit: () => void): void {
    const outer = this._step === null;
    if (outer) {
      this._step = { cells: new Map(), positions: new Map() };
    }
    try {
      edit();
    } finally {
      if (outer) {
        const step = this._step!;
        this._step = null;
        if (step.cells.size || step.positions.size) {
          this._undo.push(step);
          this._redo.length = 0;
        }
      }
    }
  }

  get canUndo(): boolean {
    return this._undo.length > 0;
  }

  get canRedo(): boolean {
    return this._redo.length > 0;
  }

  /**
   * Undo the last workflow edit. JupyterLab's own undo does not cover cell metadata,
   * so workflow edits keep their own history.
   */
  undo(): void {
    const step = this._undo.pop();
    if (step) {
      this._replay(step, 'before');
      this._redo.push(step);
    }
  }

  redo(): void {
    const step = this._redo.pop();
    if (step) {
      this._replay(step, 'after');
      this._undo.push(step);
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
    const cells: ICellInfo[] = [];
    for (let i = 0; i < this.model.cells.length; i++) {
      cells.push(this._readCell(this.model.cells.get(i)));
    }
    return cells;
  }

  private _readCell(cell: ICellModel): ICellInfo {
    const meta = readNodeMetadata(cell.getMetadata(METADATA_KEY));
    return {
      id: cell.id,
      cellType: cell.type as ICellInfo['cellType'],
      source: cell.sharedModel.getSource(),
      ...(meta ? { continuum: meta } : {})
    };
  }

  private _cellModel(cellId: string): ICellModel | null {
    this.cells();
    const index = this._index.get(cellId);
    return index === undefined ? null : this.model.cells.get(index);
  }

  private _write(cellId: string, metadata: INodeMetadata | null): void {
    const cell = this._cellModel(cellId);
    if (!cell) {
      return;
    }
    const before = readNodeMetadata(cell.getMetadata(METADATA_KEY));
    const recorded = this._step?.cells.get(cellId);
    this._step?.cells.set(cellId, {
      before: recorded ? recorded.before : before,
      after: metadata
    });
    if (metadata === null) {
      cell.deleteMetadata(METADATA_KEY);
    } else {
      cell.setMetadata(METADATA_KEY, metadata as any);
    }
  }

  /** Set (or, with null, remove) node positions; unchanged ones are not recorded. */
  private _writePositions(changes: Map<string, IPosition | null>): void {
    const current = this.positions();
    const next = { ...current };
    let changed = false;
    for (const [id, position] of changes) {
      const before = current[id] ?? null;
      if (before?.x === position?.x && before?.y === position?.y) {
        continue;
      }
      changed = true;
      const recorded = this._step?.positions.get(id);
      this._step?.positions.set(id, {
        before: recorded ? recorded.before : before,
        after: position
      });
      if (position) {
        next[id] = position;
      } else {
        delete next[id];
      }
    }
    if (changed) {
      const meta = this.model.getMetadata(NOTEBOOK_METADATA_KEY);
      this.model.setMetadata(NOTEBOOK_METADATA_KEY, {
        ...(meta && typeof meta === 'object' ? meta : {}),
        positions: next as any
      });
    }
  }

  private _replay(step: IStep, side: 'before' | 'after'): void {
    for (const [cellId, change] of step.cells) {
      this._write(cellId, change[side]);
    }
    this._writePositions(
      new Map(Array.from(step.positions, ([id, change]) => [id, change[side]]))
    );
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
    this._snapshot = null;
    if (change.type === 'remove') {
      this._dropDanglingDependencies();
    }
    if (change.type === 'add' && this._detached.size) {
      this._reattach(change.newValues as ICellModel[]);
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
        for (const gone of after.filter(id => !ids.has(id))) {
          this._detached.set(gone, [
            ...(this._detached.get(gone) ?? []),
            cell.id
          ]);
        }
        this._write(cell.id, {
          ...cell.continuum,
          after: after.filter(id => ids.has(id))
        });
      }
    }
  }

  /**
   * A cut cell pasted back keeps its id (JupyterLab keeps ids on cut/paste): give it back
   * the dependents it had, so moving a cell by cut and paste keeps its edges.
   */
  private _reattach(added: ICellModel[]): void {
    for (const cell of added) {
      const dependents = this._detached.get(cell.id);
      this._detached.delete(cell.id);
      for (const dependent of dependents ?? []) {
        if (this.node(dependent) && this.node(cell.id)) {
          this.addDependency(cell.id, dependent);
        }
      }
    }
  }

  /** A cell's own change refreshes its entry only: bulk edits stay linear. */
  private _onCellChanged(cell: ICellModel): void {
    const index = this._index.get(cell.id);
    if (this._snapshot && index !== undefined) {
      const fresh = this._readCell(cell);
      this._snapshot = this._snapshot.slice();
      this._snapshot[index] = fresh;
      this._byId.set(fresh.id, fresh);
    } else {
      this._snapshot = null;
    }
    this._schedule();
  }

  private _schedule(): void {
    if (this._frame !== null || this._isDisposed) {
      return;
    }
    this._frame = requestAnimationFrame(() => {
      this._frame = null;
      this._changed.emit();
    });
  }

  private _snapshot: ICellInfo[] | null = null;
  private _byId = new Map<string, ICellInfo>();
  private _index = new Map<string, number>();
  private _detached = new Map<string, string[]>();
  private _step: IStep | null = null;
  private _undo: IStep[] = [];
  private _redo: IStep[] = [];
  private _frame: number | null = null;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}
