"""Alerts: opened when a monitor sees a condition, updated while it persists, resolved when
it clears; each opening and resolution is delivered to the company's webhooks.

``observe`` is what the monitors call (drift checks, quality runs, performance): one
:class:`Observation` per thing they judged, active or not. An active observation opens an
alert for its key, or, while one is open, only counts it (``occurrences``, ``lastSeenAt``):
no second alert and no second delivery while the condition persists. An inactive one
resolves the open alert of its key. The database keeps one open alert per key (a partial
unique index): when another transaction opened the key's alert after ``observe`` looked, the
insert is refused in a savepoint and that alert is counted instead, so concurrent monitors
send one ``alert.opened``. Deliveries are written in the same transaction, each with its
ledger job, sent after it commits; failed sends are retried by the job ledger like any job
(see :mod:`urutiq_ai.alerts.tasks`).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.alerts import egress
from urutiq_ai.alerts.errors import HostUnresolved, WebhookAddressError
from urutiq_ai.alerts.models import Alert, Webhook, WebhookDelivery
from urutiq_ai.alerts.repository import AlertRepository, DeliveryRepository, WebhookRepository
from urutiq_ai.alerts.schemas import (
    AlertRead,
    AlertSeverity,
    AlertSource,
    AlertStatus,
    AlertUpdate,
    DeliveryStatus,
    WebhookCreate,
    WebhookDeliveryRead,
    WebhookEvent,
    WebhookRead,
    WebhookUpdate,
)
from urutiq_ai.core.context import Role, TenantContext
from urutiq_ai.core.db import settings_of
from urutiq_ai.core.errors import field_error
from urutiq_ai.core.jobs import Job, enqueue, has_executor, record_job
from urutiq_ai.core.schemas import SystemWritten
from urutiq_ai.core.settings import Settings
from urutiq_ai.crud import service as crud_service
from urutiq_ai.crud.resource import Resource, transitions
from urutiq_ai.tenancy import service as tenancy_service

DELIVER_JOB = "urutiq_ai.alerts.tasks:deliver"
DELIVERY_LOST = "urutiq_ai.alerts.tasks:delivery_lost"
ADMINS = frozenset({Role.admin})


def _stamp_resolution(row: Any, changes: Mapping[str, Any]) -> None:
    if changes.get("status") == AlertStatus.resolved:
        row.resolved_at = datetime.now(UTC)


ALERTS = Resource(
    path="alerts",
    model=Alert,
    create_schema=SystemWritten,
    update_schema=AlertUpdate,
    read_schema=AlertRead,
    filters=("status", "source", "severity", "alert_key", "subject"),
    time_field="last_seen_at",
    sort_fields=("created_at", "updated_at", "last_seen_at"),
    default_sort="-lastSeenAt",
    transitions=transitions(open=("resolved",)),
    on_change=_stamp_resolution,
    creatable=False,
)


def check_webhook_url(
    session: Session,
    ctx: TenantContext,  # noqa: ARG001 - a Resource validator's signature
    row: Webhook,  # noqa: ARG001
    changes: Mapping[str, Any],
) -> None:
    """Refuse (422 naming ``url``) a webhook URL whose host is, or resolves to, an address
    webhooks may not reach (:func:`urutiq_ai.alerts.egress.check_url`, with the server's
    ``URUTIQ_WEBHOOK_ALLOW_HOSTS``). Deliveries check again: DNS can change after this.

    A host that does not resolve gets the same answer as one that resolves to a private
    address, so that saving webhooks cannot tell which internal names exist."""
    url = changes.get("url")
    if url is None:
        return
    try:
        egress.check_url(url, settings_of(session).webhook_allow_hosts)
    except HostUnresolved:
        raise field_error("url", egress.NOT_ALLOWED) from None
    except WebhookAddressError as exc:
        raise field_error("url", exc.reason) from None


WEBHOOKS = Resource(
    path="webhooks",
    model=Webhook,
    create_schema=WebhookCreate,
    update_schema=WebhookUpdate,
    read_schema=WebhookRead,
    filters=("status", "name"),
    unique=(("name",),),
    deletable=True,
    write_roles=ADMINS,
    validators=(check_webhook_url,),
)

WEBHOOK_DELIVERIES = Resource(
    path="webhook-deliveries",
    model=WebhookDelivery,
    create_schema=SystemWritten,
    read_schema=WebhookDeliveryRead,
    filters=("webhook_id", "status", "event", "alert_id"),
    creatable=False,
)


KEY_LENGTH = 512
"""``Alert.alertKey``'s length: longer keys are cut to it, the same way everywhere."""


@dataclass(frozen=True)
class Observation:
    """One judged condition: ``active`` when it is a problem now."""

    key: str
    source: AlertSource
    active: bool
    title: str
    severity: AlertSeverity = AlertSeverity.warning
    subject: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", self.key[:KEY_LENGTH])  # as the column holds it


def observe(
    session: Session,
    ctx: TenantContext,
    company_id: str,
    observations: Sequence[Observation],
    *,
    now: datetime | None = None,
) -> list[tuple[WebhookEvent, Alert]]:
    """Open, count or resolve alerts for ``observations``; queue their deliveries.

    Returns the events raised (``alert.opened`` / ``alert.resolved``) with their alerts.
    The observations are written in key order, so that two transactions observing the same
    keys take their row and index locks in one order (in their callers' orders, two new keys
    inserted crosswise deadlock on PostgreSQL).
    """
    now = now or datetime.now(UTC)
    alerts = AlertRepository(session, ctx)
    open_alerts = alerts.open_by_key(company_id, [o.key for o in observations])
    events: list[tuple[WebhookEvent, Alert]] = []
    for seen in sorted(observations, key=lambda observation: observation.key):
        alert = open_alerts.get(seen.key)
        if seen.active:
            if alert is not None and _count(alerts, alert, seen, now):
                continue
            # none open (or resolved since this call looked): a new episode
            alert, opened = _open(alerts, company_id, seen, now)
            open_alerts[seen.key] = alert
            if opened:
                events.append((WebhookEvent.alert_opened, alert))
            else:
                _count(alerts, alert, seen, now)
        elif alert is not None:
            del open_alerts[seen.key]
            if alerts.resolve_open(alert, now):  # a concurrent observer may have resolved it
                events.append((WebhookEvent.alert_resolved, alert))
    session.flush()
    if events:
        queue_deliveries(session, ctx, company_id, events, now=now)
    return events


def _open(
    alerts: AlertRepository, company_id: str, seen: Observation, now: datetime
) -> tuple[Alert, bool]:
    """A new open alert for ``seen`` (True), or the one that a concurrent writer opened for
    its key after :func:`observe` looked (False: no second alert, no second delivery)."""
    alert = _new_alert(seen, now)
    if alerts.add_open(alert, company_id=company_id):
        return alert, True
    found = alerts.open_by_key(company_id, [seen.key]).get(seen.key)
    if found is not None:
        return found, False
    # refused, yet no open alert now: it was resolved meanwhile (this is a new episode), or
    # another constraint refused it, which the flush of this insert raises
    return alerts.add(_new_alert(seen, now), company_id=company_id), True


def _new_alert(seen: Observation, now: datetime) -> Alert:
    return Alert(
        alert_key=seen.key,
        source=seen.source,
        severity=seen.severity,
        status=AlertStatus.open,
        title=seen.title[:512],
        subject=seen.subject[:255] if seen.subject else None,
        details=seen.details,
        occurrences=1,
        first_seen_at=now,
        last_seen_at=now,
    )


def _count(alerts: AlertRepository, alert: Alert, seen: Observation, now: datetime) -> bool:
    """``seen`` again while its alert is open: counted, no new alert and no delivery."""
    critical = seen.severity == AlertSeverity.critical
    return alerts.count_open(alert, details=seen.details, critical=critical, now=now)


def queue_deliveries(
    session: Session,
    ctx: TenantContext,
    company_id: str,
    events: Sequence[tuple[WebhookEvent, Alert | None]],
    *,
    now: datetime,
    webhooks: Sequence[Webhook] | None = None,
) -> list[WebhookDelivery]:
    """One pending delivery per event and subscribed active webhook, each with its job in
    the ledger (:func:`delivery_job`): sent once ``session`` commits, or, where no executor
    is attached, at the scheduler's next tick."""
    hooks = (
        list(webhooks)
        if webhooks is not None
        else WebhookRepository(session, ctx).active(company_id)
    )
    deliveries = DeliveryRepository(session, ctx)
    queued: list[WebhookDelivery] = []
    for event, alert in events:
        for hook in hooks:
            if event != WebhookEvent.ping and event.value not in (hook.events or []):
                continue
            delivery = WebhookDelivery(
                webhook_id=hook.id,
                alert_id=alert.id if alert is not None else None,
                event=event,
                payload=payload(event, alert, ctx.tenant_id, company_id, now),
                status=DeliveryStatus.pending,
                attempts=0,
                next_attempt_at=now,
            )
            queued.append(deliveries.add(delivery, company_id=company_id))
    session.flush()
    settings = settings_of(session)
    sending_now = has_executor(session)
    for delivery in queued:
        job = delivery_job(ctx, delivery, settings)
        if sending_now:
            enqueue(session, job)
        else:
            record_job(session, job, dispatched=False)
    return queued


def delivery_job(ctx: TenantContext, delivery: WebhookDelivery, settings: Settings) -> Job:
    """The ledger job that sends ``delivery``: ``URUTIQ_WEBHOOK_ATTEMPTS`` attempts, and
    the delivery failed if the ledger gives it up (its worker died at the last one)."""
    return Job(
        name=DELIVER_JOB,
        tenant_id=ctx.tenant_id,
        company_id=delivery.company_id,
        payload={"deliveryId": delivery.id},
        principal_id=ctx.principal_id,
        max_attempts=settings.webhook_attempts,
        on_lost=DELIVERY_LOST,
    )


def send_test(session: Session, ctx: TenantContext, *, webhook_id: str) -> WebhookDelivery:
    """Queue a signed ``ping`` to the webhook, active or paused, sent after commit; the
    returned delivery shows how it answered once sent. Audited (``webhook_test``).

    Besides alerts to an active webhook, this is the only thing that makes a webhook send:
    creating or changing one sends nothing. Another tenant's or company's webhook is
    ResourceNotFound (404)."""
    hook = crud_service.get_row(session, ctx, WEBHOOKS, webhook_id)
    (delivery,) = queue_deliveries(
        session,
        ctx,
        hook.company_id,
        [(WebhookEvent.ping, None)],
        now=datetime.now(UTC),
        webhooks=[hook],
    )
    tenancy_service.record_audit(
        session,
        ctx,
        action="webhook_test",
        row=hook,
        company_id=hook.company_id,
        after={"deliveryId": delivery.id, "event": WebhookEvent.ping.value},
    )
    return delivery


def payload(
    event: WebhookEvent, alert: Alert | None, tenant_id: str, company_id: str, now: datetime
) -> dict[str, Any]:
    """The JSON body of a delivery (the alert as the API shows it)."""
    body: dict[str, Any] = {
        "event": event.value,
        "sentFor": now.isoformat(),
        "tenantId": tenant_id,
        "companyId": company_id,
    }
    if alert is not None:
        body["alert"] = AlertRead.model_validate(alert).model_dump(mode="json", by_alias=True)
    return body
