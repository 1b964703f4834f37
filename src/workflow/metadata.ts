/**
 * The `continuum` metadata of a cell (DESIGN §3.1): reading it tolerantly, and what it implies
 * (is the cell a node, a setup cell, what is its label).
 *
 * Reading checks JSON types only: a field of the wrong type is dropped, while a well-typed value
 * out of range (`retries: -1`, `memory: "lots"`) is kept so that `validateWorkflow` can report it
 * instead of silently running the node without it.
 */

import { ICellInfo, INodeMetadata, IResources, NodeRole } from './types';

/** Longest label the spec accepts (workflow.schema.json). */
export const MAX_LABEL_LENGTH = 200;

/** Length of a label derived from a code line, ellipsis included. */
const DEFAULT_LABEL_LENGTH = 40;

/** The label of a node whose code gives nothing better. */
const FALLBACK_LABEL = 'node';

const ROLES: readonly NodeRole[] = ['node', 'setup'];

/** `def f`, `async def f` or `class C` at the start of a line: group 1 is the name. */
const DEFINITION = /^(?:async\s+def|def|class)\s+([\p{L}_][\p{L}\p{N}_]*)/u;

/**
 * The `continuum` object of a cell's metadata, normalised; null when it is not an object (the
 * cell is not tagged). Never throws: fields of the wrong type are dropped, label and placement
 * are trimmed (blank means unset), and ids in `after` are kept once each.
 */
export function readNodeMetadata(raw: unknown): INodeMetadata | null {
  if (!isObject(raw)) {
    return null;
  }
  const meta: INodeMetadata = {};
  const label = trimmedString(raw.label);
  if (label) {
    meta.label = label;
  }
  const placement = trimmedString(raw.placement);
  if (placement) {
    meta.placement = placement;
  }
  if (Array.isArray(raw.after)) {
    const after = raw.after.filter(
      (id: unknown): id is string => typeof id === 'string' && id !== ''
    );
    meta.after = Array.from(new Set(after));
  }
  const resources = readResources(raw.resources);
  if (resources) {
    meta.resources = resources;
  }
  if (isFiniteNumber(raw.retries)) {
    meta.retries = raw.retries;
  }
  if (raw.timeout_s === null || isFiniteNumber(raw.timeout_s)) {
    meta.timeout_s = raw.timeout_s;
  }
  if (ROLES.includes(raw.role as NodeRole)) {
    meta.role = raw.role as NodeRole;
  }
  return meta;
}

/** Whether a cell is a workflow node: a tagged code cell whose role is not `setup`. */
export function isNode(
  cell: Pick<ICellInfo, 'cellType' | 'continuum'>
): boolean {
  return (
    cell.cellType === 'code' &&
    cell.continuum !== undefined &&
    cell.continuum.role !== 'setup'
  );
}

/** Whether a cell is setup code prepended to every node: a code cell with role `setup`. */
export function isSetup(
  cell: Pick<ICellInfo, 'cellType' | 'continuum'>
): boolean {
  return cell.cellType === 'code' && cell.continuum?.role === 'setup';
}

/**
 * The first line of code, trimmed: blank lines, comments and IPython magics (`%`, `%%`, `!`)
 * are skipped. Null when there is none.
 */
export function firstMeaningfulLine(source: string): string | null {
  return trimmedLines(source).find(isMeaningful) ?? null;
}

/**
 * The label of a node with none set: the name a cell's first statement defines (decorators
 * skipped), else its first meaningful line cut to 40 characters, else "node".
 */
export function defaultLabel(source: string): string {
  const line = trimmedLines(source).find(
    text => isMeaningful(text) && !text.startsWith('@')
  );
  if (line === undefined) {
    return FALLBACK_LABEL;
  }
  return DEFINITION.exec(line)?.[1] ?? truncate(line, DEFAULT_LABEL_LENGTH);
}

/** The label shown for a tagged cell: its own label, else `defaultLabel` of its source. */
export function nodeLabel(
  cell: Pick<ICellInfo, 'source' | 'continuum'>
): string {
  const label = cell.continuum?.label?.trim();
  return label ? truncate(label, MAX_LABEL_LENGTH) : defaultLabel(cell.source);
}

/** Whether a source has no code at all: only blank lines and comments. */
export function isEmptySource(source: string): boolean {
  // As `trimmedLines(source).every(isBlankOrComment)`, without an array per call: a line
  // counts once its first non-blank character is not `#`.
  let lineStart = true;
  for (let i = 0; i < source.length; i++) {
    const code = source.charCodeAt(i);
    if (code === NEWLINE) {
      lineStart = true;
    } else if (lineStart && !isBlank(code)) {
      if (code !== HASH) {
        return false;
      }
      lineStart = false;
    }
  }
  return true;
}

const NEWLINE = 10;
const HASH = 35;
/** What `String.prototype.trim` removes (\s is the same set). */
const BLANK = /\s/;

function isBlank(code: number): boolean {
  return code < 128
    ? code === 32 || (code >= 9 && code <= 13)
    : BLANK.test(String.fromCharCode(code));
}

/**
 * `meta` without `removedId` in its `after` list; `meta` itself when it does not list it, so
 * callers can tell whether anything changed.
 */
export function withoutNode(
  meta: INodeMetadata,
  removedId: string
): INodeMetadata {
  if (!meta.after?.includes(removedId)) {
    return meta;
  }
  return { ...meta, after: meta.after.filter(id => id !== removedId) };
}

/** `text` cut to `length` characters (code points), an ellipsis marking a cut. */
export function truncate(text: string, length: number): string {
  // A string has at least as many UTF-16 units as code points: most need no split.
  if (text.length <= length) {
    return text;
  }
  const chars = Array.from(text);
  if (chars.length <= length) {
    return text;
  }
  return (
    chars
      .slice(0, length - 1)
      .join('')
      .trimEnd() + '…'
  );
}

function trimmedLines(source: string): string[] {
  return source.split('\n').map(line => line.trim());
}

function isMeaningful(trimmed: string): boolean {
  return !isBlankOrComment(trimmed) && !isMagic(trimmed);
}

function isBlankOrComment(trimmed: string): boolean {
  return trimmed === '' || trimmed.startsWith('#');
}

function isMagic(trimmed: string): boolean {
  return trimmed.startsWith('%') || trimmed.startsWith('!');
}

function readResources(raw: unknown): IResources | undefined {
  if (!isObject(raw)) {
    return undefined;
  }
  const resources: IResources = {};
  if (isFiniteNumber(raw.cpu)) {
    resources.cpu = raw.cpu;
  }
  if (typeof raw.memory === 'string') {
    resources.memory = raw.memory;
  }
  if (isFiniteNumber(raw.gpu)) {
    resources.gpu = raw.gpu;
  }
  return Object.keys(resources).length > 0 ? resources : undefined;
}

function isObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` trimmed if it is a string, else undefined. */
function trimmedString(value: unknown): string | undefined {
  return typeof value === 'string' ? value.trim() : undefined;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
