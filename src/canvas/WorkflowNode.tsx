import { TranslationBundle } from '@jupyterlab/translation';
import { Handle, NodeProps, Position } from '@xyflow/react';
import * as React from 'react';
import { useStore } from 'zustand';

import { IResources } from '../workflow';
import { useCanvasContext, useCanvasState } from './context';
import type { NodeState } from '../run/runState';
import { nodeStatuses } from './status';
import { WorkflowFlowNode } from './store';

/**
 * A workflow node card. Everything from the cell is rendered as text, never as HTML.
 * Memoised: React Flow re-renders it only when its node object changes, and the store
 * keeps unchanged nodes as the same objects.
 */
function WorkflowNodeCard(props: NodeProps<WorkflowFlowNode>): JSX.Element {
  const { id, data, selected } = props;
  const { trans } = useCanvasContext();
  const active = useCanvasState(state => state.activeCell === id);
  const resources = resourcesHint(data.resources, trans);
  const classes = ['jp-Continuum-node'];
  if (selected) {
    classes.push('jp-mod-selected');
  }
  if (active) {
    classes.push('jp-mod-active');
  }
  return (
    <div
      className={classes.join(' ')}
      data-continuum-node-id={id}
      data-placement={data.placement}
    >
      <Handle type="target" position={Position.Left} />
      <div className="jp-Continuum-nodeLabel" title={data.label}>
        {data.label}
      </div>
      {/* A label taken from the code line already shows it. */}
      {data.code && data.code !== data.label && (
        <code className="jp-Continuum-nodeCode" title={data.code}>
          {data.code}
        </code>
      )}
      <div className="jp-Continuum-nodeFooter">
        <span
          className="jp-Continuum-placement jp-Continuum-placementChip"
          data-placement={data.placement}
        >
          {data.placement}
        </span>
        {resources && (
          <span className="jp-Continuum-nodeResources">{resources}</span>
        )}
        <StatusBadge id={id} trans={trans} />
      </div>
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

export const WorkflowNode = React.memo(WorkflowNodeCard);

/**
 * A node's status badge. It reads the status store, not React Flow's nodes, so a status
 * change re-renders this badge alone.
 */
function StatusBadge(props: {
  id: string;
  trans: TranslationBundle;
}): JSX.Element {
  const status = useStore(nodeStatuses, statuses => statuses[props.id]);
  const state = status?.state ?? 'pending';
  return (
    <span className="jp-Continuum-badge" data-continuum-status={state}>
      {status?.text ?? stateName(state, props.trans)}
    </span>
  );
}

function stateName(state: NodeState, trans: TranslationBundle): string {
  switch (state) {
    case 'pending':
      return trans.__('pending');
    case 'queued':
      return trans.__('queued');
    case 'running':
      return trans.__('running');
    case 'retrying':
      return trans.__('retrying');
    case 'succeeded':
      return trans.__('done');
    case 'failed':
      return trans.__('failed');
    case 'error':
      return trans.__('error');
    case 'skipped':
      return trans.__('skipped');
    case 'cancelling':
      return trans.__('cancelling');
    case 'cancelled':
      return trans.__('cancelled');
  }
}

/** "2 CPU · 4GiB · 1 GPU", or null when no resources are set. */
function resourcesHint(
  resources: IResources | null,
  trans: TranslationBundle
): string | null {
  if (!resources) {
    return null;
  }
  const parts: string[] = [];
  if (resources.cpu) {
    parts.push(trans.__('%1 CPU', resources.cpu));
  }
  if (resources.memory) {
    parts.push(resources.memory);
  }
  if (resources.gpu) {
    parts.push(trans.__('%1 GPU', resources.gpu));
  }
  return parts.length ? parts.join(' · ') : null;
}
