"""Tenant-scoped data access: the single place where tenant filtering happens.

Every query on a tenant-owned table starts from
:meth:`TenantRepository.base_statement`, which restricts it to the context's
tenant and companies. Ownership columns are set here from the context, never
from a payload.
"""

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, insert, select
from sqlalchemy.orm import Session

from urutiq_ai.core.bulk import copy_rows
from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import NotFound
from urutiq_ai.core.models import CompanyOwned

M = TypeVar("M", bound=CompanyOwned)


class TenantRepository(Generic[M]):
    """The base of every repository of rows a tenant's company owns: each statement sees the
    context's tenant and companies only (the ``Tenant`` table's own repository is
    :class:`urutiq_ai.tenancy.repository.TenantTableRepository`)."""

    model: ClassVar[type[Any]]

    def __init__(self, session: Session, ctx: TenantContext) -> None:
        self.session = session
        self.ctx = ctx

    def visible(self) -> tuple[ColumnElement[bool], ...]:
        """The conditions of a row the context may see: its tenant and its companies (every
        statement of a repository starts from them)."""
        model = self.model
        return (
            model.tenant_id == self.ctx.tenant_id,
            model.company_id.in_(self.ctx.company_ids),
        )

    def base_statement(self) -> Select[M]:
        """All rows of ``model`` the context may see."""
        return select(self.model).where(*self.visible())

    def get(self, row_id: str) -> M | None:
        stmt = self.base_statement().where(self.model.id == row_id)
        return self.session.scalars(stmt).one_or_none()

    def get_or_raise(self, row_id: str) -> M:
        row = self.get(row_id)
        if row is None:
            raise NotFound(f"{self.model.__tablename__} {row_id!r} not found")
        return row

    def find_by(self, **values: Any) -> M | None:
        stmt = self.base_statement()
        for name, value in values.items():
            stmt = stmt.where(getattr(self.model, name) == value)
        return self.session.scalars(stmt.limit(1)).first()

    def scalars(self, stmt: Select[M]) -> Sequence[M]:
        return self.session.scalars(stmt).all()

    def count_by(self, attr: str, **equals: Any) -> dict[str, int]:
        """How many visible rows hold each value of ``attr`` (among those matching ``equals``):
        one grouped query, for dashboards' counts."""
        column = getattr(self.model, attr)
        stmt = select(column, func.count()).where(
            *self.visible(),
            *(getattr(self.model, name) == value for name, value in equals.items()),
        )
        rows = self.session.execute(stmt.group_by(column)).all()
        return {str(getattr(value, "value", value)): int(count) for value, count in rows}

    def add(self, obj: M, *, company_id: str) -> M:
        """Attach ``obj`` to the context's tenant and ``company_id`` (which it must see)."""
        if company_id not in self.ctx.company_ids:
            raise NotFound(f"Company {company_id!r} not found")
        obj.tenant_id = self.ctx.tenant_id
        obj.company_id = company_id
        self.session.add(obj)
        return obj

    def add_many(self, rows: Sequence[dict[str, Any]], *, company_id: str) -> None:
        """Insert many rows (dicts keyed by attribute) owned by the context's tenant and
        ``company_id``, in the session's transaction: one INSERT, or on PostgreSQL a large
        batch through a COPY that row-level security still checks (:mod:`.bulk`)."""
        owned = self.owned(rows, company_id=company_id)
        if owned and not copy_rows(self.session, self.model.__table__, owned):
            self.session.execute(insert(self.model), owned)

    def owned(self, rows: Sequence[dict[str, Any]], *, company_id: str) -> list[dict[str, Any]]:
        """``rows`` (dicts keyed by attribute) with the context's tenant and ``company_id``
        (which it must see) as their owners, for the bulk writes of repositories."""
        if company_id not in self.ctx.company_ids:
            raise NotFound(f"Company {company_id!r} not found")
        return [{**row, "tenant_id": self.ctx.tenant_id, "company_id": company_id} for row in rows]

    def delete(self, obj: M) -> None:
        self.session.delete(obj)


def repository_for(model: type[M]) -> type[TenantRepository[M]]:
    """A repository class for ``model``; domains subclass it when they need more."""
    return type(f"{model.__name__}Repository", (TenantRepository,), {"model": model})


T = TypeVar("T")


class TenantLevelRepository(Generic[T]):
    """Rows that belong to a tenant but to no single company (users, keys, audit)."""

    model: ClassVar[type[Any]]

    def __init__(self, session: Session, ctx: TenantContext) -> None:
        self.session = session
        self.ctx = ctx

    def base_statement(self) -> Select[T]:
        """All rows of ``model`` in the context's tenant."""
        return select(self.model).where(self.model.tenant_id == self.ctx.tenant_id)

    def get(self, row_id: str) -> T | None:
        stmt = self.base_statement().where(self.model.id == row_id)
        return self.session.scalars(stmt).one_or_none()

    def scalars(self, stmt: Select[T]) -> Sequence[T]:
        """The rows of ``stmt``, a statement built on :meth:`base_statement`."""
        return self.session.scalars(stmt).all()

    def add(self, obj: T) -> T:
        obj.tenant_id = self.ctx.tenant_id  # type: ignore[attr-defined]
        self.session.add(obj)
        return obj
