"""Long work runs as a job (DESIGN.md section 5).

A job is a named function plus a JSON payload and the tenant/company it acts for. The
service that starts one records its run row (``running``) in the request's unit of work
and calls :func:`enqueue`; the job is handed to the executor only after that
transaction commits, and dropped if it rolls back, so a worker never sees a run that
does not exist.

Every enqueued job also gets a row in the job ledger (``Job``, in the same transaction as
its run row): a worker *claims* it (queued -> running, with its worker id) before running
it, so a message delivered twice runs once; the worker's heartbeat (``Worker``) lets the
scheduler find jobs whose worker died and retry or fail them
(``urutiq_ai.core.ledger.recovery``); and a job about to write its results checks it still
holds its attempt (:func:`holds_claim`), so a worker presumed dead that wakes up writes
nothing.

The executors live in :mod:`urutiq_ai.core.executors`: ``InlineExecutor`` (a thread pool
in this process: the embedded default) and ``CeleryExecutor`` (``URUTIQ_EXECUTOR=celery``:
Redis broker, ``urutiq-ai worker`` processes) run the same functions through
:func:`run_job`.
"""

import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import SETTINGS_KEY, unit_of_work
from urutiq_ai.core.ledger.models import JobRecord
from urutiq_ai.core.ledger.repository import JobLedgerRepository
from urutiq_ai.core.ledger.schemas import JobStatus
from urutiq_ai.core.references import import_reference
from urutiq_ai.core.scoping import bind_scope, bind_system, set_database_role
from urutiq_ai.core.settings import Settings

logger = logging.getLogger("urutiq_ai.jobs")

PENDING_KEY = "pending_jobs"
EXECUTOR_KEY = "executor"


@dataclass(frozen=True)
class Job:
    name: str  # "package.module:function"
    tenant_id: str
    company_id: str
    payload: dict[str, Any] = field(default_factory=dict)
    principal_id: str | None = None
    id: str | None = None  # its ledger row; None for a job run outside the ledger
    attempt: int = 1
    max_attempts: int = 1  # attempts in all: > 1 lets a lost or failing job run again
    # "module:function" called (runtime, job, reason) when the job is given up without its
    # run having been ended: its worker died at the last attempt, or it raised past its own
    # error handling. It fails the run row with the reason.
    on_lost: str | None = None
    last_error: str | None = None  # why the previous attempt ended (for the run's logs)

    def to_message(self) -> dict[str, Any]:
        """The JSON a broker carries."""
        return asdict(self)

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> "Job":
        return cls(**message)


@dataclass(frozen=True)
class JobRuntime:
    """What a job function gets besides its job: a way to open units of work, settings,
    and the id of the worker process running it (its heartbeat row), if any."""

    sessionmaker: sessionmaker[Session]
    settings: Settings
    worker_id: str | None = None
    # Set when the process stops (SIGTERM to `serve` or `worker`): running jobs see it at
    # their next cancel check and end their run as stopped, so shutting down takes seconds.
    stopping: threading.Event = field(default_factory=threading.Event, compare=False)


STOPPED_REASON = "the server stopped while the run worked; start it again"


class JobFailed(Exception):
    """Raised by a job that recorded its own failure on its run row: the ledger marks the
    job failed with ``reason`` (no traceback logged, no ``on_lost`` call)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryLater(Exception):
    """Raised by a job that recorded a failure and wants its next attempt after ``delay``
    seconds (only when :func:`next_retry_delay` said one is left)."""

    def __init__(self, reason: str, delay: float) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


class AttemptLost(Exception):
    """Raised inside a job that finds it no longer holds its attempt (:func:`holds_claim`
    is False: this worker was presumed dead, and the attempt handed to another worker or
    the run failed as lost). The job catches it itself, so that its unit of work rolls back
    and it returns writing nothing more; the ledger never sees it, since whoever took the
    attempt over (or the ``on_lost`` handler) ends the run row."""


MAX_BACKOFF = timedelta(hours=1)
MAX_DOUBLINGS = 1000
"""Doublings counted at most: 2.0 ** 1000 is a finite float, and past the cap already for
any base above 1e-298 seconds."""


def retry_backoff(attempts: int, base: float) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: ``base``, 2 x ``base``,
    4 x ``base``, ..., at most :data:`MAX_BACKOFF`. The one backoff of every retried job
    (pipeline runs, webhook deliveries), so that they wait alike and the cap holds for any
    number of attempts (the doubling never overflows)."""
    doublings = min(max(attempts - 1, 0), MAX_DOUBLINGS)
    seconds = min(base * 2.0**doublings, MAX_BACKOFF.total_seconds())
    return timedelta(seconds=seconds)


def next_retry_delay(job: Job, backoff: float) -> float | None:
    """Seconds before the next attempt (:func:`retry_backoff` from ``backoff``), or None
    when this was the last one (or the job is outside the ledger, which cannot retry it)."""
    if job.id is None or job.attempt >= job.max_attempts:
        return None
    return retry_backoff(job.attempt, backoff).total_seconds()


JobFunction = Callable[[JobRuntime, Job], None]
LostHandler = Callable[[JobRuntime, Job, str], None]
"""Called with the reason when a job's worker died and no attempt is left."""


@contextmanager
def job_unit_of_work(runtime: JobRuntime, ctx: TenantContext) -> Iterator[Session]:
    """A unit of work for a job step, bound to the job's scope (and database role)."""
    with unit_of_work(runtime.sessionmaker) as session:
        session.info[SETTINGS_KEY] = runtime.settings
        set_database_role(session, runtime.settings.database_role)
        bind_scope(session, ctx)
        yield session


def resolve(name: str) -> JobFunction:
    """``"urutiq_ai.training.tasks:run_training"`` -> the function.

    Jobs are named by dotted path and imported only when they run, so the ML stack they
    use never lands on the server's start path.
    """
    function: JobFunction = import_reference(name)
    return function


def resolve_lost_handler(name: str) -> LostHandler:
    """A job's ``on_lost`` handler, named like a job function."""
    handler: LostHandler = import_reference(name)
    return handler


@contextmanager
def system_unit_of_work(runtime: JobRuntime) -> Iterator[Session]:
    """A unit of work for the executors' own bookkeeping, across tenants."""
    with unit_of_work(runtime.sessionmaker) as session:
        set_database_role(session, runtime.settings.database_role)
        bind_system(session)
        yield session


@contextmanager
def ledger_unit_of_work(runtime: JobRuntime) -> Iterator[JobLedgerRepository]:
    """A system-scope unit of work on the job ledger."""
    with system_unit_of_work(runtime) as session:
        yield JobLedgerRepository(session)


DEFER_SECONDS = 2.0
"""How long a job waits when its tenant has its share of jobs running (see run_job)."""


def run_job(runtime: JobRuntime, job: Job, *, fair: bool = False) -> bool:
    """Claim the job (if it is in the ledger), run it in this thread, record its end.

    Failures are the job's to record on its run row (then it raises :class:`JobFailed`);
    a job that raises :class:`RetryLater` is queued again for after its backoff (the
    scheduler dispatches it); one that raises anything else is failed, and its ``on_lost``
    handler ends its run row with the error.

    ``fair``: a job whose tenant already runs ``settings.tenant_jobs`` jobs (on any worker)
    is not started but deferred by :data:`DEFER_SECONDS`, so that one tenant's long jobs
    cannot hold every worker while other tenants' jobs wait; returns False then (the
    caller dispatches it again, or the scheduler does).
    """
    if job.id is not None:
        limit = runtime.settings.tenant_jobs if fair else 0
        with ledger_unit_of_work(runtime) as ledger:
            claimed = ledger.claim(
                job.id, job.attempt, runtime.worker_id, _now(), tenant_limit=limit
            )
            deferred = (
                not claimed
                and limit > 0
                and ledger.defer(job.id, job.attempt, _now() + timedelta(seconds=DEFER_SECONDS))
            )
        if deferred:
            logger.info("job %s: its tenant runs %s jobs already; deferred", job.id, limit)
            return False
        if not claimed:
            logger.info("job %s attempt %s: taken or finished; skipped", job.id, job.attempt)
            return True
    status, error, retry_at, abandoned = JobStatus.completed, None, None, False
    try:
        resolve(job.name)(runtime, job)
    except RetryLater as retry:
        status, error = JobStatus.queued, retry.reason
        retry_at = _now() + timedelta(seconds=retry.delay)
    except JobFailed as failed:
        status, error = JobStatus.failed, failed.reason
    except Exception as exc:
        logger.exception("job %s failed outside its own error handling", job.name)
        status, error, abandoned = JobStatus.failed, f"{type(exc).__name__}: {exc}", True
    if job.id is not None:
        with ledger_unit_of_work(runtime) as ledger:
            ledger.end(job.id, job.attempt, status, _now(), error=error, retry_at=retry_at)
    if abandoned and job.on_lost:
        give_up(runtime, job, f"the job failed: {error}")
    return True


def give_up(runtime: JobRuntime, job: Job, reason: str) -> None:
    """Call the job's ``on_lost`` handler (it ends the run row); its own failure is logged."""
    if job.on_lost is None:
        return
    try:
        resolve_lost_handler(job.on_lost)(runtime, job, reason)
    except Exception:
        logger.exception("job %s: its on-lost handler failed", job.id)


def holds_claim(session: Session, job: Job, runtime: JobRuntime) -> bool:
    """Whether this worker still holds ``job``'s attempt; the ledger row stays locked until
    ``session`` ends, so recovery cannot hand the job away between the check and the commit
    of what the job writes. Jobs outside the ledger always hold."""
    if job.id is None:
        return True
    return JobLedgerRepository(session).holds(job.id, job.attempt, runtime.worker_id)


def _now() -> datetime:
    return datetime.now(UTC)


class Executor(Protocol):
    def submit(self, job: Job) -> Future[None] | None: ...

    def shutdown(self, *, wait: bool = True) -> None: ...


def attach_executor(session: Session, executor: Executor | None) -> None:
    session.info[EXECUTOR_KEY] = executor


def has_executor(session: Session) -> bool:
    """Whether jobs enqueued on ``session`` will be dispatched when it commits."""
    return session.info.get(EXECUTOR_KEY) is not None


def record_job(session: Session, job: Job, *, dispatched: bool = True) -> Job:
    """Add ``job``'s ledger row to ``session``; returns the job with its id. For code that
    hands jobs to an executor itself (the tickers), or, with ``dispatched=False``, for work
    written where no executor is at hand: the scheduler's :func:`dispatch_due_jobs
    <urutiq_ai.core.ledger.recovery.dispatch_due_jobs>` hands it out at its next tick."""
    now = _now()
    row = JobRecord(
        name=job.name,
        payload=job.payload,
        principal_id=job.principal_id,
        status=JobStatus.queued,
        attempt=job.attempt,
        max_attempts=job.max_attempts,
        not_before=now,
        dispatched_at=now if dispatched else None,
        on_lost=job.on_lost,
    )
    row.tenant_id = job.tenant_id
    row.company_id = job.company_id
    session.add(row)
    session.flush()
    return replace(job, id=row.id)


def enqueue(session: Session, job: Job) -> None:
    """Record ``job`` in the ledger and dispatch it once ``session``'s transaction commits
    (never if it rolls back)."""
    if session.info.get(EXECUTOR_KEY) is None:
        raise RuntimeError("this session has no job executor attached")
    session.info.setdefault(PENDING_KEY, []).append(record_job(session, job))


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT released: the transaction (and its job rows) is not committed yet
    jobs: list[Job] = session.info.pop(PENDING_KEY, [])
    executor: Executor | None = session.info.get(EXECUTOR_KEY)
    for job in jobs:
        if executor is not None:
            submit_quietly(executor, job)


def submit_quietly(executor: Executor, job: Job) -> None:
    """Hand a committed job to the executor; if that fails (the broker is down), log it:
    the job is in the ledger and the scheduler dispatches it again later."""
    try:
        executor.submit(job)
    except Exception:
        logger.exception("job %s could not be dispatched; the scheduler will retry", job.id)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)
