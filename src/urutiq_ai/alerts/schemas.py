"""Alerts, webhooks and webhook deliveries on the wire."""

from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, JsonValue

from urutiq_ai.alerts.types import AlertSeverity as AlertSeverity
from urutiq_ai.alerts.types import AlertSource as AlertSource
from urutiq_ai.alerts.types import AlertStatus as AlertStatus
from urutiq_ai.alerts.types import DeliveryStatus as DeliveryStatus
from urutiq_ai.alerts.types import WebhookEvent as WebhookEvent
from urutiq_ai.alerts.types import WebhookStatus as WebhookStatus
from urutiq_ai.core.schemas import CompanyOwnedRead, Name, RequestSchema


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    return value


WebhookUrl = Annotated[str, Field(min_length=8, max_length=2048), AfterValidator(_http_url)]
Secret = Annotated[
    str,
    Field(
        min_length=16,
        max_length=255,
        description="Signs every delivery (HMAC-SHA256); write-only, never returned.",
    ),
]
Events = Annotated[
    list[WebhookEvent],
    Field(min_length=1, description="Default: alert.opened and alert.resolved."),
]


class AlertRead(CompanyOwnedRead):
    alert_key: str
    source: AlertSource
    severity: AlertSeverity
    status: AlertStatus
    title: str
    subject: str | None
    details: JsonValue | None
    occurrences: int
    first_seen_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None


class AlertUpdate(RequestSchema):
    """Resolve an alert by hand (it opens again if its condition is seen again)."""

    status: AlertStatus


class WebhookCreate(RequestSchema):
    name: Name
    url: WebhookUrl
    secret: Secret
    events: Events = Field(
        default_factory=lambda: [WebhookEvent.alert_opened, WebhookEvent.alert_resolved]
    )
    status: WebhookStatus = WebhookStatus.active


class WebhookUpdate(RequestSchema):
    url: WebhookUrl | None = None
    secret: Secret | None = None
    events: Events | None = None
    status: WebhookStatus | None = None


class WebhookRead(CompanyOwnedRead):
    name: str
    url: str
    events: JsonValue
    status: WebhookStatus


class WebhookDeliveryRead(CompanyOwnedRead):
    webhook_id: str
    alert_id: str | None
    event: WebhookEvent
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    response_status: int | None
    last_error: str | None
    delivered_at: datetime | None
    payload: JsonValue
