/**
 * The workflow spec a notebook deploys as (contract, DESIGN §3.2 and workflow.schema.json).
 */

import { dependenciesOf } from './graph';
import { isNode, isSetup, nodeLabel, truncate } from './metadata';
import {
  ICellInfo,
  IWorkflowNodeSpec,
  IWorkflowSpec,
  Placement
} from './types';

/** Longest workflow name the spec accepts (workflow.schema.json). */
const MAX_NAME_LENGTH = 200;

/** The name of a workflow given a blank one. */
const FALLBACK_NAME = 'workflow';

/** What `buildSpec` builds a spec from. */
export interface IBuildSpecOptions {
  /** The workflow's name, e.g. the notebook's name. */
  name: string;
  /** The notebook's path, recorded in the spec when given. */
  path?: string;
  /** The notebook's cells, in notebook order. */
  cells: readonly ICellInfo[];
  /** The placement of nodes that set none. */
  defaultPlacement: Placement;
}

/**
 * The spec of a notebook's workflow: its nodes in notebook order, each depending on the nodes
 * of its `after`, and its setup cells' sources in notebook order. Optional fields appear only
 * when set. Run `validateWorkflow` first: when it finds no issue, the spec is valid under the
 * schema (size limits aside: the server checks those).
 */
export function buildSpec(options: IBuildSpecOptions): IWorkflowSpec {
  const { name, path, cells, defaultPlacement } = options;
  const nodeCells: ICellInfo[] = [];
  const nodeIds = new Set<string>();
  const setup: string[] = [];
  for (const cell of cells) {
    if (isNode(cell)) {
      nodeCells.push(cell);
      nodeIds.add(cell.id);
    } else if (isSetup(cell)) {
      setup.push(cell.source);
    }
  }
  return {
    name: truncate(name.trim(), MAX_NAME_LENGTH) || FALLBACK_NAME,
    ...(path !== undefined ? { notebook: { path } } : {}),
    nodes: nodeCells.map(cell => nodeSpec(cell, nodeIds, defaultPlacement)),
    ...(setup.length > 0 ? { setup } : {})
  };
}

function nodeSpec(
  cell: ICellInfo,
  nodeIds: ReadonlySet<string>,
  defaultPlacement: Placement
): IWorkflowNodeSpec {
  const meta = cell.continuum ?? {};
  const node: IWorkflowNodeSpec = {
    id: cell.id,
    label: nodeLabel(cell),
    source: cell.source,
    placement: meta.placement ?? defaultPlacement,
    depends_on: dependenciesOf(cell, nodeIds)
  };
  if (meta.resources && Object.keys(meta.resources).length > 0) {
    node.resources = { ...meta.resources };
  }
  if (meta.retries !== undefined) {
    node.retries = meta.retries;
  }
  // null, "no timeout", is the schema's default: left out like an unset one.
  if (typeof meta.timeout_s === 'number') {
    node.timeout_s = meta.timeout_s;
  }
  return node;
}
