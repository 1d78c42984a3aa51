"""The one error shape: ``{"error": <Name>, "detail": <text>, "fields": [{field, reason}]}``."""

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import Headers, QueryParams
from starlette.exceptions import HTTPException as StarletteHTTPException

from urutiq_ai.core.asgi import read_body, replay
from urutiq_ai.core.errors import AppError, pydantic_reason

logger = logging.getLogger("urutiq_ai.api")

_HTTP_NAMES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
}
_LOCATIONS = {"body", "query", "path", "header", "cookie"}


def error_body(
    name: str, detail: str, fields: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    return {"error": name, "detail": detail, "fields": fields or []}


def _field_of(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if str(p) not in _LOCATIONS]
    return ".".join(parts) if parts else (str(loc[0]) if loc else "body")


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    fields = [{"field": f.field, "reason": f.reason} for f in exc.fields]
    return JSONResponse(error_body(exc.name, exc.detail, fields), status_code=exc.status_code)


def validation_fields(exc: RequestValidationError) -> tuple[str, list[dict[str, str]]]:
    """A request's validation errors as ``{field, reason}`` pairs, and one line naming them
    (the API's 422 and the dashboard's error page say the same)."""
    fields = [
        {"field": _field_of(tuple(e.get("loc", ()))), "reason": pydantic_reason(e)}
        for e in exc.errors()
    ]
    detail = "; ".join(f"{f['field']}: {f['reason']}" for f in fields) or "invalid request"
    return detail, fields


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail, fields = validation_fields(exc)
    return JSONResponse(error_body("ValidationError", detail, fields), status_code=422)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    name = _HTTP_NAMES.get(exc.status_code, "HTTPError")
    return JSONResponse(
        error_body(name, str(exc.detail)),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _integrity_error(_: Request, exc: Exception) -> JSONResponse:
    logger.info("integrity error: %s", exc)
    return JSONResponse(
        error_body("Conflict", "the change breaks a database constraint"), status_code=409
    )


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", exc_info=exc)
    return JSONResponse(error_body("InternalError", "internal server error"), status_code=500)


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
NUL_REASON = "must not contain the NUL character (\\u0000)"
FORM = "application/x-www-form-urlencoded"
MAX_FORM = 1_000_000  # a larger form is passed on unread (no dashboard form comes close)
PAGE_NUL = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Bad request</title>"
    "<main><h1>Bad request</h1><p>The address or the form holds a NUL character (%00), "
    "which no name, id or text may contain: nothing was read or changed.</p>"
    '<p><a href="/">Back to the start page</a></p></main></html>'
)


def _encoded_nul_fields(encoded: bytes) -> list[dict[str, str]]:
    """The names of the fields of a query string or urlencoded form holding a NUL."""
    if b"%00" not in encoded and b"\x00" not in encoded:
        return []
    return [
        {"field": name.replace("\x00", "\\u0000"), "reason": NUL_REASON}
        for name, value in QueryParams(encoded).multi_items()
        if "\x00" in name or "\x00" in value
    ]


def nul_fields(scope: Scope) -> list[dict[str, str]]:
    """The parts of a request's address holding a NUL character: ``path``, or the query
    parameters by name (no id, name or filter holds one: PostgreSQL's text cannot)."""
    fields = []
    if "\x00" in scope.get("path", ""):
        fields.append({"field": "path", "reason": NUL_REASON})
    return fields + _encoded_nul_fields(scope.get("query_string", b""))


class RefuseNulCharacters:
    """ASGI middleware: a request whose path, query or urlencoded form (the dashboard's, the
    login's) holds a NUL character is answered 422 (the one error shape on the API, a short
    page elsewhere) before any route reads it, so an id, a filter or a key with ``%00``
    never reaches PostgreSQL (which refuses it with a 500). JSON bodies are the request
    schemas' to refuse, naming the field."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fields = nul_fields(scope)
        content_type = Headers(scope=scope).get("content-type", "")
        if not fields and content_type.split(";", 1)[0].strip().lower() == FORM:
            body, complete = await read_body(receive, MAX_FORM)
            fields = _encoded_nul_fields(body) if complete else []
            receive = replay(body, complete, receive)
        if not fields:
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith("/api/"):
            detail = "; ".join(f"{f['field']}: {f['reason']}" for f in fields)
            response: Any = JSONResponse(
                error_body("ValidationError", detail, fields), status_code=422
            )
        else:
            response = HTMLResponse(PAGE_NUL, status_code=422)
        await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """The handlers that render every error in the one shape, and the guard that answers a
    NUL character in a request's address or form (a middleware: it runs before routing)."""
    app.add_middleware(RefuseNulCharacters)
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(Exception, _unexpected)
