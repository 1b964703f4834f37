/// <reference types="node" />
/**
 * The real spec schema, compiled with Ajv for JSON Schema 2020-12 (not a test file).
 */

import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import { readFileSync } from 'fs';
import { resolve } from 'path';

const SCHEMA_PATH = resolve(
  __dirname,
  '../../../jupyterlab_continuum/spec/workflow.schema.json'
);

let compiled: ValidateFunction | null = null;

/** A validator of workflow specs against jupyterlab_continuum/spec/workflow.schema.json. */
export function specValidator(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf-8'));
    compiled = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
  }
  return compiled;
}
