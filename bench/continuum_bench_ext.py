"""A Jupyter server extension for the benchmarks only: synthetic runs and events.

It drives the orchestrator's real store and real broadcast, so that the event stream can be
measured at rates no workflow produces. Loaded by benchmark servers alone (``bench/`` on
``PYTHONPATH`` and ``--ServerApp.jpserver_extensions=continuum_bench_ext=True``); it is not
part of the package.

- ``POST /continuum-bench/runs`` ``{"nodes": [ids], "events": N, "state"?, "notebook_path"?}``:
  a synthetic run (stored, never executed), with N node events stored at once (for catch-up);
  returns its id and seqs. A "running" one of a notebook is what the notebook's canvas
  follows when it opens.
- ``POST /continuum-bench/emit`` ``{"run_id", "count", "rate"?, "states"?}``: publish ``count``
  node events of that run through the service (stored, then broadcast), as fast as possible or
  at ``rate`` events/s; returns when done, with what it published.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import tornado
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

STATES = ("queued", "running", "retrying", "queued", "running", "succeeded")


def synthetic_event(run_id: str, node_id: str, state: str, ts: float) -> dict[str, Any]:
    """One node event, shaped as the orchestrator's (DESIGN §3.4), ``seq`` aside."""
    return {
        "run_id": run_id,
        "node_id": node_id,
        "ts": ts,
        "kind": "node",
        "state": state,
        "attempt": 1,
        "placement": "edge",
        "worker": "edge-0",
        "message": f"{state} on edge-0",
    }


def node_ids(count: int) -> list[str]:
    return [f"n{i}" for i in range(count)]


class _BenchHandler(APIHandler):
    @property
    def service(self):
        return self.settings["continuum_service"]

    def body(self) -> dict[str, Any]:
        return json.loads(self.request.body or b"{}")


class RunsHandler(_BenchHandler):
    @tornado.web.authenticated
    def post(self):
        body = self.body()
        ids = body.get("nodes") or node_ids(int(body.get("node_count", 100)))
        run_id = uuid.uuid4().hex
        now = time.time()
        spec = {
            "name": "bench-synthetic",
            "nodes": [
                {"id": i, "label": i, "source": "pass", "placement": "edge", "depends_on": []}
                for i in ids
            ],
            "setup": [],
        }
        store = self.service.store
        store.create_run(
            {
                "id": run_id,
                "name": spec["name"],
                "notebook_path": body.get("notebook_path"),
                "spec": spec,
                "spec_hash": uuid.uuid4().hex,
                "idempotency_key": None,
                # A finished run by default; "running" makes a notebook's canvas follow it.
                "state": body.get("state", "succeeded"),
                "created": now,
            },
            [
                {
                    "run_id": run_id,
                    "node_id": i,
                    "position": p,
                    "label": i,
                    "placement": "edge",
                    "depends_on": [],
                    "state": "pending",
                    "message": "synthetic",
                }
                for p, i in enumerate(ids)
            ],
            [],
        )
        first = store.last_seq() + 1
        count = int(body.get("events", 0))
        if count:
            with store._db:  # one transaction: this only prepares what catch-up will read
                for k in range(count):
                    event = synthetic_event(run_id, ids[k % len(ids)], STATES[k % 6], now)
                    store._append_event(event)
        self.finish(
            json.dumps({"run_id": run_id, "first_seq": first, "last_seq": store.last_seq()})
        )


class EmitHandler(_BenchHandler):
    @tornado.web.authenticated
    async def post(self):
        body = self.body()
        run_id = body["run_id"]
        count = int(body["count"])
        rate = float(body.get("rate") or 0)
        ids = body.get("nodes") or node_ids(int(body.get("node_count", 100)))
        states = body.get("states") or STATES
        record = bool(body.get("record"))
        published: list[list[Any]] = []
        tick = 0.01  # paced mode: publish rate * tick events every tick
        per_tick = max(1, round(rate * tick)) if rate else 256
        started = time.perf_counter()
        k = 0
        while k < count:
            for _ in range(min(per_tick, count - k)):
                node_id = ids[k % len(ids)]
                state = states[(k // len(ids)) % len(states)]
                event = synthetic_event(run_id, node_id, state, time.time())
                seq = self.service._publish(event)
                if record:
                    published.append([node_id, state, event["ts"], seq])
                k += 1
            if rate:
                due = started + (k / rate)
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
            else:
                await asyncio.sleep(0)  # let the stream's pump run, as live events would
        seconds = time.perf_counter() - started
        self.finish(json.dumps({"published": k, "seconds": seconds, "events": published}))


def _jupyter_server_extension_points():
    return [{"module": "continuum_bench_ext"}]


def _load_jupyter_server_extension(serverapp):
    base = serverapp.web_app.settings["base_url"]
    serverapp.web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "/continuum-bench/runs"), RunsHandler),
            (url_path_join(base, "/continuum-bench/emit"), EmitHandler),
        ],
    )
