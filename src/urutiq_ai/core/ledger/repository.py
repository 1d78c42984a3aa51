"""Queries on the job ledger. Claims and state changes are conditional updates, so two
processes never both take one job, and a worker whose attempt was handed to another
can tell (a fencing check) before it writes anything."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, aliased

from urutiq_ai.core.ledger.models import JobRecord, WorkerRecord
from urutiq_ai.core.ledger.schemas import JobStatus


class JobLedgerRepository:
    """Cross-tenant by design: used by executors and the scheduler in system scope, and by a
    job for its own row (which row-level security lets its tenant see)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(
        self,
        job_id: str,
        attempt: int,
        worker_id: str | None,
        now: datetime,
        *,
        tenant_limit: int = 0,
    ) -> bool:
        """queued -> running for this worker; False when another took it or it moved on,
        and (``tenant_limit`` > 0) when that many jobs of the job's tenant run already:
        the tenant's fair share (see :meth:`defer`)."""
        stmt = update(JobRecord).where(
            JobRecord.id == job_id,
            JobRecord.attempt == attempt,
            JobRecord.status == JobStatus.queued,
        )
        if tenant_limit > 0:
            other = aliased(JobRecord)
            running = (
                select(func.count())
                .select_from(other)
                .where(other.tenant_id == JobRecord.tenant_id, other.status == JobStatus.running)
                .scalar_subquery()
            )
            stmt = stmt.where(running < tenant_limit)
        result = self.session.execute(
            stmt.values(
                status=JobStatus.running, worker_id=worker_id, started_at=now
            ).execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def defer(self, job_id: str, attempt: int, until: datetime) -> bool:
        """A queued job whose tenant had its share running: dispatched again from ``until``
        (by the executor that deferred it, or the scheduler's :meth:`due`). False when the
        job is no longer queued at that attempt (another worker took it)."""
        result = self.session.execute(
            update(JobRecord)
            .where(
                JobRecord.id == job_id,
                JobRecord.attempt == attempt,
                JobRecord.status == JobStatus.queued,
            )
            .values(not_before=until, dispatched_at=None)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def holds(self, job_id: str, attempt: int, worker_id: str | None) -> bool:
        """Whether this worker still holds this attempt (the row is locked until commit)."""
        row = self.session.scalars(
            select(JobRecord).where(JobRecord.id == job_id).with_for_update()
        ).one_or_none()
        return (
            row is not None
            and row.status == JobStatus.running
            and row.attempt == attempt
            and row.worker_id == worker_id
        )

    def end(
        self,
        job_id: str,
        attempt: int,
        status: JobStatus,
        now: datetime,
        *,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> bool:
        """Finish an attempt (``retry_at``: queue the next one then). False if it was lost.
        ``error`` keeps the last failure, also on a job that completed at a later attempt."""
        values: dict[str, object] = {"status": status, "finished_at": now}
        if error is not None:
            values["error"] = error
        if retry_at is not None:
            values = {
                "status": JobStatus.queued,
                "attempt": attempt + 1,
                "not_before": retry_at,
                "dispatched_at": None,
                "worker_id": None,
                "error": error,
            }
        result = self.session.execute(
            update(JobRecord)
            .where(
                JobRecord.id == job_id,
                JobRecord.attempt == attempt,
                JobRecord.status == JobStatus.running,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def lost(
        self,
        now: datetime,
        timeout: timedelta,
        *,
        alive: str | None = None,
        everything: bool = False,
    ) -> Sequence[JobRecord]:
        """Running jobs whose worker stopped, has not beaten for ``timeout``, or was never
        registered (locked). ``alive``: this process's own worker, never lost to itself.
        ``everything``: every running job, also those claimed outside any worker (an
        embedded server's start, when no other process can be running jobs)."""
        worker = aliased(WorkerRecord)
        gone = or_(
            worker.id.is_(None),
            worker.stopped_at.is_not(None),
            worker.last_seen_at < now - timeout,
        )
        stmt = (
            select(JobRecord)
            .outerjoin(worker, worker.id == JobRecord.worker_id)
            .where(JobRecord.status == JobStatus.running)
            .order_by(JobRecord.created_at)
            .with_for_update(of=JobRecord, skip_locked=True)
        )
        if not everything:
            stmt = stmt.where(JobRecord.worker_id.is_not(None), gone)
        if alive is not None:
            stmt = stmt.where(or_(JobRecord.worker_id.is_(None), JobRecord.worker_id != alive))
        return self.session.scalars(stmt).all()

    def due(self, now: datetime, redispatch_after: timedelta) -> Sequence[JobRecord]:
        """Queued jobs to hand to the executor: retries whose backoff has passed, jobs never
        dispatched, and jobs dispatched long ago that no worker has claimed (a lost
        message). Locked."""
        stmt = (
            select(JobRecord)
            .where(
                JobRecord.status == JobStatus.queued,
                JobRecord.not_before <= now,
                or_(
                    JobRecord.dispatched_at.is_(None),
                    JobRecord.dispatched_at < now - redispatch_after,
                ),
            )
            .order_by(JobRecord.not_before)
            .limit(500)
            .with_for_update(skip_locked=True)
        )
        return self.session.scalars(stmt).all()

    def get(self, job_id: str) -> JobRecord | None:
        return self.session.get(JobRecord, job_id)


class WorkerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, worker_id: str) -> WorkerRecord | None:
        return self.session.get(WorkerRecord, worker_id)

    def beat(self, worker_id: str, now: datetime) -> None:
        """A beat also revives a worker marked stopped while it was only slow: its old
        jobs were recovered (and it is fenced off them); its new ones must not be."""
        self.session.execute(
            update(WorkerRecord)
            .where(WorkerRecord.id == worker_id)
            .values(last_seen_at=now, stopped_at=None)
            .execution_options(synchronize_session=False)
        )

    def stop(self, worker_id: str, now: datetime) -> None:
        self.session.execute(
            update(WorkerRecord)
            .where(WorkerRecord.id == worker_id)
            .values(stopped_at=now)
            .execution_options(synchronize_session=False)
        )

    def stop_all(self, now: datetime) -> int:
        """Mark every worker stopped (an embedded server's start: no other may be alive)."""
        result = self.session.execute(
            update(WorkerRecord)
            .where(WorkerRecord.stopped_at.is_(None))
            .values(stopped_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def live(self, now: datetime, timeout: timedelta) -> Sequence[WorkerRecord]:
        stmt = (
            select(WorkerRecord)
            .where(WorkerRecord.stopped_at.is_(None), WorkerRecord.last_seen_at >= now - timeout)
            .order_by(WorkerRecord.started_at)
        )
        return self.session.scalars(stmt).all()
