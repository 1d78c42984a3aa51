"""Two processes on one SQLite file: a server's periodic writers (the worker heartbeat and the
scheduler's tickers, ``recover_lost_jobs`` first) in one, CLI commands run in-process
(``URUTIQ_URL=local``) beside it, reading and writing. Neither meets ``database is locked``:
WAL, the busy timeout and short write transactions let them take turns (issue 18, item 3).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from urutiq_ai.core.db import make_engine, make_sessionmaker, unit_of_work
from urutiq_ai.core.migrations import upgrade
from urutiq_ai.tenancy import admin

CLI = str(Path(sys.executable).parent / "urutiq-ai")
PERIOD = "0.05"  # seconds between two heartbeats, and two scheduler ticks: many writes
START_POLLS = 300  # x 0.1 s: a server that never starts fails the test, it does not hang

# The writers of `urutiq-ai serve` with the inline executor: a heartbeat thread and the
# embedded scheduler's thread, on one engine. It counts what went through, and stops when
# its stdin closes.
SERVER = """
import logging, sys
from urutiq_ai.catalog import TICKERS
from urutiq_ai.core.db import make_engine, make_sessionmaker, new_id
from urutiq_ai.core.executors import InlineExecutor
from urutiq_ai.core.jobs import JobRuntime
from urutiq_ai.core.ledger.recovery import Heartbeat
from urutiq_ai.core.ledger.schemas import WorkerKind
from urutiq_ai.core.scheduler import Scheduler
from urutiq_ai.core.settings import get_settings

logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
settings = get_settings()
engine = make_engine(settings.database_url)
runtime = JobRuntime(make_sessionmaker(engine), settings, new_id())
counts = {"beats": 0, "recoveries": 0}
heartbeat = Heartbeat(runtime, WorkerKind.inline, worker_id=runtime.worker_id)
real_beat = heartbeat.beat

def beat():
    real_beat()
    counts["beats"] += 1

def counted(ticker):
    def tick(*args):
        fired = ticker(*args)
        if ticker.__name__ == "recover_lost_jobs":
            counts["recoveries"] += 1
        return fired
    tick.__name__ = ticker.__name__
    return tick

heartbeat.beat = beat
heartbeat.start()
executor = InlineExecutor(runtime)
scheduler = Scheduler(
    runtime, executor, [counted(t) for t in TICKERS], interval=settings.scheduler_interval
)
scheduler.start()
print("ready", flush=True)
sys.stdin.read()
scheduler.stop()
executor.shutdown(wait=True)
heartbeat.stop()
engine.dispose()
print("beats={beats} recoveries={recoveries}".format(**counts), flush=True)
"""


CLI_COMMANDS = (  # in-process: the admin commands write, the API's read goes as a key
    ["companies", "create", "Branch", "--tenant", "local"],
    ["companies", "list", "--json"],
    ["keys", "create", "--tenant", "local", "--role", "viewer"],
)


def test_cli_commands_beside_a_servers_writers_never_meet_a_locked_database(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'urutiq.db'}"
    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        created = admin.bootstrap_local(session)
        assert created is not None
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("URUTIQ_")}
    env.update(
        URUTIQ_DATABASE_URL=url,
        URUTIQ_ARTIFACTS=str(tmp_path / "artifacts"),
        URUTIQ_SOURCES=str(tmp_path / "sources"),
        URUTIQ_WORKER_HEARTBEAT=PERIOD,
        URUTIQ_SCHEDULER_INTERVAL=PERIOD,
    )
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER],
            env=env,
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(START_POLLS):
            if b"ready" in log.read_bytes() or server.poll() is not None:
                break
            time.sleep(0.1)
        assert b"ready" in log.read_bytes(), log.read_text()
        cli_env = {
            **env,
            "URUTIQ_URL": "local",
            "URUTIQ_API_KEY": created.plaintext_key,
            "URUTIQ_COMPANY": "local-company",
            "COLUMNS": "200",
        }
        commands = [  # all at once, as from several terminals: they contend with each other too
            subprocess.Popen(
                [CLI, *command], env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
            for command in CLI_COMMANDS
        ]
        results = [(c.args, c.communicate(timeout=120)[0].decode(), c.returncode) for c in commands]
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(60)
    output = log.read_text()
    assert server.returncode == 0, output
    for args, said, returncode in results:
        assert returncode == 0, (args, said)
        assert "database is locked" not in said, (args, said)
        assert "OperationalError" not in said, (args, said)
    assert "locked" not in output  # "database is locked", or the loops' "stayed locked" line
    assert "OperationalError" not in output
    assert "Traceback" not in output
    counts = dict(part.split("=") for part in output.strip().splitlines()[-1].split())
    # the writers kept writing the whole time (a beat and a recovery per period at best)
    assert int(counts["beats"]) >= 10, output
    assert int(counts["recoveries"]) >= 10, output


@pytest.fixture(autouse=True)
def _sqlite_only(backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("two processes on one SQLite file")
