"""The executors that run jobs (DESIGN.md section 5): :class:`InlineExecutor` (a thread pool
in this process: the embedded default), :class:`SyncExecutor` (each job to its end in the
committing thread: CLI commands, the demo) and, through :func:`make_executor`, the Celery
executor (``urutiq_ai.core.celery_executor``). Apart from ``core.jobs`` (what a job is and
how one runs), so that the executors may import the ledger's heartbeat and the ledger may
import the jobs without a circle."""

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from urutiq_ai.core.jobs import DEFER_SECONDS, Executor, Job, JobRuntime, run_job
from urutiq_ai.core.ledger.recovery import Heartbeat
from urutiq_ai.core.ledger.schemas import WorkerKind

logger = logging.getLogger("urutiq_ai.jobs")


class InlineExecutor:
    """Runs jobs on a small thread pool inside this process. With ``runtime.worker_id`` it
    registers the process as that worker (a heartbeat) before its first job, so the jobs
    it claims are recovered if the process dies, and marks it stopped at shutdown."""

    def __init__(self, runtime: JobRuntime, *, max_workers: int | None = None) -> None:
        max_workers = max_workers or runtime.settings.inline_workers
        self.runtime = runtime
        self.max_workers = max_workers
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="job")
        self._heartbeat: Heartbeat | None = None
        self._lock = threading.Lock()
        self._unfinished: set[Future[None]] = set()

    @property
    def unfinished(self) -> int:
        """Jobs submitted here that have not ended (queued or running)."""
        with self._lock:
            return len(self._unfinished)

    def submit(self, job: Job) -> Future[None]:
        self._ensure_heartbeat()
        future = self._pool.submit(self._run, job)
        with self._lock:
            self._unfinished.add(future)
        future.add_done_callback(self._ended)
        return future

    def _ended(self, future: Future[None]) -> None:
        with self._lock:
            self._unfinished.discard(future)

    def _run(self, job: Job) -> None:
        if not run_job(self.runtime, job, fair=True) and not self.runtime.stopping.is_set():
            timer = threading.Timer(DEFER_SECONDS, self._submit_again, args=(job,))
            timer.daemon = True
            timer.start()

    def _submit_again(self, job: Job) -> None:
        try:
            self.submit(job)
        except RuntimeError:  # the pool was shut down meanwhile: the scheduler's job now
            logger.info("job %s: not dispatched again (the pool stopped)", job.id)

    def shutdown(self, *, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
        with self._lock:
            if self._heartbeat is not None:
                self._heartbeat.stop()
                self._heartbeat = None

    def _ensure_heartbeat(self) -> None:
        if self.runtime.worker_id is None or self._heartbeat is not None:
            return
        with self._lock:
            if self._heartbeat is None:
                heartbeat = Heartbeat(
                    self.runtime,
                    WorkerKind.inline,
                    concurrency=self.max_workers,
                    worker_id=self.runtime.worker_id,
                )
                heartbeat.start()
                self._heartbeat = heartbeat


class SyncExecutor:
    """Runs each job to its end in the committing thread (CLI commands, demo loading)."""

    def __init__(self, runtime: JobRuntime) -> None:
        self.runtime = runtime

    def submit(self, job: Job) -> None:
        run_job(self.runtime, job)
        return None

    def shutdown(self, *, wait: bool = True) -> None:  # noqa: ARG002 - nothing to wait for
        return None


def make_executor(runtime: JobRuntime) -> Executor:
    """The executor ``settings.executor`` names: ``inline`` or ``celery``."""
    if runtime.settings.executor == "celery":
        from urutiq_ai.core.celery_executor import CeleryExecutor

        return CeleryExecutor(runtime.settings)
    return InlineExecutor(runtime)
