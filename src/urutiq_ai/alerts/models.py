from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from urutiq_ai.alerts.types import (
    AlertSeverity,
    AlertSource,
    AlertStatus,
    DeliveryStatus,
    WebhookEvent,
    WebhookStatus,
)
from urutiq_ai.core.db import Base, JSONValue, UTCDateTime, enum_type
from urutiq_ai.core.models import CompanyOwned

OPEN = text("status = 'open'")  # tenancy: global - a partial index's predicate (DDL)
OPEN_KEY_INDEX = "uq_Alert_tenantId_companyId_alertKey_open"


class Alert(Base, CompanyOwned):
    """A condition someone must hear about (drift detected, a quality check failing, a
    declining metric), open while it persists: one row per ``alertKey`` and episode.

    At most one alert per company and key is open, which the database enforces (a partial
    unique index), so two monitors observing the same condition at once open it once.
    """

    __tablename__ = "Alert"
    __table_args__ = (
        Index(None, "tenant_id", "company_id", "status", "alert_key"),
        Index(None, "tenant_id", "company_id", "created_at"),
        Index(
            OPEN_KEY_INDEX,
            "tenant_id",
            "company_id",
            "alert_key",
            unique=True,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        ),
    )

    alert_key: Mapped[str] = mapped_column(String(512), nullable=False)
    source: Mapped[AlertSource] = mapped_column(enum_type(AlertSource, "source"), nullable=False)
    severity: Mapped[AlertSeverity] = mapped_column(
        enum_type(AlertSeverity, "severity"), nullable=False
    )
    status: Mapped[AlertStatus] = mapped_column(enum_type(AlertStatus, "status"), nullable=False)
    title: Mapped[str] = mapped_column(String(512), nullable=False)
    subject: Mapped[str | None] = mapped_column(String(255))
    details: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    occurrences: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Webhook(Base, CompanyOwned):
    """Where a company's alerts are delivered: an http(s) URL and the secret that signs."""

    __tablename__ = "Webhook"
    __table_args__ = (UniqueConstraint("tenant_id", "company_id", "name"),)

    name: Mapped[str] = mapped_column(String(255), nullable=False)
    url: Mapped[str] = mapped_column(String(2048), nullable=False)
    secret: Mapped[str] = mapped_column(String(255), nullable=False)
    events: Mapped[Any] = mapped_column(JSONValue, nullable=False)
    status: Mapped[WebhookStatus] = mapped_column(
        enum_type(WebhookStatus, "status"), nullable=False
    )


class WebhookDelivery(Base, CompanyOwned):
    """One event sent (or being sent) to one webhook: the delivery log. Each delivery is
    sent by its own job in the job ledger, which retries it; the row records every attempt
    (``attempts``, the last answer, when the next attempt is due)."""

    __tablename__ = "WebhookDelivery"
    __table_args__ = (Index(None, "tenant_id", "company_id", "webhook_id", "created_at"),)

    webhook_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("Webhook.id", ondelete="CASCADE"), nullable=False, index=True
    )
    alert_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("Alert.id"), index=True)
    event: Mapped[WebhookEvent] = mapped_column(enum_type(WebhookEvent, "event"), nullable=False)
    payload: Mapped[Any] = mapped_column(JSONValue, nullable=False)
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_type(DeliveryStatus, "status"), nullable=False
    )
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
