"""Errors on dashboard pages are pages: a login redirect, a 403 for a form without its CSRF
token, and the API's errors (404, 403, 409, 422...) rendered in HTML with the same detail
and no stack trace. Paths under ``/api``, ``/docs`` and ``/redoc`` keep the JSON shape."""

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from urutiq_ai.api.errors import validation_fields
from urutiq_ai.core.errors import AppError
from urutiq_ai.web.auth import CsrfRejected, LoginRequired
from urutiq_ai.web.templating import render

logger = logging.getLogger("urutiq_ai.web")

Handler = Callable[[Request, Exception], Awaitable[Response]]
JSON_PREFIXES = ("/api/", "/docs", "/redoc", "/openapi.json", "/healthz", "/readyz")


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(JSON_PREFIXES)


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f"/login?next={quote(target)}&message={quote(exc.message)}"
    if request.headers.get("HX-Request"):  # htmx: a full-page redirect, not a swapped part
        return Response(status_code=204, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


async def _csrf_rejected(request: Request, _: Exception) -> Response:
    return render(
        request,
        "error.html",
        status_code=403,
        title="Form refused",
        detail="The form was sent without this session's security token (it may come from "
        "another site, or the page is old). Nothing was changed: reload the page and try again.",
    )


def _page_error(status: int, detail: str, request: Request) -> Response:
    titles = {401: "Please log in", 403: "Not allowed", 404: "Not found", 409: "Conflict"}
    return render(
        request,
        "error.html",
        status_code=status,
        title=titles.get(status, "Something went wrong"),
        detail=detail,
    )


def _either(api_handler: Handler | None, page_handler: Handler) -> Handler:
    async def handler(request: Request, exc: Exception) -> Response:
        if is_page(request) or api_handler is None:
            return await page_handler(request, exc)
        return await api_handler(request, exc)

    return handler


async def _app_error_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return _page_error(exc.status_code, exc.detail, request)


async def _validation_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    detail, _ = validation_fields(exc)
    return _page_error(422, detail, request)


async def _http_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return _page_error(exc.status_code, str(exc.detail), request)


async def _integrity_page(request: Request, _: Exception) -> Response:
    return _page_error(
        409, "The change conflicts with data saved meanwhile: nothing was saved.", request
    )


async def _unexpected_page(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on a page", exc_info=exc)
    return _page_error(500, "An unexpected error happened; it was logged.", request)


def install_web_error_handlers(app: FastAPI) -> None:
    """Wrap the API's handlers: pages get HTML, API paths keep the one JSON shape."""
    handlers = app.exception_handlers
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(CsrfRejected, _csrf_rejected)
    pairs: list[tuple[type[Exception], Handler]] = [
        (AppError, _app_error_page),
        (RequestValidationError, _validation_page),
        (StarletteHTTPException, _http_page),
        (IntegrityError, _integrity_page),
        (Exception, _unexpected_page),
    ]
    for kind, page in pairs:
        app.add_exception_handler(kind, _either(handlers.get(kind), page))  # type: ignore[arg-type]
