import type { NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';

import { writeData, writeText, writeTitle } from '../domWrites';
import { badgeText, badgeTitle, ticks } from './badge';
import type { NotebookRuns } from './notebookRuns';
import { problemsByNode } from './problems';
import type { INodeStatus } from './runState';

const CHIP_SELECTOR = ':scope > .jp-Continuum-cellChip';
const BADGE_CLASS = 'jp-Continuum-badge';

/**
 * Puts each node's status badge, and what stops it from deploying, on its cell's chip.
 *
 * Driven by the run store, so a cell re-rendered by the notebook gets its badge back on the
 * next change; text only, like the chip.
 */
export class CellBadges implements IDisposable {
  constructor(
    private _panel: NotebookPanel,
    private _runs: NotebookRuns,
    private _trans: TranslationBundle,
    private _openDetails: (cellId: string) => void
  ) {
    this._unsubscribe = _runs.state.subscribe(() => this.refresh());
    _runs.workflow.changed.connect(this._refreshAll, this);
    _runs.workflow.model.cells.changed.connect(this._refreshAll, this);
    this.refresh();
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Bring the badges up to date. Only cells whose status or problems changed are touched:
   * a run of thousands of nodes changes a few of them per frame. `timed` also redraws the
   * running badges, whose text shows how long they have run.
   */
  refresh(timed = false): void {
    if (this._isDisposed) {
      return;
    }
    const { run, problems } = this._runs.state.getState();
    const byNode = problemsByNode(problems);
    let running = false;
    for (const cell of this._panel.content.widgets) {
      const id = cell.model.id;
      const status = run?.nodes[id];
      const problem = byNode.get(id)?.join('\n');
      const ticking = ticks(status);
      running ||= ticking;
      const shown = this._shown.get(id);
      if (
        shown &&
        shown.status === status &&
        shown.problem === problem &&
        !(timed && ticking)
      ) {
        continue;
      }
      const chip = cell.node.querySelector<HTMLElement>(CHIP_SELECTOR);
      if (!chip) {
        continue;
      }
      this._shown.set(id, { status, problem });
      this._renderBadge(chip, id, status);
      chip.classList.toggle('jp-mod-problem', problem !== undefined);
      if (problem !== undefined) {
        writeData(chip, 'continuumProblem', problem);
        writeTitle(chip, problem);
      } else {
        delete chip.dataset.continuumProblem;
      }
    }
    this._tick(running);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._unsubscribe();
    this._runs.workflow.changed.disconnect(this._refreshAll, this);
    this._runs.workflow.model.cells.changed.disconnect(this._refreshAll, this);
    this._tick(false);
    for (const cell of this._panel.content.widgets) {
      cell.node.querySelector(`${CHIP_SELECTOR} > .${BADGE_CLASS}`)?.remove();
    }
  }

  private _renderBadge(
    chip: HTMLElement,
    id: string,
    status: INodeStatus | undefined
  ): void {
    let badge = chip.querySelector<HTMLElement>(`:scope > .${BADGE_CLASS}`);
    if (!status) {
      badge?.remove();
      return;
    }
    if (!badge) {
      badge = document.createElement('span');
      badge.className = BADGE_CLASS;
      badge.setAttribute('role', 'button');
      badge.tabIndex = 0;
      const open = (event: Event) => {
        event.preventDefault();
        event.stopPropagation();
        this._openDetails(id);
      };
      badge.addEventListener('click', open);
      badge.addEventListener('keydown', event => {
        if (event.key === 'Enter' || event.key === ' ') {
          open(event);
        }
      });
      chip.append(badge);
    }
    writeData(badge, 'continuumStatus', status.state);
    writeText(badge, badgeText(status, Date.now() / 1000, this._trans));
    writeTitle(
      badge,
      this._trans.__(
        '%1. Click for the run details.',
        badgeTitle(status, this._trans)
      )
    );
  }

  /** Cells came, went or were rendered again by the notebook: look at every one. */
  private _refreshAll(): void {
    this._shown.clear();
    this.refresh();
  }

  /** Running badges show their duration: refresh them every second while any runs. */
  private _tick(on: boolean): void {
    if (on && this._timer === null) {
      this._timer = setInterval(() => this.refresh(true), 1000);
    } else if (!on && this._timer !== null) {
      clearInterval(this._timer);
      this._timer = null;
    }
  }

  private _unsubscribe: () => void;
  /** What each cell's chip shows, by cell id. */
  private _shown = new Map<
    string,
    { status: INodeStatus | undefined; problem: string | undefined }
  >();
  private _timer: ReturnType<typeof setInterval> | null = null;
  private _isDisposed = false;
}
