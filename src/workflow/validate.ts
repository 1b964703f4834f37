/**
 * Validation of a notebook's workflow before it is deployed: every problem, located on its cell
 * by a JSON pointer into the notebook ("/cells/3/metadata/continuum/after/0").
 *
 * Messages are English, built here only (`ISSUE_MESSAGES`); each issue carries its `code` and
 * the `params` of its message, so a UI can translate it.
 */

import { buildGraph, topologicalOrder } from './graph';
import { isEmptySource, isNode, nodeLabel } from './metadata';
import { ICellInfo, IResources, IssueCode, IValidationIssue } from './types';

/** Options of `validateWorkflow`. */
export interface IValidateOptions {
  /** The placements that can run now; when given, any other placement is an issue. */
  placements?: readonly string[];
  /** The placement of nodes that set none (checked like theirs). */
  defaultPlacement?: string;
}

/** The English message of each issue code; `{name}` stands for `params.name`. */
export const ISSUE_MESSAGES: { readonly [code in IssueCode]: string } = {
  cycle: 'Cycle: {path}',
  'dangling-dependency':
    '"{node}" runs after "{dependency}", which is not a workflow node',
  'duplicate-id': 'Node id "{id}" is used by more than one cell',
  'empty-source': '"{node}" has no code',
  'invalid-id': 'Invalid node id "{id}": use 1 to 64 letters, digits, - or _',
  'invalid-placement': '"{node}": invalid placement name "{placement}"',
  'invalid-resources': '"{node}": invalid {resource} {value}',
  'invalid-retries': '"{node}": retries must be a whole number from 0 to 10',
  'invalid-timeout': '"{node}": timeout must be over 0 and at most 604800 s',
  'no-nodes': 'No cell is tagged as a workflow node',
  'not-code': 'Cell "{id}" is a {cellType} cell; only code cells can be nodes',
  'unknown-placement':
    '"{node}": unknown placement "{placement}" (available: {available})'
};

// The limits below are those of workflow.schema.json.
/** A valid node id (an nbformat cell id): 1 to 64 letters, digits, - or _. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** A valid placement name: a letter, then up to 63 letters, digits, _, . or -. */
export const PLACEMENT_PATTERN = /^[a-zA-Z][a-zA-Z0-9_.-]{0,63}$/;
const MEMORY_PATTERN = /^[0-9]+(\.[0-9]+)?\s*([KMGT]i?B|B)?$/;
const MAX_RETRIES = 10;
const MAX_TIMEOUT_S = 604800;
const RESOURCE_CHECKS: {
  readonly [name in keyof IResources]-?: (value: unknown) => boolean;
} = {
  cpu: value => typeof value === 'number' && value > 0,
  memory: value => typeof value === 'string' && MEMORY_PATTERN.test(value),
  gpu: value => Number.isInteger(value) && (value as number) >= 0
};

/**
 * Every problem that would stop the notebook's workflow from deploying or running as drawn,
 * in notebook order, a cycle last.
 */
export function validateWorkflow(
  cells: readonly ICellInfo[],
  options: IValidateOptions = {}
): IValidationIssue[] {
  const issues: IValidationIssue[] = [];
  // One graph serves the id checks and the order.
  const graph = buildGraph(cells);
  if (graph.nodes.length === 0) {
    issues.push(makeIssue('no-nodes', '/cells', {}));
  }
  // Node cells meet their ids in the order of `graph.nodes`: a node cell whose id is not the
  // next one there repeats an earlier node's id.
  let firsts = 0;
  for (let index = 0; index < cells.length; index++) {
    const cell = cells[index];
    if (cell.continuum && cell.cellType !== 'code') {
      issues.push(
        makeIssue(
          'not-code',
          `/cells/${index}/cell_type`,
          { id: cell.id, cellType: cell.cellType },
          cell.id
        )
      );
    } else if (isNode(cell)) {
      const first = cell.id === graph.nodes[firsts];
      // A node that kept all of its `after` as edges has no dangling id to look up.
      const allKept =
        first &&
        graph.parentStart[firsts + 1] - graph.parentStart[firsts] ===
          (cell.continuum?.after?.length ?? 0);
      if (first) {
        firsts++;
      }
      nodeIssues(
        issues,
        cell,
        index,
        !first,
        allKept ? null : graph.index,
        options
      );
    }
  }
  const sorted = topologicalOrder(graph);
  if ('cycle' in sorted) {
    issues.push(cycleIssue(sorted.cycle, cells));
  }
  return issues;
}

/**
 * The issue for a cycle of node ids (`[a, b, a]`, as `topologicalOrder` and `findCyclePath`
 * give it), its path written with labels: "Cycle: prep → train → prep".
 */
export function cycleIssue(
  cycle: readonly string[],
  cells: readonly ICellInfo[]
): IValidationIssue {
  const nodes = new Map<string, { cell: ICellInfo; index: number }>();
  cells.forEach((cell, index) => {
    if (isNode(cell) && !nodes.has(cell.id)) {
      nodes.set(cell.id, { cell, index });
    }
  });
  const label = (id: string) => {
    const node = nodes.get(id);
    return node ? nodeLabel(node.cell) : id;
  };
  const start = nodes.get(cycle[0]);
  return makeIssue(
    'cycle',
    start ? `/cells/${start.index}/metadata/continuum/after` : '/cells',
    { path: cycle.map(label).join(' → ') },
    cycle[0]
  );
}

/** The message of `code` (`ISSUE_MESSAGES`) with its `{name}` placeholders filled from `params`. */
export function formatIssueMessage(
  code: IssueCode,
  params: { readonly [name: string]: string }
): string {
  return ISSUE_MESSAGES[code].replace(
    /\{(\w+)\}/g,
    (placeholder, name: string) => params[name] ?? placeholder
  );
}

/**
 * Adds the issues of one node cell to `issues`; `duplicate` when an earlier node has its id,
 * `nodeIds` to check its `after` against (null: all of them are nodes). Paths and labels are
 * only made for an issue: most nodes have none.
 */
function nodeIssues(
  issues: IValidationIssue[],
  cell: ICellInfo,
  index: number,
  duplicate: boolean,
  nodeIds: { has(id: string): boolean } | null,
  options: IValidateOptions
): void {
  const meta = cell.continuum ?? {};
  if (!ID_PATTERN.test(cell.id)) {
    addNodeIssue(issues, cell, 'invalid-id', `/cells/${index}/id`, {
      id: cell.id
    });
  } else if (duplicate) {
    addNodeIssue(issues, cell, 'duplicate-id', `/cells/${index}/id`, {
      id: cell.id
    });
  }
  if (isEmptySource(cell.source)) {
    addNodeIssue(issues, cell, 'empty-source', `/cells/${index}/source`);
  }
  const after = meta.after ?? [];
  for (let position = 0; nodeIds && position < after.length; position++) {
    const dependency = after[position];
    if (!nodeIds.has(dependency)) {
      const path = `${metadataPath(index)}/after/${position}`;
      addNodeIssue(issues, cell, 'dangling-dependency', path, { dependency });
    }
  }
  const placement = meta.placement ?? options.defaultPlacement;
  if (placement !== undefined && !PLACEMENT_PATTERN.test(placement)) {
    const path = `${metadataPath(index)}/placement`;
    addNodeIssue(issues, cell, 'invalid-placement', path, { placement });
  } else if (
    placement !== undefined &&
    options.placements &&
    !options.placements.includes(placement)
  ) {
    const available = options.placements.join(', ') || 'none';
    const path = `${metadataPath(index)}/placement`;
    addNodeIssue(issues, cell, 'unknown-placement', path, {
      placement,
      available
    });
  }
  if (meta.resources) {
    for (const [resource, value] of Object.entries(meta.resources)) {
      const check = RESOURCE_CHECKS[resource as keyof IResources];
      // Unknown names are invalid too: the schema allows no others.
      if (value !== undefined && !check?.(value)) {
        const path = `${metadataPath(index)}/resources/${resource}`;
        addNodeIssue(issues, cell, 'invalid-resources', path, {
          resource,
          value: JSON.stringify(value)
        });
      }
    }
  }
  const retries = meta.retries;
  if (
    retries !== undefined &&
    !(Number.isInteger(retries) && retries >= 0 && retries <= MAX_RETRIES)
  ) {
    const path = `${metadataPath(index)}/retries`;
    addNodeIssue(issues, cell, 'invalid-retries', path, {
      value: String(retries)
    });
  }
  const timeout = meta.timeout_s;
  if (
    typeof timeout === 'number' &&
    !(timeout > 0 && timeout <= MAX_TIMEOUT_S)
  ) {
    const path = `${metadataPath(index)}/timeout_s`;
    addNodeIssue(issues, cell, 'invalid-timeout', path, {
      value: String(timeout)
    });
  }
}

/** The JSON pointer to the `continuum` metadata of the cell at `index`. */
function metadataPath(index: number): string {
  return `/cells/${index}/metadata/continuum`;
}

/** Adds an issue of a node cell, its label as the `node` parameter. */
function addNodeIssue(
  issues: IValidationIssue[],
  cell: ICellInfo,
  code: IssueCode,
  path: string,
  params: { [name: string]: string } = {}
): void {
  issues.push(
    makeIssue(code, path, { node: nodeLabel(cell), ...params }, cell.id)
  );
}

function makeIssue(
  code: IssueCode,
  path: string,
  params: { [name: string]: string },
  nodeId?: string
): IValidationIssue {
  const issue: IValidationIssue = {
    path,
    code,
    message: formatIssueMessage(code, params),
    params
  };
  if (nodeId !== undefined) {
    issue.nodeId = nodeId;
  }
  return issue;
}
