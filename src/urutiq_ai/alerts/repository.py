from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, update
from sqlalchemy.exc import IntegrityError

from urutiq_ai.alerts.models import Alert, Webhook, WebhookDelivery
from urutiq_ai.alerts.schemas import AlertSeverity, AlertStatus, WebhookStatus
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

    def resolve_open(self, alert: Alert, now: datetime) -> bool:
        """Mark ``alert`` resolved if it is still open (of two transactions that resolve it
        at once only one succeeds); False when it was not."""
        return self._update_if_open(
            alert, status=AlertStatus.resolved, resolved_at=now, last_seen_at=now
        )

    def count_open(self, alert: Alert, *, details: Any, critical: bool, now: datetime) -> bool:
        """Count one more occurrence of ``alert`` if it is still open (the database adds
        one, so observers counting at once each add theirs); False when it was resolved
        meanwhile (the condition then opens a new alert)."""
        severity = {"severity": AlertSeverity.critical} if critical else {}
        return self._update_if_open(
            alert,
            occurrences=Alert.occurrences + 1,
            last_seen_at=now,
            details=details,
            **severity,
        )

    def _update_if_open(self, alert: Alert, **values: Any) -> bool:
        """One conditional UPDATE of ``alert`` (this object refreshed); False when it is no
        longer open."""
        stmt = (
            update(Alert)
            .where(*self._still_open(alert))
            .values(**values)
            .execution_options(synchronize_session="fetch")
        )
        result: CursorResult[Any] = self.session.execute(stmt)  # type: ignore[assignment]
        return bool(result.rowcount)

    def _still_open(self, alert: Alert) -> tuple[Any, ...]:
        return (
            Alert.id == alert.id,
            Alert.tenant_id == self.ctx.tenant_id,
            Alert.company_id.in_(self.ctx.company_ids),
            Alert.status == AlertStatus.open,
        )

    def add_open(self, alert: Alert, *, company_id: str) -> bool:
        """Insert the open ``alert`` in a SAVEPOINT; False, with nothing written and the rest
        of the transaction intact, when the database refuses it: another open alert of its
        key exists (``uq_Alert_tenantId_companyId_alertKey_open``), which a concurrent writer
        opened after this transaction looked (read again with :meth:`open_by_key`)."""
        self.session.flush()  # only the insert runs in the savepoint
        try:
            with self.session.begin_nested():
                self.add(alert, company_id=company_id)
        except IntegrityError:
            return False
        return True


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
