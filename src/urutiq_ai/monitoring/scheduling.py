"""Monitors: their rules (kind, model, params), when they fire, and the scheduler's ticker.

A monitor's ``params`` are validated on save against the body of the matching run-now call,
so a typo answers 422 at creation, not at 2 a.m.: ``drift`` -> DriftCheckRequest (window,
types, methods, thresholds), ``performance`` -> ComputePerformanceRequest (timeWindow),
``quality`` -> QualityRunRequest (source, checks). ``nextRunAt`` is the next time the
cron expression fires (UTC), recomputed when the schedule changes or the monitor is
resumed; a paused monitor does not fire.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.cron import next_fire
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.errors import ValidationError, field_error, pydantic_fields
from urutiq_ai.core.jobs import Executor, Job, JobRuntime, enqueue, job_unit_of_work, record_job
from urutiq_ai.core.schemas import SystemWritten
from urutiq_ai.core.scoping import bind_system, set_database_role
from urutiq_ai.crud import service as crud_service
from urutiq_ai.crud.resource import Resource, transitions
from urutiq_ai.monitoring.models import Monitor, MonitorRun
from urutiq_ai.monitoring.repository import (
    DueMonitorsRepository,
    MonitorRepository,
    MonitorRunRepository,
)
from urutiq_ai.monitoring.schemas import (
    ComputePerformanceRequest,
    DriftCheckRequest,
    MonitorCreate,
    MonitorKind,
    MonitorRead,
    MonitorRunRead,
    MonitorRunStatus,
    MonitorStatus,
    MonitorTrigger,
    MonitorUpdate,
)
from urutiq_ai.quality.rules import QualityRunRequest
from urutiq_ai.tenancy.context import for_job

RUN_JOB = "urutiq_ai.monitoring.tasks:run_monitor"
PARAMS: dict[MonitorKind, type[BaseModel]] = {
    MonitorKind.drift: DriftCheckRequest,
    MonitorKind.performance: ComputePerformanceRequest,
    MonitorKind.quality: QualityRunRequest,
}


def _check_monitor(
    _session: Session, _ctx: TenantContext, row: Any, changes: Mapping[str, Any]
) -> None:
    """A model for model monitors (and none for quality), and params of the kind's shape."""
    if "model_id" in changes or "kind" in changes:
        if row.kind != MonitorKind.quality and not row.model_id:
            raise field_error("modelId", f"a {row.kind.value} monitor watches a model: give one")
        if row.kind == MonitorKind.quality and row.model_id:
            raise field_error("modelId", "a quality monitor checks sources, not a model")
    if "params" in changes or "kind" in changes:
        params_of(row.kind, row.params)


def params_of(kind: MonitorKind, params: Any) -> BaseModel:
    """The monitor's params as the run-now request they stand for (422 naming the field)."""
    if params is not None and not isinstance(params, dict):
        raise field_error("params", "must be a JSON object")
    try:
        return PARAMS[kind].model_validate(params or {})
    except PydanticValidationError as exc:
        fields = pydantic_fields(exc, prefix="params")
        raise ValidationError(
            f"params: not valid for a {kind.value} monitor", fields=fields
        ) from exc


def _schedule_next(row: Any, changes: Mapping[str, Any]) -> None:
    if "schedule" in changes or changes.get("status") == MonitorStatus.active:
        row.next_run_at = next_fire(row.schedule, datetime.now(UTC))


MONITORS = Resource(
    path="monitors",
    model=Monitor,
    create_schema=MonitorCreate,
    update_schema=MonitorUpdate,
    read_schema=MonitorRead,
    filters=("kind", "status", "model_id", "name"),
    sort_fields=("created_at", "updated_at", "next_run_at", "name"),
    refs={"model_id": "AIModel"},
    unique=(("name",),),
    transitions=transitions(active=("paused",), paused=("active",)),
    deletable=True,
    validators=(_check_monitor,),
    on_change=_schedule_next,
)

MONITOR_RUNS = Resource(
    path="monitor-runs",
    model=MonitorRun,
    create_schema=SystemWritten,
    read_schema=MonitorRunRead,
    filters=("monitor_id", "status", "trigger"),
    time_field="start_time",
    creatable=False,
)


def new_run(
    monitor: Monitor, trigger: MonitorTrigger, scheduled_for: datetime | None
) -> MonitorRun:
    run = MonitorRun(
        monitor_id=monitor.id,
        trigger=trigger,
        status=MonitorRunStatus.queued,
        scheduled_for=scheduled_for,
    )
    run.tenant_id = monitor.tenant_id
    run.company_id = monitor.company_id
    return run


LOST_JOB = "urutiq_ai.monitoring.scheduling:fail_lost_run"


def run_job(run: MonitorRun) -> Job:
    return Job(
        name=RUN_JOB,
        tenant_id=run.tenant_id,
        company_id=run.company_id,
        payload={"runId": run.id},
        on_lost=LOST_JOB,
    )


def fire_due_monitors(runtime: JobRuntime, executor: Executor, now: datetime) -> int:
    """The scheduler's ticker: one queued run per due active monitor (all tenants), the
    monitor's next fire time moved past now, then the jobs handed to the executor."""
    with unit_of_work(runtime.sessionmaker) as session:
        set_database_role(session, runtime.settings.database_role)
        bind_system(session)
        due = DueMonitorsRepository(session).due(now)
        jobs = [record_job(session, run_job(_fire(session, monitor, now))) for monitor in due]
    for job in jobs:
        executor.submit(job)
    return len(jobs)


def _fire(session: Session, monitor: Monitor, now: datetime) -> MonitorRun:
    run = new_run(monitor, MonitorTrigger.schedule, monitor.next_run_at)
    session.add(run)
    session.flush()
    monitor.next_run_at = next_fire(monitor.schedule, now)
    monitor.last_run_id = run.id
    monitor.last_status = MonitorRunStatus.queued
    return run


def run_now(session: Session, ctx: TenantContext, monitor_id: str) -> MonitorRun:
    """Queue a manual run of a monitor (also while it is paused); the job starts after commit."""
    monitor: Monitor = crud_service.get_row(session, ctx, MONITORS, monitor_id)
    run = new_run(monitor, MonitorTrigger.manual, None)
    session.add(run)
    session.flush()
    monitor.last_run_id = run.id
    monitor.last_status = MonitorRunStatus.queued
    enqueue(session, run_job(run))
    return run


ORPHAN_REASON = "the server stopped before this run finished"


def fail_orphaned_runs(session: Session) -> int:
    """Mark every ``queued`` or ``running`` monitor run failed: for an embedded server's
    start, when no other process can be running its jobs. Returns how many were found."""
    bind_system(session)
    runs = DueMonitorsRepository(session).unfinished_runs()
    for run in runs:
        fail_run(session, run, ORPHAN_REASON)
    return len(runs)


def fail_run(session: Session, run: MonitorRun, reason: str) -> None:
    """End a run that its job can no longer end: failed with ``reason``."""
    run.status = MonitorRunStatus.failed
    run.error = reason
    run.end_time = datetime.now(UTC)
    run.logs = f"failed: {reason}"
    ctx = for_job(run.tenant_id, [run.company_id])
    monitor = MonitorRepository(session, ctx).get(run.monitor_id)
    if monitor is not None and monitor.last_run_id == run.id:
        monitor.last_status = MonitorRunStatus.failed


def fail_lost_run(runtime: JobRuntime, job: Job, reason: str) -> None:
    """The monitor job's ``on_lost`` handler: its worker died (see the job ledger)."""
    ctx = for_job(job.tenant_id, [job.company_id])
    with job_unit_of_work(runtime, ctx) as session:
        run = MonitorRunRepository(session, ctx).get(str(job.payload["runId"]))
        if run is not None and run.status in (MonitorRunStatus.queued, MonitorRunStatus.running):
            fail_run(session, run, reason)
