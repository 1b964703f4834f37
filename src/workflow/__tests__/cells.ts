/**
 * Cells for the workflow tests (not a test file: jest runs only *.spec.ts).
 */

import { ICellInfo, INodeMetadata } from '../types';

/** A tagged code cell whose source defines a variable named after its id. */
export function node(
  id: string,
  after: string[] = [],
  meta: INodeMetadata = {}
): ICellInfo {
  return {
    id,
    cellType: 'code',
    source: `${id}_value = 1`,
    continuum: { after, ...meta }
  };
}

/** An untagged code cell. */
export function plain(id: string, source = 'print(1)'): ICellInfo {
  return { id, cellType: 'code', source };
}

/** A setup cell. */
export function setup(id: string, source: string): ICellInfo {
  return { id, cellType: 'code', source, continuum: { role: 'setup' } };
}

/** Cells forming the graph `edges` over nodes n0 … n(count-1), in that notebook order. */
export function graphCells(
  count: number,
  edges: ReadonlyArray<readonly [number, number]>
): ICellInfo[] {
  const after: string[][] = Array.from({ length: count }, () => []);
  for (const [from, to] of edges) {
    after[to].push(`n${from}`);
  }
  return after.map((parents, index) => node(`n${index}`, parents));
}
