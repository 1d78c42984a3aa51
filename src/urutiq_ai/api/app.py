"""The FastAPI application: ``create_app()`` wires settings, database, errors and routes.

Kept light on purpose: nothing here imports the ML stack, so ``urutiq-ai serve``
answers ``/healthz`` within a second or two and idles small.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from sqlalchemy import text
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from urutiq_ai import __version__
from urutiq_ai.api.errors import error_body, install_error_handlers
from urutiq_ai.api.openapi import install_openapi
from urutiq_ai.core.db import make_engine, make_sessionmaker, new_id, sqlite_file_missing
from urutiq_ai.core.executors import make_executor
from urutiq_ai.core.jobs import JobRuntime
from urutiq_ai.core.migrations import current_revision, head_revision
from urutiq_ai.core.scheduler import Scheduler
from urutiq_ai.core.settings import Settings, get_settings
from urutiq_ai.deployments.live import LiveFlusher, LiveStats

logger = logging.getLogger("urutiq_ai.api")

API_PREFIX = "/api/v1"
COMPANY_PREFIX = f"{API_PREFIX}/companies/{{companyId}}"
NOT_READY: dict[int | str, dict[str, Any]] = {
    503: {"description": "NotReady: the database is missing, unreachable or not migrated."}
}


def include_api_routes(app: FastAPI) -> None:
    """Mount every router straight onto the app.

    FastAPI rebuilds each route at every ``include_router`` level, so the resource
    routers carry their full prefix and are included once (this halves start-up work).
    """
    from urutiq_ai.catalog import DOMAIN_ROUTERS, RESOURCES, SUPPORT_RESOURCES
    from urutiq_ai.crud.router import build_router
    from urutiq_ai.tenancy.router import router as tenancy_router

    app.include_router(tenancy_router, prefix=API_PREFIX)
    # Domain verbs first: their fixed paths (/models/compare) must win over /models/{id}.
    for router in DOMAIN_ROUTERS:
        app.include_router(router, prefix=COMPANY_PREFIX)
    for resource in (*RESOURCES, *SUPPORT_RESOURCES):
        app.include_router(build_router(resource), prefix=COMPANY_PREFIX)


def include_api_routes_on_demand(app: FastAPI) -> None:
    """Mount the API's routes when a request first needs them (the tenancy routes, each
    domain's company routes: :mod:`urutiq_ai.api.on_demand`); every table is mapped now."""
    from fastapi import APIRouter

    from urutiq_ai.api.on_demand import MountOnDemand, map_every_table

    map_every_table()
    api, company = APIRouter(), APIRouter()
    app.include_router(api, prefix=API_PREFIX)
    app.include_router(company, prefix=COMPANY_PREFIX)
    everything = tuple(path for path in (app.openapi_url, app.docs_url, app.redoc_url) if path)
    app.add_middleware(
        MountOnDemand, api=api, company=company, prefix=API_PREFIX, everything=everything
    )


def create_app(
    settings: Settings | None = None, *, dashboard: bool = True, on_demand: bool = False
) -> FastAPI:
    """The app on ``settings``' database. ``dashboard=False`` leaves out the web pages (and
    their templates' import): the SDK's in-process app serves only ``/api``. ``on_demand``
    mounts each domain's routes when a request first needs them (the in-process CLI answers
    one or two requests: importing every domain would be most of its time); it has no
    dashboard and no predict coalescing (one process, one caller)."""
    settings = settings or get_settings()
    # FastAPIOffline serves /docs and /redoc from assets inside the installed package:
    # the docs work on machines without internet access (no CDN).
    app = FastAPIOffline(
        lifespan=_lifespan,
        title="urutiq-ai",
        version=__version__,
        description="The AI learning system of the UrutiIQ accounting platform. "
        "Authenticate with `Authorization: Bearer <API key>`.",
    )
    engine = make_engine(settings.database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    # With the inline executor this process runs jobs: the executor registers it as this
    # worker (a heartbeat) before its first job, so the jobs it claims are recovered if it
    # dies; the scheduler in this process never takes them for lost.
    worker_id = new_id() if settings.executor == "inline" else None
    app.state.runtime = JobRuntime(app.state.sessionmaker, settings, worker_id)
    app.state.executor = make_executor(app.state.runtime)
    # Deployment traffic is counted in memory and written every few seconds (lifespan).
    app.state.live = LiveStats()
    if settings.predict_coalescing and not on_demand:
        from urutiq_ai.predictions.predict_route import DeploymentPredictRoute, make_coalescer

        app.state.predict_coalescer = make_coalescer(app.state)
        app.add_middleware(DeploymentPredictRoute)
    if settings.max_body_bytes:  # outermost: it counts the bytes every other layer reads
        app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    install_error_handlers(app)
    # The health checks come first: a request is matched against the routes in order, and
    # FastAPI builds each included router's routes the first time a request reaches it.
    app.add_api_route("/healthz", healthz, methods=["GET"], tags=["health"])
    app.add_api_route("/readyz", readyz, methods=["GET"], tags=["health"], responses=NOT_READY)
    if on_demand:
        include_api_routes_on_demand(app)
    else:
        include_api_routes(app)
    if dashboard and not on_demand:
        from urutiq_ai.web.app import include_web_routes  # jinja and the pages: only here

        include_web_routes(app)  # the dashboard under /, and HTML error pages outside /api
    install_openapi(app)  # /openapi.json documents the real error answers
    return app


class BodyTooLarge(StarletteHTTPException):
    """Raised by :class:`BodySizeLimit`'s ``receive`` once a body passes the limit. An
    HTTPException, so that FastAPI's body reading lets it through (it turns other errors
    into a 400) and the one error handler answers 413 ``PayloadTooLarge``."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(
            status_code=413,
            detail=f"the request body is larger than {max_bytes} bytes (URUTIQ_MAX_BODY_BYTES)",
        )


class BodySizeLimit:
    """ASGI middleware: a request whose body is larger than ``max_bytes`` answers 413 in the
    one error shape before any route or dependency has used it (so nothing is written).

    A ``Content-Length`` over the limit is refused before the app sees the request; the
    bytes actually received are counted too (a chunked body, or one longer than it said),
    and the read that passes the limit raises :class:`BodyTooLarge`.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            if received > self.max_bytes:
                raise BodyTooLarge(self.max_bytes)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracked_send)
        except BodyTooLarge:  # raised where no error handler answers (a raw ASGI layer)
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = BodyTooLarge(self.max_bytes)
        response = JSONResponse(
            error_body("PayloadTooLarge", str(error.detail)), status_code=error.status_code
        )
        await response(scope, receive, send)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the embedded scheduler with the server (``URUTIQ_SCHEDULER=embedded``, the
    default) and the writer of live deployment figures; stop them, then the job pool,
    when the server stops."""
    from urutiq_ai.catalog import TICKERS
    from urutiq_ai.deployments.figures import write_live_figures

    settings: Settings = app.state.settings
    scheduler = None
    if settings.scheduler == "embedded":
        scheduler = Scheduler(
            app.state.runtime,
            app.state.executor,
            TICKERS,
            interval=settings.scheduler_interval,
        )
        scheduler.start()
    app.state.scheduler = scheduler
    runtime, live = app.state.runtime, app.state.live
    flusher = LiveFlusher(lambda: write_live_figures(runtime, live), interval=settings.live_flush)
    flusher.start()
    try:
        yield
    finally:
        flusher.stop()
        if scheduler is not None:
            scheduler.stop()
        shut_down(app)


def shut_down(app: FastAPI, *, finish_jobs: bool = False) -> None:
    """End what the app runs besides its routes: answer the predicts still queued, store
    the live figures they and earlier ones left (a failed write is logged and kept), end
    the job pool. The server calls it when it stops; the in-process SDK when its client
    closes (no lifespan, no flusher runs there), with ``finish_jobs``: the jobs its
    commands started (``train --no-wait``) run to their end, where a stopping server's
    stop at their next check and fail their runs."""
    runtime = getattr(app.state, "runtime", None)
    if runtime is not None and not finish_jobs:  # running jobs stop at their next check
        runtime.stopping.set()
    coalescer = getattr(app.state, "predict_coalescer", None)
    if coalescer is not None:
        coalescer.close()
    if app.state.live.counting:
        from urutiq_ai.deployments.figures import write_live_figures

        write_live_figures(app.state.runtime, app.state.live)
    executor = getattr(app.state, "executor", None)
    if executor is not None:  # its jobs end, its heartbeat stops (the worker row too)
        executor.shutdown(wait=True)


async def healthz() -> dict[str, str]:
    """Liveness: the process answers (on the event loop: no thread needed, so a busy
    thread pool does not delay it; the CLI's server discovery waits on it)."""
    return {"status": "ok", "version": __version__}


def readyz(request: Request) -> Any:
    """Readiness: the database answers and its schema is at the latest migration."""
    engine = request.app.state.engine
    if sqlite_file_missing(request.app.state.settings.database_url):
        return JSONResponse(
            error_body("NotReady", "the database file does not exist: run 'urutiq-ai db upgrade'"),
            status_code=503,
        )
    try:
        with engine.connect() as conn:  # tenancy: global - readiness: a ping and the revision
            conn.execute(text("SELECT 1"))  # tenancy: global - readiness ping
            current = current_revision(conn)
    except Exception as exc:  # noqa: BLE001 - any database failure means "not ready"
        return JSONResponse(error_body("NotReady", f"database unreachable: {exc}"), status_code=503)
    head = head_revision()
    if current != head:
        return JSONResponse(
            error_body(
                "NotReady",
                f"database at migration {current}, expected {head}: run 'urutiq-ai db upgrade'",
            ),
            status_code=503,
        )
    return {"status": "ready", "migration": current}
