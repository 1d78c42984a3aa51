"""The scope every query runs in.

A :class:`TenantContext` says which tenant, which companies and which role a
piece of work acts for. It is built only by the factories in
``urutiq_ai.tenancy.context`` and passed explicitly (never a global), so that a
query without a scope is a type error rather than a data leak.
"""

from dataclasses import dataclass, replace
from enum import StrEnum

from urutiq_ai.core.types import CompanyId, TenantId


class Role(StrEnum):
    viewer = "viewer"
    editor = "editor"
    admin = "admin"
    auditor = "auditor"


@dataclass(frozen=True)
class TenantContext:
    """Who acts, for which tenant, on which companies.

    ``company_ids`` is the set of companies the work may touch: a request under
    ``/companies/{companyId}/`` narrows it to that one company.
    ``all_companies`` is true for keys not limited to some companies.
    """

    tenant_id: TenantId
    company_ids: frozenset[CompanyId]
    role: Role
    principal_id: str | None = None
    all_companies: bool = False
    user_id: str | None = None

    def for_company(self, company_id: CompanyId) -> "TenantContext":
        return replace(self, company_ids=frozenset({company_id}), all_companies=False)
