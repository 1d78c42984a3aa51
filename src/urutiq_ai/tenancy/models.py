"""Tenants, companies, users, API keys, ended dashboard sessions and the append-only audit
log."""

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from urutiq_ai.core.context import Role
from urutiq_ai.core.db import Base, JSONValue, Timestamped, UTCDateTime, enum_type
from urutiq_ai.core.models import TenantOwned


class Tenant(Base, Timestamped):
    __tablename__ = "Tenant"

    name: Mapped[str] = mapped_column(String(255), nullable=False)


class Company(Base, TenantOwned):
    __tablename__ = "Company"

    name: Mapped[str] = mapped_column(String(255), nullable=False)


class User(Base, TenantOwned):
    __tablename__ = "User"
    __table_args__ = (UniqueConstraint("tenant_id", "email"),)

    email: Mapped[str] = mapped_column(String(255), nullable=False)
    name: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class ApiKey(Base, TenantOwned):
    __tablename__ = "ApiKey"

    name: Mapped[str | None] = mapped_column(String(255))
    prefix: Mapped[str] = mapped_column(String(32), nullable=False)
    key_hash: Mapped[str] = mapped_column(String(128), nullable=False)
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"), nullable=False)
    company_ids: Mapped[list[str] | None] = mapped_column(JSONValue, nullable=True)
    user_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("User.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EndedSession(Base, TenantOwned):
    """A dashboard session ended by *Log out* before it expired: its signed cookie opens no
    page any more, in any server process. ``id`` is the SHA-256 of the session's id (the
    cookie's nonce); the row may go once ``expiresAt`` has passed (the cookie is refused
    as expired then)."""

    __tablename__ = "EndedSession"

    key_id: Mapped[str] = mapped_column(String(64), ForeignKey("ApiKey.id"), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class AuditLog(Base, TenantOwned):
    """One change made through the system. Never updated, never deleted."""

    __tablename__ = "AuditLog"
    __table_args__ = (
        Index(None, "tenant_id", "company_id", "created_at"),
        Index(None, "tenant_id", "table_name", "row_id"),
    )

    company_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("Company.id"))
    actor_key_id: Mapped[str | None] = mapped_column(String(64))
    actor_user_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    table_name: Mapped[str] = mapped_column(String(64), nullable=False)
    row_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    after: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    detail: Mapped[str | None] = mapped_column(Text)
