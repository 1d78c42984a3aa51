"""Writing the live figures each process counts (:mod:`urutiq_ai.deployments.live`) into the
deployments' ``performance``, and rolling back a fresh release whose error rate passed its
limit."""

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import log_failure, utcnow
from urutiq_ai.core.jobs import JobRuntime, job_unit_of_work
from urutiq_ai.deployments.checks import roll_back_on_errors
from urutiq_ai.deployments.releases import _config_of
from urutiq_ai.deployments.repository import DeploymentRepository, RevisionRepository
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.tenancy.context import for_job

if TYPE_CHECKING:
    from urutiq_ai.deployments.live import Key, LiveStats

logger = logging.getLogger("urutiq_ai.deployments")


def write_live_figures(
    runtime: JobRuntime, stats: "LiveStats", *, now: datetime | None = None
) -> int:
    """Write this process's live counts into each deployment's ``performance`` (also for
    revisions without new traffic while their window still moves) and roll back a fresh
    release whose error rate passed its limit. A write that fails keeps its counts pending
    for the next call; the others are written. Returns the revisions written."""
    now = now or utcnow()
    store = ArtifactStore(runtime.settings.artifacts)
    written, failed = 0, []
    for key, slots in stats.take_due(now).items():
        ctx = for_job(key.tenant_id, [key.company_id])
        try:
            with job_unit_of_work(runtime, ctx) as session:
                written += _write_figures(session, ctx, key, slots, stats.source, store, now)
        except Exception as exc:  # noqa: BLE001 - kept for the next write; the others go on
            what = f"writing live figures of deployment {key.deployment_id}"
            log_failure(logger, exc, what, retry="they are kept for the next write")
            failed.append(key)
    stats.put_back(failed)
    return written


def _write_figures(
    session: Session,
    ctx: TenantContext,
    key: "Key",
    slots: dict[str, Any],
    source: str,
    store: ArtifactStore,
    now: datetime,
) -> int:
    from urutiq_ai.deployments import live

    deployment = DeploymentRepository(session, ctx).locked(key.deployment_id)
    if deployment is None or deployment.version != key.version:
        return 0  # a revision that no longer serves: its counts are dropped
    config = _config_of(deployment)
    sources = dict((deployment.performance or {}).get("sources", {}))
    sources[source] = {"version": key.version, "slots": slots}
    deployment.performance = live.figures(
        sources, version=key.version, window_seconds=config.window_seconds, now=now
    )
    session.flush()
    revision = RevisionRepository(session, ctx).serving(deployment.id)
    breach = live.error_rate_breach(
        deployment.performance,
        released_at=revision.started_at if revision else None,
        max_error_rate=config.rollback.max_error_rate,
        min_requests=config.rollback.min_requests,
        watch_seconds=config.rollback.watch_seconds,
        now=now,
    )
    if breach is not None and config.rollback.auto:
        roll_back_on_errors(session, ctx, deployment_id=deployment.id, reason=breach, store=store)
    return 1
