import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { INodeMetadata } from '../workflow';

/**
 * A labelled number input; empty means "not set".
 */
function NumberField(props: {
  label: string;
  name: string;
  value: number | null | undefined;
  min: number;
  max?: number;
  step?: number;
  onChange: (value: string) => void;
}): JSX.Element {
  return (
    <label>
      {props.label}
      <input
        name={props.name}
        type="number"
        min={props.min}
        max={props.max}
        step={props.step ?? 1}
        className="jp-mod-styled"
        value={props.value ?? ''}
        onChange={e => props.onChange(e.target.value)}
      />
    </label>
  );
}

/**
 * The form of a node's properties. Keeps its own draft; the dialog reads it on accept.
 */
class NodeForm extends ReactWidget {
  constructor(
    initial: INodeMetadata,
    private _placements: string[],
    private _trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-Continuum-nodeForm');
    this.draft = { ...initial, resources: { ...initial.resources } };
  }

  draft: INodeMetadata;

  getValue(): INodeMetadata {
    const { resources, ...rest } = this.draft;
    const kept = Object.fromEntries(
      Object.entries(resources ?? {}).filter(
        ([, value]) => value !== undefined && value !== ''
      )
    );
    return Object.keys(kept).length ? { ...rest, resources: kept } : rest;
  }

  protected render(): JSX.Element {
    const trans = this._trans;
    const draft = this.draft;
    const set = (patch: Partial<INodeMetadata>) => {
      this.draft = { ...this.draft, ...patch };
      this.update();
    };
    const setResource = (key: 'cpu' | 'memory' | 'gpu', value: string) => {
      const parsed =
        key === 'memory' ? value.trim() : value === '' ? undefined : +value;
      set({ resources: { ...draft.resources, [key]: parsed } });
    };
    const placements = Array.from(
      new Set([...this._placements, draft.placement ?? ''].filter(Boolean))
    );
    return (
      <form onSubmit={event => event.preventDefault()}>
        <label>
          {trans.__('Label')}
          <input
            name="label"
            className="jp-mod-styled"
            value={draft.label ?? ''}
            onChange={e => set({ label: e.target.value })}
          />
        </label>
        <label>
          {trans.__('Role')}
          <select
            name="role"
            className="jp-mod-styled"
            value={draft.role ?? 'node'}
            onChange={e => set({ role: e.target.value as 'node' | 'setup' })}
          >
            <option value="node">{trans.__('Workflow node')}</option>
            <option value="setup">
              {trans.__('Setup (prepended to every node)')}
            </option>
          </select>
        </label>
        <label>
          {trans.__('Placement')}
          <select
            name="placement"
            className="jp-mod-styled"
            value={draft.placement ?? ''}
            disabled={draft.role === 'setup'}
            onChange={e => set({ placement: e.target.value })}
          >
            {placements.map(name => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <fieldset disabled={draft.role === 'setup'}>
          <legend>{trans.__('Resources')}</legend>
          <NumberField
            label={trans.__('CPU')}
            name="cpu"
            min={0}
            step={0.5}
            value={draft.resources?.cpu}
            onChange={value => setResource('cpu', value)}
          />
          <label>
            {trans.__('Memory')}
            <input
              name="memory"
              placeholder={trans.__('e.g. 2GiB')}
              pattern="^[0-9]+(\.[0-9]+)?\s*([KMGT]i?B|B)?$"
              className="jp-mod-styled"
              value={draft.resources?.memory ?? ''}
              onChange={e => setResource('memory', e.target.value)}
            />
          </label>
          <NumberField
            label={trans.__('GPU')}
            name="gpu"
            min={0}
            value={draft.resources?.gpu}
            onChange={value => setResource('gpu', value)}
          />
        </fieldset>
        <NumberField
          label={trans.__('Retries')}
          name="retries"
          min={0}
          max={10}
          value={draft.retries ?? 0}
          onChange={value => set({ retries: Math.max(0, +value || 0) })}
        />
        <NumberField
          label={trans.__('Timeout (seconds, empty for none)')}
          name="timeout_s"
          min={1}
          value={draft.timeout_s}
          onChange={value => set({ timeout_s: value === '' ? null : +value })}
        />
      </form>
    );
  }
}

/**
 * Ask the user for a node's properties; null when the dialog is dismissed.
 */
export async function editNodeProperties(
  initial: INodeMetadata,
  placements: string[],
  trans: TranslationBundle
): Promise<INodeMetadata | null> {
  const result = await showDialog({
    title: trans.__('Workflow node properties'),
    body: new NodeForm(initial, placements, trans),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({ label: trans.__('Save') })
    ]
  });
  return result.button.accept && result.value
    ? cleanMetadata(result.value)
    : null;
}

/** Drop empty optional fields so the metadata stays minimal and schema-valid. */
function cleanMetadata(meta: INodeMetadata): INodeMetadata {
  const clean: INodeMetadata = { ...meta };
  if (!clean.label?.trim()) {
    delete clean.label;
  }
  if (clean.timeout_s === null || clean.timeout_s === undefined) {
    delete clean.timeout_s;
  }
  if (!clean.retries) {
    delete clean.retries;
  }
  return clean;
}
