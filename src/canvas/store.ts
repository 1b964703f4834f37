import type { INotebookModel } from '@jupyterlab/notebook';
import { IDisposable } from '@lumino/disposable';
import { Signal } from '@lumino/signaling';
import {
  applyEdgeChanges,
  applyNodeChanges,
  Edge,
  EdgeChange,
  Node,
  NodeChange,
  Viewport
} from '@xyflow/react';
import { createStore, StoreApi } from 'zustand/vanilla';

import { NOTEBOOK_METADATA_KEY, NotebookWorkflow } from '../notebook/model';
import {
  firstMeaningfulLine,
  ICellInfo,
  IResources,
  isNode,
  nodeLabel,
  Placement
} from '../workflow';
import { runLayoutInBackground } from './backgroundLayout';
import {
  DEFAULT_NODE_SIZE,
  ILaneBand,
  IPoint,
  LayoutArgs,
  LayoutName,
  LayoutResult,
  runLayout
} from './layout';

export { NOTEBOOK_METADATA_KEY };

/** What a node card shows; a type alias, as React Flow wants an indexable record. */
export type WorkflowNodeData = {
  label: string;
  code: string;
  placement: Placement;
  resources: IResources | null;
};

export type WorkflowFlowNode = Node<WorkflowNodeData, 'workflow'>;

/** A code cell in the canvas's cell list. */
export interface ICellEntry {
  id: string;
  label: string;
  tagged: boolean;
}

/** An inferred dependency: `target` uses `variables` that `source` defines. */
export interface IInferredEdge {
  source: string;
  target: string;
  variables: string[];
}

/** The swimlanes, top to bottom: edge, cloud, then any other placement. */
export type Lane = 'edge' | 'cloud' | 'other';
const LANES: Lane[] = ['edge', 'cloud', 'other'];

export interface ISwimlane extends ILaneBand {
  lane: Lane;
}

export interface ICanvasState {
  /** The workflow nodes (tagged cells with role `node`), as React Flow nodes. */
  nodes: WorkflowFlowNode[];
  /** One edge per `after` entry between two nodes. */
  edges: Edge[];
  /** The notebook's code cells, in notebook order. */
  cells: ICellEntry[];
  /** Ids of the selected nodes. */
  selection: string[];
  canUndo: boolean;
  canRedo: boolean;
  /** Bumped to ask the view to fit the graph into sight. */
  fitRequest: number;
  /** Inferred dependencies not in the workflow yet, drawn as dashed edges to accept. */
  suggestions: Edge[];
  /** Whether nodes are laid out in bands by placement. */
  swimlanes: boolean;
  /** The bands, while `swimlanes` is on. */
  lanes: ISwimlane[];
  /** Whether a layout runs in the background (large graphs). */
  layingOut: boolean;
}

/** From this many nodes on, layouts run in the layout worker: dagre takes seconds there. */
const BACKGROUND_FROM = 200;

/**
 * What a layout is for: the toolbar's auto-layout, places for new nodes, or swimlanes.
 * A newer layout of a kind supersedes an older one still running in the background.
 */
type LayoutJob = 'auto' | 'place' | 'lanes';

/** Edge class for data that moves between placements (e.g. leaves an edge device). */
export const CROSS_EDGE_CLASS = 'jp-Continuum-crossEdge';

/** Edge class of a suggested (inferred, not yet accepted) dependency. */
export const SUGGESTED_EDGE_CLASS = 'jp-Continuum-suggestedEdge';

/**
 * The state of one canvas: a mirror of the notebook's workflow that React Flow renders.
 *
 * Edits made on the canvas go through `NotebookWorkflow`, so they land in the cell metadata
 * and in the workflow's undo history; the mirror follows every change of the cells. Node
 * positions live in the notebook metadata (`continuum.positions`); nodes without one are laid
 * out automatically and keep that place, in memory, until moved. Layouts of large graphs run
 * in a worker: new nodes show once they have their place.
 */
export class CanvasStore implements IDisposable {
  constructor(options: CanvasStore.IOptions) {
    this.workflow = options.workflow;
    this._defaultPlacement = options.defaultPlacement;
    this.state = createStore<ICanvasState>(() => ({
      nodes: [],
      edges: [],
      cells: [],
      selection: [],
      canUndo: false,
      canRedo: false,
      fitRequest: 0,
      suggestions: [],
      swimlanes: false,
      lanes: [],
      layingOut: false
    }));
    this.workflow.changed.connect(this.sync, this);
    this._model.metadataChanged.connect(this._onMetadataChanged, this);
    this.sync();
  }

  readonly workflow: NotebookWorkflow;
  readonly state: StoreApi<ICanvasState>;
  /**
   * Id of the notebook's active cell, whose node is highlighted. A store of its own: every
   * node card reads it, and none should be asked at each frame of a drag.
   */
  readonly activeCell: StoreApi<string | null> = createStore<string | null>(
    () => null
  );

  /**
   * The view the canvas last showed, restored when it is mounted again (a detached tab);
   * null until it is fitted into a measurable size, and again once a fit is requested.
   * Not saved, not undoable.
   */
  viewport: Viewport | null = null;

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.disconnectReceiver(this);
  }

  /**
   * Rebuild the mirror from the workflow. Unchanged nodes and edges keep their objects, so
   * memoised components and React Flow skip them.
   */
  sync(): void {
    if (this._isDisposed) {
      return;
    }
    const cells = this.workflow.cells();
    const nodeCells = cells.filter(isNode);
    const byId = new Map(nodeCells.map(cell => [cell.id, cell]));
    const links = nodeCells.flatMap(cell =>
      (cell.continuum?.after ?? [])
        .filter(source => byId.has(source))
        .map(source => ({ source, target: cell.id }))
    );
    const current = this.state.getState();
    const previous = new Map(current.nodes.map(node => [node.id, node]));
    const stored = this.workflow.positions();
    this._placeNewNodes(nodeCells, links, stored, previous);

    const lanes = current.swimlanes
      ? this._layOutLanes(nodeCells, links, previous)
      : null;

    const nodes: WorkflowFlowNode[] = [];
    for (const cell of nodeCells) {
      const old = previous.get(cell.id);
      // A node being dragged stays under the pointer until the drag stops and is saved;
      // in swimlanes, the lane places the nodes the user has not moved since.
      const position = old?.dragging
        ? old.position
        : ((lanes && !this._pinned.has(cell.id)
            ? lanes.positions.get(cell.id)
            : undefined) ??
          stored[cell.id] ??
          this._autoPositions.get(cell.id));
      if (!position) {
        // Still being placed in the background.
        continue;
      }
      const data = nodeData(cell);
      nodes.push(
        old && samePoint(old.position, position) && sameData(old.data, data)
          ? old
          : { ...old, id: cell.id, type: 'workflow' as const, position, data }
      );
    }
    const shown = new Set(nodes.map(node => node.id));

    const previousEdges = new Map(current.edges.map(edge => [edge.id, edge]));
    const edges = links
      .filter(link => shown.has(link.source) && shown.has(link.target))
      .map(({ source, target }) => {
        const id = edgeId(source, target);
        const cross =
          byId.get(source)?.continuum?.placement !==
          byId.get(target)?.continuum?.placement;
        const className = cross ? CROSS_EDGE_CLASS : undefined;
        const old = previousEdges.get(id);
        if (old && old.className === className) {
          return old;
        }
        return { ...old, id, source, target, className };
      });

    const entries = cells
      .filter(cell => cell.cellType === 'code')
      .map(cell => ({
        id: cell.id,
        label: nodeLabel(cell),
        tagged: isNode(cell)
      }));

    const suggestions = this._suggestionEdges(byId, current.suggestions);

    this.state.setState({
      nodes: sameItems(current.nodes, nodes) ? current.nodes : nodes,
      edges: sameItems(current.edges, edges) ? current.edges : edges,
      suggestions: sameItems(current.suggestions, suggestions)
        ? current.suggestions
        : suggestions,
      lanes: lanes?.bands ?? [],
      cells: sameEntries(current.cells, entries) ? current.cells : entries,
      selection: selectedIds(nodes, current.selection),
      canUndo: this.workflow.canUndo,
      canRedo: this.workflow.canRedo
    });
  }

  /** Apply React Flow's changes (moves, selection, measured sizes) to the mirror. */
  readonly onNodesChange = (changes: NodeChange<WorkflowFlowNode>[]): void => {
    // Removal goes through `deleteSelection`, which untags the cells.
    const kept = changes.filter(change => change.type !== 'remove');
    const { nodes, selection } = this.state.getState();
    const next = applyNodeChanges(kept, nodes);
    // A drag sends moves at every frame: they change no selection, so skip its O(n) scan.
    const moves = kept.every(
      change => change.type === 'position' || change.type === 'dimensions'
    );
    this.state.setState({
      nodes: next,
      selection: moves ? selection : selectedIds(next, selection)
    });
  };

  readonly onEdgesChange = (changes: EdgeChange[]): void => {
    const kept = changes.filter(change => change.type !== 'remove');
    this.state.setState({
      edges: applyEdgeChanges(kept, this.state.getState().edges)
    });
  };

  /**
   * Delete the selected edges and nodes, as one undoable step. A deleted node untags its
   * cell; the cell itself stays.
   */
  deleteSelection(): void {
    const { nodes, edges } = this.state.getState();
    const removed = new Set(
      nodes.filter(node => node.selected).map(node => node.id)
    );
    // Edges of deleted nodes go with their nodes.
    const cut = edges.filter(
      edge =>
        edge.selected && !removed.has(edge.source) && !removed.has(edge.target)
    );
    if (removed.size === 0 && cut.length === 0) {
      return;
    }
    this.workflow.transact(() => {
      for (const edge of cut) {
        this.workflow.removeDependency(edge.source, edge.target);
      }
      for (const id of removed) {
        this.workflow.setNode(id, null);
      }
    });
    this.sync();
  }

  /**
   * Offer inferred dependencies as suggestions; those already in the workflow, or between
   * cells that are not both nodes, are left out. Returns how many are shown.
   */
  suggest(inferred: readonly IInferredEdge[]): number {
    this._inferred = inferred.slice();
    this.sync();
    return this.state.getState().suggestions.length;
  }

  clearSuggestions(): void {
    this._inferred = [];
    this.sync();
  }

  /** Lay the nodes out in bands by placement, or go back to the user's positions. */
  toggleSwimlanes(): void {
    this._pinned.clear();
    this.state.setState(state => ({ swimlanes: !state.swimlanes }));
    this.sync();
    this.requestFit();
  }

  /**
   * Save where the user dropped nodes, as one undoable step; in swimlanes, they stay there
   * rather than in their lane.
   */
  moveNodes(moved: readonly { id: string; position: IPoint }[]): void {
    if (this.state.getState().swimlanes) {
      for (const { id } of moved) {
        this._pinned.add(id);
      }
    }
    this.workflow.setPositions(moved);
  }

  /** Run the selected nodes on a placement, as one undoable step. */
  setPlacement(placement: Placement): void {
    const { selection } = this.state.getState();
    if (selection.length) {
      this.workflow.transact(() =>
        this.workflow.setPlacement(selection, placement)
      );
      this.sync();
    }
  }

  undo(): void {
    this.workflow.undo();
    this.sync();
  }

  redo(): void {
    this.workflow.redo();
    this.sync();
  }

  /**
   * Put code cells on the canvas, as one undoable step: untagged ones become nodes (at `at`,
   * when given, else laid out below the others); ones already on the canvas stay where they
   * are. All of them end up selected.
   */
  placeCells(cellIds: string[], at?: IPoint): void {
    const codeCells = new Set(
      this.workflow
        .cells()
        .filter(cell => cell.cellType === 'code')
        .map(cell => cell.id)
    );
    const ids = cellIds.filter(id => codeCells.has(id));
    const fresh = ids.filter(id => this.workflow.node(id)?.role !== 'node');
    if (fresh.length) {
      this.workflow.transact(() => {
        this.workflow.toggleRole(fresh, 'node', this._defaultPlacement());
        if (at) {
          const step = DEFAULT_NODE_SIZE.height + 20;
          this.workflow.setPositions(
            fresh.map((id, i) => ({
              id,
              position: { x: at.x, y: at.y + i * step }
            }))
          );
        }
      });
    }
    this.sync();
    this.select(ids);
  }

  /** Select exactly these nodes (and no edge). */
  select(ids: string[]): void {
    const wanted = new Set(ids);
    const { nodes, edges } = this.state.getState();
    const next = nodes.map(node =>
      !!node.selected === wanted.has(node.id)
        ? node
        : { ...node, selected: wanted.has(node.id) }
    );
    this.state.setState({
      nodes: next,
      edges: edges.map(edge =>
        edge.selected ? { ...edge, selected: false } : edge
      ),
      selection: selectedIds(next, this.state.getState().selection)
    });
  }

  /**
   * Lay the whole graph out left to right, save the positions as one undoable step and fit
   * the view. This leaves the swimlanes, whose positions would hide the new ones.
   */
  autoLayout(): void {
    this.state.setState({ swimlanes: false });
    const { nodes, edges } = this.state.getState();
    this._layOut(
      'auto',
      'layoutLeftToRight',
      [
        nodes.map(node => ({ id: node.id, ...node.measured })),
        edges.map(({ source, target }) => ({ source, target }))
      ],
      positions => {
        this.workflow.setPositions(
          Array.from(positions, ([id, position]) => ({ id, position }))
        );
        this.requestFit();
      }
    );
    this.sync();
  }

  setActiveCell(id: string | null): void {
    this.activeCell.setState(id, true);
  }

  /** Fit the view to the graph, once the layouts running in the background are done. */
  requestFit(): void {
    this.viewport = null;
    if (this._jobs.size) {
      this._fitWhenLaidOut = true;
    } else {
      this.state.setState(state => ({ fitRequest: state.fitRequest + 1 }));
    }
  }

  /** Give nodes without a saved or automatic position one, below the others. */
  private _placeNewNodes(
    nodeCells: ICellInfo[],
    links: { source: string; target: string }[],
    stored: Record<string, IPoint>,
    previous: Map<string, WorkflowFlowNode>
  ): void {
    if (this._jobs.has('place')) {
      // Nodes added meanwhile go below those being placed, once these have their place.
      return;
    }
    const isFresh = (id: string) => !stored[id] && !this._autoPositions.has(id);
    const fresh = nodeCells.filter(cell => isFresh(cell.id));
    if (fresh.length === 0) {
      return;
    }
    const placed = nodeCells
      .filter(cell => !isFresh(cell.id))
      .map(cell => ({
        ...(stored[cell.id] ?? this._autoPositions.get(cell.id)!),
        height: previous.get(cell.id)?.measured?.height
      }));
    this._layOut(
      'place',
      'placeNewNodes',
      [fresh.map(cell => ({ id: cell.id })), links, placed],
      (positions, background) => {
        for (const [id, position] of positions) {
          this._autoPositions.set(id, position);
        }
        // The view could not be fitted to an empty canvas: fit it to the nodes now shown.
        if (background && placed.length === 0 && this.viewport === null) {
          this.requestFit();
        }
      }
    );
  }

  /** The suggestion edges still worth offering, keeping the unchanged edge objects. */
  private _suggestionEdges(
    byId: Map<string, ICellInfo>,
    previous: Edge[]
  ): Edge[] {
    const old = new Map(previous.map(edge => [edge.id, edge]));
    return this._inferred
      .filter(({ source, target }) =>
        this.workflow.isNewDependency(source, target)
      )
      .map(({ source, target, variables }) => {
        const id = `suggested:${edgeId(source, target)}`;
        const label = variables.join(', ');
        const kept = old.get(id);
        return kept?.label === label
          ? kept
          : {
              id,
              source,
              target,
              label,
              className: SUGGESTED_EDGE_CLASS,
              // Accepted with a click, never selected or deleted.
              selectable: false,
              deletable: false,
              data: { variables }
            };
      });
  }

  /**
   * Swimlane positions and bands. Laid out again only when the graph, a placement or a
   * measured size changed, so that syncs for other reasons stay cheap on large graphs.
   */
  private _layOutLanes(
    nodeCells: ICellInfo[],
    links: { source: string; target: string }[],
    previous: Map<string, WorkflowFlowNode>
  ): { positions: Map<string, IPoint>; bands: ISwimlane[] } | null {
    const nodes = nodeCells.map(cell => ({
      id: cell.id,
      lane: laneIndex(cell.continuum?.placement),
      ...previous.get(cell.id)?.measured
    }));
    const key = JSON.stringify([nodes, links]);
    if (this._lanes?.key !== key && this._lanesWanted !== key) {
      this._lanesWanted = key;
      this._layOut(
        'lanes',
        'layoutSwimlanes',
        [nodes, links, LANES.length],
        ({ positions, bands }) => {
          this._lanes = {
            key,
            positions,
            // The edge and cloud lanes always show; the others only when they have nodes.
            bands: bands
              .map((band, i) => ({ ...band, lane: LANES[i] }))
              .filter(band => band.lane !== 'other' || band.count > 0)
          };
        }
      );
    }
    // While the lanes are laid out in the background, the previous ones (or none) show.
    return this._lanes;
  }

  /**
   * Run a layout: at once for a small graph; in the layout worker for a large one, where
   * dagre takes seconds. `apply` gets the result, told whether it came from the background,
   * unless a newer layout of the same job superseded it or the canvas closed; the canvas
   * then syncs.
   */
  private _layOut<K extends LayoutName>(
    job: LayoutJob,
    name: K,
    args: LayoutArgs<K>,
    apply: (result: LayoutResult<K>, background: boolean) => void
  ): void {
    const size = (args[0] as readonly unknown[]).length;
    if (size < BACKGROUND_FROM) {
      this._jobs.delete(job);
      apply(runLayout(name, args), false);
      return;
    }
    const ticket = ++this._tickets;
    this._jobs.set(job, ticket);
    this.state.setState({ layingOut: true });
    const current = () => !this._isDisposed && this._jobs.get(job) === ticket;
    runLayoutInBackground(name, args).then(
      result => {
        if (current()) {
          this._endJob(job);
          apply(result, true);
          this.sync();
        }
      },
      error => {
        // No sync: it would start the same layout again at once.
        console.error('The canvas layout failed.', error);
        if (current()) {
          this._endJob(job);
        }
      }
    );
  }

  /** A background layout is over: the view may show the graph and fit it. */
  private _endJob(job: LayoutJob): void {
    this._jobs.delete(job);
    this.state.setState({ layingOut: this._jobs.size > 0 });
    if (this._jobs.size === 0 && this._fitWhenLaidOut) {
      this._fitWhenLaidOut = false;
      this.requestFit();
    }
  }

  private _onMetadataChanged(_: INotebookModel, change: { key: string }): void {
    if (change.key === NOTEBOOK_METADATA_KEY) {
      this.sync();
    }
  }

  private get _model(): INotebookModel {
    return this.workflow.model;
  }

  private _defaultPlacement: () => Placement;
  /** Places of the nodes the user has not placed; kept so that undoing a move goes back there. */
  private _autoPositions = new Map<string, IPoint>();
  /** The ticket of each kind of layout running in the background. */
  private _jobs = new Map<LayoutJob, number>();
  private _tickets = 0;
  private _fitWhenLaidOut = false;
  private _inferred: IInferredEdge[] = [];
  /** Nodes moved by hand while in swimlanes. */
  private _pinned = new Set<string>();
  private _lanes: {
    key: string;
    positions: Map<string, IPoint>;
    bands: ISwimlane[];
  } | null = null;
  /** The graph the lanes were last asked for (they may still be laid out). */
  private _lanesWanted: string | null = null;
  private _isDisposed = false;
}

export namespace CanvasStore {
  export interface IOptions {
    workflow: NotebookWorkflow;
    /** Placement given to cells tagged from the canvas. */
    defaultPlacement: () => Placement;
  }
}

export function edgeId(source: string, target: string): string {
  return `${source}->${target}`;
}

function laneIndex(placement: Placement | undefined): number {
  const index = LANES.indexOf(placement as Lane);
  return index >= 0 ? index : LANES.indexOf('other');
}

function nodeData(cell: ICellInfo): WorkflowNodeData {
  return {
    label: nodeLabel(cell),
    code: firstMeaningfulLine(cell.source) ?? '',
    placement: cell.continuum?.placement ?? '',
    resources: cell.continuum?.resources ?? null
  };
}

function sameData(a: WorkflowNodeData, b: WorkflowNodeData): boolean {
  return (
    a.label === b.label &&
    a.code === b.code &&
    a.placement === b.placement &&
    JSON.stringify(a.resources) === JSON.stringify(b.resources)
  );
}

function samePoint(a: IPoint, b: IPoint): boolean {
  return a.x === b.x && a.y === b.y;
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

function sameEntries(a: ICellEntry[], b: ICellEntry[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (entry, i) =>
        entry.id === b[i].id &&
        entry.label === b[i].label &&
        entry.tagged === b[i].tagged
    )
  );
}

/** The ids of the selected nodes; `previous` itself when they did not change. */
function selectedIds(nodes: WorkflowFlowNode[], previous: string[]): string[] {
  const ids = nodes.filter(node => node.selected).map(node => node.id);
  return sameItems(ids, previous) ? previous : ids;
}
