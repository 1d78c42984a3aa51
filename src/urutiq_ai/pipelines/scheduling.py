"""Scheduled pipelines: the scheduler's ticker (see ``urutiq_ai.core.scheduler``).

An active pipeline with a ``schedule`` fires when its cron expression has fired since the
later of its creation and its last run's start (a manual run in between counts). Runs
missed while everything was down collapse into one; a pipeline already running is left
for the next look (at most one run at a time). The run is recorded (``running``) and
committed before its job is handed to the executor.
"""

from datetime import UTC, datetime

from urutiq_ai.core.cron import previous_fire
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.jobs import Executor, Job, JobRuntime, record_job
from urutiq_ai.core.scoping import bind_system, set_database_role
from urutiq_ai.pipelines.models import AIDataPipeline, AIDataPipelineRun
from urutiq_ai.pipelines.repository import ScheduledPipelinesRepository
from urutiq_ai.pipelines.runs import run_job
from urutiq_ai.pipelines.schemas import RunStatus


def fire_due_pipelines(runtime: JobRuntime, executor: Executor, now: datetime) -> int:
    jobs: list[Job] = []
    with unit_of_work(runtime.sessionmaker) as session:
        set_database_role(session, runtime.settings.database_role)
        bind_system(session)
        repo = ScheduledPipelinesRepository(session)
        for pipeline in repo.scheduled():
            if not pipeline.source_tables or not pipeline.target_tables:
                continue
            due = previous_fire(str(pipeline.schedule), now)
            since = max(_utc(pipeline.created_at), _utc(repo.last_start(pipeline.id)))
            if due <= since or repo.is_running(pipeline.id):
                continue
            run = _run(pipeline, now, due)
            session.add(run)
            session.flush()
            jobs.append(record_job(session, run_job(pipeline, run)))
    for job in jobs:
        executor.submit(job)
    return len(jobs)


def _run(pipeline: AIDataPipeline, now: datetime, due: datetime) -> AIDataPipelineRun:
    run = AIDataPipelineRun(
        pipeline_id=pipeline.id,
        status=RunStatus.running,
        start_time=now,
        logs=f"scheduled for {due.isoformat()}\n",
    )
    run.tenant_id = pipeline.tenant_id
    run.company_id = pipeline.company_id
    return run


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
