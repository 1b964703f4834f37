import { Cell } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';

import { writeData, writeText, writeTitle } from '../domWrites';
import { INodeMetadata, nodeLabel } from '../workflow';
import { NotebookWorkflow } from './model';

const CHIP_CLASS = 'jp-Continuum-cellChip';

/**
 * Keeps a slim chip (label · placement) on every tagged cell of one notebook.
 *
 * Built with DOM text nodes only: cell text can never inject markup.
 */
export class CellChips implements IDisposable {
  constructor(
    private _panel: NotebookPanel,
    private _workflow: NotebookWorkflow,
    private _trans: TranslationBundle,
    private _onOpen: (cellId: string) => void
  ) {
    _workflow.changed.connect(this.refresh, this);
    _workflow.model.cells.changed.connect(this.refresh, this);
    this.refresh();
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Bring every cell's chip in line with its metadata; unchanged chips are not written. */
  refresh(): void {
    for (const cell of this._panel.content.widgets) {
      const meta = this._workflow.node(cell.model.id);
      this._render(cell, meta, cell.model.sharedModel.getSource());
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._workflow.changed.disconnect(this.refresh, this);
    this._workflow.model.cells.changed.disconnect(this.refresh, this);
    for (const cell of this._panel.content.widgets) {
      cell.node.querySelector(`:scope > .${CHIP_CLASS}`)?.remove();
    }
  }

  private _render(cell: Cell, meta: INodeMetadata | null, source: string) {
    let chip = cell.node.querySelector<HTMLElement>(`:scope > .${CHIP_CLASS}`);
    if (!meta) {
      chip?.remove();
      cell.removeClass('jp-Continuum-taggedCell');
      return;
    }
    if (!chip) {
      chip = this._create(cell);
    }
    cell.addClass('jp-Continuum-taggedCell');
    const isSetup = meta.role === 'setup';
    const label = nodeLabel({ source, continuum: meta });
    const placement = isSetup
      ? this._trans.__('setup')
      : (meta.placement ?? '');
    const [labelEl, placementEl] = Array.from(chip.children) as HTMLElement[];
    writeText(labelEl, label);
    writeText(placementEl, placement);
    writeData(
      placementEl,
      'placement',
      isSetup ? 'setup' : (meta.placement ?? '')
    );
    writeData(chip, 'continuumRole', meta.role ?? 'node');
    writeTitle(
      chip,
      isSetup
        ? this._trans.__('Setup cell, prepended to every node. Click to edit.')
        : this._trans.__(
            'Workflow node "%1" on %2. Click to edit.',
            label,
            placement
          )
    );
  }

  private _create(cell: Cell): HTMLElement {
    const chip = document.createElement('div');
    chip.className = CHIP_CLASS;
    chip.setAttribute('role', 'button');
    chip.tabIndex = 0;
    chip.dataset.continuumCell = cell.model.id;
    const label = document.createElement('span');
    label.className = 'jp-Continuum-chipLabel';
    const placement = document.createElement('span');
    placement.className = 'jp-Continuum-placement';
    chip.append(label, placement);
    const open = (event: Event) => {
      event.preventDefault();
      event.stopPropagation();
      this._onOpen(cell.model.id);
    };
    chip.addEventListener('click', open);
    chip.addEventListener('keydown', event => {
      if (event.key === 'Enter' || event.key === ' ') {
        open(event);
      }
    });
    // First child of the cell: above the input, out of the way of the cell toolbar.
    cell.node.insertBefore(chip, cell.node.firstChild);
    return chip;
  }

  private _isDisposed = false;
}
