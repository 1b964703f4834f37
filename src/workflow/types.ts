/**
 * Types of the workflow domain (DESIGN §3.1, §3.2). Pure: no JupyterLab or React here.
 */

/** Where a node runs: "edge", "cloud" or a named target the orchestrator offers. */
export type Placement = string;

/** A node's role: a workflow step, or setup code prepended to every node. */
export type NodeRole = 'node' | 'setup';

export interface IResources {
  cpu?: number;
  memory?: string;
  gpu?: number;
}

/**
 * The `continuum` object of a code cell's metadata (contract, DESIGN §3.1).
 */
export interface INodeMetadata {
  label?: string;
  placement?: Placement;
  /** Ids of the cells this node runs after (edges drawn by the user). */
  after?: string[];
  resources?: IResources;
  retries?: number;
  timeout_s?: number | null;
  role?: NodeRole;
}

/**
 * What the workflow core needs to know of a notebook cell.
 */
export interface ICellInfo {
  /** The nbformat cell id, which is the node id. */
  id: string;
  cellType: 'code' | 'markdown' | 'raw';
  source: string;
  /** The cell's `continuum` metadata; absent for untagged cells. */
  continuum?: INodeMetadata;
}

/**
 * One node of the submitted workflow spec (contract, workflow.schema.json).
 */
export interface IWorkflowNodeSpec {
  id: string;
  label?: string;
  source: string;
  placement: Placement;
  depends_on: string[];
  resources?: IResources;
  retries?: number;
  timeout_s?: number | null;
}

/**
 * The workflow spec the frontend submits (contract, workflow.schema.json).
 */
export interface IWorkflowSpec {
  name: string;
  notebook?: { path: string };
  nodes: IWorkflowNodeSpec[];
  setup?: string[];
}

/**
 * A problem found in a workflow, located on a node when it concerns one.
 */
export interface IValidationIssue {
  nodeId?: string;
  /**
   * JSON pointer to the problem: into the notebook for issues found in cells, e.g.
   * "/cells/2/metadata/continuum/placement"; into the spec for the server's, e.g. "/nodes/2/placement".
   */
  path: string;
  code: IssueCode;
  /** The issue in English, built from `code` and `params` (see `ISSUE_MESSAGES`). */
  message: string;
  /** The values named in the message, so a UI can translate the message by `code`. */
  params: { [name: string]: string };
}

/** What kind of problem an `IValidationIssue` is. */
export type IssueCode =
  | 'cycle'
  | 'dangling-dependency'
  | 'unknown-placement'
  | 'empty-source'
  | 'duplicate-id'
  | 'invalid-id'
  | 'invalid-placement'
  | 'invalid-resources'
  | 'invalid-retries'
  | 'invalid-timeout'
  | 'no-nodes'
  | 'not-code';
