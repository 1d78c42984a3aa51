"""The alerts enumerations, apart from the schemas: the tables map them without loading
the Pydantic models. ``urutiq_ai.alerts.schemas`` re-exports them."""

from enum import StrEnum


class AlertSource(StrEnum):
    drift = "drift"
    quality = "quality"
    performance = "performance"
    governance = "governance"


class AlertSeverity(StrEnum):
    warning = "warning"
    critical = "critical"


class AlertStatus(StrEnum):
    open = "open"
    resolved = "resolved"


class WebhookStatus(StrEnum):
    active = "active"
    paused = "paused"


class WebhookEvent(StrEnum):
    alert_opened = "alert.opened"
    alert_resolved = "alert.resolved"
    ping = "ping"


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"
