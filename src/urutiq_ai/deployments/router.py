"""Deployment verbs: deploy, release, promote, roll back, check health, and the history."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from urutiq_ai.core.context import TenantContext
from urutiq_ai.crud.resource import READERS, WRITERS
from urutiq_ai.deployments import checks, queries, releases
from urutiq_ai.deployments.models import AIDeployment, DeploymentRevision
from urutiq_ai.deployments.schemas import (
    AIDeploymentCreate,
    AIDeploymentRead,
    DeploymentChangeRead,
    DeploymentPromote,
    DeploymentRelease,
    DeploymentRevisionRead,
    DeploymentRollback,
    Environment,
    ServedModel,
)
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.tenancy.deps import IdPath, SessionDep, company_role

router = APIRouter(tags=["deployments"])
Reader = Annotated[TenantContext, Depends(company_role(READERS, "read deployments"))]
Writer = Annotated[TenantContext, Depends(company_role(WRITERS, "change deployments"))]


def _store(request: Request) -> ArtifactStore:
    return ArtifactStore(request.app.state.settings.artifacts)


def _change(change: releases.DeploymentChange) -> DeploymentChangeRead:
    return DeploymentChangeRead(
        deployment=AIDeploymentRead.model_validate(change.deployment),
        revision=DeploymentRevisionRead.model_validate(change.revision),
    )


@router.post("/deployments", response_model=AIDeploymentRead, status_code=status.HTTP_201_CREATED)
def deploy(
    request: Request, session: SessionDep, ctx: Writer, data: AIDeploymentCreate
) -> AIDeployment:
    """Deploy an active model under a new name in an environment. The response's status is
    ``active`` once its health check passed, or ``failed`` with the reason in healthCheck."""
    return releases.deploy(session, ctx, data=data, store=_store(request))


@router.get("/deployments/served", response_model=list[ServedModel])
def served(
    session: SessionDep,
    ctx: Reader,
    at: Annotated[datetime | None, Query(description="Which models served at this moment")] = None,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    environment: Environment | None = None,
    deployment_name: Annotated[str | None, Query(alias="deploymentName", max_length=255)] = None,
) -> list[ServedModel]:
    """Which model served which deployment when: at a moment (``at``) or over a period
    (``from``/``to``; default all time), oldest first."""
    return queries.served(
        session,
        ctx,
        at=at,
        start=start,
        end=end,
        environment=environment,
        deployment_name=deployment_name,
    )


@router.post("/deployments/{id}/release", response_model=DeploymentChangeRead)
def release(
    request: Request,
    session: SessionDep,
    ctx: Writer,
    deployment_id: IdPath,
    data: DeploymentRelease,
) -> DeploymentChangeRead:
    """A new revision (another model and/or config); it serves once its health passes."""
    return _change(
        releases.release(
            session, ctx, deployment_id=deployment_id, data=data, store=_store(request)
        )
    )


@router.post("/deployments/{id}/promote", response_model=DeploymentChangeRead)
def promote(
    request: Request,
    session: SessionDep,
    ctx: Writer,
    deployment_id: IdPath,
    data: DeploymentPromote,
) -> DeploymentChangeRead:
    """Release this deployment's model into another environment (production by default)."""
    return _change(
        releases.promote(
            session, ctx, deployment_id=deployment_id, data=data, store=_store(request)
        )
    )


@router.post("/deployments/{id}/rollback", response_model=DeploymentChangeRead)
def rollback(
    request: Request,
    session: SessionDep,
    ctx: Writer,
    deployment_id: IdPath,
    data: DeploymentRollback | None = None,
) -> DeploymentChangeRead:
    """Serve the previous revision again; 409 when nothing served before this one."""
    return _change(
        releases.rollback(
            session,
            ctx,
            deployment_id=deployment_id,
            data=data or DeploymentRollback(),
            store=_store(request),
        )
    )


@router.post("/deployments/{id}/health-check", response_model=AIDeploymentRead)
def health_check(
    request: Request, session: SessionDep, ctx: Writer, deployment_id: IdPath
) -> AIDeployment:
    """Check the deployment's health now (as the scheduler does every interval)."""
    return checks.check_health(session, ctx, deployment_id=deployment_id, store=_store(request))


@router.get("/deployments/{id}/revisions", response_model=list[DeploymentRevisionRead])
def revisions(session: SessionDep, ctx: Reader, deployment_id: IdPath) -> list[DeploymentRevision]:
    """Every revision of the deployment, newest first."""
    return list(queries.revisions_of(session, ctx, deployment_id))
