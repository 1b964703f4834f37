import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { IAnalysis } from '../run/client';

export interface ISuggestion {
  source: string;
  target: string;
  variables: string[];
}

/**
 * The list of inferred dependencies, each with a checkbox, plus what needs fixing.
 */
class SuggestionList extends ReactWidget {
  constructor(
    private _suggestions: ISuggestion[],
    private _analysis: IAnalysis,
    private _label: (cellId: string) => string,
    private _trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-Continuum-suggestions');
    this._accepted = new Set(_suggestions.map((_, index) => index));
  }

  getValue(): ISuggestion[] {
    return this._suggestions.filter((_, index) => this._accepted.has(index));
  }

  protected render(): JSX.Element {
    const trans = this._trans;
    const errors = this._analysis.cells.filter(cell => cell.error);
    return (
      <div>
        {this._suggestions.length === 0 ? (
          <p>{trans.__('No new dependencies were found.')}</p>
        ) : (
          <ul className="jp-Continuum-suggestionList">
            {this._suggestions.map((edge, index) => (
              <li key={`${edge.source}-${edge.target}`}>
                <label>
                  <input
                    type="checkbox"
                    checked={this._accepted.has(index)}
                    onChange={() => {
                      if (!this._accepted.delete(index)) {
                        this._accepted.add(index);
                      }
                      this.update();
                    }}
                  />
                  {trans.__(
                    '%1 → %2 (%3)',
                    this._label(edge.source),
                    this._label(edge.target),
                    edge.variables.join(', ')
                  )}
                </label>
              </li>
            ))}
          </ul>
        )}
        {this._analysis.problems.map(problem => (
          <p
            key={`${problem.cell_id}-${problem.code}-${problem.variables.join()}`}
            className="jp-Continuum-problem"
          >
            {trans.__('%1: %2', this._label(problem.cell_id), problem.message)}
          </p>
        ))}
        {errors.map(cell => (
          <p key={cell.id} className="jp-Continuum-problem">
            {trans.__(
              '%1: syntax error line %2: %3',
              this._label(cell.id),
              cell.error!.line,
              cell.error!.message
            )}
          </p>
        ))}
      </div>
    );
  }

  private _accepted: Set<number>;
}

/**
 * Show inferred dependencies as suggestions; resolves to those the user accepts.
 */
export async function reviewSuggestions(
  suggestions: ISuggestion[],
  analysis: IAnalysis,
  label: (cellId: string) => string,
  trans: TranslationBundle
): Promise<ISuggestion[]> {
  const result = await showDialog({
    title: trans.__('Inferred dependencies'),
    body: new SuggestionList(suggestions, analysis, label, trans),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Dismiss') }),
      Dialog.okButton({
        label: trans.__('Add selected'),
        displayType: suggestions.length ? 'default' : 'warn'
      })
    ]
  });
  return result.button.accept ? (result.value ?? []) : [];
}
