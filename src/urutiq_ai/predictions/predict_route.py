"""The serving path of ``POST /api/v1/companies/{c}/deployments/{name}/predict``.

Deployment predict is the hot path of the service: many small requests, each a few rows.
This ASGI middleware takes them before FastAPI's routing and dependency injection (about
40% of such a request's CPU) and hands them to a :class:`~urutiq_ai.core.coalesce.Coalescer`,
which answers the calls that arrive together in one unit of work
(:func:`urutiq_ai.predictions.batched.answer_calls`).

It answers only what it can answer exactly as the route would: a well-formed JSON body that
validates, a key that authenticates, a company, role, deployment and rows the route accepts.
Everything else (any error, an odd content type or query, a path the route's own checks
would refuse, a body over :data:`MAX_BODY`) goes on to the FastAPI route with the body it
sent, so errors, their order (401 before 422) and their one error shape stay the route's.
``URUTIQ_PREDICT_COALESCING=false`` turns the path off (the route serves every request).
"""

import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.datastructures import Headers, QueryParams

from urutiq_ai.core.asgi import read_body, replay
from urutiq_ai.core.coalesce import Coalescer
from urutiq_ai.deployments.schemas import Environment
from urutiq_ai.tenancy.deps import presented_key

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PATH = re.compile(r"/api/v1/companies/([^/]{1,64})/deployments/([^/]{1,255})/predict")
logger = logging.getLogger("urutiq_ai.predictions")
MAX_BODY = 256 * 1024  # bigger requests (thousands of rows) gain nothing from sharing
MAX_CALLS_PER_BATCH = 64


def make_coalescer(state: Any) -> Coalescer[Any, bytes | None]:
    """The app's coalescer of deployment predicts (``state``: the app's state)."""

    def answer(calls: list[Any]) -> list[bytes | None]:
        from urutiq_ai.predictions import batched  # the ML stack: on first use only

        serving = batched.Serving(
            state.sessionmaker, state.settings, getattr(state, "executor", None), state.live
        )
        try:
            return batched.answer_calls(serving, calls)
        except Exception:  # the route serves each call (and says what went wrong)
            logger.exception("a batch of %d deployment predicts failed", len(calls))
            return [None] * len(calls)

    return Coalescer(answer, max_batch=MAX_CALLS_PER_BATCH, name="deployment-predict")


class DeploymentPredictRoute:
    """ASGI middleware: serves deployment predicts through the app's coalescer
    (``app.state.predict_coalescer``), passes every other request on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = _predict_path(scope)
        if found is None:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        environment = _environment(QueryParams(scope["query_string"]))
        if environment is None or not _is_json(headers.get("content-type")):
            await self.app(scope, receive, send)
            return
        arrived = time.perf_counter()
        body, complete = await read_body(receive, MAX_BODY)
        if complete and len(body) <= MAX_BODY:
            from urutiq_ai.predictions.batched import PredictCall

            call = PredictCall(
                api_key=presented_key(headers.get("authorization"), headers.get("x-api-key")),
                company_id=found[1],
                name=found[2],
                environment=environment,
                body=body,
                arrived=arrived,
            )
            answer = await scope["app"].state.predict_coalescer.submit(call)
            if answer is not None:
                await _send_json(send, answer)
                return
        await self.app(scope, replay(body, complete, receive), send)


def _predict_path(scope: Scope) -> re.Match[str] | None:
    if scope["type"] != "http" or scope["method"] != "POST":
        return None
    return PATH.fullmatch(scope["path"])


def _environment(query: QueryParams) -> Environment | None:
    """The ``environment`` query parameter (production by default); None for a query the
    route should judge (an unknown environment, the parameter given twice)."""
    values = query.getlist("environment")
    if not values:
        return Environment.production
    if len(values) > 1:
        return None
    try:
        return Environment(values[0])
    except ValueError:
        return None


def _is_json(content_type: str | None) -> bool:
    if content_type is None:
        return False
    return content_type.split(";", 1)[0].strip().lower() == "application/json"


async def _send_json(send: Send, body: bytes) -> None:
    headers = [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
