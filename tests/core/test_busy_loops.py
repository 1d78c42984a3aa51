"""The periodic writers (a worker's heartbeat, the scheduler's tickers) meet a SQLite database
that stayed locked past the busy timeout: each says so in one warning line naming what it
was doing and that it retries, without a traceback, and goes on (issue 18, item 3)."""

import logging
import sqlite3
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from urutiq_ai.core.db import is_database_busy, log_failure, make_engine, make_sessionmaker
from urutiq_ai.core.executors import SyncExecutor
from urutiq_ai.core.jobs import Executor, JobRuntime
from urutiq_ai.core.ledger.recovery import Heartbeat
from urutiq_ai.core.ledger.schemas import WorkerKind
from urutiq_ai.core.scheduler import Scheduler
from urutiq_ai.core.settings import Settings


def locked() -> OperationalError:
    """What SQLAlchemy raises when SQLite's busy timeout passed with the lock still taken."""
    return OperationalError(
        'UPDATE "Worker" SET "lastSeenAt"=?', {}, sqlite3.OperationalError("database is locked")
    )


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[JobRuntime]:
    engine = make_engine(f"sqlite:///{tmp_path / 'busy.db'}")
    settings = Settings(database_url=str(engine.url), worker_heartbeat=0.01)
    yield JobRuntime(make_sessionmaker(engine), settings, "worker-1")
    engine.dispose()


def test_what_counts_as_a_busy_database() -> None:
    assert is_database_busy(locked())
    assert is_database_busy(sqlite3.OperationalError("database is locked"))
    assert is_database_busy(sqlite3.OperationalError("database table is locked"))
    assert not is_database_busy(
        OperationalError("SELECT 1", {}, sqlite3.OperationalError("no such table: Worker"))
    )
    assert not is_database_busy(RuntimeError("database is locked"))


class TestHeartbeat:
    def test_a_locked_beat_is_one_warning_and_the_next_beat_comes(
        self, runtime: JobRuntime, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        heartbeat = Heartbeat(runtime, WorkerKind.inline, worker_id="worker-1")
        calls: list[str] = []

        def beat() -> None:
            calls.append("beat")
            if len(calls) == 1:
                raise locked()
            heartbeat._stop.set()  # the second beat went through: end the loop

        monkeypatch.setattr(heartbeat, "beat", beat)
        with caplog.at_level(logging.WARNING, logger="urutiq_ai.jobs"):
            heartbeat._run()
        assert calls == ["beat", "beat"]
        (line,) = caplog.records
        assert line.levelno == logging.WARNING
        assert line.exc_info is None  # no traceback
        message = line.getMessage()
        assert "heartbeat of worker worker-1" in message
        assert "locked" in message
        assert "retry" in message

    def test_another_failure_keeps_its_traceback(
        self, runtime: JobRuntime, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        heartbeat = Heartbeat(runtime, WorkerKind.inline, worker_id="worker-1")

        def beat() -> None:
            heartbeat._stop.set()
            raise OperationalError("UPDATE", {}, sqlite3.OperationalError("disk I/O error"))

        monkeypatch.setattr(heartbeat, "beat", beat)
        with caplog.at_level(logging.WARNING, logger="urutiq_ai.jobs"):
            heartbeat._run()
        (line,) = caplog.records
        assert line.levelno == logging.ERROR
        assert line.exc_info is not None


class TestScheduler:
    def test_a_locked_ticker_is_one_warning_and_the_others_run(
        self, runtime: JobRuntime, caplog: pytest.LogCaptureFixture
    ) -> None:
        ran: list[str] = []

        def recover_lost_jobs(_runtime: JobRuntime, _executor: Executor, _now: datetime) -> int:
            ran.append("recover_lost_jobs")
            raise locked()

        def dispatch_due_jobs(_runtime: JobRuntime, _executor: Executor, _now: datetime) -> int:
            ran.append("dispatch_due_jobs")
            return 1

        scheduler = Scheduler(
            runtime, SyncExecutor(runtime), [recover_lost_jobs, dispatch_due_jobs], interval=7
        )
        with caplog.at_level(logging.WARNING, logger="urutiq_ai.scheduler"):
            assert scheduler.tick() == 1
        assert ran == ["recover_lost_jobs", "dispatch_due_jobs"]
        (line,) = caplog.records
        assert line.levelno == logging.WARNING
        assert line.exc_info is None
        message = line.getMessage()
        assert "recover_lost_jobs" in message
        assert "locked" in message
        assert "retry in 7 s" in message

    def test_the_loop_goes_on_after_a_locked_tick(
        self, runtime: JobRuntime, caplog: pytest.LogCaptureFixture
    ) -> None:
        ticks: list[int] = []
        again = threading.Event()

        def recover_lost_jobs(_runtime: JobRuntime, _executor: Executor, _now: datetime) -> int:
            ticks.append(len(ticks))
            if len(ticks) == 1:
                raise locked()
            again.set()
            return 0

        scheduler = Scheduler(runtime, SyncExecutor(runtime), [recover_lost_jobs], interval=0.01)
        with caplog.at_level(logging.WARNING, logger="urutiq_ai.scheduler"):
            scheduler.start()
            try:
                assert again.wait(10), "the scheduler stopped after the locked tick"
            finally:
                scheduler.stop()
        assert len(ticks) >= 2
        assert [r.levelno for r in caplog.records] == [logging.WARNING]
        assert caplog.records[0].exc_info is None


class TestLogFailure:
    """The deployments' periodic writers (scheduled health checks, live figures) log through
    ``core.db.log_failure``."""

    def test_a_locked_database_is_one_warning_line(self, caplog: pytest.LogCaptureFixture) -> None:
        log = logging.getLogger("urutiq_ai.test")
        with caplog.at_level(logging.WARNING, logger="urutiq_ai.test"):
            log_failure(log, locked(), "writing live figures of deployment d1", retry="later")
        (record,) = caplog.records
        assert record.levelno == logging.WARNING
        assert record.exc_info is None
        assert record.getMessage().startswith("writing live figures of deployment d1: the data")
        assert record.getMessage().endswith("later")

    def test_another_failure_keeps_its_traceback(self, caplog: pytest.LogCaptureFixture) -> None:
        log = logging.getLogger("urutiq_ai.test")
        with caplog.at_level(logging.WARNING, logger="urutiq_ai.test"):
            log_failure(log, ValueError("broken"), "health check of deployment d1", retry="x")
        (record,) = caplog.records
        assert record.levelno == logging.ERROR
        assert record.exc_info is not None
        assert record.getMessage() == "health check of deployment d1 failed"

    def test_live_figures_use_it(
        self, runtime: JobRuntime, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
    ) -> None:
        from urutiq_ai.deployments import figures
        from urutiq_ai.deployments.live import OK, Key, LiveStats

        def refuse(*_args: object, **_kwargs: object) -> int:
            raise locked()

        stats = LiveStats()
        stats.record(Key("t1", "c1", "d1", 1), latency_ms=5.0, rows=1, outcome=OK)
        monkeypatch.setattr(figures, "_write_figures", refuse)
        with caplog.at_level(logging.WARNING, logger="urutiq_ai"):
            assert figures.write_live_figures(runtime, stats) == 0
        (record,) = caplog.records
        assert (record.levelno, record.exc_info) == (logging.WARNING, None)
        assert "live figures of deployment d1" in record.getMessage()
        assert stats.take_due()  # kept for the next write
