"""What ``/openapi.json`` says each operation can answer besides success.

FastAPI documents a 422 in its own ``HTTPValidationError`` shape, which this API never
sends, and nothing of the 401/403/404/409 answers. :func:`install_openapi` replaces the
app's schema builder with one that post-processes FastAPI's schema, operation by
operation, from the route itself:

- 422 ``ValidationError`` on every operation with a parameter or a body (the auth headers
  count: every ``/api`` operation has them);
- 401 where the route's dependencies authenticate the key (:func:`get_principal`);
- 403 where they check a role (:func:`company_role`, :func:`role_dependency`), naming the
  roles allowed;
- 404 where the path names a company or a row (another tenant's answers the same);
- 409 on every write (POST, PUT, PATCH, DELETE): every write flushes, and a database
  constraint it breaks (a concurrent write included) answers ``Conflict``; most verbs add
  their own refusals of a row's current state. Reads never answer 409. This is the
  conservative rule for routes whose service cannot be read off the route; the CRUD
  routes declare their 409 from their :class:`~urutiq_ai.crud.resource.Resource`
  (``responses=``), and a route's declared description always wins;
- 400 ``BadRequest`` on operations with a body: one that is not UTF-8 cannot be read
  (FastAPI refuses it before any validation; malformed JSON is a 422);
- 413 ``PayloadTooLarge`` on operations with a body while ``URUTIQ_MAX_BODY_BYTES`` is set.

Every error answer refers to the one ``ErrorBody`` component
(:func:`urutiq_ai.api.errors.error_body`); FastAPI's ``HTTPValidationError`` and
``ValidationError`` components are removed.
"""

import inspect
import threading
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field
from starlette.routing import BaseRoute

from urutiq_ai.core.context import Role
from urutiq_ai.tenancy.deps import company_role, get_principal, role_dependency

ERROR_BODY = "ErrorBody"
ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_BODY}"}
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FASTAPI_COMPONENTS = ("HTTPValidationError", "ValidationError")
# Every dependency a role factory returns shares its code object: that identifies the
# role checks among a route's dependencies without marking them.
_ROLE_CHECKS = frozenset(
    {
        role_dependency(frozenset(), "").__code__,
        company_role(frozenset(), "").__code__,
    }
)


class ErrorField(BaseModel):
    field: str = Field(description="The field, query parameter or header (camelCase; dotted).")
    reason: str = Field(description="Why its value was refused.")


class ErrorBody(BaseModel):
    """Every 4xx and 5xx answer of the API."""

    model_config = ConfigDict(title=ERROR_BODY)

    error: str = Field(
        description="The error's class name (ValidationError, NotFound, Conflict, ...); "
        "the SDK raises the class of that name."
    )
    detail: str = Field(description="What went wrong, in one line.")
    fields: list[ErrorField] = Field(
        description="The fields refused, each with its reason (often empty, never absent)."
    )


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and so ``/openapi.json``) document the real error answers.

    Built once, on first use, after every route is mounted."""
    build = app.openapi  # FastAPI's own builder (it caches in app.openapi_schema)
    lock = threading.Lock()
    schema: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        with lock:
            if not schema:
                body_limit = bool(getattr(app.state.settings, "max_body_bytes", 0))
                schema.update(document_errors(build(), app.routes, body_limit=body_limit))
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def document_errors(
    schema: dict[str, Any], routes: list[BaseRoute], *, body_limit: bool = False
) -> dict[str, Any]:
    """``schema`` with each operation's error answers (see the module), in place."""
    # The routes as FastAPI's own builder sees them (an included router's routes carry
    # their prefix, dependencies and responses there).
    for route in iter_route_contexts(routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = schema["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in route_errors(route, method).items():
                declared = route.responses.get(status, {}).get("description")
                responses[str(status)] = {"description": declared or description}
            if "requestBody" in operation:
                responses.setdefault("400", {"description": UNREADABLE_BODY})
                if body_limit:
                    responses.setdefault("413", {"description": PAYLOAD_TOO_LARGE})
            for status, response in responses.items():
                if status[:1] in "45":
                    response["content"] = {"application/json": {"schema": ERROR_REF}}
            operation["responses"] = dict(sorted(responses.items()))
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_COMPONENTS:
        components.pop(name, None)
    components.update(_error_components())
    return schema


UNREADABLE_BODY = "BadRequest: the body cannot be read as text (it is not UTF-8)."
PAYLOAD_TOO_LARGE = "PayloadTooLarge: the body is larger than URUTIQ_MAX_BODY_BYTES."


def route_errors(route: RouteContext, method: str) -> dict[int, str]:
    """The error answers one operation can give, with what each means (see the module)."""
    dependant = route.dependant
    calls = list(_calls(dependant))
    errors: dict[int, str] = {}
    if _has_inputs(dependant):
        errors[422] = (
            "ValidationError: a parameter or the body is refused (wrong type, unknown field, "
            "out of range, bad reference); `fields` names each one."
        )
    if get_principal in calls:
        errors[401] = "InvalidApiKey: the API key is missing, unknown or revoked."
    roles = _required_roles(calls)
    if roles:
        errors[403] = f"Forbidden: the key's role may not do this; needs one of: {roles}."
    if route.param_convertors:
        names = ", ".join(route.param_convertors)
        errors[404] = (
            f"NotFound: the path ({names}) names nothing this key may see; another tenant's "
            "rows answer the same."
        )
    if method in WRITES:
        errors[409] = (
            "Conflict: the row's current state refuses the change, or the change breaks a "
            "database constraint (e.g. a concurrent write)."
        )
    return errors


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _has_inputs(dependant: Dependant) -> bool:
    return any(
        (
            dependant.path_params,
            dependant.query_params,
            dependant.header_params,
            dependant.cookie_params,
            dependant.body_params,
        )
    ) or any(_has_inputs(sub) for sub in dependant.dependencies)


def _required_roles(calls: list[Callable[..., Any]]) -> str:
    """The roles the route's role checks allow (all of them must pass), e.g. "admin"."""
    allowed: set[Role] | None = None
    for call in calls:
        if getattr(call, "__code__", None) in _ROLE_CHECKS:
            roles = inspect.getclosurevars(call).nonlocals["roles"]
            allowed = set(roles) if allowed is None else allowed & set(roles)
    if allowed is None:
        return ""
    return ", ".join(sorted(role.value for role in allowed))


def _error_components() -> dict[str, Any]:
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    components = body.pop("$defs", {})
    components[ERROR_BODY] = body
    return dict(components)
