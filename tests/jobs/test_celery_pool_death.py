"""A Celery prefork pool process killed in the middle of a job (the OOM killer picks
the pool process, the big one) while the worker's main process, which beats, lives on."""

import os
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.jobs.conftest import WorkerProcess
from tests.jobs.test_celery import SLOW_STEP, ended, job_ended, job_of, start_run, wait_for
from tests.pipelines.test_pipelines_api import pipeline_body
from tests.quality.conftest import LedgerFixture
from urutiq_ai.core.executors import make_executor
from urutiq_ai.core.jobs import JobRuntime
from urutiq_ai.core.ledger.recovery import recover_lost_jobs
from urutiq_ai.core.ledger.schemas import JobStatus


def pool_processes(worker: WorkerProcess) -> list[int]:
    """The pids whose parent is the worker's main process (its prefork pool)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == worker.process.pid:
            children.append(int(entry.name))
    return children


def test_a_job_whose_pool_process_died_is_recovered(
    celery_app: FastAPI,
    celery_client: TestClient,
    ledger_tenant: LedgerFixture,
    start_worker: Callable[..., WorkerProcess],
) -> None:
    tenant = ledger_tenant.tenant
    worker = start_worker("--concurrency", "1", "--pool", "prefork")
    body = pipeline_body(config={"retries": {"maxAttempts": 2, "backoffSeconds": 1}})
    body["transformations"] = [SLOW_STEP, *body["transformations"]]
    run_id = start_run(celery_client, tenant, body)

    def running_on_worker() -> bool:
        job = job_of(celery_app, tenant)
        return job is not None and job.status == JobStatus.running

    wait_for(running_on_worker, "the worker to take the job")
    (pool,) = pool_processes(worker)
    os.kill(pool, signal.SIGKILL)  # the OOM killer's choice; the main process lives on

    def redelivered() -> bool:  # task_reject_on_worker_lost: back on the queue, taken again
        return worker.log.read_text(errors="replace").count("urutiq.run_job[") >= 2

    wait_for(redelivered, "Celery to redeliver the message of the dead pool process")
    settings = celery_app.state.settings
    # the redelivered copy claims nothing (the job is `running`, held by this worker) and is
    # acknowledged; wait past the worker timeout so recovery has every chance to act
    time.sleep(settings.worker_timeout + 1)
    runtime = JobRuntime(celery_app.state.sessionmaker, settings)
    executor = make_executor(runtime)
    try:  # the scheduler's tick, as late as you like
        recover_lost_jobs(runtime, executor, datetime.now(UTC) + timedelta(seconds=1))
    finally:
        executor.shutdown()
    assert worker.process.poll() is None  # the worker is alive and beating
    run = ended(celery_client, tenant, run_id, worker)  # attempt 2, on the new pool process
    assert run["status"] == "completed", run["logs"]
    job = job_ended(celery_app, tenant)
    assert (job.status, job.attempt) == (JobStatus.completed, 2)
    assert "stopped heartbeating" in str(job.error)
