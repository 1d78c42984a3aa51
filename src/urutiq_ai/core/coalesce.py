"""Calls that arrive together answered together: one worker thread takes every call waiting
and hands them to one function, which answers them as one batch.

There is no timer: a call that arrives while the worker is idle is taken at once (a batch of
one); calls that arrive while a batch is being answered wait for it and form the next batch.
Under light traffic nothing waits longer than before, and under heavy traffic the fixed
cost of a batch (a transaction, a COMMIT, a key lookup) is shared by every call in it.

Awaited from any event loop (uvicorn's, or one per request under a test client); the
answers go back to each caller's loop. The worker stops after ``idle_seconds`` without
calls and starts again on the next.
"""

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
logger = logging.getLogger("urutiq_ai.coalesce")
_STOP = object()


class Coalescer(Generic[T, R]):
    """Answers ``submit``-ted items in batches of up to ``max_batch`` with ``answer`` (called
    in the worker thread with a list; it returns one result per item, in order). If
    ``answer`` raises, every caller of that batch gets the exception."""

    def __init__(
        self,
        answer: Callable[[list[T]], Sequence[R]],
        *,
        max_batch: int = 64,
        idle_seconds: float = 10.0,
        name: str = "coalescer",
    ) -> None:
        self._answer = answer
        self._max_batch = max_batch
        self._idle = idle_seconds
        self._name = name
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    async def submit(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._queue.put((item, loop, future))
        self._ensure_worker()
        return await future

    def close(self, timeout: float = 5.0) -> None:
        """Answer what is queued, then stop the worker."""
        with self._lock:
            thread = self._thread
            if thread is None:
                return
            self._queue.put(_STOP)
        thread.join(timeout)

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self._idle)
            except queue.Empty:
                first = _STOP
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            calls = [entry for entry in batch if entry is not _STOP]
            if calls:
                self._answer_batch(calls)
            if len(calls) < len(batch) and self._retire():
                return

    def _retire(self) -> bool:
        """Stop unless calls came in meanwhile (a caller that saw this worker running
        counts on it to take its call)."""
        with self._lock:
            if not self._queue.empty():
                return False
            self._thread = None
            return True

    def _answer_batch(self, calls: list[tuple[T, asyncio.AbstractEventLoop, Any]]) -> None:
        results: Sequence[R] | None = None
        error: BaseException | None = None
        try:
            answered = self._answer([item for item, _, _ in calls])
            if len(answered) != len(calls):
                raise RuntimeError(f"{len(answered)} answers for {len(calls)} calls")
            results = answered
        except Exception as exc:  # noqa: BLE001 - handed to every caller of the batch
            error = exc
        for index, (_, loop, future) in enumerate(calls):
            outcome = error if results is None else results[index]
            try:
                loop.call_soon_threadsafe(_settle, future, outcome, results is None)
            except RuntimeError:  # the caller's loop is closed: nobody waits for it
                logger.debug("%s: a caller's event loop closed before its answer", self._name)


def _settle(future: asyncio.Future[Any], outcome: Any, failed: bool) -> None:
    if future.done():  # the caller was cancelled
        return
    if failed:
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
