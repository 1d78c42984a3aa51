"""Data access for tenant-level tables. Tenant filtering comes from the base classes."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, insert, select
from sqlalchemy.orm import Session

from urutiq_ai.core.db import Base
from urutiq_ai.core.repository import TenantLevelRepository
from urutiq_ai.tenancy.models import ApiKey, AuditLog, Company, Tenant, User


class TenantRepository:
    """Tenants themselves are global rows: only system work reads them all."""

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


class ApiKeyRepository(TenantLevelRepository[ApiKey]):
    model = ApiKey

    def list_all(self) -> Sequence[ApiKey]:
        return self.session.scalars(self.base_statement().order_by(ApiKey.created_at)).all()


def find_api_key_for_auth(session: Session, key_id: str) -> ApiKey | None:
    """Look a presented key up by id, before any tenant is known (system scope)."""
    return session.get(ApiKey, key_id)


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
