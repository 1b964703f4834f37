"""Persistence: runs, nodes, attempts and events in SQLite (WAL); large outputs in files.

Every change of state is one transaction that also appends its event, so the event log and
the snapshots never disagree, and an event is stored before anyone is told about it. ``seq``
is SQLite's AUTOINCREMENT rowid: strictly increasing, never reused, even after deletes.

Several orchestrators may share a database (JupyterLab's and ``jupyter-continuum serve``'s,
say): each run records its owner, and each orchestrator holds a file lock named after itself
for as long as it lives, so a restarting one fails only the runs of owners that are gone.
"""

from __future__ import annotations

import json
import json.encoder
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: no flock; every other owner then counts as gone
    fcntl = None

OUTPUT_INLINE_LIMIT = 64 * 1024  # bytes of JSON; larger outputs go to a file

_SCHEMA = """
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
    output_file TEXT,
    body TEXT
);
CREATE INDEX IF NOT EXISTS events_run ON events (run_id, seq);
CREATE INDEX IF NOT EXISTS events_outputs ON events (run_id, node_id, attempt)
    WHERE kind = 'output';
"""

_JSON_COLUMNS = {"error", "depends_on", "spec"}
# Bumped with every change to _SCHEMA. A file of an older version is migrated (_MIGRATIONS),
# one of another version refused, never rewritten.
SCHEMA_VERSION = 2

# An event's fields but seq and output, in the order they are sent (after seq).
_BODY_FIELDS = (
    "ts", "run_id", "node_id", "kind", "state", "attempt", "placement", "worker", "message",
)  # fmt: skip
_INSERT_EVENT = (
    f"INSERT INTO events ({', '.join(_BODY_FIELDS)}, output, output_file, body) "
    f"VALUES ({', '.join('?' * (len(_BODY_FIELDS) + 3))})"
)

# A stored event as it is sent: (seq, run_id, the event as JSON text). Each event is encoded
# once, when it is recorded; the stream joins these texts instead of encoding dicts per client.
StoredEvent = tuple[int, str, str]


class Store:
    def __init__(self, db_path: str | Path):
        self.db_path = Path(db_path)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self.outputs_dir = self.db_path.with_name(self.db_path.name + ".outputs")
        # Used from the server's event loop thread only; the check is for the test harness.
        self._db = sqlite3.connect(self.db_path, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._cursor = self._db.cursor()  # one for the event inserts, not one each
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")  # durable at checkpoints, fast commits
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.execute("PRAGMA busy_timeout = 5000")
        self._create_or_check_schema()
        self.owner = uuid.uuid4().hex
        self._owners_dir = self.db_path.with_name(self.db_path.name + ".owners")
        self._owners_dir.mkdir(exist_ok=True)
        self._owner_lock = _hold(self._owners_dir / self.owner)

    def _create_or_check_schema(self) -> None:
        """Create the tables on a new file, migrate an older one (all or nothing); refuse
        (never rewrite) a file of another schema."""
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        has_tables = self._db.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'runs'"
        ).fetchone()[0]
        if version == SCHEMA_VERSION or (version == 0 and not has_tables):
            with self._db:
                self._db.executescript(_SCHEMA)
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            return
        if 1 <= version < SCHEMA_VERSION:
            with self._db:
                for migrate in _MIGRATIONS[version - 1 :]:
                    migrate(self._db)
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            return
        self._db.close()
        raise RuntimeError(
            f"The run history at {self.db_path} has schema version {version}, this version "
            f"of jupyterlab-continuum reads version {SCHEMA_VERSION}. Move the file aside "
            "(its history is kept there) or set ContinuumApp.db_path to another file."
        )

    def close(self) -> None:
        self._db.close()
        self._owner_lock.close()
        (self._owners_dir / self.owner).unlink(missing_ok=True)

    # Writes.

    def create_run(
        self, run: dict[str, Any], nodes: list[dict[str, Any]], events: list[dict[str, Any]]
    ) -> list[StoredEvent]:
        """Insert a run, its nodes and first events, all or nothing; the events with seq."""
        with self._transaction():
            self._insert("runs", {**run, "owner": self.owner})
            for node in nodes:
                self._insert("nodes", node)
            return [self._append_event(event) for event in events]

    def record(
        self,
        event: dict[str, Any],
        run: dict[str, Any] | None = None,
        node: dict[str, Any] | None = None,
        attempt: dict[str, Any] | None = None,
        *,
        commit: bool = True,
    ) -> StoredEvent:
        """Apply one change (run and node columns, an attempt upsert) with its event.

        ``commit=False`` leaves it in the open transaction, for ``commit()`` to write with
        the other changes of the moment: one commit for many events (group commit).
        """
        if not commit:
            return self._record(event, run, node, attempt)
        with self._transaction():
            return self._record(event, run, node, attempt)

    def commit(self) -> None:
        """Write the changes recorded with ``commit=False``."""
        self._db.commit()

    def _record(
        self,
        event: dict[str, Any],
        run: dict[str, Any] | None,
        node: dict[str, Any] | None,
        attempt: dict[str, Any] | None,
    ) -> StoredEvent:
        run_id = event["run_id"]
        if run:
            if run.get("state") == "running":  # the orchestrator running it owns it
                run = {**run, "owner": self.owner}
            self._update("runs", run, id=run_id)
        if node:
            self._update("nodes", node, run_id=run_id, node_id=event["node_id"])
        if attempt:
            keys = {"run_id": run_id, "node_id": event["node_id"], "attempt": event["attempt"]}
            self._upsert("attempts", {**keys, **attempt}, keys)
        return self._append_event(event)

    def delete_run(self, run_id: str) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM events WHERE run_id = ?", (run_id,))
            self._db.execute("DELETE FROM runs WHERE id = ?", (run_id,))
        shutil.rmtree(self.outputs_dir / run_id, ignore_errors=True)

    # Reads.

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            return None
        run = _row(row)
        nodes = self._db.execute(
            "SELECT * FROM nodes WHERE run_id = ? ORDER BY position", (run_id,)
        ).fetchall()
        run["nodes"] = [_row(node) for node in nodes]
        return run

    def run_id_for_key(self, idempotency_key: str) -> str | None:
        row = self._db.execute(
            "SELECT id FROM runs WHERE idempotency_key = ?", (idempotency_key,)
        ).fetchone()
        return row["id"] if row else None

    def list_runs(
        self, limit: int, offset: int, notebook_path: str | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        """Runs newest first, without specs, and how many there are in all."""
        where, args = ("WHERE notebook_path = ?", [notebook_path]) if notebook_path else ("", [])
        total = self._db.execute(f"SELECT COUNT(*) FROM runs {where}", args).fetchone()[0]
        rows = self._db.execute(
            "SELECT id, name, notebook_path, state, message, created, started, finished "
            f"FROM runs {where} ORDER BY created DESC, id LIMIT ? OFFSET ?",
            [*args, limit, offset],
        ).fetchall()
        runs = [_row(row) for row in rows]
        counts = self._node_counts([run["id"] for run in runs])
        for run in runs:
            run["node_counts"] = counts.get(run["id"], {})
        return runs, total

    def orphaned_run_ids(self, states: tuple[str, ...]) -> list[str]:
        """Runs in ``states`` whose orchestrator is gone (a crash, a restart)."""
        marks = ", ".join("?" * len(states))
        rows = self._db.execute(f"SELECT id, owner FROM runs WHERE state IN ({marks})", states)
        return [row["id"] for row in rows if not self._owner_alive(row["owner"])]

    def owned_elsewhere(self, run_id: str) -> bool:
        """Whether another orchestrator, still alive, runs it."""
        row = self._db.execute("SELECT owner FROM runs WHERE id = ?", (run_id,)).fetchone()
        return row is not None and row["owner"] != self.owner and self._owner_alive(row["owner"])

    def _owner_alive(self, owner: str | None) -> bool:
        if owner is None or owner == self.owner:
            return owner == self.owner
        lock = self._owners_dir / owner
        if lock.exists() and _held_elsewhere(lock):
            return True
        lock.unlink(missing_ok=True)
        return False

    def events(
        self, run_id: str | None, after_seq: int, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Events with seq > after_seq, in order, of one run or of all."""
        return [json.loads(text) for _, _, text in self.stored_events(run_id, after_seq, limit)]

    def stored_events(
        self, run_id: str | None, after_seq: int, limit: int | None = None
    ) -> list[StoredEvent]:
        """``events`` as they are sent: their JSON text as stored, not parsed."""
        where, args = ("AND run_id = ?", [run_id]) if run_id else ("", [])
        # Plain tuples: the stream's catch-up reads thousands at a time, and sqlite3.Row
        # costs more than the query.
        cursor = self._db.cursor()
        cursor.row_factory = None
        rows = cursor.execute(
            f"SELECT seq, run_id, body, output, output_file FROM events "
            f"WHERE seq > ? {where} ORDER BY seq LIMIT ?",
            [after_seq, *args, -1 if limit is None else limit],
        ).fetchall()
        return [
            (seq, run, _event_text(seq, body, self._read_file(file) if file else output))
            for seq, run, body, output, file in rows
        ]

    def last_seq(self, run_id: str | None = None) -> int:
        """The latest seq of a run's events, or of all events."""
        where, args = ("WHERE run_id = ?", (run_id,)) if run_id else ("", ())
        return self._db.execute(f"SELECT MAX(seq) FROM events {where}", args).fetchone()[0] or 0

    def outputs(self, run_id: str, node_id: str, attempt: int) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT output, output_file FROM events WHERE run_id = ? AND node_id = ? "
            "AND attempt = ? AND kind = 'output' ORDER BY seq",
            (run_id, node_id, attempt),
        ).fetchall()
        return [json.loads(self._read_file(file) if file else text) for text, file in rows]

    def attempts(self, run_id: str) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT * FROM attempts WHERE run_id = ? ORDER BY node_id, attempt", (run_id,)
        ).fetchall()
        return [_row(row) for row in rows]

    # Helpers.

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """All or nothing; changes recorded with ``commit=False`` before it are written first,
        so that a rollback here cannot take them with it."""
        if self._db.in_transaction:
            self._db.commit()
        with self._db:
            yield

    def _node_counts(self, run_ids: list[str]) -> dict[str, dict[str, int]]:
        if not run_ids:
            return {}
        marks = ", ".join("?" * len(run_ids))
        rows = self._db.execute(
            f"SELECT run_id, state, COUNT(*) AS n FROM nodes WHERE run_id IN ({marks}) "
            "GROUP BY run_id, state",
            run_ids,
        )
        counts: dict[str, dict[str, int]] = {}
        for row in rows:
            counts.setdefault(row["run_id"], {})[row["state"]] = row["n"]
        return counts

    def _append_event(self, event: dict[str, Any]) -> StoredEvent:
        fields = _event_body(event)
        body = _encode(fields)
        output = output_file = None
        if event.get("output") is not None:
            output = _encode(event["output"])
            if len(output) > OUTPUT_INLINE_LIMIT:
                path = self.outputs_dir / event["run_id"] / f"{uuid.uuid4().hex}.json"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(output, encoding="utf-8")
                output_file = str(path.relative_to(self.outputs_dir))
        seq = self._cursor.execute(
            _INSERT_EVENT,
            (
                *fields.values(),
                None if output_file else output,
                output_file,
                body,
            ),
        ).lastrowid
        return seq, event["run_id"], _event_text(seq, body, output)

    def _read_file(self, name: str) -> str:
        return (self.outputs_dir / name).read_text(encoding="utf-8")

    # The statements' text is cached by their columns: a run's transitions repeat a few shapes,
    # and building it took as long as executing it.

    def _insert(self, table: str, values: dict[str, Any]) -> int:
        cursor = self._db.execute(_insert_sql(table, tuple(values)), _params(values))
        return cursor.lastrowid or 0

    def _update(self, table: str, values: dict[str, Any], **keys: Any) -> None:
        self._db.execute(
            _update_sql(table, tuple(values), tuple(keys)), [*_params(values), *keys.values()]
        )

    def _upsert(self, table: str, values: dict[str, Any], keys: dict[str, Any]) -> None:
        self._db.execute(_upsert_sql(table, tuple(values), tuple(keys)), _params(values))


@lru_cache(maxsize=256)
def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


@lru_cache(maxsize=256)
def _update_sql(table: str, columns: tuple[str, ...], keys: tuple[str, ...]) -> str:
    assignments = ", ".join(f"{column} = ?" for column in columns)
    condition = " AND ".join(f"{column} = ?" for column in keys)
    return f"UPDATE {table} SET {assignments} WHERE {condition}"


@lru_cache(maxsize=256)
def _upsert_sql(table: str, columns: tuple[str, ...], keys: tuple[str, ...]) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
    return f"{_insert_sql(table, columns)} ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"


def _params(values: dict[str, Any]) -> list[Any]:
    return [json.dumps(v) if k in _JSON_COLUMNS and v is not None else v for k, v in values.items()]


def _encode(value: Any) -> str:
    """``json.dumps(value)``, the same text, without building an encoder per call (json.dumps
    makes one each time: as much as the encoding of an event itself)."""
    return "".join(_ENCODER(value, 0))


if json.encoder.c_make_encoder is not None:  # CPython's accelerator
    # json.dumps's own settings: indent, separators, sort_keys, skipkeys, allow_nan.
    _ENCODER = json.encoder.c_make_encoder(
        None,  # no check for cycles: events are plain data
        json.JSONEncoder().default,  # raises json.dumps's TypeError
        json.encoder.encode_basestring_ascii,
        *(None, ": ", ", ", False, False, True),
    )
else:
    _ENCODER = json.JSONEncoder().iterencode


def _event_body(event: dict[str, Any]) -> dict[str, Any]:
    """_BODY_FIELDS, every one present (a literal: a comprehension costs twice as much)."""
    get = event.get
    return {
        "ts": get("ts"), "run_id": get("run_id"), "node_id": get("node_id"),
        "kind": get("kind"), "state": get("state"), "attempt": get("attempt"),
        "placement": get("placement"), "worker": get("worker"), "message": get("message"),
    }  # fmt: skip


def _event_text(seq: int, body: str, output: str | None) -> str:
    """The event contract (DESIGN §3.4) as JSON: seq, the body's fields, ``output`` only when
    there is one."""
    if output is None:
        return f'{{"seq": {seq}, {body[1:]}'
    return f'{{"seq": {seq}, {body[1:-1]}, "output": {output}}}'


def _add_event_bodies(db: sqlite3.Connection) -> None:
    """Version 1 to 2: each event's body, encoded as new events are."""
    db.execute("ALTER TABLE events ADD COLUMN body TEXT")
    rows = db.execute(f"SELECT seq, {', '.join(_BODY_FIELDS)} FROM events").fetchall()
    db.executemany(
        "UPDATE events SET body = ? WHERE seq = ?",
        ((json.dumps(_event_body(dict(row))), row["seq"]) for row in rows),
    )


_MIGRATIONS = [_add_event_bodies]  # _MIGRATIONS[v - 1] migrates version v to v + 1


def _row(row: sqlite3.Row) -> dict[str, Any]:
    values = dict(row)
    for column in _JSON_COLUMNS & values.keys():
        if values[column] is not None:
            values[column] = json.loads(values[column])
    return values


def _hold(path: Path):
    """An exclusive lock on ``path``, held as long as the returned file stays open."""
    handle = path.open("a")
    if fcntl is not None:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return handle


def _held_elsewhere(path: Path) -> bool:
    if fcntl is None:
        return False
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
    return False
