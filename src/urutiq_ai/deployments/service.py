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
"which model served production on 3 March" is a query over them (:func:`served`).
"""

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import utcnow
from urutiq_ai.core.errors import AppError, Conflict, FieldError, NotFound, ValidationError
from urutiq_ai.core.jobs import Executor, JobRuntime, job_unit_of_work, system_unit_of_work
from urutiq_ai.core.schemas import SystemWritten
from urutiq_ai.crud import service as crud_service
from urutiq_ai.crud.resource import Resource
from urutiq_ai.crud.service import DuplicateResource
from urutiq_ai.deployments import gates
from urutiq_ai.deployments.models import AIDeployment, DeploymentRevision
from urutiq_ai.deployments.repository import (
    SERVING,
    DeploymentRepository,
    DueHealthRepository,
    RevisionRepository,
)
from urutiq_ai.deployments.schemas import (
    AIDeploymentCreate,
    AIDeploymentRead,
    DeploymentConfig,
    DeploymentPromote,
    DeploymentRelease,
    DeploymentRevisionRead,
    DeploymentRollback,
    DeploymentStatus,
    Environment,
    RevisionAction,
    RevisionStatus,
    ServedMember,
    ServedModel,
    dump_config,
    served_members,
)
from urutiq_ai.registry import service as registry_service
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.registry.hooks import ServingUse, serving_lookup
from urutiq_ai.registry.models import AIModel
from urutiq_ai.registry.schemas import ModelStatus
from urutiq_ai.tenancy import service as tenancy_service
from urutiq_ai.tenancy.context import for_job

if TYPE_CHECKING:
    from urutiq_ai.deployments.health import HealthResult, Member
    from urutiq_ai.deployments.live import Key, LiveStats

logger = logging.getLogger("urutiq_ai.deployments")

DEPLOYMENTS = Resource(
    path="deployments",
    model=AIDeployment,
    create_schema=AIDeploymentCreate,
    read_schema=AIDeploymentRead,
    filters=("environment", "status", "model_id", "deployment_name"),
    sort_fields=("created_at", "updated_at", "deployment_name"),
    refs={"model_id": "AIModel"},
    unique=(("deployment_name", "environment"),),
    creatable=False,  # POST /deployments is the deploy verb (deployments/router.py)
)

DEPLOYMENT_REVISIONS = Resource(
    path="deployment-revisions",
    model=DeploymentRevision,
    create_schema=SystemWritten,
    read_schema=DeploymentRevisionRead,
    filters=("deployment_id", "deployment_name", "environment", "model_id", "status", "action"),
    time_field="started_at",
    sort_fields=("created_at", "started_at", "version"),
    creatable=False,
)


RELEASE_STATUSES = frozenset({ModelStatus.active})
ROLLBACK_STATUSES = frozenset({ModelStatus.active, ModelStatus.deprecated})


class DeploymentNotServing(Conflict):
    pass


class NothingToRollBack(Conflict):
    pass


class ModelNotDeployable(Conflict):
    pass


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


def get_deployment(session: Session, ctx: TenantContext, deployment_id: str) -> AIDeployment:
    deployment: AIDeployment = crud_service.get_row(session, ctx, DEPLOYMENTS, deployment_id)
    return deployment


def find(session: Session, ctx: TenantContext, name: str, environment: Environment) -> AIDeployment:
    """The deployment ``name`` in ``environment`` (404 naming where that name exists)."""
    repo = DeploymentRepository(session, ctx)
    deployment = repo.named(name, environment)
    if deployment is None:
        elsewhere = sorted(env.value for env in repo.environments_of(name))
        hint = f"; it exists in {', '.join(elsewhere)}" if elsewhere else ""
        raise NotFound(f"no deployment {name!r} in {environment.value}{hint}")
    return deployment


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


def check_health(
    session: Session, ctx: TenantContext, *, deployment_id: str, store: ArtifactStore
) -> AIDeployment:
    """Check a serving deployment now; a failure rolls it back when its config says so
    (or marks it ``failed`` when nothing earlier served)."""
    deployment = _locked(session, ctx, deployment_id)
    return _recheck(session, ctx, deployment, store=store, trigger="manual")


def revisions_of(
    session: Session, ctx: TenantContext, deployment_id: str
) -> Sequence[DeploymentRevision]:
    deployment = get_deployment(session, ctx, deployment_id)
    return RevisionRepository(session, ctx).of(deployment.id)


def served(
    session: Session,
    ctx: TenantContext,
    *,
    at: datetime | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    environment: Environment | None = None,
    deployment_name: str | None = None,
) -> list[ServedModel]:
    """Which models served (``at`` a moment, or over ``[start, end)``), per deployment and
    revision: every model of a revision, its deployment's own model first."""
    repo = RevisionRepository(session, ctx)
    if at is not None:
        rows = repo.served_at(at, environment=environment, name=deployment_name)
    else:
        rows = repo.served_between(start, end, environment=environment, name=deployment_name)
    members = [(row, member) for row in rows for member in served_members(row.model_id, row.config)]
    ids = {member.model_id for _, member in members}
    models = {model_id: _model_or_none(session, ctx, model_id) for model_id in ids}
    return [_served_model(row, member, models[member.model_id]) for row, member in members]


def serving_revision(
    session: Session, ctx: TenantContext, deployment: AIDeployment
) -> DeploymentRevision:
    """The revision a serving deployment answers with (409 when it serves nothing)."""
    if deployment.status not in SERVING:
        raise DeploymentNotServing(
            f"deployment {deployment.deployment_name!r} ({deployment.environment.value}) is "
            f"{deployment.status.value}, not serving",
            fields=[FieldError("status", "only an active deployment predicts")],
        )
    revision = RevisionRepository(session, ctx).version(deployment.id, deployment.version)
    if revision is None:
        raise DeploymentNotServing(f"deployment {deployment.deployment_name!r} has no revision")
    return revision


# --- health on a schedule ----------------------------------------------------------------


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


# --- the release itself -----------------------------------------------------------------


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


# --- what a revision serves, checked -----------------------------------------------------


def _members(
    session: Session,
    ctx: TenantContext,
    model_id: str,
    config: DeploymentConfig,
    *,
    field: str,
    strict: bool = True,
    servable: frozenset[ModelStatus] = RELEASE_STATUSES,
) -> "list[Member]":
    """The models a revision serves, the deployment's own first; each must be a model of
    the company in ``servable`` (active for a release; a rollback may return to a version
    the registry has deprecated since), of one type, taking the same feature columns (422
    naming the config field). ``strict=False`` (health re-checks) skips the checks."""
    from urutiq_ai.deployments.health import Member

    champion, artifact = _model(session, ctx, model_id, field=field)
    members = [Member(champion, artifact)]
    for path, other_id in _config_refs(config):
        if other_id == model_id:
            continue
        other, other_artifact = _model(session, ctx, other_id, field=path)
        if strict:
            _check_compatible(champion, other, field=path)
        members.append(Member(other, other_artifact))
    if strict:
        _check_config(champion, config)
        for member in members:
            where = field if member.model is champion else "config"
            _require_servable(member.model, servable, field=where)
    return members


def _config_refs(config: DeploymentConfig) -> list[tuple[str, str]]:
    refs = [(f"config.traffic.{i}.modelId", s.model_id) for i, s in enumerate(config.traffic or [])]
    if config.ensemble is not None:
        refs += [
            (f"config.ensemble.models.{i}.modelId", m.model_id)
            for i, m in enumerate(config.ensemble.models)
        ]
    refs += [(f"config.shadow.{i}", model_id) for i, model_id in enumerate(config.shadow or [])]
    seen: set[str] = set()
    unique = []
    for path, model_id in refs:
        if model_id not in seen:
            seen.add(model_id)
            unique.append((path, model_id))
    return unique


def _model(session: Session, ctx: TenantContext, model_id: str, *, field: str) -> tuple[Any, Any]:
    try:
        return registry_service.get_model_with_artifact(session, ctx, model_id)
    except NotFound as exc:
        raise ValidationError(
            f"no model {model_id!r} in this company",
            fields=[FieldError(field, "no such model in this company")],
        ) from exc


def _require_servable(model: AIModel, allowed: frozenset[ModelStatus], *, field: str) -> None:
    if model.status not in allowed:
        raise ModelNotDeployable(
            f"model {model.model_name} {model.model_version} ({model.id}) is "
            f"{model.status.value}; only active models are deployed",
            fields=[FieldError(field, f"model {model.id} is {model.status.value}, not active")],
        )


def _check_compatible(champion: AIModel, other: AIModel, *, field: str) -> None:
    if other.model_type != champion.model_type:
        raise ValidationError(
            "every model of a deployment must be of one type",
            fields=[
                FieldError(
                    field,
                    f"{other.model_type.value}, while the deployment's model is "
                    f"{champion.model_type.value}",
                )
            ],
        )
    mine, theirs = set(champion.feature_columns or []), set(other.feature_columns or [])
    if mine != theirs:
        missing, extra = sorted(mine - theirs), sorted(theirs - mine)
        raise ValidationError(
            "a challenger must take the same feature columns as the champion",
            fields=[FieldError(field, f"feature columns differ: lacks {missing}, adds {extra}")],
        )


def _check_config(champion: AIModel, config: DeploymentConfig) -> None:
    if config.shadow is not None and champion.id in config.shadow:
        position = config.shadow.index(champion.id)
        raise ValidationError(
            "a deployment's own model cannot also be its shadow",
            fields=[FieldError(f"config.shadow.{position}", "the deployment's own model")],
        )
    if config.traffic is not None and champion.id not in {s.model_id for s in config.traffic}:
        raise ValidationError(
            "a traffic split must give the deployment's own model a share",
            fields=[FieldError("config.traffic", f"no share for model {champion.id}")],
        )
    if config.ensemble is not None:
        if champion.id not in {m.model_id for m in config.ensemble.models}:
            raise ValidationError(
                "an ensemble must include the deployment's own model",
                fields=[FieldError("config.ensemble.models", f"model {champion.id} missing")],
            )
        from urutiq_ai.ml.ensemble import EnsembleError, check_ensemble

        types = [champion.model_type.value] * len(config.ensemble.models)
        try:
            check_ensemble(config.ensemble.method, types)
        except EnsembleError as exc:
            raise ValidationError(
                str(exc), fields=[FieldError("config.ensemble.method", str(exc))]
            ) from exc
    if config.sticky_key is not None and config.sticky_key not in (champion.feature_columns or []):
        raise ValidationError(
            "the sticky key must be one of the model's input fields",
            fields=[FieldError("config.stickyKey", f"{config.sticky_key!r} is not a feature")],
        )


# --- small helpers -----------------------------------------------------------------------


def _locked(session: Session, ctx: TenantContext, deployment_id: str) -> AIDeployment:
    deployment = DeploymentRepository(session, ctx).locked(deployment_id)
    if deployment is None:
        raise crud_service.ResourceNotFound(f"{DEPLOYMENTS.title} {deployment_id!r} not found")
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


def _model_or_none(session: Session, ctx: TenantContext, model_id: str) -> AIModel | None:
    try:
        return registry_service.get_model(session, ctx, model_id)
    except NotFound:
        return None


def _served_model(
    row: DeploymentRevision, member: ServedMember, model: AIModel | None
) -> ServedModel:
    return ServedModel.model_validate(
        {
            "deployment_id": row.deployment_id,
            "deployment_name": row.deployment_name,
            "environment": row.environment,
            "version": row.version,
            "model_id": member.model_id,
            "model_name": model.model_name if model else None,
            "model_version": model.model_version if model else None,
            "role": member.role,
            "weight": member.weight,
            "action": row.action,
            "status": row.status,
            "from": row.started_at,
            "to": row.ended_at,
        }
    )


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


# --- scheduler and live figures ----------------------------------------------------------


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
        except Exception:  # one broken deployment must not stop the others' checks
            logger.exception("health check of deployment %s failed to run", deployment_id)
    return len(due)


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
        except Exception:
            logger.exception("writing live figures of deployment %s failed", key.deployment_id)
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


def revisions_serving(
    session: Session, ctx: TenantContext, model_id: str
) -> Sequence[DeploymentRevision]:
    """The revisions serving ``model_id`` now, in every environment."""
    return RevisionRepository(session, ctx).serving_model(model_id)


def revisions_of_model(
    session: Session, ctx: TenantContext, model_id: str
) -> Sequence[DeploymentRevision]:
    """Every revision that served (or tried to serve) ``model_id``, newest first."""
    return RevisionRepository(session, ctx).of_model(model_id)


@serving_lookup
def deployments_serving(
    session: Session, ctx: TenantContext, model_ids: Collection[str]
) -> list[ServingUse]:
    """The serving deployments (any environment) whose current revision answers with or
    shadows one of ``model_ids``: the registry asks before it deprecates a version."""
    wanted = set(model_ids)
    return [
        ServingUse(
            model_id=member.model_id,
            deployment_id=deployment.id,
            deployment_name=deployment.deployment_name,
            environment=deployment.environment.value,
            role=member.role.value,
        )
        for deployment in DeploymentRepository(session, ctx).serving_now()
        for member in served_members(deployment.model_id, deployment.config)
        if member.model_id in wanted
    ]
