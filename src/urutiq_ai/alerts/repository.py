from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from urutiq_ai.alerts.models import Alert, Webhook, WebhookDelivery
from urutiq_ai.alerts.schemas import AlertStatus, DeliveryStatus, WebhookStatus
from urutiq_ai.core.repository import TenantRepository


class AlertRepository(TenantRepository[Alert]):
    model = Alert

    def open_by_key(self, company_id: str, keys: Sequence[str]) -> dict[str, Alert]:
        """The open alert of each key (one per key and episode)."""
        if not keys:
            return {}
        stmt = self.base_statement().where(
            Alert.company_id == company_id,
            Alert.status == AlertStatus.open,
            Alert.alert_key.in_(list(keys)),
        )
        return {alert.alert_key: alert for alert in self.session.scalars(stmt)}


class WebhookRepository(TenantRepository[Webhook]):
    model = Webhook

    def active(self, company_id: str) -> list[Webhook]:
        stmt = self.base_statement().where(
            Webhook.company_id == company_id, Webhook.status == WebhookStatus.active
        )
        return list(self.session.scalars(stmt))


class DeliveryRepository(TenantRepository[WebhookDelivery]):
    model = WebhookDelivery

    def by_ids(self, ids: Sequence[str]) -> list[WebhookDelivery]:
        stmt = self.base_statement().where(WebhookDelivery.id.in_(list(ids)))
        return list(self.session.scalars(stmt))

    def webhook_of(self, delivery: WebhookDelivery) -> Webhook | None:
        return WebhookRepository(self.session, self.ctx).get(delivery.webhook_id)


class DueDeliveriesRepository:
    """System-level: pending deliveries of every tenant whose next attempt is due (the
    scheduler's retry sweep)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def due(self, now: datetime, limit: int = 200) -> list[WebhookDelivery]:
        stmt = (
            select(WebhookDelivery)  # tenancy: global (scheduler sweep)
            .where(
                WebhookDelivery.status == DeliveryStatus.pending,
                WebhookDelivery.next_attempt_at <= now,
            )
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(self.session.scalars(stmt))
