import { TranslationBundle } from '@jupyterlab/translation';
import { Handle, NodeProps, Position } from '@xyflow/react';
import * as React from 'react';
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';

import { badgeText, badgeTitle, ticks } from '../run/badge';
import type { IRunsState } from '../run/notebookRuns';
import { IResources } from '../workflow';
import { useCanvasContext } from './context';
import { RunsContext } from './runsContext';
import { WorkflowFlowNode } from './store';

/**
 * A workflow node card. Everything from the cell is rendered as text, never as HTML.
 * Memoised: React Flow re-renders it only when its node object changes, and the store
 * keeps unchanged nodes as the same objects.
 */
function WorkflowNodeCard(props: NodeProps<WorkflowFlowNode>): JSX.Element {
  const { id, data, selected } = props;
  const { store, trans } = useCanvasContext();
  const active = useStore(store.activeCell, activeId => activeId === id);
  const problems = useNodeProblems(id);
  const resources = resourcesHint(data.resources, trans);
  const classes = ['jp-Continuum-node'];
  if (selected) {
    classes.push('jp-mod-selected');
  }
  if (active) {
    classes.push('jp-mod-active');
  }
  if (problems) {
    classes.push('jp-mod-problem');
  }
  return (
    <div
      className={classes.join(' ')}
      data-continuum-node-id={id}
      data-placement={data.placement}
      title={problems ?? undefined}
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
 * A node's status badge. It reads the run store, not React Flow's nodes, so a status change
 * re-renders this badge alone; a running badge ticks its duration each second.
 */
function StatusBadge(props: {
  id: string;
  trans: TranslationBundle;
}): JSX.Element {
  const runs = React.useContext(RunsContext);
  const status = useStore(runs?.state ?? noRuns, state =>
    state ? state.run?.nodes[props.id] : undefined
  );
  const running = ticks(status);
  const [now, setNow] = React.useState(() => Date.now() / 1000);
  React.useEffect(() => {
    if (!running) {
      return;
    }
    const timer = setInterval(() => setNow(Date.now() / 1000), 1000);
    return () => clearInterval(timer);
  }, [running]);
  const open = (event: React.SyntheticEvent) => {
    event.stopPropagation();
    runs?.showDetails(props.id);
  };
  return (
    <span
      className="jp-Continuum-badge"
      data-continuum-status={status?.state ?? 'pending'}
      title={badgeTitle(status, props.trans)}
      role="button"
      tabIndex={-1}
      onClick={open}
      onDoubleClick={event => event.stopPropagation()}
    >
      {badgeText(status, running ? now : Date.now() / 1000, props.trans)}
    </span>
  );
}

/** Stands in for the run store of a canvas that has none (tests). */
const noRuns = createStore<IRunsState | null>(() => null);

/** What stops this node from deploying, one problem a line, or null. */
function useNodeProblems(id: string): string | null {
  const runs = React.useContext(RunsContext);
  // The selector only picks the list: run events update the store many times a second, and
  // each update asks every card's selector.
  const problems = useStore(runs?.state ?? noRuns, state => state?.problems);
  return React.useMemo(() => {
    const messages = (problems ?? [])
      .filter(problem => problem.nodeId === id)
      .map(problem => problem.message);
    return messages.length ? messages.join('\n') : null;
  }, [problems, id]);
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
