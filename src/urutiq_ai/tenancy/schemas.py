"""Tenants, companies, users, API keys and the audit log on the wire."""

from datetime import datetime

from pydantic import Field, JsonValue

from urutiq_ai.core.context import Role
from urutiq_ai.core.schemas import (
    Name,
    ReadSchema,
    Ref,
    RequestSchema,
    ShortText,
    TimestampedRead,
)

__all__ = ["Role"]


class CompanyCreate(RequestSchema):
    name: Name
    id: Ref | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+$")


class CompanyUpdate(RequestSchema):
    name: Name | None = None


class CompanyRead(TimestampedRead):
    tenant_id: str
    name: str


class UserCreate(RequestSchema):
    email: Name
    name: ShortText | None = None


class UserRead(TimestampedRead):
    tenant_id: str
    email: str
    name: str | None
    is_active: bool


class ApiKeyCreate(RequestSchema):
    name: ShortText | None = None
    role: Role
    company_ids: list[Ref] | None = Field(
        default=None, description="Companies the key may see; null means every company."
    )
    user_id: Ref | None = None


class ApiKeyRead(TimestampedRead):
    tenant_id: str
    name: str | None
    prefix: str
    role: Role
    company_ids: list[str] | None
    user_id: str | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    """Returned once, at creation: ``key`` is never shown again."""

    key: str


class AuditLogRead(ReadSchema):
    id: str
    tenant_id: str
    company_id: str | None
    actor_key_id: str | None
    actor_user_id: str | None
    action: str
    table_name: str
    row_id: str | None
    before: JsonValue | None
    after: JsonValue | None
    created_at: datetime


class WhoAmI(ReadSchema):
    tenant_id: str
    role: Role
    company_ids: list[str] | None
    key_id: str | None
