import type { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon, ToolbarButtonComponent } from '@jupyterlab/ui-components';
import * as React from 'react';
import { useStore } from 'zustand';

import { badgeText, formatDuration, stateName } from './badge';
import type { IRunSnapshot, IRunSummary } from './client';
import { TERMINAL_RUN_STATES } from './follower';
import type { NotebookRuns } from './notebookRuns';
import type { NodeState, Output } from './runState';

/** Text of an output, never its HTML: images as images, everything else as text. */
function OutputView(props: { output: Output }): JSX.Element {
  const output = props.output as any;
  switch (output.output_type) {
    case 'stream':
      return (
        <pre className="jp-Continuum-output" data-stream={output.name}>
          {joined(output.text)}
        </pre>
      );
    case 'error':
      return (
        <pre className="jp-Continuum-output jp-mod-error">
          {stripAnsi((output.traceback ?? []).join('\n')) ||
            `${output.ename}: ${output.evalue}`}
        </pre>
      );
    default: {
      const data = output.data ?? {};
      if (typeof data['image/png'] === 'string') {
        return (
          <img
            className="jp-Continuum-output"
            alt={joined(data['text/plain'] ?? '')}
            src={`data:image/png;base64,${data['image/png']}`}
          />
        );
      }
      return (
        <pre className="jp-Continuum-output">
          {joined(data['text/plain'] ?? '')}
        </pre>
      );
    }
  }
}

function joined(text: string | string[]): string {
  return Array.isArray(text) ? text.join('') : String(text);
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

function time(seconds: number | string | null): string {
  if (seconds === null) {
    return '';
  }
  const date =
    typeof seconds === 'number' ? new Date(seconds * 1000) : new Date(seconds);
  return date.toLocaleTimeString();
}

function Badge(props: { state: NodeState; text: string }): JSX.Element {
  return (
    <span className="jp-Continuum-badge" data-continuum-status={props.state}>
      {props.text}
    </span>
  );
}

/** A node's run details: state history, attempts with worker and error, outputs. */
function NodeDetails(props: {
  runs: NotebookRuns;
  nodeId: string;
  trans: TranslationBundle;
}): JSX.Element {
  const { runs, nodeId, trans } = props;
  const run = useStore(runs.state, state => state.run);
  const status = run?.nodes[nodeId];
  const [snapshot, setSnapshot] = React.useState<IRunSnapshot | null>(null);
  const runId = run?.runId;
  const settled = status?.state;
  React.useEffect(() => {
    let cancelled = false;
    if (runId) {
      runs
        .snapshot(runId)
        .then(value => !cancelled && setSnapshot(value))
        .catch(() => !cancelled && setSnapshot(null));
    }
    return () => {
      cancelled = true;
    };
  }, [runId, settled]);
  const node = snapshot?.nodes.find(item => item.id === nodeId);
  return (
    <section
      className="jp-Continuum-nodeDetails"
      data-continuum-details={nodeId}
    >
      <header>
        <h3>{runs.workflow.label(nodeId)}</h3>
        <button
          className="jp-Button jp-mod-minimal"
          onClick={() => runs.showDetails(null)}
          title={trans.__('Close the node details')}
        >
          ×
        </button>
      </header>
      {!status ? (
        <p>{trans.__('This node was not part of the run on display.')}</p>
      ) : (
        <>
          <p>
            <Badge
              state={status.state}
              text={badgeText(status, Date.now() / 1000, trans)}
            />{' '}
            {status.worker &&
              trans.__('on %1 (%2)', status.worker, status.placement ?? '')}
          </p>
          <h4>{trans.__('State history')}</h4>
          <table className="jp-Continuum-history">
            <tbody>
              {status.history.map((change, index) => (
                <tr key={index}>
                  <td>{time(change.ts)}</td>
                  <td>
                    <Badge
                      state={change.state}
                      text={stateName(change.state, trans)}
                    />
                  </td>
                  <td>{trans.__('attempt %1', change.attempt)}</td>
                  <td>{change.worker ?? ''}</td>
                  <td>{change.message ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {node && node.attempts.length > 0 && (
            <>
              <h4>{trans.__('Attempts')}</h4>
              {node.attempts.map(attempt => (
                <div key={attempt.attempt} className="jp-Continuum-attempt">
                  <div>
                    {trans.__(
                      'Attempt %1: %2 on %3',
                      attempt.attempt,
                      stateName(attempt.state, trans),
                      attempt.worker ?? trans.__('no worker')
                    )}
                    {attempt.started !== null &&
                      attempt.finished !== null &&
                      ` · ${formatDuration(attempt.finished - attempt.started, trans)}`}
                  </div>
                  {attempt.error && (
                    <pre className="jp-Continuum-output jp-mod-error">
                      {stripAnsi(attempt.error.traceback.join('\n')) ||
                        `${attempt.error.ename}: ${attempt.error.evalue}`}
                    </pre>
                  )}
                </div>
              ))}
            </>
          )}
          <h4>{trans.__('Outputs')}</h4>
          {status.outputs.length === 0 ? (
            <p>{trans.__('No output.')}</p>
          ) : (
            status.outputs.map((output, index) => (
              <OutputView key={index} output={output} />
            ))
          )}
        </>
      )}
    </section>
  );
}

/** The past runs of a notebook, newest first; a click shows a run on the canvas and cells. */
function RunHistory(props: {
  runs: NotebookRuns;
  trans: TranslationBundle;
}): JSX.Element {
  const { runs, trans } = props;
  const run = useStore(runs.state, state => state.run);
  const [list, setList] = React.useState<IRunSummary[] | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [generation, setGeneration] = React.useState(0);
  // Refetch when the run on display changes or ends: not on every state in between.
  const ended = run !== null && TERMINAL_RUN_STATES.has(run.state);
  const key = `${run?.runId}:${ended}:${generation}`;
  React.useEffect(() => {
    let cancelled = false;
    runs
      .history()
      .then(value => {
        if (!cancelled) {
          setList(value);
          setError(null);
        }
      })
      .catch(reason => !cancelled && setError((reason as Error).message));
    return () => {
      cancelled = true;
    };
  }, [runs, key]);
  return (
    <section className="jp-Continuum-runHistory">
      <header>
        <h3>{trans.__('Runs of this notebook')}</h3>
        <ToolbarButtonComponent
          icon={refreshIcon}
          tooltip={trans.__('Refresh the run history')}
          onClick={() => setGeneration(value => value + 1)}
        />
      </header>
      {error && <p className="jp-Continuum-error">{error}</p>}
      {list && list.length === 0 && <p>{trans.__('No runs yet.')}</p>}
      <ul>
        {list?.map(item => {
          const shown = item.id === run?.runId;
          const duration =
            item.started !== null
              ? formatDuration(
                  (item.finished ?? Date.now() / 1000) - item.started,
                  trans
                )
              : '';
          return (
            <li
              key={item.id}
              className={shown ? 'jp-mod-selected' : ''}
              data-continuum-run-id={item.id}
            >
              <button
                className="jp-Continuum-runItem"
                onClick={() => void runs.open(item.id)}
                title={trans.__('Show this run on the canvas and the cells')}
              >
                <span
                  className="jp-Continuum-badge"
                  data-continuum-status={item.state}
                >
                  {item.state}
                </span>
                <span>{new Date(item.created * 1000).toLocaleString()}</span>
                <span>{duration}</span>
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** What the run panel shows: the runs of the current notebook, or how to get some. */
export function RunPanelBody(props: {
  runs: NotebookRuns | null;
  trans: TranslationBundle;
}): JSX.Element {
  const { runs, trans } = props;
  if (!runs) {
    return (
      <p className="jp-Continuum-empty">
        {trans.__('Open a notebook to see its workflow runs.')}
      </p>
    );
  }
  return <RunPanelFor runs={runs} trans={trans} />;
}

function RunPanelFor(props: {
  runs: NotebookRuns;
  trans: TranslationBundle;
}): JSX.Element {
  const details = useStore(props.runs.state, state => state.detailsNode);
  return (
    <>
      {details && (
        <NodeDetails runs={props.runs} nodeId={details} trans={props.trans} />
      )}
      <RunHistory runs={props.runs} trans={props.trans} />
    </>
  );
}
