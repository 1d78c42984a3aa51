"""Heartbeats of job-running processes, and the scheduler's tickers that keep jobs moving.

* :class:`Heartbeat`: a process that runs jobs (``serve`` with the inline executor, each
  ``urutiq-ai worker``) registers a ``Worker`` row and beats every
  ``URUTIQ_WORKER_HEARTBEAT`` seconds; a clean stop marks it stopped.
* :func:`recover_lost_jobs`: a running job whose worker stopped, or has been silent for
  ``URUTIQ_WORKER_TIMEOUT`` seconds, is *lost*. With attempts left it is queued again
  (attempt + 1) and dispatched; otherwise it is marked failed and its ``on_lost`` handler
  records the reason on the job's run row. Whatever the lost attempt had not committed is
  gone with it (jobs write their results in one transaction), and if the worker was only
  slow, the fencing check (``holds_claim``) stops it before it writes.
* :func:`dispatch_due_jobs`: hands the executor the queued jobs whose retry backoff has
  passed, jobs recorded where no executor was at hand (``record_job(...,
  dispatched=False)``), and jobs dispatched long ago that no worker ever claimed (a message
  lost with its broker or its process).
"""

import logging
import os
import socket
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from urutiq_ai.core.db import log_failure, new_id
from urutiq_ai.core.jobs import (
    Executor,
    Job,
    JobRuntime,
    give_up,
    ledger_unit_of_work,
    submit_quietly,
    system_unit_of_work,
)
from urutiq_ai.core.ledger.models import JobRecord, WorkerRecord
from urutiq_ai.core.ledger.repository import WorkerRepository
from urutiq_ai.core.ledger.schemas import JobStatus, WorkerKind

logger = logging.getLogger("urutiq_ai.jobs")

REDISPATCH_AFTER = timedelta(minutes=10)
"""A job dispatched this long ago and still unclaimed is dispatched again (a duplicate
message is harmless: only one claim succeeds)."""


class Heartbeat:
    """Registers this process as a worker and beats from a daemon thread until stopped."""

    def __init__(
        self, runtime: JobRuntime, kind: WorkerKind, *, concurrency: int = 1, worker_id: str = ""
    ) -> None:
        self.runtime = runtime
        self.kind = kind
        self.concurrency = concurrency
        self.worker_id = worker_id or new_id()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, *, beating: bool = True) -> str:
        """Register the worker; with ``beating`` (the default) beat from a daemon thread.
        A process that forks job processes registers without beating: a thread running
        while a process forks can leave a lock held in the child, which then hangs; its
        children beat for themselves."""
        now = datetime.now(UTC)
        with system_unit_of_work(self.runtime) as session:
            session.add(
                WorkerRecord(
                    id=self.worker_id,
                    kind=self.kind,
                    hostname=socket.gethostname()[:255],
                    pid=os.getpid(),
                    concurrency=self.concurrency,
                    started_at=now,
                    last_seen_at=now,
                )
            )
        if beating:
            self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
            self._thread.start()
        return self.worker_id

    def beat(self) -> None:
        with system_unit_of_work(self.runtime) as session:
            WorkerRepository(session).beat(self.worker_id, datetime.now(UTC))

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        with system_unit_of_work(self.runtime) as session:
            WorkerRepository(session).stop(self.worker_id, datetime.now(UTC))

    def _run(self) -> None:
        interval = self.runtime.settings.worker_heartbeat
        while not self._stop.wait(interval):
            try:
                self.beat()
            except Exception as exc:  # noqa: BLE001 - a database hiccup must not kill the heartbeat
                what = f"heartbeat of worker {self.worker_id}"
                log_failure(logger, exc, what, retry=f"it will retry in {interval:g} s")


def recover_lost_jobs(
    runtime: JobRuntime, executor: Executor | None, now: datetime, *, everything: bool = False
) -> int:
    """The scheduler's ticker for jobs whose worker died (see the module docstring). The
    jobs of this process's own worker (``runtime.worker_id``) are never lost to it.
    Without an executor, jobs to retry are left for :func:`dispatch_due_jobs`."""
    timeout = timedelta(seconds=runtime.settings.worker_timeout)
    retries: list[Job] = []
    given_up: list[tuple[Job, str]] = []
    with ledger_unit_of_work(runtime) as ledger:
        for row in ledger.lost(now, timeout, alive=runtime.worker_id, everything=everything):
            reason = _lost_reason(ledger.session, row)
            row.error = reason
            if row.attempt < row.max_attempts:
                row.status = JobStatus.queued
                row.attempt += 1
                row.not_before = now
                row.dispatched_at = now if executor is not None else None
                row.worker_id = None
                retries.append(job_of(row))
                logger.warning("job %s: %s; attempt %s queued", row.id, reason, row.attempt)
            else:
                row.status = JobStatus.failed
                row.finished_at = now
                given_up.append((job_of(row), reason))
                logger.warning("job %s: %s; no attempt left", row.id, reason)
    for job, reason in given_up:
        give_up(runtime, job, reason)
    if executor is not None:
        for job in retries:
            submit_quietly(executor, job)
    return len(retries) + len(given_up)


def dispatch_due_jobs(runtime: JobRuntime, executor: Executor, now: datetime) -> int:
    """The scheduler's ticker for retries whose backoff has passed, jobs never dispatched,
    and lost messages."""
    with ledger_unit_of_work(runtime) as ledger:
        jobs = []
        for row in ledger.due(now, REDISPATCH_AFTER):
            row.dispatched_at = now
            jobs.append(job_of(row))
    for job in jobs:
        submit_quietly(executor, job)
    return len(jobs)


def job_of(row: JobRecord) -> Job:
    return Job(
        name=row.name,
        tenant_id=row.tenant_id,
        company_id=row.company_id,
        payload=dict(row.payload or {}),
        principal_id=row.principal_id,
        id=row.id,
        attempt=row.attempt,
        max_attempts=row.max_attempts,
        on_lost=row.on_lost,
        last_error=row.error,
    )


def _lost_reason(session: Session, row: JobRecord) -> str:
    if row.worker_id is None:
        return f"the process running attempt {row.attempt} stopped (it ran outside any worker)"
    worker = WorkerRepository(session).get(row.worker_id)
    if worker is None:
        return f"its worker {row.worker_id} is unknown (never registered) at attempt {row.attempt}"
    where = f"worker {worker.hostname}:{worker.pid} ({worker.kind.value})"
    if worker.stopped_at is not None:
        return f"{where} stopped at {_iso(worker.stopped_at)} while running attempt {row.attempt}"
    return (
        f"{where} stopped heartbeating (last at {_iso(worker.last_seen_at)}) "
        f"while running attempt {row.attempt}"
    )


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()
