"""In-process administration: bootstrap tenants, companies and keys without an API key.

Used by the CLI's ``tenants`` / ``companies`` / ``keys create`` commands, by
``make run``'s first start and by tests. Each function takes a session in a unit of
work, binds it to the system scope to find the tenant, then acts through the
ordinary tenancy service with an admin scope, so the same rules and the same
audit rows apply (the actor is recorded as none: the local operator).
"""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from urutiq_ai.core.context import Role, TenantContext
from urutiq_ai.core.scoping import bind_scope, bind_system
from urutiq_ai.tenancy import context, service
from urutiq_ai.tenancy.errors import ApiKeyNotFound
from urutiq_ai.tenancy.models import ApiKey, Company, Tenant
from urutiq_ai.tenancy.repository import TenantPurgeRepository, tenant_of_api_key
from urutiq_ai.tenancy.schemas import ApiKeyCreate, CompanyCreate


@dataclass(frozen=True)
class Bootstrap:
    tenant: Tenant
    company: Company
    key: ApiKey
    plaintext_key: str


def _admin_scope(session: Session, tenant_id: str) -> TenantContext:
    bind_system(session)
    tenant = service.get_tenant(session, tenant_id)
    ctx = context.tenant_admin(tenant.id, [])
    bind_scope(session, ctx)
    return context.tenant_admin(tenant.id, service.tenant_company_ids(session, ctx))


def create_tenant(session: Session, *, name: str, tenant_id: str | None = None) -> Tenant:
    bind_system(session)
    return service.create_tenant(session, name=name, tenant_id=tenant_id)


def create_company(
    session: Session, *, tenant_id: str, name: str, company_id: str | None = None
) -> Company:
    ctx = _admin_scope(session, tenant_id)
    return service.create_company(session, ctx, data=CompanyCreate(name=name, id=company_id))


def create_key(
    session: Session,
    *,
    tenant_id: str,
    role: Role,
    company_ids: list[str] | None = None,
    name: str | None = None,
) -> tuple[ApiKey, str]:
    ctx = _admin_scope(session, tenant_id)
    data = ApiKeyCreate(role=role, company_ids=company_ids or None, name=name)
    return service.create_api_key(session, ctx, data=data)


def revoke_key(session: Session, *, key_id: str) -> ApiKey:
    bind_system(session)
    tenant_id = tenant_of_api_key(session, key_id)
    if tenant_id is None:
        raise ApiKeyNotFound(f"ApiKey {key_id!r} not found")
    ctx = _admin_scope(session, tenant_id)
    return service.revoke_api_key(session, ctx, key_id=key_id)


def bootstrap_local(session: Session) -> Bootstrap | None:
    """Create the local tenant, company and admin key if no tenant exists yet.

    Returns None when the database already has a tenant.
    """
    bind_system(session)
    if service.first_tenant(session) is not None:
        return None
    tenant = create_tenant(session, name="Local", tenant_id="local")
    company = create_company(
        session, tenant_id=tenant.id, name="Local company", company_id="local-company"
    )
    key, plaintext = create_key(session, tenant_id=tenant.id, role=Role.admin, name="local admin")
    return Bootstrap(tenant=tenant, company=company, key=key, plaintext_key=plaintext)


def purge_ai_data(session: Session, *, tenant_id: str) -> dict[str, int]:
    """Delete every AI row of a tenant (models, runs, predictions, ...), children first.

    The tenant, its companies, users and the append-only audit log stay; the tenant's
    API keys are revoked. Used by ``urutiq-ai demo load --reset``.
    """
    bind_system(session)
    tenant = service.get_tenant(session, tenant_id)
    counts = TenantPurgeRepository(session).delete_ai_rows(tenant.id)
    ctx = _admin_scope(session, tenant.id)
    for key in service.list_api_keys(session, ctx):
        service.revoke_api_key(session, ctx, key_id=key.id)
    return counts
