"""Tenant administration: companies, users, API keys, the audit log, and whoami."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from urutiq_ai.core.schemas import Page
from urutiq_ai.tenancy import service
from urutiq_ai.tenancy.deps import AdminPrincipal, AuditPrincipal, Principal, SessionDep
from urutiq_ai.tenancy.models import ApiKey, Company, User
from urutiq_ai.tenancy.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    AuditLogRead,
    CompanyCreate,
    CompanyRead,
    CompanyUpdate,
    UserCreate,
    UserRead,
    WhoAmI,
)

router = APIRouter()
CompanyIdPath = Annotated[str, Path(alias="companyId", max_length=64)]
KeyIdPath = Annotated[str, Path(alias="keyId", max_length=64)]


@router.get("/whoami", response_model=WhoAmI, tags=["tenancy"])
def whoami(ctx: Principal) -> WhoAmI:
    return WhoAmI(
        tenant_id=ctx.tenant_id,
        role=ctx.role,
        company_ids=None if ctx.all_companies else sorted(ctx.company_ids),
        key_id=ctx.principal_id,
    )


@router.get("/companies", response_model=list[CompanyRead], tags=["tenancy"])
def list_companies(session: SessionDep, ctx: Principal) -> Any:
    return service.list_companies(session, ctx)


@router.post("/companies", response_model=CompanyRead, status_code=201, tags=["tenancy"])
def create_company(session: SessionDep, ctx: AdminPrincipal, data: CompanyCreate) -> Company:
    return service.create_company(session, ctx, data=data)


@router.get("/companies/{companyId}", response_model=CompanyRead, tags=["tenancy"])
def get_company(session: SessionDep, ctx: Principal, company_id: CompanyIdPath) -> Company:
    return service.get_company(session, ctx, company_id)


@router.patch("/companies/{companyId}", response_model=CompanyRead, tags=["tenancy"])
def update_company(
    session: SessionDep, ctx: AdminPrincipal, company_id: CompanyIdPath, data: CompanyUpdate
) -> Company:
    return service.update_company(session, ctx, company_id=company_id, data=data)


@router.get("/users", response_model=list[UserRead], tags=["tenancy"])
def list_users(session: SessionDep, ctx: AdminPrincipal) -> Any:
    return service.list_users(session, ctx)


@router.post("/users", response_model=UserRead, status_code=201, tags=["tenancy"])
def create_user(session: SessionDep, ctx: AdminPrincipal, data: UserCreate) -> User:
    return service.create_user(session, ctx, data=data)


@router.get("/api-keys", response_model=list[ApiKeyRead], tags=["tenancy"])
def list_api_keys(session: SessionDep, ctx: AdminPrincipal) -> Any:
    """The tenant's keys; a key limited to some companies sees only keys no broader."""
    return service.list_api_keys(session, ctx)


@router.get("/api-keys/{keyId}", response_model=ApiKeyRead, tags=["tenancy"])
def get_api_key(session: SessionDep, ctx: AdminPrincipal, key_id: KeyIdPath) -> ApiKey:
    """One key (never its secret); 404 for a key broader than the caller's, or another
    tenant's."""
    return service.get_api_key(session, ctx, key_id)


@router.post("/api-keys", response_model=ApiKeyCreated, status_code=201, tags=["tenancy"])
def create_api_key(session: SessionDep, ctx: AdminPrincipal, data: ApiKeyCreate) -> Any:
    """Create a key. The response carries ``key``, shown this once and never again."""
    key, plaintext = service.create_api_key(session, ctx, data=data)
    return ApiKeyCreated.model_validate(
        {**ApiKeyRead.model_validate(key).model_dump(), "key": plaintext}
    )


@router.post("/api-keys/{keyId}/revoke", response_model=ApiKeyRead, tags=["tenancy"])
def revoke_api_key(session: SessionDep, ctx: AdminPrincipal, key_id: KeyIdPath) -> ApiKey:
    return service.revoke_api_key(session, ctx, key_id=key_id)


@router.get("/audit-log", response_model=Page[AuditLogRead], tags=["audit"])
def list_audit_log(
    session: SessionDep,
    ctx: AuditPrincipal,
    company_id: Annotated[str | None, Query(alias="companyId")] = None,
    table_name: Annotated[str | None, Query(alias="tableName")] = None,
    action: str | None = None,
    row_id: Annotated[str | None, Query(alias="rowId")] = None,
    actor_key_id: Annotated[str | None, Query(alias="actorKeyId")] = None,
    since: Annotated[datetime | None, Query(alias="createdAtFrom")] = None,
    until: Annotated[datetime | None, Query(alias="createdAtTo")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Any:
    """Audit rows, newest first (admin and auditor keys). Append-only: no edit, no delete."""
    filters = {
        "company_id": company_id,
        "table_name": table_name,
        "action": action,
        "row_id": row_id,
        "actor_key_id": actor_key_id,
        "since": since,
        "until": until,
    }
    page = service.list_audit_log(session, ctx, filters=filters, cursor=cursor, limit=limit)
    return {"items": page.items, "nextCursor": page.next_cursor}
