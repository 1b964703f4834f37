import { NotebookModel } from '@jupyterlab/notebook';

/** A real notebook model holding code cells with these sources. */
export function notebookWith(sources: string[]): NotebookModel {
  const model = new NotebookModel();
  model.sharedModel.insertCells(
    0,
    sources.map(source => ({ cell_type: 'code', source }))
  );
  // Edits before this point are the notebook's content, not user actions to undo.
  model.sharedModel.clearUndoHistory();
  return model;
}
