"""Sending webhook deliveries: the ``deliver`` job, one ordinary ledger job per delivery.

A delivery is sent with its JSON payload, signed (see :mod:`urutiq_ai.alerts.signing`).
Right before each send the webhook's host is resolved and checked again
(:func:`urutiq_ai.alerts.egress.check_url`: DNS may have changed since the webhook was
saved), and the request goes to the address that was checked, with the URL's host name in
the ``Host`` header and the TLS server name; redirects are not followed. An address that is
not allowed fails the delivery at once, ``refused: address not allowed``, without a retry.

A 2xx answer marks it ``delivered``. Anything else (an error status, a timeout, no
connection) counts an attempt, and the job ledger retries it like any job
(:class:`~urutiq_ai.core.jobs.RetryLater`, dispatched by the scheduler once its
``notBefore`` passes): after ``URUTIQ_WEBHOOK_BACKOFF`` seconds, doubling each time (at most
an hour: :func:`urutiq_ai.core.jobs.retry_backoff`, the one backoff of every job), until
``URUTIQ_WEBHOOK_ATTEMPTS`` attempts (the job's ``maxAttempts``); then it is ``failed`` with
the last error. The delivery row (``webhook-deliveries``) records every attempt: its count,
answer and time, and when the next one is due; its outcome is in a few fixed words
(``HTTP 503``, ``could not connect``, ``timed out``), never the socket's error, so that it
cannot be used to tell ports apart. The network call happens outside any database
transaction. A worker that dies while sending loses that attempt as any job does (the
ledger runs it again while attempts are left; then :func:`delivery_lost` fails the
delivery).
"""

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from urutiq_ai.alerts import egress
from urutiq_ai.alerts.errors import HostUnresolved, WebhookAddressError
from urutiq_ai.alerts.models import WebhookDelivery
from urutiq_ai.alerts.repository import DeliveryRepository
from urutiq_ai.alerts.schemas import DeliveryStatus, WebhookEvent, WebhookStatus
from urutiq_ai.alerts.signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, sign
from urutiq_ai.core.jobs import (
    Job,
    JobFailed,
    JobRuntime,
    RetryLater,
    holds_claim,
    job_unit_of_work,
    next_retry_delay,
)
from urutiq_ai.core.settings import Settings
from urutiq_ai.tenancy.context import for_job

USER_AGENT = "urutiq-ai-webhooks/1"
MAX_ADDRESSES = 4
"""Addresses of one host tried in turn when the connection fails (each within the timeout)."""
# The delivery log's words for what went wrong (and nothing more: no errno, no socket text)
REFUSED = "refused: address not allowed"
NO_CONNECTION = "could not connect"
TIMED_OUT = "timed out"
LOST = "lost: the process sending it stopped or failed"
NOT_SENT = "the webhook was paused or deleted before it was sent"


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
    """Send the job's delivery (``payload.deliveryId``) once and record the attempt on its
    row; then end the job as the attempt ended: completed (delivered, or nothing left to
    send), :class:`~urutiq_ai.core.jobs.JobFailed` (refused, not sent, or the last attempt)
    or :class:`~urutiq_ai.core.jobs.RetryLater` after the backoff."""
    ctx = for_job(job.tenant_id, [job.company_id])
    delivery_id = str(job.payload["deliveryId"])
    with job_unit_of_work(runtime, ctx) as session:
        prepared = _prepare(DeliveryRepository(session, ctx), delivery_id)
    if prepared is None:
        return  # delivered, failed or deleted meanwhile: nothing to send
    if isinstance(prepared, str):
        _fail_unsent(runtime, job, delivery_id, prepared)
        raise JobFailed(prepared)
    outcome = send_one(prepared, runtime.settings)
    retry_in = None if outcome.final else next_retry_delay(job, runtime.settings.webhook_backoff)
    with job_unit_of_work(runtime, ctx) as session:
        row = DeliveryRepository(session, ctx).get(delivery_id)
        if row is None or row.status != DeliveryStatus.pending:
            return
        if not holds_claim(session, job, runtime):
            return  # this attempt was handed to another worker: it records its own
        record(row, outcome, retry_in, datetime.now(UTC))
    if outcome.ok:
        return
    error = outcome.error or NO_CONNECTION
    if retry_in is None:
        raise JobFailed(error)  # the row says it; the ledger marks the job failed too
    raise RetryLater(f"attempt {job.attempt} failed: {error}", retry_in)


def _prepare(deliveries: DeliveryRepository, delivery_id: str) -> Send | str | None:
    """What to send; the reason a pending delivery is not sent; or None when it is no
    longer pending (or gone with its webhook)."""
    row = deliveries.get(delivery_id)
    if row is None or row.status != DeliveryStatus.pending:
        return None
    hook = deliveries.webhook_of(row)
    testing = row.event == WebhookEvent.ping  # an explicit test reaches a paused one too
    if hook is None or (hook.status != WebhookStatus.active and not testing):
        return NOT_SENT
    body = json.dumps({"id": row.id, **row.payload}, separators=(",", ":")).encode()
    return Send(row.id, hook.url, hook.secret, row.event.value, body)


def _fail_unsent(runtime: JobRuntime, job: Job, delivery_id: str, reason: str) -> None:
    """Fail a pending delivery that was not sent (no attempt counted) with ``reason``."""
    ctx = for_job(job.tenant_id, [job.company_id])
    with job_unit_of_work(runtime, ctx) as session:
        row = DeliveryRepository(session, ctx).get(delivery_id)
        if row is not None and row.status == DeliveryStatus.pending:
            row.status = DeliveryStatus.failed
            row.last_error = reason
            row.next_attempt_at = None


def delivery_lost(runtime: JobRuntime, job: Job, reason: str) -> None:  # noqa: ARG001
    """The job ledger gave the delivery's job up without an end recorded (its worker died
    at the last attempt, or it failed past its own handling): the delivery fails with
    :data:`LOST`. The ledger's ``reason`` (worker host and pid, an exception) stays on the
    job's row: the delivery log keeps to its few fixed words."""
    _fail_unsent(runtime, job, str(job.payload["deliveryId"]), LOST)


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
    except HostUnresolved:
        return Outcome(send.delivery_id, None, NO_CONNECTION)  # DNS may answer next time
    except WebhookAddressError:
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


def record(row: WebhookDelivery, outcome: Outcome, retry_in: float | None, now: datetime) -> None:
    """Count one attempt on the delivery row: delivered; failed (refused, or ``retry_in``
    None: no attempt left); or pending, the next attempt due ``retry_in`` seconds on."""
    row.attempts += 1
    row.last_attempt_at = now
    row.response_status = outcome.status_code
    if outcome.ok:
        row.status = DeliveryStatus.delivered
        row.delivered_at = now
        row.next_attempt_at = None
        row.last_error = None
    elif outcome.final or retry_in is None:
        row.status = DeliveryStatus.failed
        row.next_attempt_at = None
        row.last_error = outcome.error
    else:
        row.next_attempt_at = now + timedelta(seconds=retry_in)
        row.last_error = outcome.error
