"""The scheduler: every few seconds, fire what is due (monitors, webhook retries).

A *ticker* is a function ``(runtime, executor, now) -> int`` that finds due work across all
tenants, records it (run rows, next fire times) in a committed transaction and hands the
jobs to the executor; it returns how many it fired. The domains provide the tickers
(``urutiq_ai.catalog.TICKERS``); this module only runs them.

Exactly one scheduler is active per database: on PostgreSQL the scheduler holds a session
advisory lock on a connection of its own and others wait (standby) until it is released,
so N replicas running ``urutiq-ai scheduler`` or ``serve`` never double-fire. The tickers
also lock the rows they fire (``FOR UPDATE SKIP LOCKED``) as a second guard. On SQLite
(embedded mode) only one process serves the database.

Missed schedules (everything was down): a monitor due several times fires once, at the next
tick, and its next fire time is computed from now (no burst of catch-up runs).
"""

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, text

from urutiq_ai.core.db import log_failure
from urutiq_ai.core.jobs import Executor, JobRuntime

logger = logging.getLogger("urutiq_ai.scheduler")

Ticker = Callable[[JobRuntime, Executor, datetime], int]
ADVISORY_LOCK_KEY = 7_421_907_113
"""pg_advisory_lock key of the active scheduler (any constant shared by all replicas)."""


class Scheduler:
    def __init__(
        self,
        runtime: JobRuntime,
        executor: Executor,
        tickers: Sequence[Ticker],
        *,
        interval: float,
    ) -> None:
        self.runtime = runtime
        self.executor = executor
        self.tickers = list(tickers)
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_connection: Connection | None = None

    def tick(self, now: datetime | None = None) -> int:
        """Run every ticker once; returns how many jobs they fired. A failing ticker is
        logged (in one line when the database stayed locked) and does not stop the others."""
        now = now or datetime.now(UTC)
        fired = 0
        for ticker in self.tickers:
            try:
                fired += ticker(self.runtime, self.executor, now)
            except Exception as exc:  # noqa: BLE001 - one ticker's failure is reported, the others run
                self._report(getattr(ticker, "__name__", repr(ticker)), exc)
        return fired

    def _report(self, operation: str, exc: Exception) -> None:
        """A failure of one look: a database that stayed locked (SQLite, another process
        writing) is one warning line, since the next look retries; anything else is logged
        with its traceback."""
        retry = f"it will retry in {self.interval:g} s"
        log_failure(logger, exc, f"scheduler: {operation}", retry=retry)

    def is_leader(self) -> bool:
        """Whether this scheduler may fire (it holds the advisory lock on PostgreSQL)."""
        engine = self.runtime.sessionmaker.kw.get("bind")
        if engine is None or engine.dialect.name != "postgresql":
            return True
        if self._lock_connection is not None:
            return True
        connection = engine.connect()  # tenancy: global - the leader's advisory lock, no rows
        try:
            acquired = connection.execute(  # tenancy: global - the leader's advisory lock
                text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
            ).scalar()
            connection.commit()
        except Exception:
            connection.close()  # a failed check keeps no connection (run() tries again)
            raise
        if acquired:
            self._lock_connection = connection
            logger.info("scheduler: active (advisory lock held)")
            return True
        connection.close()
        return False

    def run(self) -> None:
        """Tick every ``interval`` seconds until :meth:`stop` (the caller's thread)."""
        while not self._stop.is_set():
            try:
                if self.is_leader():
                    self.tick()
            except Exception as exc:  # noqa: BLE001 - the leader check (PostgreSQL): the loop goes on
                self._report("the leader check", exc)
            self._stop.wait(self.interval)
        self._release()

    def start(self) -> None:
        """Run in a daemon thread (embedded mode: inside ``serve``)."""
        self._thread = threading.Thread(target=self.run, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        else:
            self._release()

    def _release(self) -> None:
        if self._lock_connection is not None:
            # drop the database session itself (a pooled connection would keep the lock)
            self._lock_connection.invalidate()
            self._lock_connection.close()
            self._lock_connection = None
