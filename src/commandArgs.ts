import type { TranslationBundle } from '@jupyterlab/translation';

/**
 * The argument schemas several commands share (`describedBy`), written once.
 */

/** `{path?}`: the notebook a command acts on. */
export function notebookPathArgs(trans: TranslationBundle) {
  return {
    args: {
      type: 'object',
      properties: {
        path: {
          type: 'string',
          description: trans.__(
            'Path of the notebook; the current notebook when omitted'
          )
        }
      }
    }
  };
}

/** `{cellId?}`: the cell a command acts on. */
export function cellIdArgs(trans: TranslationBundle) {
  return {
    args: {
      type: 'object',
      properties: {
        cellId: {
          type: 'string',
          description: trans.__('Id of the cell; the active cell if omitted')
        }
      }
    }
  };
}
