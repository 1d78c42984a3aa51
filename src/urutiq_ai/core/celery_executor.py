"""The Celery executor (``URUTIQ_EXECUTOR=celery``): jobs travel through a Redis broker to
``urutiq-ai worker`` processes, which run them with the same :func:`run_job` as the inline
executor.

The message is the job itself (JSON). Workers acknowledge a message only after the job
ends (``acks_late``), so a message whose worker process dies goes back to the queue; the
ledger's claim makes the redelivered copy a no-op when the job was recovered meanwhile.
"""

import contextlib
import logging
import os
import signal
import socket
import threading
from dataclasses import replace
from typing import Any

from billiard.process import active_children  # type: ignore[import-untyped]
from celery import Celery
from celery.signals import worker_process_init, worker_shutting_down

from urutiq_ai.core.jobs import Job, JobRuntime, run_job
from urutiq_ai.core.settings import Settings

logger = logging.getLogger("urutiq_ai.jobs")

TASK_NAME = "urutiq.run_job"
STOP_SIGNAL = signal.SIGUSR2
"""Sent by a stopping worker to its prefork pool processes (Celery uses SIGUSR1 itself)."""


def make_celery(settings: Settings) -> Celery:
    app = Celery("urutiq_ai", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_default_queue=settings.queue,
        task_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        worker_prefetch_multiplier=1,  # a busy worker leaves queued jobs to idle ones
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": 3600},
    )
    return app


class CeleryExecutor:
    """Sends jobs to the broker; never imports or runs a job itself."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = make_celery(settings)

    def submit(self, job: Job) -> None:
        self.app.send_task(TASK_NAME, args=[job.to_message()], queue=self.settings.queue)

    def shutdown(self, *, wait: bool = True) -> None:  # noqa: ARG002 - nothing runs here
        self.app.close()


class WorkerState:
    """What a worker process needs to run jobs: a database engine made in the process that
    uses it, and the worker id its claims carry. The main process beats as ``worker_id``;
    each prefork pool process (forked by Celery) registers and beats as a worker of its
    own, so a pool process killed on its own (out of memory) is seen dead, and its job
    recovered, even while the main process lives on."""

    def __init__(self, settings: Settings, worker_id: str) -> None:
        self.settings = settings
        self.worker_id = worker_id
        self.main_pid = os.getpid()
        # set when the worker stops: in the main process by Celery's shutdown signal, in a
        # prefork pool process by STOP_SIGNAL from the main process (see worker_app)
        self.stopping = threading.Event()
        self._runtime: JobRuntime | None = None
        self._pid = 0

    def runtime(self) -> JobRuntime:
        if self._runtime is None or self._pid != os.getpid():  # never share a forked pool
            from urutiq_ai.core.db import make_engine, make_sessionmaker
            from urutiq_ai.core.ledger.recovery import Heartbeat
            from urutiq_ai.core.ledger.schemas import WorkerKind

            engine = make_engine(self.settings.database_url)
            runtime = JobRuntime(
                make_sessionmaker(engine), self.settings, self.worker_id, self.stopping
            )
            if os.getpid() != self.main_pid:
                heartbeat = Heartbeat(runtime, WorkerKind.celery)
                runtime = replace(runtime, worker_id=heartbeat.start())
            self._runtime = runtime
            self._pid = os.getpid()
        return self._runtime


def worker_app(state: WorkerState) -> Celery:
    """The Celery app of ``urutiq-ai worker``: the one task that runs any job. When the
    worker is told to stop (SIGTERM: Celery's warm shutdown), its running jobs (in this
    process for the threads and solo pools, in the pool processes for prefork, told by
    ``STOP_SIGNAL``) see it at their next cancel check and end their runs as stopped, so
    the warm shutdown takes seconds, not the rest of a long job."""
    app = make_celery(state.settings)

    def stop(**_: Any) -> None:
        state.stopping.set()
        for child in active_children():  # prefork pool processes: they run the jobs
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, STOP_SIGNAL)

    def listen(**_: Any) -> None:  # in each pool process, once forked
        signal.signal(STOP_SIGNAL, lambda *_: state.stopping.set())

    worker_shutting_down.connect(stop, weak=False)
    worker_process_init.connect(listen, weak=False)

    @app.task(name=TASK_NAME)
    def run(message: dict[str, Any]) -> None:
        # deferred (its tenant's share runs): the scheduler dispatches it again when due
        run_job(state.runtime(), Job.from_message(message), fair=True)

    return app


def node_name() -> str:
    """A Celery node name unique per process (several workers may share a host)."""
    return f"urutiq-{os.getpid()}@{socket.gethostname()}"
