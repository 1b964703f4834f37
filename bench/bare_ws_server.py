"""The event stream's baseline: a bare tornado WebSocket server sending the same batches.

No Jupyter, no store, no authentication: on a connection it reads one request,
``{"batches": [size, ...]}``, and sends that many events (prepared in memory at start-up,
shaped and numbered as the orchestrator's) as JSON arrays of those sizes, one message each,
awaiting each write as the orchestrator's stream does.

Usage: python bench/bare_ws_server.py PORT EVENTS
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid

import tornado.web
import tornado.websocket
from continuum_bench_ext import STATES, node_ids, synthetic_event


class Stream(tornado.websocket.WebSocketHandler):
    def initialize(self, events: list[dict]):
        self.events = events

    async def on_message(self, message):
        batches = json.loads(message)["batches"]
        position = 0
        try:
            for size in batches:
                batch = self.events[position : position + size]
                position += size
                await self.write_message(json.dumps(batch))
        except tornado.websocket.WebSocketClosedError:
            pass


async def main(port: int, count: int) -> None:
    ids = node_ids(100)
    now = time.time()
    run_id = uuid.uuid4().hex  # as long as the orchestrator's
    fields = ("seq", "ts", "run_id", "node_id", "kind", "state", "attempt", "placement")
    events = []
    for k in range(count):
        event = synthetic_event(run_id, ids[k % len(ids)], STATES[k % len(STATES)], now)
        event["seq"] = k + 1
        # The orchestrator's field order (store._event_shape), so the JSON is the same size.
        events.append({f: event[f] for f in (*fields, "worker", "message")})
    app = tornado.web.Application([(r"/events", Stream, {"events": events})])
    app.listen(port, address="127.0.0.1", max_buffer_size=1 << 30)
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
