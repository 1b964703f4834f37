-- The run store's schema, version 1 (jupyterlab-continuum 0.1.0), as its files were created:
-- kept as it was, to test the migration of such files.
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    notebook_path TEXT,
    spec TEXT NOT NULL,
    spec_hash TEXT NOT NULL,
    idempotency_key TEXT UNIQUE,
    owner TEXT,
    state TEXT NOT NULL,
    message TEXT,
    created REAL NOT NULL,
    started REAL,
    finished REAL
);
CREATE INDEX IF NOT EXISTS runs_created ON runs (created DESC, id);
CREATE TABLE IF NOT EXISTS nodes (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    node_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    placement TEXT NOT NULL,
    depends_on TEXT NOT NULL,
    state TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    worker TEXT,
    started REAL,
    finished REAL,
    message TEXT,
    error TEXT,
    PRIMARY KEY (run_id, node_id)
);
CREATE TABLE IF NOT EXISTS attempts (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    node_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    state TEXT NOT NULL,
    worker TEXT,
    queued REAL,
    started REAL,
    finished REAL,
    message TEXT,
    error TEXT,
    PRIMARY KEY (run_id, node_id, attempt)
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    node_id TEXT,
    ts REAL NOT NULL,
    kind TEXT NOT NULL,
    state TEXT,
    attempt INTEGER,
    placement TEXT,
    worker TEXT,
    message TEXT,
    output TEXT,
    output_file TEXT
);
CREATE INDEX IF NOT EXISTS events_run ON events (run_id, seq);
CREATE INDEX IF NOT EXISTS events_outputs ON events (run_id, node_id, attempt)
    WHERE kind = 'output';
