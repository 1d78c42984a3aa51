"""Request dependencies: the session (one unit of work) and the caller's scope.

``Principal`` authenticates the key (401), ``CompanyScope`` narrows the scope to
the ``{companyId}`` of the path (404 for another tenant's company or one the
key may not see), and ``require_roles`` turns a role that is too low into 403.
"""

from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Request
from sqlalchemy.orm import Session

from urutiq_ai.core.context import Role, TenantContext
from urutiq_ai.core.db import SETTINGS_KEY, unit_of_work
from urutiq_ai.core.errors import Forbidden
from urutiq_ai.core.jobs import attach_executor
from urutiq_ai.core.scoping import bind_scope, set_database_role
from urutiq_ai.tenancy import service


def get_session(request: Request) -> Iterator[Session]:
    state = request.app.state
    with unit_of_work(state.sessionmaker) as session:
        prepare_session(session, state.settings, getattr(state, "executor", None))
        yield session


def prepare_session(session: Session, settings: Any, executor: Any) -> None:
    """What a request's session carries: the settings, the database role, the job executor."""
    session.info[SETTINGS_KEY] = settings
    set_database_role(session, settings.database_role)
    attach_executor(session, executor)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def presented_key(authorization: str | None, x_api_key: str | None) -> str | None:
    """The API key a request presents: ``X-API-Key``, else ``Authorization: Bearer``."""
    if x_api_key:
        return x_api_key
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


def get_principal(
    session: SessionDep,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> TenantContext:
    """The tenant-wide scope of the presented API key; binds the session to its tenant."""
    ctx = service.authenticate(session, presented_key(authorization, x_api_key))
    bind_scope(session, ctx)
    return ctx


Principal = Annotated[TenantContext, Depends(get_principal)]


async def get_company_scope(
    principal: Principal,
    company_id: Annotated[str, Path(alias="companyId", max_length=64)],
) -> TenantContext:
    """The caller's scope narrowed to the path's company; 404 if it may not see it.

    ``async`` (it reads no database) so that FastAPI runs it in the event loop instead of
    a worker thread: one thread hop less per request. The same for the role checks."""
    return service.company_scope(principal, company_id)


CompanyScope = Annotated[TenantContext, Depends(get_company_scope)]


def require_roles(ctx: TenantContext, roles: frozenset[Role], action: str) -> None:
    if ctx.role not in roles:
        allowed = ", ".join(sorted(role.value for role in roles))
        raise Forbidden(f"role {ctx.role.value!r} may not {action}; needs one of: {allowed}")


def role_dependency(
    roles: frozenset[Role], action: str
) -> Callable[..., Coroutine[Any, Any, TenantContext]]:
    async def dependency(ctx: Principal) -> TenantContext:
        require_roles(ctx, roles, action)
        return ctx

    return dependency


AdminPrincipal = Annotated[
    TenantContext, Depends(role_dependency(frozenset({Role.admin}), "administer the tenant"))
]
AuditPrincipal = Annotated[
    TenantContext,
    Depends(role_dependency(frozenset({Role.admin, Role.auditor}), "read the audit log")),
]


IdPath = Annotated[str, Path(alias="id", max_length=64)]
"""The ``{id}`` of a route's path: a row's id (every router's, one declaration)."""


def company_role(
    roles: frozenset[Role], action: str
) -> Callable[..., Coroutine[Any, Any, TenantContext]]:
    """A dependency: the company scope, 403 unless its role is in ``roles``.

    Use as ``Writer = Annotated[TenantContext, Depends(company_role(WRITERS, "train"))]``.
    """

    async def dependency(ctx: CompanyScope) -> TenantContext:
        require_roles(ctx, roles, action)
        return ctx

    return dependency
