"""Mixins for tenant-owned tables."""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from urutiq_ai.core.db import Timestamped


class TenantOwned(Timestamped):
    """A row that belongs to a tenant (``tenantId`` NOT NULL, indexed, FK)."""

    tenant_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("Tenant.id"), nullable=False, index=True
    )


class CompanyOwned(TenantOwned):
    """A row that belongs to one company of a tenant: every AI table."""

    company_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("Company.id"), nullable=False, index=True
    )
