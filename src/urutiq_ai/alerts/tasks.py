"""Sending webhook deliveries: the ``deliver`` job and the scheduler's retry sweep.

A delivery is sent with its JSON payload, signed (see :mod:`urutiq_ai.alerts.signing`).
A 2xx answer marks it ``delivered``. Anything else (an error status, a timeout, a refused
connection) counts an attempt: it is sent again after ``URUTIQ_WEBHOOK_BACKOFF`` seconds,
doubling each time (at most an hour), until ``URUTIQ_WEBHOOK_ATTEMPTS`` sends; then it is
``failed`` with the last error. The delivery log (``webhook-deliveries``) keeps every
attempt's outcome. The network call happens outside any database transaction.
"""

import json
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from urutiq_ai.alerts.models import WebhookDelivery
from urutiq_ai.alerts.repository import DeliveryRepository, DueDeliveriesRepository
from urutiq_ai.alerts.schemas import DeliveryStatus, WebhookStatus
from urutiq_ai.alerts.service import DELIVER_JOB, SEND_LEASE
from urutiq_ai.alerts.signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, sign
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.jobs import (
    Executor,
    Job,
    JobRuntime,
    job_unit_of_work,
    record_job,
    submit_quietly,
)
from urutiq_ai.core.scoping import bind_system, set_database_role
from urutiq_ai.core.settings import Settings
from urutiq_ai.tenancy.context import for_job

MAX_BACKOFF = timedelta(hours=1)
USER_AGENT = "urutiq-ai-webhooks/1"


@dataclass(frozen=True)
class Send:
    delivery_id: str
    url: str
    secret: str
    event: str
    body: bytes


@dataclass(frozen=True)
class Outcome:
    delivery_id: str
    status_code: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def deliver(runtime: JobRuntime, job: Job) -> None:
    """Send the job's deliveries (one company's) and record each outcome."""
    ctx = for_job(job.tenant_id, [job.company_id])
    ids = [str(i) for i in job.payload["deliveryIds"]]
    with job_unit_of_work(runtime, ctx) as session:
        sends, skipped = _prepare(DeliveryRepository(session, ctx), ids)
    outcomes = [send_one(send, runtime.settings) for send in sends]
    with job_unit_of_work(runtime, ctx) as session:
        rows = {row.id: row for row in DeliveryRepository(session, ctx).by_ids(ids)}
        now = datetime.now(UTC)
        for outcome in outcomes:
            record(rows[outcome.delivery_id], outcome, runtime.settings, now)
        for delivery_id, reason in skipped.items():
            rows[delivery_id].status = DeliveryStatus.failed
            rows[delivery_id].last_error = reason
            rows[delivery_id].next_attempt_at = None


def _prepare(deliveries: DeliveryRepository, ids: list[str]) -> tuple[list[Send], dict[str, str]]:
    sends: list[Send] = []
    skipped: dict[str, str] = {}
    for row in deliveries.by_ids(ids):
        if row.status != DeliveryStatus.pending:
            continue
        hook = deliveries.webhook_of(row)
        if hook is None or hook.status != WebhookStatus.active:
            skipped[row.id] = "the webhook was paused or deleted before it was sent"
            continue
        body = json.dumps({"id": row.id, **row.payload}, separators=(",", ":")).encode()
        sends.append(Send(row.id, hook.url, hook.secret, row.event.value, body))
    return sends, skipped


def send_one(send: Send, settings: Settings) -> Outcome:
    """POST one signed delivery; never raises."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(send.secret, send.body, int(time.time())),
        EVENT_HEADER: send.event,
        DELIVERY_HEADER: send.delivery_id,
    }
    try:
        response = httpx.post(
            send.url, content=send.body, headers=headers, timeout=settings.webhook_timeout
        )
    except httpx.HTTPError as exc:
        return Outcome(send.delivery_id, None, f"{type(exc).__name__}: {exc}"[:2000])
    error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    return Outcome(send.delivery_id, response.status_code, error)


def backoff(attempts: int, settings: Settings) -> timedelta:
    """The wait after the ``attempts``-th failed send: base, 2 x base, 4 x base, ..."""
    doublings = min(max(attempts - 1, 0), 32)  # 2**32 x base is far past the cap already
    seconds = min(settings.webhook_backoff * 2**doublings, MAX_BACKOFF.total_seconds())
    return timedelta(seconds=seconds)


def record(row: WebhookDelivery, outcome: Outcome, settings: Settings, now: datetime) -> None:
    row.attempts += 1
    row.last_attempt_at = now
    row.response_status = outcome.status_code
    if outcome.ok:
        row.status = DeliveryStatus.delivered
        row.delivered_at = now
        row.next_attempt_at = None
        row.last_error = None
    elif row.attempts >= settings.webhook_attempts:
        row.status = DeliveryStatus.failed
        row.next_attempt_at = None
        row.last_error = outcome.error
    else:
        row.next_attempt_at = now + backoff(row.attempts, settings)
        row.last_error = outcome.error


def dispatch_due_deliveries(runtime: JobRuntime, executor: Executor, now: datetime) -> int:
    """The scheduler's ticker: pending deliveries whose next attempt is due, one job per
    company (leased so that the next sweep does not send them twice)."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    with unit_of_work(runtime.sessionmaker) as session:
        set_database_role(session, runtime.settings.database_role)
        bind_system(session)
        for row in DueDeliveriesRepository(session).due(now):
            row.next_attempt_at = now + SEND_LEASE
            groups[(row.tenant_id, row.company_id)].append(row.id)
        jobs = [
            record_job(session, Job(DELIVER_JOB, tenant_id, company_id, {"deliveryIds": ids}))
            for (tenant_id, company_id), ids in groups.items()
        ]
    for job in jobs:
        submit_quietly(executor, job)
    return sum(len(ids) for ids in groups.values())
