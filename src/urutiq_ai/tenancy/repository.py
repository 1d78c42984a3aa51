"""Data access for tenant-level tables. Tenant filtering comes from the base classes."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, insert, select
from sqlalchemy.orm import Session

from urutiq_ai.core.context import Role, TenantContext
from urutiq_ai.core.db import Base
from urutiq_ai.core.errors import FieldError
from urutiq_ai.core.repository import TenantLevelRepository
from urutiq_ai.tenancy.models import ApiKey, AuditLog, Company, EndedSession, Tenant, User


class TenantTableRepository:
    """The ``Tenant`` table itself (not to be confused with
    :class:`urutiq_ai.core.repository.TenantRepository`, the base of every repository of a
    tenant's and company's rows): tenants are global rows that only system work reads."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, tenant_id: str) -> Tenant | None:
        return self.session.get(Tenant, tenant_id)

    def first(self) -> Tenant | None:
        stmt = select(Tenant).order_by(Tenant.created_at).limit(1)  # tenancy: global
        return self.session.scalars(stmt).first()

    def add(self, tenant: Tenant) -> Tenant:
        self.session.add(tenant)
        return tenant


class CompanyRepository(TenantLevelRepository[Company]):
    model = Company

    def base_statement(self) -> Select[Company]:
        """The tenant's companies that the context may see."""
        stmt = super().base_statement()
        if not self.ctx.all_companies:
            stmt = stmt.where(Company.id.in_(self.ctx.company_ids))
        return stmt

    def list_all(self) -> Sequence[Company]:
        return self.session.scalars(self.base_statement().order_by(Company.created_at)).all()

    def all_ids(self) -> list[str]:
        """Every company id of the tenant, whatever the key may see."""
        stmt = select(Company.id).where(Company.tenant_id == self.ctx.tenant_id)
        return list(self.session.scalars(stmt).all())


class UserRepository(TenantLevelRepository[User]):
    model = User

    def list_all(self) -> Sequence[User]:
        return self.session.scalars(self.base_statement().order_by(User.created_at)).all()

    def find_by_email(self, email: str) -> User | None:
        stmt = self.base_statement().where(User.email == email)
        return self.session.scalars(stmt).first()


# The roles each role reaches: a role is not above itself, viewer is below every role,
# admin above every role; editor and auditor are side by side (neither reaches the other).
ROLES_WITHIN: dict[Role, frozenset[Role]] = {
    Role.viewer: frozenset({Role.viewer}),
    Role.editor: frozenset({Role.viewer, Role.editor}),
    Role.auditor: frozenset({Role.viewer, Role.auditor}),
    Role.admin: frozenset(Role),
}


def beyond_reach(
    ctx: TenantContext, *, role: Role, company_ids: Sequence[str] | None
) -> FieldError | None:
    """Why a key of ``role`` and ``company_ids`` is broader than ``ctx``'s key (None when it
    is not): the one rule of which keys a key may see, create and revoke.

    A key not limited to some companies reaches every key of its tenant. A limited key
    reaches a key only when that key's companies are a non-empty subset of its own (an
    unlimited key, ``None``, is broader than any limited one) and its role is not above
    its own (:data:`ROLES_WITHIN`).
    """
    if ctx.all_companies:
        return None
    if not company_ids:
        return FieldError(
            "companyIds", "every company is broader than this key: name some of its companies"
        )
    outside = sorted(set(company_ids) - ctx.company_ids)
    if outside:
        return FieldError("companyIds", f"companies this key may not see: {outside}")
    if role not in ROLES_WITHIN[ctx.role]:
        return FieldError("role", f"{role.value!r} is above this key's role {ctx.role.value!r}")
    return None


class ApiKeyRepository(TenantLevelRepository[ApiKey]):
    """The tenant's keys that the context's key reaches (:func:`beyond_reach`): a limited
    key neither sees nor finds a broader one, so ``get`` answers None for it, as for
    another tenant's key."""

    model = ApiKey

    def base_statement(self) -> Select[ApiKey]:
        stmt = super().base_statement()
        if self.ctx.all_companies:
            return stmt
        # A tenant holds few keys: the rule is applied here, in Python, to their roles and
        # companies (a JSON list, whose subset test SQL would spell once per dialect).
        candidates = self.session.execute(
            select(ApiKey.id, ApiKey.role, ApiKey.company_ids).where(
                ApiKey.tenant_id == self.ctx.tenant_id
            )
        ).all()
        reached = [
            key_id
            for key_id, role, company_ids in candidates
            if beyond_reach(self.ctx, role=role, company_ids=company_ids) is None
        ]
        return stmt.where(ApiKey.id.in_(reached))

    def list_all(self) -> Sequence[ApiKey]:
        return self.session.scalars(self.base_statement().order_by(ApiKey.created_at)).all()

    def roles_of_tenant(self) -> dict[str, Role]:
        """The role of every key of the tenant, whichever the context reaches: for checks
        of who did what (governance), never to be shown."""
        stmt = select(ApiKey.id, ApiKey.role).where(ApiKey.tenant_id == self.ctx.tenant_id)
        return {key_id: role for key_id, role in self.session.execute(stmt).all()}  # noqa: C416


class EndedSessionRepository(TenantLevelRepository[EndedSession]):
    model = EndedSession

    def purge_expired(self, now: datetime) -> None:
        """Forget the tenant's ended sessions whose cookies have expired anyway."""
        self.session.execute(
            delete(EndedSession).where(
                EndedSession.tenant_id == self.ctx.tenant_id, EndedSession.expires_at <= now
            )
        )


def session_has_ended(session: Session, session_hash: str) -> bool:
    """Whether the dashboard session ``session_hash`` was ended, before any tenant is known
    (system scope)."""
    return session.get(EndedSession, session_hash) is not None


def find_api_key_for_auth(session: Session, key_id: str) -> ApiKey | None:
    """Look a presented key up by id, before any tenant is known (system scope)."""
    return session.get(ApiKey, key_id)


def tenant_of_api_key(session: Session, key_id: str) -> str | None:
    """The tenant holding key ``key_id``, for an admin command that names only the key
    (system scope); None when no tenant does."""
    key = session.get(ApiKey, key_id)
    return key.tenant_id if key is not None else None


def company_ids_of_tenant(session: Session, tenant_id: str) -> list[str]:
    """Every company id of a tenant, for building a request's scope (system scope)."""
    stmt = select(Company.id).where(Company.tenant_id == tenant_id)  # tenancy: global
    return list(session.scalars(stmt).all())


class AuditLogRepository(TenantLevelRepository[AuditLog]):
    model = AuditLog

    def add_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert audit rows (dicts keyed by attribute) of the context's tenant at once."""
        owned = [{**row, "tenant_id": self.ctx.tenant_id} for row in rows]
        if owned:
            self.session.execute(insert(AuditLog), owned)

    def base_statement(self) -> Select[AuditLog]:
        """Audit rows of the tenant; a company-limited key sees only its companies' rows."""
        stmt = super().base_statement()
        if not self.ctx.all_companies:
            stmt = stmt.where(AuditLog.company_id.in_(self.ctx.company_ids))
        return stmt

    def filtered(
        self,
        *,
        company_id: str | None,
        table_name: str | None,
        action: str | None,
        row_id: str | None,
        actor_key_id: str | None,
        since: datetime | None,
        until: datetime | None,
    ) -> Select[AuditLog]:
        stmt = self.base_statement()
        conditions: list[Any] = []
        if company_id is not None:
            conditions.append(AuditLog.company_id == company_id)
        if table_name is not None:
            conditions.append(AuditLog.table_name == table_name)
        if action is not None:
            conditions.append(AuditLog.action == action)
        if row_id is not None:
            conditions.append(AuditLog.row_id == row_id)
        if actor_key_id is not None:
            conditions.append(AuditLog.actor_key_id == actor_key_id)
        if since is not None:
            conditions.append(AuditLog.created_at >= since)
        if until is not None:
            conditions.append(AuditLog.created_at < until)
        return stmt.where(*conditions) if conditions else stmt

    def creation_of(self, table_name: str, row_id: str) -> AuditLog | None:
        """The first ``create`` entry of row ``row_id`` of ``table_name`` that the context
        sees (None when the log keeps none)."""
        stmt = self.base_statement().where(
            AuditLog.table_name == table_name,
            AuditLog.action == "create",
            AuditLog.row_id == row_id,
        )
        return self.session.scalars(stmt.order_by(AuditLog.created_at).limit(1)).first()


KEPT_TABLES = frozenset({"Tenant", "Company", "User", "ApiKey", "AuditLog"})


class TenantPurgeRepository:
    """System-level deletion of a tenant's AI rows (every table with tenantId but ours)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def delete_ai_rows(self, tenant_id: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for table in reversed(Base.metadata.sorted_tables):  # children before parents
            tenant_column = next((c for c in table.columns if c.name == "tenantId"), None)
            if table.name in KEPT_TABLES or tenant_column is None:
                continue
            result = self.session.execute(
                delete(table).where(tenant_column == tenant_id)  # tenancy: global
            )
            counts[table.name] = int(getattr(result, "rowcount", 0) or 0)
        return counts
