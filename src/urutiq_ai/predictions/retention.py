"""Retention of prediction records: predictions older than ``URUTIQ_RETENTION_DAYS`` (183,
about six months, by default; 0 keeps them forever) are deleted, except those a feedback
refers to (the evidence of what users corrected stays with their feedback).

What the purge deletes is written to each company's audit log (``retention_purge``: how many,
made before when); the audit log itself is append-only and never purged. Performance and
drift results are stored aggregates: they outlive the predictions they were computed from.

The scheduler runs the purge once a day (ticker :func:`purge_expired_records`);
``urutiq-ai retention purge [--dry-run]`` runs it by hand.
"""

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from urutiq_ai.core.jobs import Executor, JobRuntime, job_unit_of_work, system_unit_of_work
from urutiq_ai.predictions.repository import ExpiredPredictionsRepository
from urutiq_ai.tenancy import service as tenancy_service
from urutiq_ai.tenancy.context import for_job

logger = logging.getLogger("urutiq_ai.predictions")

BATCH = 5_000
PURGE_EVERY = timedelta(days=1)
_last_purge: dict[int, datetime] = {}  # runtime id -> when this process last purged


@dataclass
class PurgeResult:
    before: datetime
    days: int
    dry_run: bool
    deleted: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


def purge_expired_predictions(
    runtime: JobRuntime, *, now: datetime, days: int, dry_run: bool = False, batch: int = BATCH
) -> PurgeResult:
    """Delete (or, ``dry_run``, count) the predictions made before ``now - days`` that no
    feedback refers to, ``batch`` rows per transaction; audited per company."""
    result = PurgeResult(before=now - timedelta(days=days), days=days, dry_run=dry_run)
    if dry_run:
        with system_unit_of_work(runtime) as session:
            result.deleted.update(
                ExpiredPredictionsRepository(session).count_by_tenant(result.before)
            )
        return result
    while True:
        with system_unit_of_work(runtime) as session:
            deleted = ExpiredPredictionsRepository(session).delete_batch(result.before, batch)
        result.deleted.update(deleted)
        if sum(deleted.values()) < batch:
            break
    _audit(runtime, result)
    return result


def _audit(runtime: JobRuntime, result: PurgeResult) -> None:
    for (tenant_id, company_id), count in result.deleted.items():
        ctx = for_job(tenant_id, [company_id])
        with job_unit_of_work(runtime, ctx) as session:
            tenancy_service.record_audit(
                session,
                ctx,
                action="retention_purge",
                row=None,
                table="AIModelPrediction",
                company_id=company_id,
                after={
                    "deleted": count,
                    "madeBefore": result.before.isoformat(),
                    "retentionDays": result.days,
                },
            )


def purge_expired_records(runtime: JobRuntime, executor: Executor, now: datetime) -> int:
    """The scheduler's ticker: the purge, at most once a day per process."""
    del executor
    days = runtime.settings.retention_days
    last = _last_purge.get(id(runtime))
    if days <= 0 or (last is not None and now - last < PURGE_EVERY):
        return 0
    _last_purge[id(runtime)] = now
    result = purge_expired_predictions(runtime, now=now, days=days)
    if result.total:
        logger.info("retention: %d predictions made before %s deleted", result.total, result.before)
    return result.total
