"""Reading deployments: one by id or name, its revisions, what serves now and what served
when (:func:`served`), and the registry's question before it retires a version."""

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import FieldError, NotFound
from urutiq_ai.crud import service as crud_service
from urutiq_ai.deployments.errors import DeploymentNotServing
from urutiq_ai.deployments.models import AIDeployment, DeploymentRevision
from urutiq_ai.deployments.repository import SERVING, DeploymentRepository, RevisionRepository
from urutiq_ai.deployments.resources import DEPLOYMENTS
from urutiq_ai.deployments.schemas import Environment, ServedMember, ServedModel, served_members
from urutiq_ai.registry import service as registry_service
from urutiq_ai.registry.hooks import ServingUse
from urutiq_ai.registry.models import AIModel


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
