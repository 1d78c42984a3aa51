"""Long work runs as a job (DESIGN.md section 5).

A job is a named function plus a JSON payload and the tenant/company it acts for. The
service that starts one records its run row (``running``) in the request's unit of work
and calls :func:`enqueue`; the job is handed to the executor only after that
transaction commits, and dropped if it rolls back, so a worker never sees a run that
does not exist.

Executors: :class:`InlineExecutor` (a thread pool in this process: the embedded
default). A Celery executor (``URUTIQ_EXECUTOR=celery``) arrives with the pipelines
issue; both run the same registered functions.
"""

import importlib
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.scoping import bind_scope, set_database_role
from urutiq_ai.core.settings import Settings

logger = logging.getLogger("urutiq_ai.jobs")

PENDING_KEY = "pending_jobs"
EXECUTOR_KEY = "executor"


@dataclass(frozen=True)
class Job:
    name: str  # "package.module:function"
    tenant_id: str
    company_id: str
    payload: dict[str, Any] = field(default_factory=dict)
    principal_id: str | None = None


@dataclass(frozen=True)
class JobRuntime:
    """What a job function gets besides its job: a way to open units of work, and settings."""

    sessionmaker: sessionmaker[Session]
    settings: Settings


JobFunction = Callable[[JobRuntime, Job], None]


@contextmanager
def job_unit_of_work(runtime: JobRuntime, ctx: TenantContext) -> Iterator[Session]:
    """A unit of work for a job step, bound to the job's scope (and database role)."""
    with unit_of_work(runtime.sessionmaker) as session:
        set_database_role(session, runtime.settings.database_role)
        bind_scope(session, ctx)
        yield session


def resolve(name: str) -> JobFunction:
    """``"urutiq_ai.training.tasks:run_training"`` -> the function.

    Jobs are named by dotted path and imported only when they run, so the ML stack they
    use never lands on the server's start path.
    """
    module_name, _, attribute = name.partition(":")
    function: JobFunction = getattr(importlib.import_module(module_name), attribute)
    return function


def run_job(runtime: JobRuntime, job: Job) -> None:
    """Run one job in this thread; failures are the job's to record on its run row."""
    try:
        resolve(job.name)(runtime, job)
    except Exception:
        logger.exception("job %s failed outside its own error handling", job.name)


class Executor(Protocol):
    def submit(self, job: Job) -> Future[None] | None: ...

    def shutdown(self, *, wait: bool = True) -> None: ...


class InlineExecutor:
    """Runs jobs on a small thread pool inside the serving process."""

    def __init__(self, runtime: JobRuntime, *, max_workers: int = 2) -> None:
        self.runtime = runtime
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="job")

    def submit(self, job: Job) -> Future[None]:
        return self._pool.submit(run_job, self.runtime, job)

    def shutdown(self, *, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)


class SyncExecutor:
    """Runs each job to its end in the committing thread (CLI commands, demo loading)."""

    def __init__(self, runtime: JobRuntime) -> None:
        self.runtime = runtime

    def submit(self, job: Job) -> None:
        run_job(self.runtime, job)
        return None

    def shutdown(self, *, wait: bool = True) -> None:  # noqa: ARG002 - nothing to wait for
        return None


def attach_executor(session: Session, executor: Executor | None) -> None:
    session.info[EXECUTOR_KEY] = executor


def has_executor(session: Session) -> bool:
    """Whether jobs enqueued on ``session`` will be dispatched when it commits."""
    return session.info.get(EXECUTOR_KEY) is not None


def enqueue(session: Session, job: Job) -> None:
    """Dispatch ``job`` once ``session``'s transaction commits (never if it rolls back)."""
    if session.info.get(EXECUTOR_KEY) is None:
        raise RuntimeError("this session has no job executor attached")
    session.info.setdefault(PENDING_KEY, []).append(job)


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session: Session) -> None:
    jobs: list[Job] = session.info.pop(PENDING_KEY, [])
    executor: Executor | None = session.info.get(EXECUTOR_KEY)
    for job in jobs:
        if executor is not None:
            executor.submit(job)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)
