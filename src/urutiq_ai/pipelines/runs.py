"""Starting a pipeline run: the run row first (``running``), then the job after commit."""

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import Conflict, field_error
from urutiq_ai.core.jobs import Job, enqueue
from urutiq_ai.crud import service as crud_service
from urutiq_ai.pipelines.models import AIDataPipeline, AIDataPipelineRun
from urutiq_ai.pipelines.repository import PipelineRunRepository
from urutiq_ai.pipelines.schemas import RunStatus
from urutiq_ai.pipelines.service import PIPELINES

RUN_JOB = "urutiq_ai.pipelines.tasks:run_pipeline"


class PipelineBusy(Conflict):
    """A run of this pipeline is still going: at most one at a time."""


def start_run(session: Session, ctx: TenantContext, pipeline_id: str) -> AIDataPipelineRun:
    """Record a ``running`` run of the pipeline and queue its job (409 while one runs)."""
    pipeline: AIDataPipeline = crud_service.get_row(session, ctx, PIPELINES, pipeline_id)
    if not pipeline.source_tables or not pipeline.target_tables:
        raise field_error("sourceTables", "the pipeline needs a source and a target table to run")
    runs = PipelineRunRepository(session, ctx)
    runs.lock_pipeline(pipeline.id)
    going = runs.running_of(pipeline.id)
    if going is not None:
        raise PipelineBusy(f"pipeline {pipeline.id!r} is already running ({going.run_id})")
    run = AIDataPipelineRun(pipeline_id=pipeline.id, status=RunStatus.running)
    runs.add(run, company_id=pipeline.company_id)
    session.flush()
    run.start_time = run.created_at
    enqueue(session, Job(RUN_JOB, ctx.tenant_id, pipeline.company_id, {"runId": run.id}))
    return run


class RunNotRunning(Conflict):
    """Only a running run can be cancelled."""


def cancel_run(session: Session, ctx: TenantContext, run_id: str) -> AIDataPipelineRun:
    """Cancel a running pipeline run: it ends ``cancelled`` now and its job, at its next
    check (before it writes anything), stops and rolls back. 409 for a finished run."""
    from urutiq_ai.crud.lifecycle import stamp_run_times
    from urutiq_ai.pipelines.service import PIPELINE_RUNS

    run: AIDataPipelineRun = crud_service.get_row(session, ctx, PIPELINE_RUNS, run_id)
    PipelineRunRepository(session, ctx).lock(run)
    if run.status != RunStatus.running:
        raise RunNotRunning(f"run {run.run_id!r} is {run.status.value}, not running")
    run.status = RunStatus.cancelled
    run.logs = f"{run.logs or ''}cancelled\n"
    stamp_run_times(run, {"status": RunStatus.cancelled})
    return run
