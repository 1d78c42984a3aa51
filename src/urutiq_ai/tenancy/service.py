"""Tenants, companies, users, API keys and the audit log: the rules.

Every create, update and delete made through the API is recorded with
:func:`record_audit` in the same transaction as the change, so a failed
request leaves neither the change nor its audit row.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.core.context import Role, TenantContext
from urutiq_ai.core.db import new_id
from urutiq_ai.core.errors import FieldError, Forbidden, field_error
from urutiq_ai.core.pagination import PageResult, SortSpec, page_of, paginate_statement
from urutiq_ai.core.scoping import system_scope
from urutiq_ai.core.types import CompanyId
from urutiq_ai.tenancy import context, security
from urutiq_ai.tenancy.errors import (
    ApiKeyNotFound,
    CompanyNotFound,
    DuplicateName,
    InvalidApiKey,
    SessionEnded,
    TenantNotFound,
)
from urutiq_ai.tenancy.models import ApiKey, AuditLog, Company, EndedSession, Tenant, User
from urutiq_ai.tenancy.repository import (
    ApiKeyRepository,
    AuditLogRepository,
    CompanyRepository,
    EndedSessionRepository,
    TenantTableRepository,
    UserRepository,
    beyond_reach,
    company_ids_of_tenant,
    find_api_key_for_auth,
    session_has_ended,
)
from urutiq_ai.tenancy.schemas import (
    ApiKeyCreate,
    ApiKeyRead,
    CompanyCreate,
    CompanyRead,
    CompanyUpdate,
    UserCreate,
)

LAST_USED_RESOLUTION = timedelta(minutes=1)


# -- tenants (system work: CLI and bootstrap only) ---------------------------------


def create_tenant(session: Session, *, name: str, tenant_id: str | None = None) -> Tenant:
    """Create a tenant. Runs in a system session: tenants are above every scope."""
    repo = TenantTableRepository(session)
    if tenant_id is not None and repo.get(tenant_id) is not None:
        raise DuplicateName(
            f"tenant {tenant_id!r} exists", fields=[FieldError("id", "already taken")]
        )
    tenant = repo.add(Tenant(id=tenant_id or new_id(), name=name))
    session.flush()
    return tenant


def get_tenant(session: Session, tenant_id: str) -> Tenant:
    tenant = TenantTableRepository(session).get(tenant_id)
    if tenant is None:
        raise TenantNotFound(f"Tenant {tenant_id!r} not found")
    return tenant


def get_tenant_or_none(session: Session, tenant_id: str) -> Tenant | None:
    return TenantTableRepository(session).get(tenant_id)


def first_tenant(session: Session) -> Tenant | None:
    return TenantTableRepository(session).first()


# -- companies ---------------------------------------------------------------------


def list_companies(session: Session, ctx: TenantContext) -> Sequence[Company]:
    return CompanyRepository(session, ctx).list_all()


def get_company(session: Session, ctx: TenantContext, company_id: str) -> Company:
    """The company, if it is the context's tenant's and the context may see it; else 404."""
    company = CompanyRepository(session, ctx).get(company_id)
    if company is None:
        raise CompanyNotFound(f"Company {company_id!r} not found")
    return company


def company_scope(principal: TenantContext, company_id: str) -> TenantContext:
    """``principal`` narrowed to ``company_id``; 404 unless it is one the principal may see.

    The principal's companies were read with its key in this transaction
    (:func:`authenticate`), so this needs no query of its own.
    """
    if company_id not in principal.company_ids:
        raise CompanyNotFound(f"Company {company_id!r} not found")
    return principal.for_company(CompanyId(company_id))


def tenant_company_ids(session: Session, ctx: TenantContext) -> list[str]:
    return CompanyRepository(session, ctx).all_ids()


def create_company(session: Session, ctx: TenantContext, *, data: CompanyCreate) -> Company:
    """Create a company in the context's tenant. Only keys that see every company may."""
    if not ctx.all_companies:
        raise Forbidden("a key limited to some companies cannot create companies")
    company_id = data.id or new_id()
    if CompanyRepository(session, ctx).get(company_id) is not None:
        # Ids are global primary keys: another tenant's id fails on the key (a Conflict
        # that says "taken" without saying by whom).
        raise DuplicateName(
            f"company id {company_id!r} is taken",
            fields=[FieldError("id", "already taken")],
        ) from None
    company = CompanyRepository(session, ctx).add(Company(id=company_id, name=data.name))
    session.flush()
    record_audit(
        session,
        ctx,
        action="create",
        row=company,
        company_id=company.id,
        after=CompanyRead.model_validate(company),
    )
    return company


def update_company(
    session: Session, ctx: TenantContext, *, company_id: str, data: CompanyUpdate
) -> Company:
    company = get_company(session, ctx, company_id)
    before = CompanyRead.model_validate(company)
    for key, value in data.model_dump(exclude_unset=True).items():
        if value is None:
            raise field_error("name", "may not be null")
        setattr(company, key, value)
    session.flush()
    record_audit(
        session,
        ctx,
        action="update",
        row=company,
        company_id=company.id,
        before=before,
        after=CompanyRead.model_validate(company),
    )
    return company


# -- users -------------------------------------------------------------------------


def create_user(session: Session, ctx: TenantContext, *, data: UserCreate) -> User:
    repo = UserRepository(session, ctx)
    if repo.find_by_email(data.email) is not None:
        raise DuplicateName(
            f"a user with email {data.email!r} exists",
            fields=[FieldError("email", "already used in this tenant")],
        )
    user = repo.add(User(email=data.email, name=data.name, is_active=True))
    session.flush()
    record_audit(
        session,
        ctx,
        action="create",
        row=user,
        company_id=None,
        after={"id": user.id, "email": user.email, "name": user.name},
    )
    return user


def list_users(session: Session, ctx: TenantContext) -> Sequence[User]:
    return UserRepository(session, ctx).list_all()


# -- API keys ----------------------------------------------------------------------


def create_api_key(
    session: Session, ctx: TenantContext, *, data: ApiKeyCreate
) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the plaintext key, which is never stored.

    A key limited to some companies creates only keys no broader than itself
    (:func:`~urutiq_ai.tenancy.repository.beyond_reach`): 403 naming ``companyIds`` (an
    unlimited key, or a company it may not see) or ``role``. That check comes before the
    one of the companies' existence, so a limited key learns nothing of the tenant's other
    companies.
    """
    if data.company_ids is not None and not data.company_ids:
        raise field_error("companyIds", "must name at least one company, or be null")
    problem = beyond_reach(ctx, role=data.role, company_ids=data.company_ids)
    if problem is not None:
        raise Forbidden(
            f"a key may not create a key broader than itself: {problem.field}: {problem.reason}",
            fields=[problem],
        )
    if data.company_ids is not None:
        all_ids = set(tenant_company_ids(session, ctx))
        missing = [c for c in data.company_ids if c not in all_ids]
        if missing:
            raise field_error("companyIds", f"no such companies in this tenant: {missing}")
    if data.user_id is not None and UserRepository(session, ctx).get(data.user_id) is None:
        raise field_error("userId", f"no user {data.user_id!r} in this tenant")
    key_id, secret = new_id(), security.generate_secret()
    key = ApiKeyRepository(session, ctx).add(
        ApiKey(
            id=key_id,
            name=data.name,
            prefix=security.display_prefix(key_id),
            key_hash=security.hash_secret(key_id, secret),
            role=data.role,
            company_ids=sorted(set(data.company_ids)) if data.company_ids is not None else None,
            user_id=data.user_id,
        )
    )
    session.flush()
    record_audit(
        session,
        ctx,
        action="create",
        row=key,
        company_id=None,
        after=ApiKeyRead.model_validate(key),
    )
    return key, security.format_key(key_id, secret)


def list_api_keys(session: Session, ctx: TenantContext) -> Sequence[ApiKey]:
    """The tenant's keys that ``ctx``'s key reaches: every key for an unlimited key, only
    keys no broader than itself for a key limited to some companies."""
    return ApiKeyRepository(session, ctx).list_all()


def get_api_key(session: Session, ctx: TenantContext, key_id: str) -> ApiKey:
    """One key ``ctx``'s key reaches; 404 for a broader one, as for another tenant's."""
    key = ApiKeyRepository(session, ctx).get(key_id)
    if key is None:
        raise ApiKeyNotFound(f"ApiKey {key_id!r} not found")
    return key


def key_roles(session: Session, ctx: TenantContext) -> dict[str, Role]:
    """The role of every key of ``ctx``'s tenant, by id, whichever keys ``ctx`` reaches: for
    rule checks (who released a model), never to be shown to the caller."""
    return ApiKeyRepository(session, ctx).roles_of_tenant()


def revoke_api_key(session: Session, ctx: TenantContext, *, key_id: str) -> ApiKey:
    """Revoke a key ``ctx``'s key reaches (404 otherwise); revoking twice changes nothing."""
    key = get_api_key(session, ctx, key_id)
    if key.revoked_at is None:
        before = ApiKeyRead.model_validate(key)
        key.revoked_at = datetime.now(UTC)
        session.flush()
        record_audit(
            session,
            ctx,
            action="revoke",
            row=key,
            company_id=None,
            before=before,
            after=ApiKeyRead.model_validate(key),
        )
    return key


def authenticate(session: Session, raw_key: str | None) -> TenantContext:
    """The scope of the live key that ``raw_key`` presents, or :class:`InvalidApiKey` (401).

    Runs in a system scope, since the tenant is not known before the key is.
    ``lastUsedAt`` is refreshed at most once a minute, to spare a write per request.
    """
    if not raw_key:
        raise InvalidApiKey("missing API key: send 'Authorization: Bearer <key>'")
    parsed = security.parse_key(raw_key)
    if parsed is None:
        raise InvalidApiKey("invalid API key")
    key_id, secret = parsed
    with system_scope(session):
        key = find_api_key_for_auth(session, key_id)
        if key is None or not security.secret_matches(key_id, secret, key.key_hash):
            raise InvalidApiKey("invalid API key")
        return _scope_of_live_key(session, key)


def authenticate_web_session(session: Session, *, key_id: str, session_id: str) -> TenantContext:
    """The scope of the dashboard session ``session_id`` of key ``key_id``, whose secret was
    checked at login (the signed session cookie carries only the ids): :class:`SessionEnded`
    once it was logged out (:func:`end_web_session`), :class:`InvalidApiKey` once its key
    is revoked or gone. Read from the database on every page, so a logout made through one
    server process holds in every other."""
    with system_scope(session):
        if session_has_ended(session, security.session_hash(session_id)):
            raise SessionEnded("this session was logged out")
        key = find_api_key_for_auth(session, key_id)
        if key is None:
            raise InvalidApiKey("invalid API key")
        return _scope_of_live_key(session, key)


def end_web_session(
    session: Session, ctx: TenantContext, *, session_id: str, expires_at: datetime
) -> None:
    """End the dashboard session ``session_id`` of ``ctx``'s key before ``expires_at``: its
    cookie opens no page from now on (:func:`authenticate_web_session`). The tenant's ended
    sessions that have expired anyway are forgotten at the same time."""
    now = datetime.now(UTC)
    repo = EndedSessionRepository(session, ctx)
    repo.purge_expired(now)
    session_hash = security.session_hash(session_id)
    if ctx.principal_id is None or expires_at <= now or repo.get(session_hash) is not None:
        return
    repo.add(EndedSession(id=session_hash, key_id=ctx.principal_id, expires_at=expires_at))
    session.flush()


def _scope_of_live_key(session: Session, key: ApiKey) -> TenantContext:
    if key.revoked_at is not None:
        raise InvalidApiKey("this API key has been revoked")
    now = datetime.now(UTC)
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        key.last_used_at = now
        session.flush()
    company_ids = company_ids_of_tenant(session, key.tenant_id)
    return context.from_api_key(key, company_ids)


# -- audit log ---------------------------------------------------------------------


def _as_json(value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", by_alias=True)
    return value


def record_audit(
    session: Session,
    ctx: TenantContext,
    *,
    action: str,
    row: Any,
    company_id: str | None,
    before: Any = None,
    after: Any = None,
    table: str | None = None,
) -> AuditLog:
    """Append one audit row for a change to ``row`` made by ``ctx``'s principal. ``row`` may
    be a plain id when ``table`` names its table (a row of a rolled-back session)."""
    entry = AuditLog(**_audit_values(ctx, action, row, company_id, before, after, table))
    session.add(entry)
    return entry


def record_audits(
    session: Session,
    ctx: TenantContext,
    *,
    action: str,
    row: Any,
    company_id: str | None,
    afters: Sequence[Any],
) -> None:
    """One audit row per entry of ``afters`` (several calls that changed ``row``, e.g. a
    batch of predict calls), written with one INSERT instead of one ORM object each."""
    values = [_audit_values(ctx, action, row, company_id, None, after, None) for after in afters]
    AuditLogRepository(session, ctx).add_many(values)


def _audit_values(
    ctx: TenantContext,
    action: str,
    row: Any,
    company_id: str | None,
    before: Any,
    after: Any,
    table: str | None,
) -> dict[str, Any]:
    return {
        "tenant_id": ctx.tenant_id,
        "company_id": company_id,
        "actor_key_id": ctx.principal_id,
        "actor_user_id": ctx.user_id,
        "action": action,
        "table_name": table or type(row).__tablename__,
        "row_id": row if table else getattr(row, "id", None),
        "before": _as_json(before),
        "after": _as_json(after),
    }


def creator_key_of(session: Session, ctx: TenantContext, table: str, row_id: str) -> str | None:
    """The id of the key whose request created row ``row_id`` of ``table`` (from the audit
    log; None when the system created it, or no entry is kept). For governance's checks of
    who did what: it reads the log whatever ``ctx``'s role."""
    entry = AuditLogRepository(session, ctx).creation_of(table, row_id)
    return entry.actor_key_id if entry is not None else None


def list_audit_log(
    session: Session,
    ctx: TenantContext,
    *,
    filters: dict[str, Any],
    cursor: str | None,
    limit: int,
) -> PageResult[AuditLog]:
    """Audit rows, newest first. Only admin and auditor keys may read them."""
    if ctx.role not in (Role.admin, Role.auditor):
        raise Forbidden("only admin and auditor keys may read the audit log")
    repo = AuditLogRepository(session, ctx)
    sort = SortSpec(field="createdAt", descending=True)
    stmt = paginate_statement(
        repo.filtered(**filters),
        column=AuditLog.created_at,
        id_column=AuditLog.id,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )
    return page_of(repo.scalars(stmt), limit=limit, sort=sort, attr="created_at")
