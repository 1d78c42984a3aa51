"""Typed SDK errors, mapped back from the API's ``{"error", "detail", "fields"}`` body.

The server names each error after its class (``InvalidStatusTransition``,
``CompanyNotFound``, ...). :func:`error_from_response` maps that name to the
closest class here first, and falls back on the HTTP status code, so a new
server-side error still arrives as the right family (``NotFound``, ``Conflict``).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class FieldError:
    """One rejected field: its camelCase name (dotted for nested values) and why."""

    field: str
    reason: str


class UrutiqError(Exception):
    """Any error the SDK raises: an API error response, or a client-side problem.

    ``status_code`` is the HTTP status (None when the SDK raised it before any
    request), ``error`` the server's error name, ``detail`` the message and
    ``fields`` the offending fields, if any.
    """

    def __init__(
        self,
        detail: str,
        *,
        status_code: int | None = None,
        error: str | None = None,
        fields: list[FieldError] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status_code = status_code
        self.error = error or type(self).__name__
        self.fields = fields or []

    def __str__(self) -> str:
        lines = [self.detail, *(f"  {f.field}: {f.reason}" for f in self.fields)]
        return "\n".join(lines)


class ConfigurationError(UrutiqError):
    """The client lacks something it needs (an API key, a company, a reachable server)."""


class DatabaseNotReady(ConfigurationError):
    """In-process mode found the local database missing or not migrated."""


class ValidationError(UrutiqError):
    """A value was rejected (422), by the server or by the schema before sending."""


class Unauthorized(UrutiqError):
    """The API key is missing, invalid or revoked (401)."""


class Forbidden(UrutiqError):
    """The key's role may not do this (403)."""


class NotFound(UrutiqError):
    """No such object in the key's scope (404); another tenant's rows answer this too."""


class Conflict(UrutiqError):
    """The change conflicts with the current state (409)."""


class InvalidStatusTransition(Conflict):
    """The resource's lifecycle does not allow this status change."""


class DuplicateResource(Conflict):
    """A row with the same unique name already exists in the company."""


class ServerError(UrutiqError):
    """The server failed (5xx)."""


_BY_NAME: Mapping[str, type[UrutiqError]] = {
    "ValidationError": ValidationError,
    "Unauthorized": Unauthorized,
    "InvalidApiKey": Unauthorized,
    "Forbidden": Forbidden,
    "NotFound": NotFound,
    "CompanyNotFound": NotFound,
    "ResourceNotFound": NotFound,
    "ApiKeyNotFound": NotFound,
    "TenantNotFound": NotFound,
    "Conflict": Conflict,
    "InvalidStatusTransition": InvalidStatusTransition,
    "DuplicateResource": DuplicateResource,
    "DuplicateName": DuplicateResource,
    "InternalError": ServerError,
}

_BY_STATUS: Mapping[int, type[UrutiqError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    422: ValidationError,
}


def error_class(name: str | None, status_code: int) -> type[UrutiqError]:
    """The SDK class for an error ``name`` and HTTP ``status_code``."""
    by_name = _BY_NAME.get(name or "")
    if by_name is not None:
        return by_name
    if status_code >= 500:
        return ServerError
    return _BY_STATUS.get(status_code, UrutiqError)


def _fields(raw: Any) -> list[FieldError]:
    if not isinstance(raw, list):
        return []
    return [
        FieldError(str(item.get("field", "")), str(item.get("reason", "")))
        for item in raw
        if isinstance(item, Mapping)
    ]


def error_from_response(response: httpx.Response) -> UrutiqError:
    """Build the typed error for an error response (any body, JSON or not)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, Mapping):
        text = response.text.strip() or response.reason_phrase
        body = {"error": None, "detail": f"HTTP {response.status_code}: {text}"}
    name = body.get("error")
    cls = error_class(str(name) if name else None, response.status_code)
    return cls(
        str(body.get("detail") or f"HTTP {response.status_code}"),
        status_code=response.status_code,
        error=str(name) if name else None,
        fields=_fields(body.get("fields")),
    )
