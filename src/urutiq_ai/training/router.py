"""Training verbs beside the training-runs CRUD: start a training, cancel a run."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from urutiq_ai.core.context import TenantContext
from urutiq_ai.crud.resource import WRITERS
from urutiq_ai.tenancy.deps import IdPath, SessionDep, company_role
from urutiq_ai.training import service
from urutiq_ai.training.models import AIModelTrainingRun
from urutiq_ai.training.schemas import AIModelTrainingRunRead, TrainRequest, TrainStarted

router = APIRouter(tags=["training-runs"])


Writer = Annotated[TenantContext, Depends(company_role(WRITERS, "train models"))]


@router.post("/train", response_model=TrainStarted, status_code=202)
def train(request: Request, session: SessionDep, ctx: Writer, data: TrainRequest) -> TrainStarted:
    """Start training a model version (from a template or a full spec); the answer carries
    the effective hyperparameters (the template's, overridden name by name). Poll the run."""
    model, run = service.start_training(
        session, ctx, data=data, sources_dir=request.app.state.settings.sources
    )
    return TrainStarted(
        model_id=model.id,
        run_id=run.id,
        model_name=model.model_name,
        model_version=model.model_version,
        status=run.status.value,
        hyperparameters=model.hyperparameters or {},
    )


@router.post("/training-runs/{id}/cancel", response_model=AIModelTrainingRunRead)
def cancel_training_run(session: SessionDep, ctx: Writer, run_id: IdPath) -> AIModelTrainingRun:
    """Stop a running training at its next epoch; its model version ends ``failed``."""
    return service.cancel_run(session, ctx, run_id=run_id)
