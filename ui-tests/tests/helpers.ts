import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/** Run a JupyterLab command; its result stays in the page (widgets cannot cross). */
export async function runCommand(
  page: IJupyterLabPageFixture,
  id: string,
  args: Record<string, unknown> = {}
): Promise<void> {
  await page.evaluate(
    async ({ id, args }) => {
      await window.jupyterapp.commands.execute(id, args as any);
    },
    { id, args }
  );
}

/** Start a command that waits on the user (a dialog) without waiting for it. */
export async function startCommand(
  page: IJupyterLabPageFixture,
  id: string,
  args: Record<string, unknown> = {}
): Promise<void> {
  await page.evaluate(
    ({ id, args }) => {
      void window.jupyterapp.commands.execute(id, args as any);
    },
    { id, args }
  );
}

export interface ICellSummary {
  id: string;
  source: string;
  continuum?: {
    label?: string;
    placement?: string;
    after?: string[];
    role?: string;
  };
}

/** The current notebook's cells as its model holds them. */
export async function notebookCells(
  page: IJupyterLabPageFixture
): Promise<ICellSummary[]> {
  return page.evaluate(() => {
    const panel = window.jupyterapp.shell.currentWidget as any;
    const json = panel.context.model.toJSON();
    return json.cells.map((cell: any) => ({
      id: cell.id,
      source: Array.isArray(cell.source) ? cell.source.join('') : cell.source,
      continuum: cell.metadata.continuum
    }));
  });
}

/** Validate a notebook file's JSON with nbformat (throws with its message when invalid). */
export function validateWithNbformat(content: unknown): void {
  const dir = mkdtempSync(join(tmpdir(), 'continuum-nb-'));
  const file = join(dir, 'notebook.ipynb');
  writeFileSync(file, JSON.stringify(content));
  execFileSync(
    'python',
    [
      '-c',
      'import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))',
      file
    ],
    { stdio: 'pipe' }
  );
}

/**
 * Reload once the saved layout holds the canvas, and wait for JupyterLab to restore it.
 */
export async function reloadWithCanvas(
  page: IJupyterLabPageFixture
): Promise<void> {
  // The layout is saved asynchronously: wait until it holds the canvas.
  await expect
    .poll(() =>
      page.evaluate(async () => {
        const { values } =
          await window.jupyterapp.serviceManager.workspaces.list();
        return values.some(workspace =>
          JSON.stringify(workspace.data['layout-restorer:data']).includes(
            'continuum-canvas:'
          )
        );
      })
    )
    .toBe(true);
  // Galata's readiness check wants a Launcher tab, which a restored layout does not have.
  await page.reload({ waitForIsReady: false });
  await page.evaluate(async () => {
    await window.jupyterapp.restored;
  });
}

export interface INodeCell {
  id: string;
  source: string;
  after?: string[];
  placement?: string;
}

/** A valid notebook (nbformat 4.5) whose code cells are workflow nodes labelled by their ids. */
export function workflowNotebookContent(
  cells: INodeCell[]
): Record<string, unknown> {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: {
        name: 'python3',
        display_name: 'Python 3',
        language: 'python'
      },
      language_info: { name: 'python' }
    },
    cells: cells.map(cell => ({
      id: cell.id,
      cell_type: 'code',
      source: cell.source,
      metadata: {
        continuum: {
          role: 'node',
          label: cell.id,
          placement: cell.placement ?? 'edge',
          after: cell.after ?? []
        }
      },
      outputs: [],
      execution_count: null
    }))
  };
}

/** `workflowNotebookContent` as the JSON text of a file. */
export function workflowNotebook(cells: INodeCell[]): string {
  return JSON.stringify(workflowNotebookContent(cells));
}

/**
 * A notebook whose `count` code cells are workflow nodes in layers of `width`: each node
 * depends on the node at its row and the one above it in the layer before, so the graph is
 * a layered DAG. The first half of the layers run on edge, the rest on cloud. Cell ids are
 * `n0`, `n1`, …
 */
export function layeredWorkflowNotebook(
  count: number,
  width: number
): Record<string, unknown> {
  const layers = Math.ceil(count / width);
  return workflowNotebookContent(
    Array.from({ length: count }, (_, i) => {
      const layer = Math.floor(i / width);
      const row = i % width;
      const after = layer
        ? [i - width, ...(row ? [i - width - 1] : [])].map(j => `n${j}`)
        : [];
      return {
        id: `n${i}`,
        source: `x${i} = ${after.length ? after.map(id => id.replace('n', 'x')).join(' + ') : i}`,
        placement: layer < layers / 2 ? 'edge' : 'cloud',
        after
      };
    })
  );
}
