"""Starting a pipeline run: the run row first (``running``), then the job after commit."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import AppError, field_error
from urutiq_ai.core.jobs import Job, JobRuntime, enqueue, job_unit_of_work
from urutiq_ai.crud import service as crud_service
from urutiq_ai.pipelines.errors import PipelineBusy, RunNotRunning
from urutiq_ai.pipelines.models import AIDataPipeline, AIDataPipelineRun
from urutiq_ai.pipelines.repository import PipelineRunRepository
from urutiq_ai.pipelines.schemas import PipelineBackfill, RetryPolicy, RunStatus
from urutiq_ai.pipelines.service import PIPELINES, config_of

RUN_JOB = "urutiq_ai.pipelines.tasks:run_pipeline"
LOST_JOB = "urutiq_ai.pipelines.runs:fail_lost_run"


def start_run(session: Session, ctx: TenantContext, pipeline_id: str) -> AIDataPipelineRun:
    """Record a ``running`` run of the pipeline and queue its job (409 while one runs)."""
    pipeline = _runnable(session, ctx, pipeline_id)
    return _start(session, ctx, pipeline, metrics=None, logs=None)


def start_backfill(
    session: Session, ctx: TenantContext, pipeline_id: str, data: PipelineBackfill
) -> AIDataPipelineRun:
    """Record a ``running`` backfill run over ``from <= watermark < to`` and queue its job
    (409 while a run goes; 422 naming ``config.watermarkColumn`` without one). The range is
    recorded on the run (``metrics.backfill``), the source of truth for its job."""
    pipeline = _runnable(session, ctx, pipeline_id)
    if config_of(pipeline).watermark_column is None:
        raise field_error("config.watermarkColumn", "a backfill needs the pipeline's watermark")
    window = {"from": _iso(data.start), "to": _iso(data.end)}
    return _start(
        session,
        ctx,
        pipeline,
        metrics={"mode": "backfill", "backfill": window},
        logs=f"backfill from {window['from']} to {window['to']}\n",
    )


def _runnable(session: Session, ctx: TenantContext, pipeline_id: str) -> AIDataPipeline:
    pipeline: AIDataPipeline = crud_service.get_row(session, ctx, PIPELINES, pipeline_id)
    if not pipeline.source_tables or not pipeline.target_tables:
        raise field_error("sourceTables", "the pipeline needs a source and a target table to run")
    return pipeline


def _start(
    session: Session,
    ctx: TenantContext,
    pipeline: AIDataPipeline,
    *,
    metrics: dict[str, Any] | None,
    logs: str | None,
) -> AIDataPipelineRun:
    runs = PipelineRunRepository(session, ctx)
    runs.lock_pipeline(pipeline.id)
    going = runs.running_of(pipeline.id)
    if going is not None:
        raise PipelineBusy(f"pipeline {pipeline.id!r} is already running ({going.run_id})")
    run = AIDataPipelineRun(
        pipeline_id=pipeline.id, status=RunStatus.running, metrics=metrics, logs=logs
    )
    runs.add(run, company_id=pipeline.company_id)
    session.flush()
    run.start_time = run.created_at
    payload: dict[str, Any] = {"runId": run.id}
    if metrics is not None and "backfill" in metrics:
        payload["backfill"] = metrics["backfill"]
    enqueue(session, run_job(pipeline, run, payload))
    return run


def run_job(
    pipeline: AIDataPipeline, run: AIDataPipelineRun, payload: dict[str, Any] | None = None
) -> Job:
    """The job of a run: as many attempts as the pipeline's ``config.retries`` allows."""
    return Job(
        RUN_JOB,
        run.tenant_id,
        run.company_id,
        payload or {"runId": run.id},
        max_attempts=retry_policy(pipeline).max_attempts,
        on_lost=LOST_JOB,
    )


def retry_policy(pipeline: AIDataPipeline) -> RetryPolicy:
    """The pipeline's retries; one attempt when its stored config no longer validates (the
    run then fails on that config with the reason, rather than the scheduler failing)."""
    try:
        return config_of(pipeline).retries
    except AppError:
        return RetryPolicy()


def fail_lost_run(runtime: JobRuntime, job: Job, reason: str) -> None:
    """The run job's ``on_lost`` handler: its worker died at the last attempt."""
    from urutiq_ai.tenancy.context import for_job

    ctx = for_job(job.tenant_id, [job.company_id])
    with job_unit_of_work(runtime, ctx) as session:
        runs = PipelineRunRepository(session, ctx)
        run = runs.get(str(job.payload["runId"]))
        if run is None:
            return
        runs.lock(run)
        if run.status != RunStatus.running:
            return
        end_run(run, RunStatus.failed, f"failed: {reason}")


def _iso(moment: datetime) -> str:
    """A bound as recorded: ISO text in UTC (a naive time is taken as UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat()


def cancel_run(session: Session, ctx: TenantContext, run_id: str) -> AIDataPipelineRun:
    """Cancel a running pipeline run: it ends ``cancelled`` now and its job, at its next
    check (before it writes anything), stops and rolls back. 409 for a finished run."""
    from urutiq_ai.pipelines.service import PIPELINE_RUNS

    run: AIDataPipelineRun = crud_service.get_row(session, ctx, PIPELINE_RUNS, run_id)
    PipelineRunRepository(session, ctx).lock(run)
    if run.status != RunStatus.running:
        raise RunNotRunning(f"run {run.run_id!r} is {run.status.value}, not running")
    end_run(run, RunStatus.cancelled, "cancelled")
    return run


def end_run(run: AIDataPipelineRun, status: RunStatus, line: str) -> None:
    """End a run from outside its job (a cancel, a lost job): status, a log line, times."""
    from urutiq_ai.crud.lifecycle import stamp_run_times

    run.status = status
    run.logs = f"{run.logs or ''}{line}\n"
    stamp_run_times(run, {"status": status})
