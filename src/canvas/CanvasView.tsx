import { TranslationBundle } from '@jupyterlab/translation';
import {
  Background,
  Controls,
  MiniMap,
  Panel,
  ReactFlow,
  ReactFlowProvider
} from '@xyflow/react';
import * as React from 'react';

/**
 * The React Flow editor of a workflow.
 */
export default function CanvasView(props: {
  trans: TranslationBundle;
}): JSX.Element {
  const { trans } = props;
  return (
    <ReactFlowProvider>
      <ReactFlow
        nodes={[]}
        edges={[]}
        fitView
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls />
        <MiniMap pannable zoomable />
        <Panel position="top-center" className="jp-Continuum-canvasEmpty">
          {trans.__(
            'No workflow nodes yet: tag cells as nodes, or drag a cell here by its prompt.'
          )}
        </Panel>
      </ReactFlow>
    </ReactFlowProvider>
  );
}
