"""3. Event stream throughput: events/s the server delivers to one WebSocket client, batched.

Subject: the orchestrator's event WebSocket (``/events?run_id=…&after_seq=…``) in a real
Jupyter server, with authentication. Baseline: ``bare_ws_server.py``, a bare tornado WebSocket
sending the same events in the same batches (same sizes, same JSON), from memory.

Two ways events reach a client:

- catch-up: a client (re)connecting behind reads stored events, batched 500 a message;
- live: events published as they happen (stored, then broadcast; here by the benchmark
  extension, as fast as it can), batched by whatever accumulated while the socket wrote. The
  bare server replays the batch sizes the live stream produced in the sample before.

The client is the same for both: it counts events per message without parsing them while the
clock runs, then parses everything and checks that every seq arrived once, in order.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import statistics
import sys
import time

from common import (
    API,
    BENCH_DIR,
    JupyterServer,
    Result,
    Side,
    Target,
    X,
    alternate,
    free_port,
    log,
    main,
)

PAIRS = int(os.environ.get("BENCH_EVENTS_PAIRS", "5"))
CATCH_UP_EVENTS = 200_000
LIVE_EVENTS = 20_000
CATCH_UP_BATCH = 500  # handlers.EventsHandler.CATCH_UP_BATCH


async def read_events(ws, count: int) -> tuple[list[str], list[int]]:
    messages: list[str] = []
    sizes: list[int] = []
    received = 0
    while received < count:
        message = await ws.read_message()
        if message is None:
            raise RuntimeError(f"stream closed after {received} of {count} events")
        n = message.count('"seq":')
        received += n
        sizes.append(n)
        messages.append(message)
    return messages, sizes


def check(messages: list[str], count: int, first_seq: int | None = None) -> None:
    """Every event once, in seq order (consecutive when ``first_seq`` is known)."""
    seqs = [event["seq"] for message in messages for event in json.loads(message)]
    if len(seqs) != count:
        raise RuntimeError(f"{len(seqs)} events, {count} expected")
    if any(b <= a for a, b in itertools.pairwise(seqs)):
        raise RuntimeError("events out of order or repeated")
    if first_seq is not None and seqs != list(range(first_seq, first_seq + count)):
        raise RuntimeError("events missing")


async def run() -> Result:
    from tornado.websocket import websocket_connect

    result = Result("events", "3. Event stream throughput")
    server = JupyterServer(name="events", bench_ext=True)
    server.start()
    bare_port = free_port(exclude=[server.port])
    bare = await asyncio.create_subprocess_exec(
        sys.executable,
        str(BENCH_DIR / "bare_ws_server.py"),
        str(bare_port),
        str(CATCH_UP_EVENTS),
        stdout=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    try:
        await server.wait_ready(engine=False)
        assert bare.stdout is not None
        await bare.stdout.readline()  # "ready"

        async def bare_sample(batches: list[int]) -> float:
            count = sum(batches)
            started = time.perf_counter()
            ws = await websocket_connect(
                f"ws://127.0.0.1:{bare_port}/events", max_message_size=1 << 30
            )
            ws.write_message(json.dumps({"batches": batches}))
            messages, _ = await read_events(ws, count)
            seconds = time.perf_counter() - started
            ws.close()
            check(messages, count, 1)
            return count / seconds

        # Catch-up: a run with CATCH_UP_EVENTS stored events, read from its first.
        made = await server.ok(
            "POST", "/continuum-bench/runs", {"node_count": 100, "events": CATCH_UP_EVENTS}
        )
        catch_up_sizes: list[list[int]] = []

        async def ours_catch_up() -> float:
            started = time.perf_counter()
            path = f"{API}/events?run_id={made['run_id']}&after_seq={made['first_seq'] - 1}"
            ws = await server.websocket(path)
            messages, sizes = await read_events(ws, CATCH_UP_EVENTS)
            seconds = time.perf_counter() - started
            ws.close()
            check(messages, CATCH_UP_EVENTS, made["first_seq"])
            catch_up_sizes.append(sizes)
            return CATCH_UP_EVENTS / seconds

        batches = [CATCH_UP_BATCH] * (CATCH_UP_EVENTS // CATCH_UP_BATCH)

        async def bare_catch_up() -> float:
            return await bare_sample(batches)

        await measure(
            result,
            "catch-up",
            "catch-up of stored events",
            CATCH_UP_EVENTS,
            bare_catch_up,
            ours_catch_up,
            catch_up_sizes,
        )

        # Live: events published while the client listens.
        live = await server.ok("POST", "/continuum-bench/runs", {"node_count": 100})
        live_sizes: list[list[int]] = []

        async def ours_live() -> float:
            snapshot = await server.ok("GET", f"{API}/runs/{live['run_id']}")
            path = f"{API}/events?run_id={live['run_id']}&after_seq={snapshot['last_seq']}"
            ws = await server.websocket(path)
            started = time.perf_counter()
            emit = asyncio.ensure_future(
                server.ok(
                    "POST",
                    "/continuum-bench/emit",
                    {"run_id": live["run_id"], "count": LIVE_EVENTS, "node_count": 100},
                )
            )
            messages, sizes = await read_events(ws, LIVE_EVENTS)
            seconds = time.perf_counter() - started
            await emit
            ws.close()
            check(messages, LIVE_EVENTS)
            live_sizes.append(sizes)
            return LIVE_EVENTS / seconds

        async def bare_live() -> float:
            return await bare_sample(live_sizes[-1])

        await measure(
            result,
            "live",
            "live events as published",
            LIVE_EVENTS,
            bare_live,
            ours_live,
            live_sizes,
        )
    finally:
        bare.terminate()
        await bare.wait()
        server.cleanup()
    result.notes.append(
        "Catch-up: batches of 500 stored events. Live: the benchmark extension publishes "
        "through the service (one store transaction per event, then the broadcast), as fast as "
        "it can; the stream batches what accumulated. The bare server replays the same batch "
        "sizes."
    )
    return result


LIVE_CAUSE = (
    "The contract has the store write every event before it is sent (DESIGN §3.4: a client "
    "resuming with after_seq misses nothing); the bare server sends from memory. Measured in "
    "the server process: recording one event costs about 9 µs (its JSON, encoded once and "
    "reused for every message, 2.8 µs; the SQLite INSERT and its share of a commit, at most "
    "one every 5 ms while events keep coming, about 6 µs), while the bare server's whole cost "
    f"is about 3.3 µs an event, so 0.5{X} would leave 6.6 µs for everything. Batched INSERTs and "
    f"leaner rows, measured at about 1 µs each, would still give about 0.3{X}. Meeting the target "
    "takes writing off the event loop (a writer thread) or sending before storing, which the "
    "contract rules out. The catch-up row, the same socket sending stored events, meets both "
    "targets."
)


async def measure(result, row_id, what, count, bare, ours, sizes) -> None:
    """A warm-up of each side, then alternating samples of both, then the row."""
    log(f"{row_id}: warm-up")
    await ours()
    await bare()
    log(f"{row_id}: {PAIRS} pairs of {count} events (bare / ours), events/s")
    base, subj = await alternate(PAIRS, bare, ours, log)
    add_row(result, row_id, what, base, subj, sizes)


def add_row(result, row_id, what, base, subj, sizes) -> None:
    ratio = statistics.median(subj) / statistics.median(base)
    batch = [statistics.fmean(s) for s in sizes]
    result.row(
        row_id,
        f"Event stream, one WebSocket client: {what}",
        "events/s",
        Side("bare tornado WebSocket, same batches", base),
        Side("/events WebSocket", subj),
        higher_is_better=True,
        targets=[
            Target(f"≥ 0.5{X} bare", ">=", 0.5, ratio, X),
            Target("≥ 100,000 events/s", ">=", 100_000, statistics.median(subj), "events/s"),
        ],
        extra={"mean_events_per_message": batch},
        cause=LIVE_CAUSE if row_id == "live" else "",
    )


if __name__ == "__main__":
    main(run)
