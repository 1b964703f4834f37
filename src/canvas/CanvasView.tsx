import { TranslationBundle } from '@jupyterlab/translation';
import {
  Background,
  Connection,
  Controls,
  DefaultEdgeOptions,
  Edge,
  MarkerType,
  MiniMap,
  Panel,
  ReactFlow,
  Rect,
  ReactFlowProvider,
  useReactFlow,
  useStore as useFlowStore,
  useStoreApi,
  Viewport,
  ViewportPortal
} from '@xyflow/react';
import * as React from 'react';

import {
  CanvasContext,
  ICanvasContext,
  useCanvasContext,
  useCanvasState
} from './context';
import { connectOrExplain } from '../notebook/notify';
import { CanvasStore, ISwimlane, Lane, SUGGESTED_EDGE_CLASS } from './store';
import { WorkflowNode } from './WorkflowNode';
import { Placement } from '../workflow';

/** MIME type of the cells a notebook drags by their prompt. */
const CELLS_MIME = 'application/vnd.jupyter.cells';

const MODIFIER_KEYS = new Set(['Control', 'Meta', 'Shift', 'Alt']);

/** From this many nodes on, React Flow renders only what is in sight (DESIGN §5). */
const CULL_FROM = 200;

// Module constants: React Flow re-initialises when these props change identity.
const NODE_TYPES = { workflow: WorkflowNode };
const EDGE_OPTIONS: DefaultEdgeOptions = {
  markerEnd: { type: MarkerType.ArrowClosed }
};
const PRO_OPTIONS = { hideAttribution: true };
const FIT_OPTIONS = { padding: 0.2, maxZoom: 1.5 };
/**
 * Below this zoom, card text is a few pixels high: the cards keep their label and status and
 * skip painting the rest, which makes panning and dragging a large overview cheaper.
 */
const DETAIL_ZOOM = 0.4;

/**
 * What a Lumino drag event carries; typed here as `@lumino/dragdrop` is not a direct
 * dependency of this package.
 */
interface ILuminoDragEvent extends MouseEvent {
  readonly mimeData: {
    hasData(mime: string): boolean;
    getData(mime: string): unknown;
  };
  dropAction: string;
}

export namespace CanvasView {
  export interface IProps {
    store: CanvasStore;
    trans: TranslationBundle;
    /** Show a cell in the notebook (the node was clicked). */
    reveal: (cellId: string) => void;
    /** Open the properties of a node's cell. */
    editNode: (cellId: string) => void;
  }
}

/**
 * The React Flow editor of a workflow. All state lives in the store: the widget unmounts
 * this tree whenever it is detached.
 */
export function CanvasView(props: CanvasView.IProps): JSX.Element {
  const { store, trans, reveal, editNode } = props;
  const context = React.useMemo<ICanvasContext>(
    () => ({ store, trans }),
    [store, trans]
  );
  return (
    <CanvasContext.Provider value={context}>
      <ReactFlowProvider>
        <Flow reveal={reveal} editNode={editNode} />
      </ReactFlowProvider>
    </CanvasContext.Provider>
  );
}

/** Where a node's context menu opened, relative to the canvas. */
interface IMenuAt {
  cellId: string;
  x: number;
  y: number;
}

/** The only component that reads the whole node array: React Flow needs it. */
function Flow(props: Omit<CanvasView.IProps, 'store' | 'trans'>): JSX.Element {
  const { reveal, editNode } = props;
  const { store, trans } = useCanvasContext();
  const nodes = useCanvasState(state => state.nodes);
  const workflowEdges = useCanvasState(state => state.edges);
  const suggestions = useCanvasState(state => state.suggestions);
  const edges = React.useMemo(
    () =>
      suggestions.length ? workflowEdges.concat(suggestions) : workflowEdges,
    [workflowEdges, suggestions]
  );
  const [menu, setMenu] = React.useState<IMenuAt | null>(null);
  const fitRequest = useCanvasState(state => state.fitRequest);
  const lanes = useCanvasState(state => state.lanes);
  const layingOut = useCanvasState(state => state.layingOut);
  const flow = useReactFlow();
  const width = useFlowStore(state => state.width);
  const height = useFlowStore(state => state.height);
  const overview = useFlowStore(state => state.transform[2] < DETAIL_ZOOM);
  const root = React.useRef<HTMLDivElement>(null);
  // Mounted again (the tab was detached), the view comes back where the user left it.
  const [initialViewport] = React.useState(() => store.viewport);

  // Fit when asked to, and once the canvas has a size to fit into (opened in a hidden tab,
  // it measures 0×0); a tab hidden and shown again keeps its view.
  React.useEffect(() => {
    if (width > 0 && height > 0 && store.viewport === null) {
      // Swimlanes are fitted whole, their labels included.
      void (lanes.length
        ? flow.fitBounds(laneBounds(lanes), { padding: FIT_OPTIONS.padding })
        : flow.fitView(FIT_OPTIONS));
    }
  }, [fitRequest, width, height]);

  const onMoveStart = React.useCallback(() => setMenu(null), []);
  const flowStore = useStoreApi();
  const onMoveEnd = React.useCallback(
    (_event: unknown, viewport: Viewport) => {
      const { width, height } = flowStore.getState();
      // A fit into a hidden (0×0) canvas is no view to keep.
      if (width > 0 && height > 0) {
        store.viewport = viewport;
      }
    },
    [store, flowStore]
  );

  useCellDrop(root, store, flow.screenToFlowPosition);

  const onConnect = React.useCallback(
    ({ source, target }: Connection) => {
      if (connectOrExplain(store.workflow, source, target, trans)) {
        store.sync();
      }
    },
    [store, trans]
  );

  // A click on a suggestion (or its label), or Enter on it, accepts it.
  const accept = React.useCallback(
    (edge: Edge) => {
      if (
        edge.className === SUGGESTED_EDGE_CLASS &&
        connectOrExplain(store.workflow, edge.source, edge.target, trans)
      ) {
        // The accepted edge goes, and the focus with it: keep the keys in the canvas.
        root.current?.focus({ preventScroll: true });
        store.sync();
      }
    },
    [store, trans]
  );

  // Handlers keep their identity across renders: a new one would re-render every node and
  // edge React Flow shows, at each frame of a drag.
  const onEdgeClick = React.useCallback(
    (_event: React.MouseEvent, edge: Edge) => accept(edge),
    [accept]
  );
  const onNodeClick = React.useCallback(
    (_event: React.MouseEvent, node: { id: string }) => reveal(node.id),
    [reveal]
  );
  const onNodeDragStop = React.useCallback(
    (
      _event: unknown,
      _node: unknown,
      dragged: { id: string; position: { x: number; y: number } }[]
    ) => store.moveNodes(dragged),
    [store]
  );

  // The menu acts on the selection when the node is part of it, else on the node alone.
  const onNodeContextMenu = React.useCallback(
    (event: React.MouseEvent, node: { id: string; selected?: boolean }) => {
      event.preventDefault();
      if (!node.selected) {
        store.select([node.id]);
      }
      const box = root.current!.getBoundingClientRect();
      setMenu({
        cellId: node.id,
        x: event.clientX - box.left,
        y: event.clientY - box.top
      });
    },
    [store]
  );
  const closeMenu = React.useCallback((refocus: boolean) => {
    setMenu(null);
    if (refocus) {
      root.current?.focus({ preventScroll: true });
    }
  }, []);

  const onKeyDown = React.useCallback(
    (event: React.KeyboardEvent) => {
      // Keys pressed in the canvas are the canvas's, never the notebook's; bare modifiers
      // trigger no shortcut and must reach React Flow's document listeners (Ctrl+click).
      if (!MODIFIER_KEYS.has(event.key)) {
        event.stopPropagation();
      }
      const suggestion =
        event.key === 'Enter' ? suggestionOf(event.target, store) : undefined;
      if (suggestion) {
        accept(suggestion);
        event.preventDefault();
      } else if (handleKey(event, store, root.current)) {
        event.preventDefault();
      }
    },
    [store, accept]
  );

  // Panning and dragging prevent the default focus change: take the focus explicitly so
  // that the canvas receives the keys.
  const onPointerDown = React.useCallback((event: React.PointerEvent) => {
    if (!isEditable(event.target)) {
      root.current?.focus({ preventScroll: true });
    }
  }, []);

  return (
    <div
      ref={root}
      className={
        overview ? 'jp-Continuum-flow jp-mod-overview' : 'jp-Continuum-flow'
      }
      tabIndex={-1}
      onKeyDown={onKeyDown}
      onPointerDownCapture={onPointerDown}
    >
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        defaultEdgeOptions={EDGE_OPTIONS}
        onNodesChange={store.onNodesChange}
        onEdgesChange={store.onEdgesChange}
        onConnect={onConnect}
        onEdgeClick={onEdgeClick}
        onNodeContextMenu={onNodeContextMenu}
        isValidConnection={isValidConnection}
        onNodeDragStop={onNodeDragStop}
        onNodeClick={onNodeClick}
        onMoveStart={onMoveStart}
        onMoveEnd={onMoveEnd}
        // Deletion is ours (it untags cells); React Flow's listens on the whole document.
        deleteKeyCode={null}
        onlyRenderVisibleElements={nodes.length >= CULL_FROM}
        minZoom={0.05}
        fitView={!initialViewport}
        defaultViewport={initialViewport ?? undefined}
        fitViewOptions={FIT_OPTIONS}
        proOptions={PRO_OPTIONS}
      >
        <Background />
        <Swimlanes />
        <Controls fitViewOptions={FIT_OPTIONS} />
        <MiniMap pannable zoomable />
        <Panel position="top-left">
          <CellList reveal={reveal} />
        </Panel>
        {layingOut && (
          <Panel position="top-center" className="jp-Continuum-canvasBusy">
            {trans.__('Laying out the workflow…')}
          </Panel>
        )}
        {nodes.length === 0 && !layingOut && (
          <Panel position="top-center" className="jp-Continuum-canvasEmpty">
            {trans.__(
              'No workflow nodes yet: tag cells as nodes, or drag a cell here by its prompt.'
            )}
          </Panel>
        )}
        <SuggestionsBar />
      </ReactFlow>
      {menu && <NodeMenu at={menu} onClose={closeMenu} editNode={editNode} />}
    </div>
  );
}

/** The rectangle around all the lanes. */
function laneBounds(lanes: ISwimlane[]): Rect {
  const x = Math.min(...lanes.map(band => band.x));
  const y = Math.min(...lanes.map(band => band.y));
  const right = Math.max(...lanes.map(band => band.x + band.width));
  const bottom = Math.max(...lanes.map(band => band.y + band.height));
  return { x, y, width: right - x, height: bottom - y };
}

/** The labelled placement bands behind the nodes, in flow coordinates. */
function Swimlanes(): JSX.Element | null {
  const { trans } = useCanvasContext();
  const lanes = useCanvasState(state => state.lanes);
  if (lanes.length === 0) {
    return null;
  }
  const names: Record<Lane, string> = {
    edge: trans.__('Edge'),
    cloud: trans.__('Cloud'),
    other: trans.__('Other placements')
  };
  return (
    <ViewportPortal>
      {lanes.map(band => (
        <div
          key={band.lane}
          className="jp-Continuum-lane"
          data-lane={band.lane}
          style={{
            transform: `translate(${band.x}px, ${band.y}px)`,
            width: band.width,
            height: band.height
          }}
        >
          <span className="jp-Continuum-laneLabel">{names[band.lane]}</span>
        </div>
      ))}
    </ViewportPortal>
  );
}

/** While suggestions show: how to accept them, and a button to dismiss them. */
function SuggestionsBar(): JSX.Element | null {
  const { store, trans } = useCanvasContext();
  const count = useCanvasState(state => state.suggestions.length);
  if (count === 0) {
    return null;
  }
  return (
    <Panel position="top-center" className="jp-Continuum-suggestionsBar">
      <span>
        {trans._n(
          '%1 suggestion: click it to add it',
          '%1 suggestions: click one to add it',
          count
        )}
      </span>
      <button
        className="jp-Button jp-mod-minimal jp-Continuum-dismissSuggestions"
        onClick={() => store.clearSuggestions()}
      >
        {trans.__('Dismiss')}
      </button>
    </Panel>
  );
}

/** A node's context menu: placement, properties, removal from the workflow. */
function NodeMenu(props: {
  at: IMenuAt;
  /** Close the menu; `refocus` gives the keys back to the canvas. */
  onClose: (refocus: boolean) => void;
  editNode: (cellId: string) => void;
}): JSX.Element {
  const { at, onClose, editNode } = props;
  const { store, trans } = useCanvasContext();
  const menu = React.useRef<HTMLDivElement>(null);

  // Opened near the canvas's right or bottom border, the menu moves back inside it.
  React.useLayoutEffect(() => {
    const element = menu.current!;
    const canvas = element.parentElement!;
    const fit = (at: number, size: number, room: number) =>
      `${Math.max(0, Math.min(at, room - size))}px`;
    element.style.left = fit(at.x, element.offsetWidth, canvas.clientWidth);
    element.style.top = fit(at.y, element.offsetHeight, canvas.clientHeight);
  }, [at]);

  React.useEffect(() => {
    menu.current?.querySelector('button')?.focus();
    const onPointerDown = (event: PointerEvent) => {
      if (!menu.current?.contains(event.target as Node)) {
        onClose(false);
      }
    };
    document.addEventListener('pointerdown', onPointerDown, true);
    return () =>
      document.removeEventListener('pointerdown', onPointerDown, true);
  }, [onClose]);

  const place = (placement: Placement) => () => store.setPlacement(placement);
  const items = [
    { action: 'edge', label: trans.__('Run on edge'), run: place('edge') },
    { action: 'cloud', label: trans.__('Run on cloud'), run: place('cloud') },
    {
      action: 'edit',
      label: trans.__('Edit properties…'),
      run: () => editNode(at.cellId)
    },
    {
      action: 'untag',
      label: trans.__('Remove from workflow'),
      run: () => store.deleteSelection()
    }
  ];

  const onKeyDown = (event: React.KeyboardEvent) => {
    // The menu's keys are its own: neither the canvas's nor the notebook's.
    event.stopPropagation();
    const buttons = Array.from(
      menu.current!.querySelectorAll<HTMLButtonElement>('button')
    );
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
    if (step) {
      event.preventDefault();
      buttons[(index + step + buttons.length) % buttons.length].focus();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      onClose(true);
    }
  };

  return (
    <div
      ref={menu}
      className="jp-Continuum-nodeMenu"
      role="menu"
      onKeyDown={onKeyDown}
      onContextMenu={event => event.preventDefault()}
    >
      {items.map(item => (
        <button
          key={item.action}
          role="menuitem"
          className="jp-Continuum-nodeMenuItem"
          data-continuum-menu={item.action}
          onClick={() => {
            onClose(true);
            item.run();
          }}
        >
          {item.label}
        </button>
      ))}
    </div>
  );
}

/** Run the canvas's own shortcut for a key; true when there was one. */
function handleKey(
  event: React.KeyboardEvent,
  store: CanvasStore,
  canvas: HTMLElement | null
): boolean {
  if (isEditable(event.target) || event.altKey) {
    return false;
  }
  const accel = event.ctrlKey || event.metaKey;
  const key = event.key.toLowerCase();
  if (accel && key === 'z') {
    if (event.shiftKey) {
      store.redo();
    } else {
      store.undo();
    }
    return true;
  }
  if (accel && key === 'y') {
    store.redo();
    return true;
  }
  if (accel || event.shiftKey) {
    return false;
  }
  switch (key) {
    case 'delete':
    case 'backspace':
      // The focused node may go: keep the focus, and so the keys, in the canvas.
      canvas?.focus({ preventScroll: true });
      store.deleteSelection();
      return true;
    case 'e':
      store.setPlacement('edge');
      return true;
    case 'c':
      store.setPlacement('cloud');
      return true;
    case 'escape':
      if (store.state.getState().suggestions.length) {
        store.clearSuggestions();
        return true;
      }
      return false;
  }
  return false;
}

/** The suggestion whose edge is `target` (React Flow's edge elements are focusable). */
function suggestionOf(
  target: EventTarget | null,
  store: CanvasStore
): Edge | undefined {
  const id =
    target instanceof Element &&
    target.classList.contains(SUGGESTED_EDGE_CLASS) &&
    target.getAttribute('data-id');
  return id
    ? store.state.getState().suggestions.find(edge => edge.id === id)
    : undefined;
}

function isEditable(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable ||
      ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
  );
}

function isValidConnection(
  connection: Connection | { source: string; target: string }
): boolean {
  return connection.source !== connection.target;
}

/**
 * Accept cells dragged from a notebook by their prompt: they become nodes where they are
 * dropped. Lumino drags are not HTML5 drags: they dispatch `lm-*` events.
 */
function useCellDrop(
  root: React.RefObject<HTMLDivElement>,
  store: CanvasStore,
  toFlow: (point: { x: number; y: number }) => { x: number; y: number }
): void {
  React.useEffect(() => {
    const node = root.current;
    if (!node) {
      return;
    }
    const handle = (event: Event) => {
      const drag = event as ILuminoDragEvent;
      if (!drag.mimeData?.hasData(CELLS_MIME)) {
        return;
      }
      event.preventDefault();
      event.stopPropagation();
      // A copy: a move would delete the cells from the notebook.
      drag.dropAction = 'copy';
      if (event.type === 'lm-drop') {
        const cells = drag.mimeData.getData(CELLS_MIME) as {
          id?: string;
          cell_type?: string;
        }[];
        store.placeCells(
          cells
            .filter(cell => cell.cell_type === 'code' && cell.id)
            .map(cell => cell.id!),
          toFlow({ x: drag.clientX, y: drag.clientY })
        );
      }
    };
    const types = ['lm-dragenter', 'lm-dragover', 'lm-drop'];
    for (const type of types) {
      node.addEventListener(type, handle, true);
    }
    return () => {
      for (const type of types) {
        node.removeEventListener(type, handle, true);
      }
    };
  }, [root, store, toFlow]);
}

/**
 * The notebook's code cells: clicking one puts it on the canvas (tagging it when needed),
 * selects its node and shows it.
 */
function CellList(props: { reveal: (cellId: string) => void }): JSX.Element {
  const { store, trans } = useCanvasContext();
  const [open, setOpen] = React.useState(false);
  const flow = useReactFlow();
  return (
    <div className="jp-Continuum-cellList">
      <button
        className="jp-Button jp-mod-minimal jp-Continuum-cellListToggle"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        {open ? trans.__('Hide cells') : trans.__('Cells')}
      </button>
      {open && (
        <CellEntries
          onPick={id => {
            store.placeCells([id]);
            props.reveal(id);
            void flow.fitView({ nodes: [{ id }], maxZoom: 1, duration: 200 });
          }}
        />
      )}
    </div>
  );
}

function CellEntries(props: { onPick: (id: string) => void }): JSX.Element {
  const { trans } = useCanvasContext();
  const cells = useCanvasState(state => state.cells);
  if (cells.length === 0) {
    return (
      <p className="jp-Continuum-cellListEmpty">
        {trans.__('This notebook has no code cells.')}
      </p>
    );
  }
  return (
    <ul className="jp-Continuum-cellListItems">
      {cells.map(cell => (
        <li key={cell.id}>
          <button
            className="jp-Continuum-cellListItem"
            data-continuum-cell-id={cell.id}
            data-tagged={cell.tagged}
            title={
              cell.tagged
                ? trans.__('Select this node')
                : trans.__('Add this cell to the workflow')
            }
            onClick={() => props.onPick(cell.id)}
          >
            {cell.label}
          </button>
        </li>
      ))}
    </ul>
  );
}
