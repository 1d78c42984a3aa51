"""Sending webhook deliveries: the ``deliver`` job and the scheduler's retry sweep.

A delivery is sent with its JSON payload, signed (see :mod:`urutiq_ai.alerts.signing`).
Right before each send the webhook's host is resolved and checked again
(:func:`urutiq_ai.alerts.egress.check_url`: DNS may have changed since the webhook was
saved), and the request goes to the address that was checked, with the URL's host name in
the ``Host`` header and the TLS server name; redirects are not followed. An address that is
not allowed fails the delivery at once, ``refused: address not allowed``, without a retry.

A 2xx answer marks it ``delivered``. Anything else (an error status, a timeout, no
connection) counts an attempt: it is sent again after ``URUTIQ_WEBHOOK_BACKOFF`` seconds,
doubling each time (at most an hour), until ``URUTIQ_WEBHOOK_ATTEMPTS`` sends; then it is
``failed`` with the last error. The delivery log (``webhook-deliveries``) keeps every
attempt's outcome in a few fixed words (``HTTP 503``, ``could not connect``, ``timed out``),
never the socket's error, so that it cannot be used to tell ports apart. The network call
happens outside any database transaction.
"""

import json
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from urutiq_ai.alerts import egress
from urutiq_ai.alerts.models import WebhookDelivery
from urutiq_ai.alerts.repository import DeliveryRepository, DueDeliveriesRepository
from urutiq_ai.alerts.schemas import DeliveryStatus, WebhookEvent, WebhookStatus
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
MAX_ADDRESSES = 4
"""Addresses of one host tried in turn when the connection fails (each within the timeout)."""
# The delivery log's words for what went wrong (and nothing more: no errno, no socket text)
REFUSED = "refused: address not allowed"
NO_CONNECTION = "could not connect"
TIMED_OUT = "timed out"


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
    final: bool = False  # nothing to retry (the address is not allowed)

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
        testing = row.event == WebhookEvent.ping  # an explicit test reaches a paused one too
        if hook is None or (hook.status != WebhookStatus.active and not testing):
            skipped[row.id] = "the webhook was paused or deleted before it was sent"
            continue
        body = json.dumps({"id": row.id, **row.payload}, separators=(",", ":")).encode()
        sends.append(Send(row.id, hook.url, hook.secret, row.event.value, body))
    return sends, skipped


def send_one(send: Send, settings: Settings) -> Outcome:
    """POST one signed delivery to the checked address of its URL's host; never raises."""
    checked = _check(send, settings)
    if isinstance(checked, Outcome):
        return checked
    url, target = checked
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(send.secret, send.body, int(time.time())),
        EVENT_HEADER: send.event,
        DELIVERY_HEADER: send.delivery_id,
    }
    # trust_env=False: no proxy from the environment, which would connect elsewhere
    with httpx.Client(
        timeout=settings.webhook_timeout, follow_redirects=False, trust_env=False
    ) as client:
        for address in target.addresses[:MAX_ADDRESSES]:
            try:
                status = _post(client, url, address, send.body, headers)
            except httpx.ConnectError:
                continue  # the next address of the host, if it has one
            except httpx.TimeoutException:
                return Outcome(send.delivery_id, None, TIMED_OUT)
            except httpx.HTTPError:  # an answer that is not HTTP, a reset, ...
                return Outcome(send.delivery_id, None, NO_CONNECTION)
            error = None if 200 <= status < 300 else f"HTTP {status}"
            return Outcome(send.delivery_id, status, error)
    return Outcome(send.delivery_id, None, NO_CONNECTION)


def _check(send: Send, settings: Settings) -> tuple[httpx.URL, egress.Target] | Outcome:
    """The URL to send to and the addresses its host may be reached at now, or the outcome
    of a delivery that is not sent."""
    try:
        target = egress.check_url(send.url, settings.webhook_allow_hosts)
    except egress.HostUnresolved:
        return Outcome(send.delivery_id, None, NO_CONNECTION)  # DNS may answer next time
    except egress.WebhookAddressError:
        return Outcome(send.delivery_id, None, REFUSED, final=True)
    try:
        url = httpx.URL(send.url)
    except (httpx.InvalidURL, ValueError):
        return Outcome(send.delivery_id, None, REFUSED, final=True)
    if url.host != target.host:  # the host checked must be the one the request names
        return Outcome(send.delivery_id, None, REFUSED, final=True)
    return url, target


def _post(
    client: httpx.Client,
    url: httpx.URL,
    address: egress.IPAddress,
    body: bytes,
    headers: dict[str, str],
) -> int:
    """POST ``body`` to ``address`` as if to ``url``'s host (its ``Host`` header and, for
    https, the TLS server name the certificate is checked against); the answer's status,
    its body unread."""
    pinned = url.copy_with(host=str(address))
    extensions = {"sni_hostname": url.raw_host.decode("ascii")} if url.scheme == "https" else {}
    request = client.build_request(
        "POST",
        pinned,
        content=body,
        headers={**headers, "Host": url.netloc.decode("ascii")},
        extensions=extensions,
    )
    response = client.send(request, stream=True)
    response.close()
    return response.status_code


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
    elif outcome.final or row.attempts >= settings.webhook_attempts:
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
