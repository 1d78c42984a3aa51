"""An experiment, not the product: ``POST .../deployments/{name}/predict`` answered by a lean
ASGI handler in front of the app, to measure what FastAPI's request handling costs on the
serving path (``deployment_predict.py --lean``).

The handler makes the same service calls as the real route (authenticate the key, narrow
to the company, check the role, resolve the deployment, ``deployed.predict`` with logging,
one unit of work) in ONE worker-thread hop, reads the JSON body with the route's own
pydantic request model and writes the response model's JSON; every other request goes to
the app unchanged. It does NOT keep the route's whole contract (errors are a bare 500, no
live figures, no body limit), so it is only for measuring.

    python benchmarks/lean_predict_server.py PORT    # with URUTIQ_* settings in the env
"""

import re
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio
import uvicorn

from urutiq_ai.api.app import create_app
from urutiq_ai.core.db import SETTINGS_KEY, unit_of_work
from urutiq_ai.core.jobs import attach_executor
from urutiq_ai.core.scoping import bind_scope, set_database_role
from urutiq_ai.core.settings import get_settings
from urutiq_ai.crud.resource import WRITERS
from urutiq_ai.deployments.schemas import Environment
from urutiq_ai.predictions.schemas import DeploymentPredictRequest
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.tenancy import service as tenancy_service
from urutiq_ai.tenancy.deps import require_roles

PATH = re.compile(r"^/api/v1/companies/([^/]+)/deployments/([^/]+)/predict$")
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def lean_app() -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    app = create_app(get_settings())
    from urutiq_ai.predictions import deployed

    def predict(company: str, name: str, environment: str, body: bytes, key: str) -> bytes:
        data = DeploymentPredictRequest.model_validate_json(body)
        settings = app.state.settings
        with unit_of_work(app.state.sessionmaker) as session:
            session.info[SETTINGS_KEY] = settings
            set_database_role(session, settings.database_role)
            attach_executor(session, getattr(app.state, "executor", None))
            ctx = tenancy_service.authenticate(session, key)
            bind_scope(session, ctx)
            ctx = tenancy_service.company_scope(ctx, company)
            require_roles(ctx, WRITERS, "predict")
            served = deployed.resolve(session, ctx, name, Environment(environment))
            answer = deployed.predict(
                session,
                ctx,
                served,
                rows=data.all_rows(),
                entity_key=data.entity_key,
                log=data.log,
                store=ArtifactStore(settings.artifacts),
            )
            session.flush()
        return answer.model_dump_json(by_alias=True).encode()

    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        found = PATH.match(scope["path"]) if scope["type"] == "http" else None
        if found is None or scope["method"] != "POST":
            await app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = dict(scope["headers"])
        auth = headers.get(b"authorization", b"").decode()
        key = auth[7:] if auth.lower().startswith("bearer ") else ""
        query = dict(p.split("=", 1) for p in scope["query_string"].decode().split("&") if "=" in p)
        try:
            out = await anyio.to_thread.run_sync(
                predict, found[1], found[2], query.get("environment", "production"), body, key
            )
            status = 200
        except Exception as exc:  # measuring only: no error contract here
            out, status = str(exc).encode(), 500
        head = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": status, "headers": head})
        await send({"type": "http.response.body", "body": out})

    return handle


if __name__ == "__main__":
    uvicorn.run(
        lean_app, factory=True, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning"
    )
