"""The only constructors of :class:`TenantContext`.

``from_api_key`` (requests), ``for_job`` (workers), ``tenant_admin`` (in-process admin
commands over one whole tenant). Code that must see every tenant (migrations, the
scheduler's sweeps) binds the system scope instead (``core.scoping.bind_system``) and
never goes through a repository that filters by tenant.
"""

from urutiq_ai.core.context import Role, TenantContext
from urutiq_ai.core.types import CompanyId, TenantId
from urutiq_ai.tenancy.models import ApiKey

__all__ = ["Role", "TenantContext", "for_job", "from_api_key", "tenant_admin"]


def from_api_key(key: ApiKey, tenant_company_ids: list[str]) -> TenantContext:
    """The scope of a request made with ``key``: its role, and the companies it may see.

    ``tenant_company_ids`` are the tenant's companies; a key limited to some
    companies keeps only those that still exist.
    """
    allowed = (
        tenant_company_ids
        if key.company_ids is None
        else [company for company in key.company_ids if company in set(tenant_company_ids)]
    )
    return TenantContext(
        tenant_id=TenantId(key.tenant_id),
        company_ids=frozenset(CompanyId(c) for c in allowed),
        role=key.role,
        principal_id=key.id,
        all_companies=key.company_ids is None,
        user_id=key.user_id,
    )


def for_job(
    tenant_id: str, company_ids: list[str], *, principal_id: str | None = None
) -> TenantContext:
    """The scope of a background job acting for a tenant's companies, with editor rights."""
    return TenantContext(
        tenant_id=TenantId(tenant_id),
        company_ids=frozenset(CompanyId(c) for c in company_ids),
        role=Role.editor,
        principal_id=principal_id,
    )


def tenant_admin(tenant_id: str, company_ids: list[str]) -> TenantContext:
    """An admin scope over a whole tenant, for in-process admin commands (CLI bootstrap)."""
    return TenantContext(
        tenant_id=TenantId(tenant_id),
        company_ids=frozenset(CompanyId(c) for c in company_ids),
        role=Role.admin,
        principal_id=None,
        all_companies=True,
    )
