"""Pipeline verbs beside the pipelines CRUD: run one now, backfill a range, cancel a run."""

from typing import Annotated

from fastapi import APIRouter, Depends, status

from urutiq_ai.core.context import TenantContext
from urutiq_ai.crud.resource import WRITERS
from urutiq_ai.pipelines.models import AIDataPipelineRun
from urutiq_ai.pipelines.runs import cancel_run, start_backfill, start_run
from urutiq_ai.pipelines.schemas import AIDataPipelineRunRead, PipelineBackfill
from urutiq_ai.tenancy.deps import IdPath, SessionDep, company_role

router = APIRouter(tags=["pipelines"])
Writer = Annotated[TenantContext, Depends(company_role(WRITERS, "run pipelines"))]


@router.post(
    "/pipelines/{id}/run",
    response_model=AIDataPipelineRunRead,
    status_code=status.HTTP_202_ACCEPTED,
)
def run_pipeline(session: SessionDep, ctx: Writer, pipeline_id: IdPath) -> AIDataPipelineRun:
    """Run the pipeline now (409 while a run of it is going); poll ``pipeline-runs/{id}``."""
    return start_run(session, ctx, pipeline_id)


@router.post(
    "/pipelines/{id}/backfill",
    response_model=AIDataPipelineRunRead,
    status_code=status.HTTP_202_ACCEPTED,
)
def backfill_pipeline(
    session: SessionDep,
    ctx: Writer,
    pipeline_id: IdPath,
    data: PipelineBackfill,
) -> AIDataPipelineRun:
    """Re-run the pipeline over ``from <= watermark < to``: exactly the target rows in that
    range are replaced (409 while a run of it is going); poll ``pipeline-runs/{id}``."""
    return start_backfill(session, ctx, pipeline_id, data)


@router.post("/pipeline-runs/{id}/cancel", response_model=AIDataPipelineRunRead)
def cancel_pipeline_run(session: SessionDep, ctx: Writer, run_id: IdPath) -> AIDataPipelineRun:
    """Cancel a running run: nothing of it is written (409 once it has finished)."""
    return cancel_run(session, ctx, run_id)
