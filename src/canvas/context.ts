import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { useStore } from 'zustand';

import { CanvasStore, ICanvasState } from './store';

/** What every component of a canvas needs: its store and the translations. */
export interface ICanvasContext {
  store: CanvasStore;
  trans: TranslationBundle;
}

export const CanvasContext = React.createContext<ICanvasContext | null>(null);

export function useCanvasContext(): ICanvasContext {
  const context = React.useContext(CanvasContext);
  if (!context) {
    throw new Error('A canvas component was rendered outside its canvas.');
  }
  return context;
}

/** A slice of the canvas state; the component re-renders when that slice changes only. */
export function useCanvasState<T>(selector: (state: ICanvasState) => T): T {
  return useStore(useCanvasContext().store.state, selector);
}
