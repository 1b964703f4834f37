/**
 * The canvas benchmarks' baseline: a bare React Flow 12 page rendering the same graph with the
 * same React Flow options as the extension's canvas (src/canvas/CanvasView.tsx), and node cards
 * with the same DOM, in React Flow's documented controlled mode (useNodesState). No
 * JupyterLab, no notebook, no stores of our own.
 *
 * The driver calls `window.bareFlow.render(graph, size)`; with `follow`, status events from an
 * orchestrator's WebSocket update the nodes' data once per animation frame, as a plain React
 * Flow app would.
 */
import {
  Background,
  Controls,
  DefaultEdgeOptions,
  Edge,
  Handle,
  MarkerType,
  MiniMap,
  Node,
  NodeProps,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useEdgesState,
  useNodesState
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import * as React from 'react';
import { createRoot } from 'react-dom/client';

import './bare.css';

/** The graph the driver gives, as the notebook holds it. */
interface IGraph {
  nodes: {
    id: string;
    label: string;
    code: string;
    placement: string;
    x: number;
    y: number;
  }[];
  edges: { source: string; target: string }[];
}

type NodeData = {
  label: string;
  code: string;
  placement: string;
  status: string;
};

type BareNode = Node<NodeData, 'workflow'>;

// The canvas's options (CanvasView.tsx): the same values, module constants as there.
const CULL_FROM = 200;
const EDGE_OPTIONS: DefaultEdgeOptions = {
  markerEnd: { type: MarkerType.ArrowClosed }
};
const PRO_OPTIONS = { hideAttribution: true };
const FIT_OPTIONS = { padding: 0.2, maxZoom: 1.5 };

function Card(props: NodeProps<BareNode>): JSX.Element {
  const { id, data, selected } = props;
  return (
    <div
      className={selected ? 'bare-node bare-selected' : 'bare-node'}
      data-continuum-node-id={id}
      data-placement={data.placement}
    >
      <Handle type="target" position={Position.Left} />
      <div className="bare-label" title={data.label}>
        {data.label}
      </div>
      {data.code && data.code !== data.label && (
        <code className="bare-code" title={data.code}>
          {data.code}
        </code>
      )}
      <div className="bare-footer">
        <span className="bare-placement">{data.placement}</span>
        <span className="bare-badge" data-continuum-status={data.status}>
          {data.status}
        </span>
      </div>
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

const NODE_TYPES = { workflow: React.memo(Card) };

interface IFollow {
  /** ws://…/continuum/api/v1/events?run_id=…&token=… */
  url: string;
}

/** Diagnostics only: what changes when a costly option is off (on by default). */
interface IVariant {
  /** The MiniMap, as the canvas shows it. */
  minimap?: boolean;
}

function Flow(props: {
  graph: IGraph;
  follow?: IFollow;
  variant?: IVariant;
}): JSX.Element {
  const { graph, follow } = props;
  const minimap = props.variant?.minimap ?? true;
  const placements = React.useMemo(
    () => new Map(graph.nodes.map(n => [n.id, n.placement])),
    [graph]
  );
  const [nodes, setNodes, onNodesChange] = useNodesState<BareNode>(
    graph.nodes.map(n => ({
      id: n.id,
      type: 'workflow' as const,
      position: { x: n.x, y: n.y },
      data: {
        label: n.label,
        code: n.code,
        placement: n.placement,
        status: 'pending'
      }
    }))
  );
  const [edges, , onEdgesChange] = useEdgesState<Edge>(
    graph.edges.map(({ source, target }) => {
      const cross = placements.get(source) !== placements.get(target);
      return {
        id: `${source}->${target}`,
        source,
        target,
        className: cross ? 'bare-cross' : undefined
      };
    })
  );

  // Status events: the latest state per node, applied once per animation frame.
  React.useEffect(() => {
    if (!follow) {
      return;
    }
    const pending = new Map<string, string>();
    let frame = 0;
    const flush = () => {
      frame = 0;
      const changes = new Map(pending);
      pending.clear();
      setNodes(current =>
        current.map(node => {
          const status = changes.get(node.id);
          return status && status !== node.data.status
            ? { ...node, data: { ...node.data, status } }
            : node;
        })
      );
    };
    const socket = new WebSocket(follow.url);
    socket.onmessage = message => {
      for (const event of JSON.parse(message.data)) {
        if (event.kind === 'node' && event.node_id) {
          pending.set(event.node_id, event.state);
        }
      }
      if (!frame) {
        frame = requestAnimationFrame(flush);
      }
    };
    return () => {
      socket.close();
      cancelAnimationFrame(frame);
    };
  }, [follow, setNodes]);

  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      nodeTypes={NODE_TYPES}
      defaultEdgeOptions={EDGE_OPTIONS}
      onNodesChange={onNodesChange}
      onEdgesChange={onEdgesChange}
      deleteKeyCode={null}
      onlyRenderVisibleElements={nodes.length >= CULL_FROM}
      minZoom={0.05}
      fitView
      fitViewOptions={FIT_OPTIONS}
      proOptions={PRO_OPTIONS}
    >
      <Background />
      <Controls />
      {minimap && <MiniMap pannable zoomable />}
    </ReactFlow>
  );
}

declare global {
  interface Window {
    bareFlow: {
      render(
        graph: IGraph,
        size: { width: number; height: number },
        follow?: IFollow,
        variant?: IVariant
      ): void;
    };
  }
}

window.bareFlow = {
  render(graph, size, follow, variant) {
    const host = document.getElementById('flow')!;
    host.style.width = `${size.width}px`;
    host.style.height = `${size.height}px`;
    createRoot(host).render(
      <ReactFlowProvider>
        <Flow graph={graph} follow={follow} variant={variant} />
      </ReactFlowProvider>
    );
  }
};
