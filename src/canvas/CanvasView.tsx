import { TranslationBundle } from '@jupyterlab/translation';
import {
  Background,
  Connection,
  Controls,
  DefaultEdgeOptions,
  MarkerType,
  MiniMap,
  Panel,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  useStore as useFlowStore
} from '@xyflow/react';
import * as React from 'react';

import {
  CanvasContext,
  ICanvasContext,
  useCanvasContext,
  useCanvasState
} from './context';
import { connectOrExplain } from '../notebook/notify';
import { CanvasStore } from './store';
import { WorkflowNode } from './WorkflowNode';

/** MIME type of the cells a notebook drags by their prompt. */
const CELLS_MIME = 'application/vnd.jupyter.cells';

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
  }
}

/**
 * The React Flow editor of a workflow. All state lives in the store: the widget unmounts
 * this tree whenever it is detached.
 */
export function CanvasView(props: CanvasView.IProps): JSX.Element {
  const { store, trans, reveal } = props;
  const context = React.useMemo<ICanvasContext>(
    () => ({ store, trans }),
    [store, trans]
  );
  return (
    <CanvasContext.Provider value={context}>
      <ReactFlowProvider>
        <Flow reveal={reveal} />
      </ReactFlowProvider>
    </CanvasContext.Provider>
  );
}

/** The only component that reads the whole node array: React Flow needs it. */
function Flow(props: { reveal: (cellId: string) => void }): JSX.Element {
  const { reveal } = props;
  const { store, trans } = useCanvasContext();
  const nodes = useCanvasState(state => state.nodes);
  const edges = useCanvasState(state => state.edges);
  const fitRequest = useCanvasState(state => state.fitRequest);
  const flow = useReactFlow();
  const width = useFlowStore(state => state.width);
  const height = useFlowStore(state => state.height);
  const root = React.useRef<HTMLDivElement>(null);
  // Whether the view is still fitted: the user has not panned or zoomed since the last fit.
  const fitted = React.useRef(true);

  React.useEffect(() => {
    fitted.current = true;
  }, [fitRequest]);

  // A hidden tab measures 0×0 and a split resizes the canvas: fit again on a new size,
  // unless the user has moved the view.
  React.useEffect(() => {
    if (width > 0 && height > 0 && fitted.current) {
      void flow.fitView(FIT_OPTIONS);
    }
  }, [fitRequest, width, height]);

  const onMoveStart = React.useCallback((event: unknown) => {
    // Moves made by the program (fitting) come without an event.
    if (event) {
      fitted.current = false;
    }
  }, []);

  useCellDrop(root, store, flow.screenToFlowPosition);

  const onConnect = React.useCallback(
    ({ source, target }: Connection) => {
      if (connectOrExplain(store.workflow, source, target, trans)) {
        store.sync();
      }
    },
    [store, trans]
  );

  const onKeyDown = React.useCallback(
    (event: React.KeyboardEvent) => {
      // Keys pressed in the canvas are the canvas's, never the notebook's.
      event.stopPropagation();
      if (handleKey(event, store, root.current)) {
        event.preventDefault();
      }
    },
    [store]
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
      className="jp-Continuum-flow"
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
        isValidConnection={isValidConnection}
        onNodeDragStop={(_event, _node, dragged) =>
          store.savePositions(dragged)
        }
        onNodeClick={(_event, node) => reveal(node.id)}
        onMoveStart={onMoveStart}
        // Deletion is ours (it untags cells); React Flow's listens on the whole document.
        deleteKeyCode={null}
        onlyRenderVisibleElements={nodes.length >= CULL_FROM}
        minZoom={0.05}
        fitView
        fitViewOptions={FIT_OPTIONS}
        proOptions={PRO_OPTIONS}
      >
        <Background />
        <Controls />
        <MiniMap pannable zoomable />
        <Panel position="top-left">
          <CellList reveal={reveal} />
        </Panel>
        {nodes.length === 0 && (
          <Panel position="top-center" className="jp-Continuum-canvasEmpty">
            {trans.__(
              'No workflow nodes yet: tag cells as nodes, or drag a cell here by its prompt.'
            )}
          </Panel>
        )}
      </ReactFlow>
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
  }
  return false;
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
