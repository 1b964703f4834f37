"""REST handlers: parse, authorize, delegate to the service. No logic of their own."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

import tornado
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin

from . import __version__
from .orchestrator.service import ContinuumService

API_PREFIX = "/continuum/api/v1"


class ContinuumHandler(ExtensionHandlerMixin, APIHandler):
    """Base handler: JSON errors in the contract's shape, never an HTML page."""

    @property
    def service(self) -> ContinuumService:
        return self.settings["continuum_service"]

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        reason = self._reason or HTTPStatus(status_code).phrase
        message = reason
        details: list[Any] = []
        exc_info = kwargs.get("exc_info")
        if exc_info:
            exc = exc_info[1]
            if isinstance(exc, tornado.web.HTTPError) and exc.log_message:
                message = exc.log_message % exc.args if exc.args else exc.log_message
            details = list(getattr(exc, "details", []) or [])
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": message, "reason": reason, "details": details}))


class HealthHandler(ContinuumHandler):
    @tornado.web.authenticated
    def get(self):
        self.finish(json.dumps({"version": __version__, "engine": self.service.engine_status()}))


def route_table() -> list[tuple[str, type]]:
    """Routes relative to the server's base URL (ExtensionApp prefixes it)."""
    return [(f"{API_PREFIX}/health", HealthHandler)]
