"""Health checks on demand and on the scheduler's ticker, and the automatic rollback of a
deployment that fails one (or whose live error rate passed its limit)."""

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import log_failure, utcnow
from urutiq_ai.core.errors import AppError, FieldError
from urutiq_ai.core.jobs import Executor, JobRuntime, job_unit_of_work, system_unit_of_work
from urutiq_ai.deployments.errors import DeploymentNotServing
from urutiq_ai.deployments.members import _members
from urutiq_ai.deployments.models import AIDeployment
from urutiq_ai.deployments.releases import _audit, _config_of, _health, _locked, _snapshot, rollback
from urutiq_ai.deployments.repository import (
    SERVING,
    DeploymentRepository,
    DueHealthRepository,
    RevisionRepository,
)
from urutiq_ai.deployments.schemas import (
    DeploymentRollback,
    DeploymentStatus,
    RevisionAction,
    RevisionStatus,
)
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.tenancy.context import for_job

logger = logging.getLogger("urutiq_ai.deployments")


def check_health(
    session: Session, ctx: TenantContext, *, deployment_id: str, store: ArtifactStore
) -> AIDeployment:
    """Check a serving deployment now; a failure rolls it back when its config says so
    (or marks it ``failed`` when nothing earlier served)."""
    deployment = _locked(session, ctx, deployment_id)
    return _recheck(session, ctx, deployment, store=store, trigger="manual")


def _recheck(
    session: Session,
    ctx: TenantContext,
    deployment: AIDeployment,
    *,
    store: ArtifactStore,
    trigger: str,
) -> AIDeployment:
    if deployment.status not in SERVING:
        raise DeploymentNotServing(
            f"deployment {deployment.deployment_name!r} is {deployment.status.value}",
            fields=[FieldError("status", "only a serving deployment is checked")],
        )
    config = _config_of(deployment)
    members = _members(session, ctx, deployment.model_id, config, field="modelId", strict=False)
    result = _health(members, config, store=store, trigger=trigger)
    now = utcnow()
    deployment.health_check = result.report
    deployment.health_due_at = now + timedelta(seconds=config.health.interval_seconds)
    if result.passed:
        session.flush()
        return deployment
    note = f"health check failed: {result.error}"
    failed_version = deployment.version
    current = RevisionRepository(session, ctx).serving(deployment.id)
    if current is not None:
        current.health_check = result.report  # the failing check, kept with its revision
    if config.rollback.auto and _roll_back_quietly(session, ctx, deployment, note, store):
        deployment.health_check = {
            **deployment.health_check,
            "rolledBackFrom": {"version": failed_version, "error": result.error},
        }
        session.flush()
        return deployment
    before = _snapshot(deployment)
    deployment.status = DeploymentStatus.failed
    if current is not None:
        current.status, current.ended_at, current.reason = RevisionStatus.failed, now, note
    session.flush()
    _audit(session, ctx, "health_failed", deployment, before=before)
    return deployment


def _roll_back_quietly(
    session: Session,
    ctx: TenantContext,
    deployment: AIDeployment,
    reason: str,
    store: ArtifactStore,
) -> bool:
    """An automatic rollback: True when the previous revision serves again; False when
    there is none, it cannot serve (its model failed or is gone) or failed its check."""
    if not _can_roll_back(session, ctx, deployment):
        return False
    try:
        change = rollback(
            session,
            ctx,
            deployment_id=deployment.id,
            data=DeploymentRollback(reason=reason),
            store=store,
            action=RevisionAction.auto_rollback,
        )
    except AppError as exc:
        logger.warning("automatic rollback of %s refused: %s", deployment.id, exc)
        return False
    return change.revision.status == RevisionStatus.active


def roll_back_on_errors(
    session: Session, ctx: TenantContext, *, deployment_id: str, reason: str, store: ArtifactStore
) -> bool:
    """The live error rate crossed the limit after a release: roll back if there is an
    earlier revision (True), else leave it serving (False; the figures show it)."""
    deployment = _locked(session, ctx, deployment_id)
    if deployment.status not in SERVING:
        return False
    return _roll_back_quietly(session, ctx, deployment, reason, store)


def _can_roll_back(session: Session, ctx: TenantContext, deployment: AIDeployment) -> bool:
    revisions = RevisionRepository(session, ctx)
    current = revisions.serving(deployment.id)
    return revisions.previous_good(deployment.id, deployment.version, unlike=current) is not None


def check_due_deployments(runtime: JobRuntime, executor: Executor, now: datetime) -> int:
    """The scheduler's ticker: health-check every serving deployment that is due (all
    tenants), each in its own transaction; a failure rolls back per its config. The
    checks are short (a smoke prediction), so they run here rather than as jobs."""
    del executor
    with system_unit_of_work(runtime) as session:
        due = DueHealthRepository(session).due(now)
    store = ArtifactStore(runtime.settings.artifacts)
    for tenant_id, company_id, deployment_id in due:
        ctx = for_job(tenant_id, [company_id])
        try:
            with job_unit_of_work(runtime, ctx) as session:
                deployment = DeploymentRepository(session, ctx).locked(deployment_id)
                if deployment is not None and deployment.status in SERVING:
                    _recheck(session, ctx, deployment, store=store, trigger="schedule")
        except Exception as exc:  # noqa: BLE001 - one broken deployment must not stop the others
            what = f"health check of deployment {deployment_id}"
            log_failure(logger, exc, what, retry="it runs again at the next tick")
    return len(due)
