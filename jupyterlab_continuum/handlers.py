"""REST and WebSocket handlers: parse, authorize, delegate to the service. No logic of their own.

Every verb is authenticated (``@tornado.web.authenticated``, ``@ws_authenticated`` for the
stream) and authorized on the ``continuum`` resource; submitting or retrying a run needs the
``execute`` permission, as it runs code.
"""

from __future__ import annotations

import asyncio
import json
from functools import cache
from http import HTTPStatus
from pathlib import Path
from typing import Any

import tornado
from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized, ws_authenticated
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from . import __version__
from .orchestrator.errors import BadRequest, Invalid, PayloadTooLarge, ServiceError
from .orchestrator.service import ContinuumService
from .orchestrator.store import StoredEvent
from .orchestrator.validation import SCHEMA as WORKFLOW_SCHEMA

API_PREFIX = "/continuum/api/v1"
AUTH_RESOURCE = "continuum"
DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
OPENAPI_PATH = Path(__file__).parent / "spec" / "openapi.json"


class _ContinuumMixin:
    """What every continuum handler shares: the service, and errors as JSON."""

    auth_resource = AUTH_RESOURCE

    @property
    def service(self) -> ContinuumService:
        return self.settings["continuum_service"]  # type: ignore[attr-defined]

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """``{message, reason, details}``; ``reason`` is a stable machine-readable code."""
        try:
            phrase = HTTPStatus(status_code).phrase
        except ValueError:
            phrase = "Error"
        reason = phrase.lower().replace(" ", "_").replace("-", "_")
        message, details = phrase, []
        exc = kwargs.get("exc_info", (None, None))[1]
        if isinstance(exc, ServiceError):
            reason, message, details = exc.code, exc.message, exc.details
        elif isinstance(exc, tornado.web.HTTPError) and exc.log_message:
            message = exc.log_message % exc.args if exc.args else exc.log_message
        self.set_header("Content-Type", "application/json")  # type: ignore[attr-defined]
        body = {"message": message, "reason": reason, "details": details}
        self.finish(json.dumps(body))  # type: ignore[attr-defined]

    def int_argument(self, name: str, default: int | None, low: int, high: int) -> int | None:
        text = self.get_argument(name, None)  # type: ignore[attr-defined]
        if text is None:
            return default
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise BadRequest(
                "invalid_parameter", f"{name} must be an integer from {low} to {high}, not {text!r}"
            )
        return value


class ContinuumHandler(_ContinuumMixin, ExtensionHandlerMixin, APIHandler):
    def json_body(self, *, optional: bool = False) -> dict[str, Any]:
        """The body as a JSON object, or a specific 4xx."""
        body = self.request.body
        limit = self.settings.get("continuum_max_body_bytes", DEFAULT_MAX_BODY_BYTES)
        if len(body) > limit:
            raise PayloadTooLarge("body_too_large", f"the body is larger than {limit} bytes")
        if not body.strip():
            if optional:
                return {}
            raise BadRequest("empty_body", "the request needs a JSON object as its body")
        try:
            value = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest("invalid_json", f"the body is not valid JSON: {exc}") from None
        if not isinstance(value, dict):
            raise BadRequest(
                "not_an_object", f"the body must be a JSON object, not {_json_type(value)}"
            )
        return value

    def write_json(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(payload))


class HealthHandler(ContinuumHandler):
    @tornado.web.authenticated
    @authorized
    def get(self):
        self.write_json(
            {
                "version": __version__,
                "engine": self.service.engine_status(),
                "runs_in_flight": self.service.runs_in_flight(),
            }
        )


class PlacementsHandler(ContinuumHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self):
        self.write_json(await self.service.placements())


class AnalyzeHandler(ContinuumHandler):
    @tornado.web.authenticated
    @authorized("read")
    def post(self):
        cells = self.json_body().get("cells")
        if not isinstance(cells, list):
            raise Invalid("invalid_body", 'the body must be {"cells": [{"id", "source"}, ...]}')
        self.write_json(self.service.analyze(cells))


class ValidateHandler(ContinuumHandler):
    @tornado.web.authenticated
    @authorized("read")
    async def post(self):
        self.write_json(await self.service.validate(self.json_body()))


class RunsHandler(ContinuumHandler):
    @tornado.web.authenticated
    @authorized
    def get(self):
        limit = self.int_argument("limit", 50, 1, 500)
        offset = self.int_argument("offset", 0, 0, 2**62)
        notebook = self.get_argument("notebook", None)
        self.write_json(self.service.list_runs(limit, offset, notebook))

    @tornado.web.authenticated
    @authorized("execute")
    async def post(self):
        spec = self.json_body()
        key = self.request.headers.get("Idempotency-Key")
        if key is not None and not 1 <= len(key) <= 255:
            raise BadRequest("invalid_idempotency_key", "Idempotency-Key must be 1 to 255 chars")
        snapshot, created = await self.service.submit(spec, key)
        if not created:
            self.set_header("Idempotent-Replayed", "true")
        self.set_header("Location", self.request.path.rstrip("/") + "/" + snapshot["id"])
        self.write_json(snapshot, 201)


class RunHandler(ContinuumHandler):
    @tornado.web.authenticated
    @authorized
    def get(self, run_id: str):
        self.write_json(self.service.get_run(run_id))

    @tornado.web.authenticated
    @authorized
    def delete(self, run_id: str):
        self.service.delete(run_id)
        self.set_status(204)
        self.finish()


class NodeOutputsHandler(ContinuumHandler):
    @tornado.web.authenticated
    @authorized
    def get(self, run_id: str, node_id: str):
        attempt = self.int_argument("attempt", None, 0, 10_000)
        self.write_json(self.service.node_outputs(run_id, node_id, attempt))


class CancelHandler(ContinuumHandler):
    @tornado.web.authenticated
    @authorized
    def post(self, run_id: str):
        self.write_json(self.service.cancel(run_id), 202)


class RetryHandler(ContinuumHandler):
    @tornado.web.authenticated
    @authorized("execute")
    async def post(self, run_id: str):
        body = self.json_body(optional=True)
        node_ids = body.get("node_ids")
        sources = body.get("sources") or {}
        unexpected = sorted(set(body) - {"node_ids", "sources"})
        if (
            unexpected
            or not (node_ids is None or _is_list_of_str(node_ids))
            or not (isinstance(sources, dict) and _is_list_of_str([*sources, *sources.values()]))
        ):
            raise Invalid(
                "invalid_body",
                'the body must be {"node_ids"?: [node id, ...], "sources"?: {node id: source}}',
                [{"unexpected": unexpected}] if unexpected else [],
            )
        self.write_json(await self.service.retry(run_id, node_ids, sources))


class RunEventsHandler(ContinuumHandler):
    @tornado.web.authenticated
    @authorized
    def get(self, run_id: str):
        after_seq = self.int_argument("after_seq", 0, 0, 2**62)
        limit = self.int_argument("limit", None, 1, 100_000)
        self.write_json(self.service.events(run_id, after_seq, limit))


class OpenAPIHandler(ContinuumHandler):
    @tornado.web.authenticated
    @authorized
    def get(self):
        self.write_json(_openapi())


class EventsHandler(_ContinuumMixin, WebSocketMixin, WebSocketHandler, JupyterHandler):
    """The live event stream: JSON arrays of events, resumable with ``after_seq``.

    It subscribes first, then catches up from the store, then sends what arrived meanwhile,
    skipping what the catch-up already sent (by seq): nothing missed, nothing twice. Events
    come as the JSON text the store keeps: a message joins them, nothing is encoded here.
    """

    CATCH_UP_BATCH = 500
    MAX_PENDING = 10_000  # a client this far behind is caught up from the store instead

    def set_default_headers(self):
        """JupyterHandler's defaults do not apply to a WebSocket."""

    @ws_authenticated
    async def get(self, *args: Any, **kwargs: Any):
        user = self.current_user
        if not await ensure_async(self.authorizer.is_authorized(self, user, "read", AUTH_RESOURCE)):
            raise tornado.web.HTTPError(403)
        self.run_id = self.get_argument("run_id", None) or None
        if self.run_id is not None:
            self.service.check_run(self.run_id)
        # Without a run: every run's events from now on, unless after_seq says otherwise.
        latest = None if self.run_id else self.service.latest_seq()
        self.last_seq = self.int_argument("after_seq", latest or 0, 0, 2**62)
        await super().get(*args, **kwargs)

    def open(self, *args: Any, **kwargs: Any):
        super().open(*args, **kwargs)
        self._pending: list[StoredEvent] = []
        self._overflow = False
        self._wake = asyncio.Event()
        self._unsubscribe = self.service.subscribe(self._on_events)
        self._pump_task = asyncio.ensure_future(self._pump())

    def on_message(self, message: str | bytes) -> None:
        """Nothing is expected from the client."""

    def on_close(self) -> None:
        self._unsubscribe()
        self._pump_task.cancel()

    def _on_events(self, events: list[StoredEvent]) -> None:
        if self.run_id is not None:
            events = [event for event in events if event[1] == self.run_id]
            if not events:
                return
        if len(self._pending) + len(events) > self.MAX_PENDING:
            self._overflow = True
            self._pending.clear()
        else:
            self._pending += events
        self._wake.set()

    async def _pump(self) -> None:
        try:
            await self._catch_up()
            while True:
                await self._wake.wait()
                self._wake.clear()
                if self._overflow:
                    self._overflow = False
                    self._pending.clear()
                    await self._catch_up()
                    continue
                batch = [e for e in self._pending if e[0] > self.last_seq]
                self._pending = []
                if batch:
                    await self._send(batch)
        except WebSocketClosedError:
            pass

    async def _catch_up(self) -> None:
        while True:
            events = self.service.stored_events(self.run_id, self.last_seq, self.CATCH_UP_BATCH)
            if events:
                await self._send(events)
            if len(events) < self.CATCH_UP_BATCH:
                return

    async def _send(self, events: list[StoredEvent]) -> None:
        self.last_seq = events[-1][0]
        await self.write_message("[" + ", ".join(text for _, _, text in events) + "]")


@cache
def _openapi() -> dict[str, Any]:
    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    # The file refers to workflow.schema.json beside it; served, the document stands alone.
    document["components"]["schemas"]["WorkflowSpec"] = WORKFLOW_SCHEMA
    return document


def _is_list_of_str(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _json_type(value: Any) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def route_table() -> list[tuple[str, type]]:
    """Routes relative to the server's base URL (ExtensionApp prefixes it)."""
    run = API_PREFIX + "/runs/(?P<run_id>[^/]+)"
    return [
        (f"{API_PREFIX}/health", HealthHandler),
        (f"{API_PREFIX}/placements", PlacementsHandler),
        (f"{API_PREFIX}/analyze", AnalyzeHandler),
        (f"{API_PREFIX}/validate", ValidateHandler),
        (f"{API_PREFIX}/runs", RunsHandler),
        (run, RunHandler),
        (f"{run}/nodes/(?P<node_id>[^/]+)/outputs", NodeOutputsHandler),
        (f"{run}/cancel", CancelHandler),
        (f"{run}/retry", RetryHandler),
        (f"{run}/events", RunEventsHandler),
        (f"{API_PREFIX}/events", EventsHandler),
        (f"{API_PREFIX}/openapi.json", OpenAPIHandler),
    ]
