import * as React from 'react';

import type { NotebookRuns } from '../run/notebookRuns';

/**
 * The runs of the canvas's notebook, for the status badges. Apart from the canvas context:
 * run status never goes through the canvas store or React Flow's nodes (DESIGN §5).
 */
export const RunsContext = React.createContext<NotebookRuns | null>(null);
