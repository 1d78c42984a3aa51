"""Binding a session to a scope, and the two safety nets behind the repositories.

1. ORM safety net: every ORM SELECT on a session bound to a tenant gets
   ``WHERE tenantId = :tenant`` on every tenant-owned entity
   (``with_loader_criteria``, SQLAlchemy's "Adding global WHERE / ON criteria").
   A session bound to no tenant that is not a *system* session may not read
   tenant-owned rows at all: it raises instead of returning everything.
2. PostgreSQL row-level security: each transaction carries the tenant in
   ``urutiq.tenant_id`` (``set_config(..., is_local => true)``) and the
   migration's policies compare ``"tenantId"`` with it.

Neither replaces :class:`urutiq_ai.core.repository.TenantRepository`, which
also filters by company; they catch what slips past it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.models import TenantOwned

TENANT_KEY = "tenant_id"
SYSTEM_KEY = "system"
ROLE_KEY = "database_role"


class UnscopedQuery(RuntimeError):
    """A query on tenant-owned rows from a session bound to no tenant."""


def bind_scope(session: Session, ctx: TenantContext) -> None:
    """Bind ``session`` to ``ctx``'s tenant for the rest of its life."""
    session.info[TENANT_KEY] = ctx.tenant_id
    session.info[SYSTEM_KEY] = False
    _apply_database_scope(session)


def bind_system(session: Session) -> None:
    """Mark ``session`` as system work that may see every tenant (admin, migrations)."""
    session.info.pop(TENANT_KEY, None)
    session.info[SYSTEM_KEY] = True
    _apply_database_scope(session)


@contextmanager
def system_scope(session: Session) -> Iterator[None]:
    """Temporarily lift the tenant scope, e.g. to look up the API key of a request."""
    saved = dict(session.info)
    bind_system(session)
    try:
        yield
    finally:
        session.info.clear()
        session.info.update(saved)
        _apply_database_scope(session)


def set_database_role(session: Session, role: str | None) -> None:
    if role:
        session.info[ROLE_KEY] = role


def _apply_database_scope(session: Session) -> None:
    if session.in_transaction():
        # tenancy: global - this sets the session's scope (row-level security's settings)
        _set_postgres_scope_on(session.connection(), session.info)


@event.listens_for(Session, "after_begin")
def _after_begin(session: Session, transaction: Any, connection: Any) -> None:  # noqa: ARG001
    if TENANT_KEY in session.info or SYSTEM_KEY in session.info:
        # session.execute would recurse into begin; use the connection directly.
        _set_postgres_scope_on(connection, session.info)


def _set_postgres_scope_on(connection: Any, info: dict[str, Any]) -> None:
    if connection.dialect.name != "postgresql":
        return
    role = info.get(ROLE_KEY)
    if role:
        # tenancy: global - this sets the session's scope (row-level security's settings)
        connection.exec_driver_sql(
            f"SET LOCAL ROLE {connection.dialect.identifier_preparer.quote(role)}"
        )
    # tenancy: global - this sets the session's scope (row-level security's settings)
    connection.execute(
        text(
            "SELECT set_config('urutiq.tenant_id', :tenant, true), "
            "set_config('urutiq.system', :system, true)"
        ),
        {"tenant": info.get(TENANT_KEY) or "", "system": "on" if info.get(SYSTEM_KEY) else "off"},
    )


@event.listens_for(Session, "do_orm_execute")
def _scope_orm_execute(state: ORMExecuteState) -> None:
    if not state.is_select or state.is_column_load or state.is_relationship_load:
        return
    info = state.session.info
    tenant_id = info.get(TENANT_KEY)
    if tenant_id is not None:
        state.statement = state.statement.options(
            with_loader_criteria(
                TenantOwned,
                lambda cls: cls.tenant_id == tenant_id,
                include_aliases=True,
            )
        )
        return
    if info.get(SYSTEM_KEY):
        return
    if any(issubclass(mapper.class_, TenantOwned) for mapper in state.all_mappers):
        raise UnscopedQuery(
            "tenant-owned rows queried from a session bound to no tenant; "
            "call bind_scope() or bind_system() first"
        )
