"""The errors the service reports to its callers: a status, a machine code and details.

They subclass tornado's ``HTTPError`` so a handler can let them propagate: the status codes
are the API's error taxonomy (DESIGN §3.4), and nothing below the service raises them.
"""

from __future__ import annotations

from typing import Any

from tornado.web import HTTPError


class ServiceError(HTTPError):
    status = 400

    def __init__(self, reason: str, message: str, details: list[Any] | None = None):
        # No log_message: tornado %-formats it, and messages quote user input.
        super().__init__(self.status)
        self.code = reason
        self.message = message
        self.details = list(details or [])

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


class BadRequest(ServiceError):
    """The request itself is unusable (not JSON, not an object)."""


class PayloadTooLarge(ServiceError):
    status = 413


class Invalid(ServiceError):
    """Well-formed, but not a valid workflow or action argument."""

    status = 422


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    """The action is not valid in the resource's current state."""

    status = 409


class Unavailable(ServiceError):
    """The engine cannot take work now (starting, failed, disconnected)."""

    status = 503
