"""Experiment verbs beside the experiments CRUD: evaluate, and promote the challenger."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from urutiq_ai.core.context import TenantContext
from urutiq_ai.crud.resource import WRITERS
from urutiq_ai.deployments.schemas import (
    AIDeploymentRead,
    DeploymentChangeRead,
    DeploymentRevisionRead,
)
from urutiq_ai.experiments import service
from urutiq_ai.experiments.models import AIExperiment
from urutiq_ai.experiments.schemas import AIExperimentRead, EvaluateRequest, ExperimentPromote
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.tenancy.deps import IdPath, SessionDep, company_role

router = APIRouter(tags=["experiments"])
Writer = Annotated[TenantContext, Depends(company_role(WRITERS, "evaluate experiments"))]


@router.post("/experiments/{id}/evaluate", response_model=AIExperimentRead)
def evaluate(
    request: Request,
    session: SessionDep,
    ctx: Writer,
    experiment_id: IdPath,
    data: EvaluateRequest | None = None,
) -> AIExperiment:
    """Compare baseline and current offline (same holdout rows, paired bootstrap) and online
    (the deployment's served outcomes); write ``results`` with the verdict."""
    settings = request.app.state.settings
    return service.evaluate(
        session,
        ctx,
        experiment_id=experiment_id,
        data=data or EvaluateRequest(),
        store=ArtifactStore(settings.artifacts),
        sources_dir=settings.sources,
    )


@router.post("/experiments/{id}/promote", response_model=DeploymentChangeRead)
def promote(
    request: Request,
    session: SessionDep,
    ctx: Writer,
    experiment_id: IdPath,
    data: ExperimentPromote | None = None,
) -> DeploymentChangeRead:
    """Release the challenger into the experiment's deployment (409 unless it passed)."""
    change = service.promote(
        session,
        ctx,
        experiment_id=experiment_id,
        data=data or ExperimentPromote(),
        store=ArtifactStore(request.app.state.settings.artifacts),
    )
    return DeploymentChangeRead(
        deployment=AIDeploymentRead.model_validate(change.deployment),
        revision=DeploymentRevisionRead.model_validate(change.revision),
    )
