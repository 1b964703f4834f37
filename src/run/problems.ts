import type { TranslationBundle } from '@jupyterlab/translation';

import type { IValidationIssue } from '../workflow';
import type { IServerValidation } from './client';

/** Something that stops a deploy, on a node when it concerns one. */
export interface IProblem {
  nodeId: string | null;
  message: string;
}

/** A local validation issue in the user's language (the core builds English only). */
export function translateIssue(
  issue: IValidationIssue,
  trans: TranslationBundle
): string {
  const p = issue.params;
  switch (issue.code) {
    case 'cycle':
      return trans.__('Cycle: %1', p.path);
    case 'dangling-dependency':
      return trans.__(
        '"%1" runs after "%2", which is not a workflow node',
        p.node,
        p.dependency
      );
    case 'duplicate-id':
      return trans.__('Node id "%1" is used by more than one cell', p.id);
    case 'empty-source':
      return trans.__('"%1" has no code', p.node);
    case 'invalid-id':
      return trans.__(
        'Invalid node id "%1": use 1 to 64 letters, digits, - or _',
        p.id
      );
    case 'invalid-placement':
      return trans.__('"%1": invalid placement name "%2"', p.node, p.placement);
    case 'invalid-resources':
      return trans.__('"%1": invalid %2 %3', p.node, p.resource, p.value);
    case 'invalid-retries':
      return trans.__(
        '"%1": retries must be a whole number from 0 to 10',
        p.node
      );
    case 'invalid-timeout':
      return trans.__(
        '"%1": timeout must be over 0 and at most 604800 s',
        p.node
      );
    case 'no-nodes':
      return trans.__('No cell is tagged as a workflow node');
    case 'not-code':
      return trans.__(
        'Cell "%1" is a %2 cell; only code cells can be nodes',
        p.id,
        p.cellType
      );
    case 'unknown-placement':
      return trans.__(
        '"%1": unknown placement "%2" (available: %3)',
        p.node,
        p.placement,
        p.available
      );
  }
}

export function localProblems(
  issues: readonly IValidationIssue[],
  trans: TranslationBundle
): IProblem[] {
  return issues.map(issue => ({
    nodeId: issue.nodeId ?? null,
    message: translateIssue(issue, trans)
  }));
}

/** The server's verdict as problems; its messages come in the server's words. */
export function serverProblems(verdict: IServerValidation): IProblem[] {
  return verdict.errors.map(error => ({
    nodeId: error.node_id ?? null,
    message: error.message
  }));
}

/** Problems by node id, for the markers on nodes and cells. */
export function problemsByNode(
  problems: readonly IProblem[]
): Map<string, string[]> {
  const byNode = new Map<string, string[]>();
  for (const problem of problems) {
    if (problem.nodeId !== null) {
      const list = byNode.get(problem.nodeId) ?? [];
      list.push(problem.message);
      byNode.set(problem.nodeId, list);
    }
  }
  return byNode;
}
