"""Deployments: a named endpoint serving a model in one environment, changed by revisions.

A deployment is one row per (``deploymentName``, ``environment``). Every change is a
*revision* (``DeploymentRevision``, numbered 1, 2, ...): the first deploy, a release of
another model or config, a promotion from another environment, a rollback. A revision is
health-checked before it serves (artifacts load with their hash verified, stored sample
rows are scored, latency is measured):

* it passes: it serves from now on (``active``); the revision it replaces is
  ``superseded`` (or ``rolled_back`` when the change is a rollback), and the deployment's
  ``modelId``, ``config`` and ``version`` are the new revision's;
* it fails: the revision is recorded ``failed`` with the reason and the deployment goes
  on serving what it served (a first deploy that fails leaves the deployment ``failed``).

The deployment's ``status`` says whether it serves: ``deploying`` while its first revision
is checked, ``active`` while serving (after a rollback too: the rollback is an event of its
history, the revision it ended being ``rolled_back``), ``failed`` when nothing healthy
serves. Rows written before this rule may hold ``rolled_back`` (the seed's value): they
serve like ``active``. Revisions are never deleted:
"which model served production on 3 March" is a query over them
(:func:`urutiq_ai.deployments.queries.served`).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import utcnow
from urutiq_ai.core.errors import FieldError, ValidationError
from urutiq_ai.crud.errors import DuplicateResource, ResourceNotFound
from urutiq_ai.deployments import gates
from urutiq_ai.deployments.errors import DeploymentNotServing, NothingToRollBack
from urutiq_ai.deployments.members import ROLLBACK_STATUSES, _members
from urutiq_ai.deployments.models import AIDeployment, DeploymentRevision
from urutiq_ai.deployments.queries import get_deployment
from urutiq_ai.deployments.repository import SERVING, DeploymentRepository, RevisionRepository
from urutiq_ai.deployments.resources import DEPLOYMENTS
from urutiq_ai.deployments.schemas import (
    AIDeploymentCreate,
    AIDeploymentRead,
    DeploymentConfig,
    DeploymentPromote,
    DeploymentRelease,
    DeploymentRollback,
    DeploymentStatus,
    Environment,
    RevisionAction,
    RevisionStatus,
    dump_config,
)
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.tenancy import service as tenancy_service

if TYPE_CHECKING:
    from urutiq_ai.deployments.health import HealthResult, Member


@dataclass(frozen=True)
class DeploymentChange:
    deployment: AIDeployment
    revision: DeploymentRevision


def endpoint_of(company_id: str, name: str, environment: Environment) -> str:
    """The URL path that serves a deployment (relative to the server's root)."""
    return (
        f"/api/v1/companies/{quote(company_id, safe='')}/deployments/"
        f"{quote(name, safe='')}/predict?environment={environment.value}"
    )


def deploy(
    session: Session, ctx: TenantContext, *, data: AIDeploymentCreate, store: ArtifactStore
) -> AIDeployment:
    """A new deployment of an active model: ``active`` if its health check passes, else
    ``failed`` with the reason (both recorded; 409 when the name exists there)."""
    return _deploy(session, ctx, data=data, store=store, action=RevisionAction.deploy).deployment


def _deploy(
    session: Session,
    ctx: TenantContext,
    *,
    data: AIDeploymentCreate,
    store: ArtifactStore,
    action: RevisionAction,
) -> DeploymentChange:
    repo = DeploymentRepository(session, ctx)
    existing = repo.named(data.deployment_name, data.environment)
    if existing is not None:
        raise DuplicateResource(
            f"a deployment {data.deployment_name!r} exists in {data.environment.value}; "
            f"release a new revision of it instead: {_release_hint(existing, data.model_id)}",
            fields=[
                FieldError("deploymentName", "already deployed in this environment"),
                FieldError("environment", f"{data.deployment_name!r} is deployed here"),
            ],
        )
    (company_id,) = ctx.company_ids
    config = data.config or DeploymentConfig()
    members = _members(session, ctx, data.model_id, config, field="modelId")
    deployment = AIDeployment(
        deployment_name=data.deployment_name,
        model_id=data.model_id,
        environment=data.environment,
        status=DeploymentStatus.deploying,
        endpoint=endpoint_of(company_id, data.deployment_name, data.environment),
        version=1,
        config=dump_config(config),
    )
    repo.add(deployment, company_id=company_id)
    session.flush()
    return _apply(
        session,
        ctx,
        deployment,
        model_id=data.model_id,
        config=config,
        members=members,
        action=action,
        reason=data.reason,
        store=store,
        override=data.governance_override,
    )


def _release_hint(deployment: AIDeployment, model_id: str) -> str:
    """How to release ``model_id`` into an existing deployment, from the CLI and the API."""
    name, env = deployment.deployment_name, deployment.environment.value
    return (
        f"`urutiq-ai deployments release {name} --env {env} --model {model_id}` "
        f"(POST .../deployments/{deployment.id}/release)"
    )


def release(
    session: Session,
    ctx: TenantContext,
    *,
    deployment_id: str,
    data: DeploymentRelease,
    store: ArtifactStore,
    action: RevisionAction = RevisionAction.release,
) -> DeploymentChange:
    """A new revision with another model and/or config; serves once its health passes."""
    deployment = _locked(session, ctx, deployment_id)
    config = data.config if data.config is not None else _config_of(deployment)
    model_id = data.model_id or deployment.model_id
    field = "modelId" if data.model_id else "config"
    members = _members(session, ctx, model_id, config, field=field)
    return _apply(
        session,
        ctx,
        deployment,
        model_id=model_id,
        config=config,
        members=members,
        action=action,
        reason=data.reason,
        store=store,
        override=data.governance_override,
    )


def _failure_of(deployment: AIDeployment) -> str:
    """Why a failed deployment failed (its last health check's error), for messages."""
    error = (deployment.health_check or {}).get("error")
    return f" ({error})" if deployment.status == DeploymentStatus.failed and error else ""


def promote(
    session: Session,
    ctx: TenantContext,
    *,
    deployment_id: str,
    data: DeploymentPromote,
    store: ArtifactStore,
) -> DeploymentChange:
    """Release this deployment's model into another environment (a new revision of the
    deployment of that name there, or its first deploy)."""
    source = get_deployment(session, ctx, deployment_id)
    if source.status not in SERVING:
        raise DeploymentNotServing(
            f"deployment {source.deployment_name!r} is {source.status.value}"
            f"{_failure_of(source)}; only a serving deployment is promoted",
            fields=[FieldError("status", "must be active")],
        )
    if data.to == source.environment:
        raise ValidationError(
            f"the deployment is already in {source.environment.value}",
            fields=[FieldError("to", "must be another environment")],
        )
    name = data.deployment_name or source.deployment_name
    target = DeploymentRepository(session, ctx).named(name, data.to)
    if target is None:
        config = data.config or _promoted_config(_config_of(source))
        create = AIDeploymentCreate(
            deployment_name=name,
            model_id=source.model_id,
            environment=data.to,
            config=config,
            reason=data.reason or _promotion_note(source),
            governance_override=data.governance_override,
        )
        return _deploy(session, ctx, data=create, store=store, action=RevisionAction.promote)
    change = DeploymentRelease(
        model_id=source.model_id,
        config=data.config or _config_of(target),
        reason=data.reason or _promotion_note(source),
        governance_override=data.governance_override,
    )
    return release(
        session,
        ctx,
        deployment_id=target.id,
        data=change,
        store=store,
        action=RevisionAction.promote,
    )


def rollback(
    session: Session,
    ctx: TenantContext,
    *,
    deployment_id: str,
    data: DeploymentRollback,
    store: ArtifactStore,
    action: RevisionAction = RevisionAction.rollback,
) -> DeploymentChange:
    """Serve the previous revision again (a new revision copying it); the current one
    becomes ``rolled_back`` and the deployment stays ``active`` (it serves). 409 when no
    earlier revision served."""
    deployment = _locked(session, ctx, deployment_id)
    revisions = RevisionRepository(session, ctx)
    current = revisions.serving(deployment.id)
    before = current.version if current else deployment.version + 1
    previous = revisions.previous_good(deployment.id, before, unlike=current)
    if previous is None:
        where = f"{deployment.deployment_name!r} ({deployment.environment.value})"
        reason = (
            f"no earlier revision of {where} served another model or config than version "
            f"{current.version}, which serves now"
            if current is not None
            else f"no revision of {where} has served yet"
        )
        raise NothingToRollBack(
            f"nothing to roll back to: {reason}", fields=[FieldError("version", reason)]
        )
    config = DeploymentConfig.model_validate(previous.config or {})
    members = _members(
        session, ctx, previous.model_id, config, field="modelId", servable=ROLLBACK_STATUSES
    )
    reason = data.reason or f"rolled back to version {previous.version}"
    return _apply(
        session,
        ctx,
        deployment,
        model_id=previous.model_id,
        config=config,
        members=members,
        action=action,
        reason=reason,
        store=store,
    )


def _apply(
    session: Session,
    ctx: TenantContext,
    deployment: AIDeployment,
    *,
    model_id: str,
    config: DeploymentConfig,
    members: "list[Member]",
    action: RevisionAction,
    reason: str | None,
    store: ArtifactStore,
    override: str | None = None,
) -> DeploymentChange:
    """Health-check a new revision and make it serve if it passes (module docstring).

    A release, promotion or deploy first passes the release gates (governance); a rollback
    does not (it returns to what served before)."""
    revisions = RevisionRepository(session, ctx)
    before = None if deployment.status == DeploymentStatus.deploying else _snapshot(deployment)
    if action not in (RevisionAction.rollback, RevisionAction.auto_rollback):
        ids = [member.model.id for member in members]
        overridden = gates.check_release(session, ctx, ids, deployment.environment, override)
        if overridden:
            reason = _joined(reason, f"governance overridden: {override}")
            tenancy_service.record_audit(
                session,
                ctx,
                action="governance_override",
                row=deployment,
                company_id=deployment.company_id,
                after={"reason": override, "overridden": overridden},
            )
    result = _health(members, config, store=store, trigger=action.value)
    state, state_error = _derive_state(result, config)
    now = utcnow()
    revision = DeploymentRevision(
        deployment_id=deployment.id,
        deployment_name=deployment.deployment_name,
        environment=deployment.environment,
        version=_next_version(revisions, deployment),
        model_id=model_id,
        config=dump_config(config),
        state=state,
        action=action,
        status=RevisionStatus.failed,
        reason=reason,
        health_check=result.report,
        actor=ctx.user_id or ctx.principal_id,
    )
    failure = result.error if not result.passed else state_error
    if failure is not None:
        revision.reason = _joined(reason, failure)
        revisions.add(revision, company_id=deployment.company_id)
        if deployment.status == DeploymentStatus.deploying:
            deployment.status = DeploymentStatus.failed
            deployment.health_check = result.report
        session.flush()
        _audit(session, ctx, f"{action.value}_failed", deployment, before=before)
        return DeploymentChange(deployment, revision)
    _end_current(revisions, deployment, action, now)
    revision.status, revision.started_at = RevisionStatus.active, now
    revisions.add(revision, company_id=deployment.company_id)
    deployment.model_id = model_id
    deployment.config = dump_config(config)
    deployment.version = revision.version
    deployment.health_check = result.report
    deployment.health_due_at = now + timedelta(seconds=config.health.interval_seconds)
    deployment.performance = None  # live figures are per revision
    deployment.status = DeploymentStatus.active  # it serves; a rollback is in its history
    session.flush()
    _audit(session, ctx, action.value, deployment, before=before)
    return DeploymentChange(deployment, revision)


def _next_version(revisions: RevisionRepository, deployment: AIDeployment) -> int:
    """1 for a new deployment; else one past both the deployment's version and its last
    revision (a failed attempt uses a number too)."""
    last = revisions.last_version(deployment.id)
    if deployment.status == DeploymentStatus.deploying and last == 0:
        return 1
    return max(deployment.version, last) + 1


def _end_current(
    revisions: RevisionRepository, deployment: AIDeployment, action: RevisionAction, now: datetime
) -> None:
    current = revisions.serving(deployment.id)
    if current is None:
        return
    rolled = action in (RevisionAction.rollback, RevisionAction.auto_rollback)
    current.status = RevisionStatus.rolled_back if rolled else RevisionStatus.superseded
    current.ended_at = now


def _health(
    members: "list[Member]", config: DeploymentConfig, *, store: ArtifactStore, trigger: str
) -> "HealthResult":
    from urutiq_ai.deployments import health  # loads the ML stack: not at start-up

    return health.check(
        members,
        sample_rows=config.health.sample_rows,
        timeout_ms=config.health.timeout_ms,
        store=store,
        trigger=trigger,
        now=utcnow(),
    )


def _derive_state(
    result: "HealthResult", config: DeploymentConfig
) -> tuple[dict[str, Any] | None, str | None]:
    """What serving needs beyond the config (a stacking meta-model), or why it failed."""
    if not result.passed or config.ensemble is None or config.ensemble.method != "stacking":
        return None, None
    from urutiq_ai.deployments import health
    from urutiq_ai.ml.ensemble import EnsembleError

    by_id = {member.model.id: member for member in result.members}
    members = [by_id[m.model_id] for m in config.ensemble.models]
    try:
        stacker = health.fit_stacker(members, model_type=members[0].model.model_type.value)
    except EnsembleError as exc:
        return None, f"stacking could not be fitted: {exc}"
    return {"stacker": stacker}, None


def _locked(session: Session, ctx: TenantContext, deployment_id: str) -> AIDeployment:
    deployment = DeploymentRepository(session, ctx).locked(deployment_id)
    if deployment is None:
        raise ResourceNotFound(f"{DEPLOYMENTS.title} {deployment_id!r} not found")
    return deployment


def _config_of(deployment: AIDeployment) -> DeploymentConfig:
    return DeploymentConfig.model_validate(deployment.config or {})


def _promoted_config(config: DeploymentConfig) -> DeploymentConfig:
    """A staging config as production starts from: no split, shadow or ensemble."""
    return config.model_copy(update={"traffic": None, "shadow": None, "ensemble": None})


def _promotion_note(source: AIDeployment) -> str:
    return (
        f"promoted from {source.environment.value} "
        f"({source.deployment_name} version {source.version})"
    )


def _joined(reason: str | None, failure: str) -> str:
    return f"{reason}; {failure}" if reason else failure


def _snapshot(deployment: AIDeployment) -> dict[str, Any]:
    return AIDeploymentRead.model_validate(deployment).model_dump(mode="json", by_alias=True)


def _audit(
    session: Session,
    ctx: TenantContext,
    action: str,
    deployment: AIDeployment,
    *,
    before: dict[str, Any] | None,
) -> None:
    tenancy_service.record_audit(
        session,
        ctx,
        action=action,
        row=deployment,
        company_id=deployment.company_id,
        before=before,
        after=_snapshot(deployment),
    )
