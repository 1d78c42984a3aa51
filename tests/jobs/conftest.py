"""Celery fixtures: a real Redis, real ``urutiq-ai worker`` processes, an app that sends its
jobs to them. Each test session uses a queue of its own, so runs sharing a Redis never take
each other's jobs.

Redis: ``URUTIQ_TEST_REDIS_URL`` (CI sets it and requires it), else the local default if it
answers; without one the Celery tests are skipped.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.quality.conftest import demo_ledger, ledger_tenant, write_ledger
from urutiq_ai.api.app import create_app
from urutiq_ai.core.jobs import Job, JobRuntime
from urutiq_ai.core.settings import Settings

__all__ = ["demo_ledger", "ledger_tenant", "write_ledger"]  # fixtures for the tests here

REDIS_ENV = "URUTIQ_TEST_REDIS_URL"
LOCAL_REDIS = "redis://127.0.0.1:6379/0"
START_POLLS = 300  # x 0.1 s: a worker that never connects fails the test, it does not hang


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> str:
    required = os.environ.get(REDIS_ENV)
    url = required or LOCAL_REDIS
    if not _redis_answers(url):
        if required:
            pytest.fail(f"{REDIS_ENV}={required} does not answer")
        pytest.skip(f"no Redis at {url} (set {REDIS_ENV} to require one)")
    return url


@pytest.fixture(scope="session")
def celery_settings(app: FastAPI, redis_url: str) -> Settings:
    """The test app's settings, jobs sent to this session's own queue."""
    settings: Settings = app.state.settings
    return settings.model_copy(
        update={
            "executor": "celery",
            "broker_url": redis_url,
            "queue": f"urutiq-test-{uuid.uuid4().hex[:12]}",
            "scheduler": "off",
            "worker_heartbeat": 0.5,
            "worker_timeout": 3.0,
        }
    )


@pytest.fixture(scope="session")
def celery_app(celery_settings: Settings) -> Iterator[FastAPI]:
    application = create_app(celery_settings)
    yield application
    application.state.executor.shutdown()
    application.state.engine.dispose()


@pytest.fixture(scope="session")
def celery_client(celery_app: FastAPI) -> TestClient:
    return TestClient(celery_app)


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    log: Path
    worker_id: str = ""
    output: list[str] = field(default_factory=list)

    def kill(self) -> None:
        """SIGKILL the worker and its pool: a machine that died, nothing cleaned up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


def _environment(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("URUTIQ_")}
    values = {
        "DATABASE_URL": settings.database_url,
        "DATABASE_ROLE": settings.database_role or "",
        "ARTIFACTS": settings.artifacts,
        "SOURCES": settings.sources,
        "BROKER_URL": settings.broker_url,
        "QUEUE": settings.queue,
        "WORKER_HEARTBEAT": str(settings.worker_heartbeat),
        "WORKER_TIMEOUT": str(settings.worker_timeout),
        "WEBHOOK_ALLOW_HOSTS": ",".join(settings.webhook_allow_hosts),
        "WEBHOOK_BACKOFF": str(settings.webhook_backoff),
    }
    env.update({f"URUTIQ_{k}": v for k, v in values.items() if v})
    return env


@pytest.fixture
def start_worker(
    celery_settings: Settings, tmp_path: Path
) -> Iterator[Callable[..., WorkerProcess]]:
    """Start ``urutiq-ai worker`` processes; each returned once its heartbeat is recorded
    and it consumes the queue. All are stopped at the end of the test."""
    started: list[WorkerProcess] = []

    def start(*args: str) -> WorkerProcess:
        log = tmp_path / f"worker-{len(started)}.log"
        handle = log.open("wb")
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "urutiq-ai"), "worker", "--loglevel", "info", *args],
            env=_environment(celery_settings),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill() takes the pool too
        )
        worker = WorkerProcess(process, log)
        started.append(worker)
        for _ in range(START_POLLS):
            text = log.read_text(errors="replace")
            if process.poll() is not None:
                raise AssertionError(f"the worker exited:\n{text}")
            if not worker.worker_id and text.startswith("worker "):
                worker.worker_id = text.split()[1].rstrip(":")
            if worker.worker_id and " ready." in text:
                return worker
            time.sleep(0.1)
        raise AssertionError(f"the worker did not become ready:\n{log.read_text()}")

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def runtime(app: FastAPI) -> JobRuntime:
    """The test app's job runtime (its sessions, its settings), outside any worker."""
    return JobRuntime(app.state.sessionmaker, app.state.settings)


class DroppingExecutor:
    """Takes jobs and runs none: what a broker holding them, or a lost message, looks like."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []

    def submit(self, job: Job) -> None:
        self.jobs.append(job)

    def shutdown(self, *, wait: bool = True) -> None:  # noqa: ARG002
        return None


@pytest.fixture
def dropping(app: FastAPI) -> Iterator[DroppingExecutor]:
    """The app's executor swapped for one that keeps its jobs: the test runs them."""
    executor = DroppingExecutor()
    inline, app.state.executor = app.state.executor, executor
    yield executor
    app.state.executor = inline
