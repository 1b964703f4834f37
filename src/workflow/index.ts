/**
 * The workflow domain (DESIGN §2): plain TypeScript, no JupyterLab or React.
 */

export * from './types';
export * from './metadata';
export * from './graph';
export * from './validate';
export * from './spec';
