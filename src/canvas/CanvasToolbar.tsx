import { ReactWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import {
  LabIcon,
  linkIcon,
  redoIcon,
  tableRowsIcon,
  ToolbarButtonComponent,
  treeViewIcon,
  undoIcon
} from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import * as React from 'react';
import { useStore } from 'zustand';

import { CanvasStore, ICanvasState } from './store';

interface IButtonProps {
  store: CanvasStore;
  action: string;
  onClick: () => void;
  tooltip: string;
  icon: LabIcon;
  /** Whether the button is enabled, from the canvas state. */
  enabled?: (state: ICanvasState) => boolean;
  /** Whether a toggle button is on, from the canvas state. */
  pressed?: (state: ICanvasState) => boolean;
}

const always = () => true;
const never = () => false;

// Placement glyphs as icons, in the colours of the placement chips (edge ◆, cloud ☁), so the
// toolbar stays narrow enough to keep the orchestrator status in sight beside a notebook.
const edgeIcon = new LabIcon({
  name: 'jupyterlab-continuum:edge',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24"><path class="jp-icon-warn0" fill="#f57c00" d="M12 3l9 9-9 9-9-9z"/></svg>'
});

const cloudIcon = new LabIcon({
  name: 'jupyterlab-continuum:cloud',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24"><path class="jp-icon-brand0" fill="#0d47a1" d="M19.35 10.04A7.49 7.49 0 0 0 12 4C9.11 4 6.6 5.64 5.35 8.04A6 6 0 0 0 0 14c0 3.31 2.69 6 6 6h13c2.76 0 5-2.24 5-5 0-2.64-2.05-4.78-4.65-4.96z"/></svg>'
});

function StoreButton(props: IButtonProps): JSX.Element {
  const enabled = useStore(props.store.state, props.enabled ?? always);
  const pressed = useStore(props.store.state, props.pressed ?? never);
  return (
    <ToolbarButtonComponent
      icon={props.icon}
      tooltip={props.tooltip}
      enabled={enabled}
      pressed={pressed}
      dataset={{ 'continuum-action': props.action }}
      onClick={props.onClick}
    />
  );
}

/**
 * The canvas's editing actions, as separate toolbar items so that a narrow panel moves
 * only the last ones into the toolbar's overflow menu: undo/redo of workflow edits,
 * auto-layout, swimlanes, the placement of the selected nodes and the suggestion of inferred
 * dependencies (`suggest`). Fit view and zoom are in the canvas's own controls.
 */
export function canvasToolbarItems(
  store: CanvasStore,
  trans: TranslationBundle,
  suggest: () => void
): [string, Widget][] {
  const hasSelection = (state: ICanvasState) => state.selection.length > 0;
  const buttons: Omit<IButtonProps, 'store'>[] = [
    {
      action: 'undo',
      icon: undoIcon,
      tooltip: trans.__('Undo workflow edit (Ctrl+Z)'),
      enabled: state => state.canUndo,
      onClick: () => store.undo()
    },
    {
      action: 'redo',
      icon: redoIcon,
      tooltip: trans.__('Redo workflow edit (Ctrl+Shift+Z)'),
      enabled: state => state.canRedo,
      onClick: () => store.redo()
    },
    {
      action: 'layout',
      icon: treeViewIcon,
      tooltip: trans.__('Lay the workflow out from left to right'),
      onClick: () => store.autoLayout()
    },
    {
      action: 'swimlanes',
      icon: tableRowsIcon,
      tooltip: trans.__('Group the nodes in lanes by placement'),
      pressed: state => state.swimlanes,
      onClick: () => store.toggleSwimlanes()
    },
    {
      action: 'placement-edge',
      icon: edgeIcon,
      tooltip: trans.__('Run the selected nodes on edge (E)'),
      enabled: hasSelection,
      onClick: () => store.setPlacement('edge')
    },
    {
      action: 'placement-cloud',
      icon: cloudIcon,
      tooltip: trans.__('Run the selected nodes on cloud (C)'),
      enabled: hasSelection,
      onClick: () => store.setPlacement('cloud')
    },
    {
      action: 'suggest',
      icon: linkIcon,
      tooltip: trans.__('Suggest dependencies from the code'),
      onClick: suggest
    }
  ];
  return buttons.map(button => [
    `continuum-${button.action}`,
    ReactWidget.create(<StoreButton store={store} {...button} />)
  ]);
}
