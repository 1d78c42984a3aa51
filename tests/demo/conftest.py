"""Ledgers shared by the demo tests (generation is deterministic, so one per session), and
one database with the demo loaded (``demo_env``), shared by the tests that only read it or
add to it.

The demo is loaded once per run, into a template folder that every xdist worker shares
(``demo_template``); each consumer (``demo_env`` here, the dashboard's and the documents'
tests) works on a copy of its own (``copy_demo``), so what one changes the others never see.
"""

import fcntl
import os
import shutil
import sqlite3
import traceback
from pathlib import Path

import pytest
from typer.testing import CliRunner

from urutiq_ai.cli.main import app
from urutiq_ai.core.migrations import upgrade
from urutiq_ai.core.settings import get_settings
from urutiq_ai.demo import Ledger, generate_ledger

RUNNER = CliRunner()
DEMO_SCALE = 0.2
"""The ledger scale of the tests' demo (``demo_template``)."""
DATABASE = "urutiq.db"
KEY_FILE = "demo-key"  # where ``demo load`` stores the admin key: beside the database
READY = ".loaded"


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups into the node ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that uses ``demo_env`` runs on one xdist worker (group ``demo``), so the
    demo is loaded once per run rather than once per worker."""
    for item in items:
        if "demo_env" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("demo"))


@pytest.fixture(scope="session")
def ledger() -> Ledger:
    """The full-size default ledger (seed 7, 12 months, scale 1)."""
    return generate_ledger()


@pytest.fixture(scope="session")
def small_ledger() -> Ledger:
    return generate_ledger(seed=11, months=6, shift_month=4, scale=0.3)


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run the CLI with ``env``'s settings (restored afterwards); (exit code, output)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        get_settings.cache_clear()
        result = RUNNER.invoke(app, list(args))
    get_settings.cache_clear()
    output = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        # an exception the command did not turn into a message: show where it came from
        trace = "".join(traceback.format_exception(result.exception))
        output += f"\n{trace}"
    return result.exit_code, output


def _run_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of this run that all its xdist workers share (a worker's base temporary
    folder is a subfolder of the controller's)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def settings_env(folder: Path) -> dict[str, str]:
    """The settings of the database, artifacts and sources under ``folder``, as env vars."""
    return {
        "URUTIQ_DATABASE_URL": f"sqlite:///{folder / DATABASE}",
        "URUTIQ_ARTIFACTS": str(folder / "artifacts"),
        "URUTIQ_SOURCES": str(folder / "sources"),
    }


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the demo loaded at ``DEMO_SCALE`` into a migrated SQLite database (with
    its artifacts, sources and ``demo-key``), loaded by the first worker that asks for it
    while the others wait on a lock. Never use it directly: :func:`copy_demo` it."""
    root = _run_root(tmp_path_factory)
    folder = root / "demo-template"
    with (root / "demo-template.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (folder / READY).exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a failed load left
            folder.mkdir()
            env = settings_env(folder)
            upgrade(env["URUTIQ_DATABASE_URL"])
            code, output = invoke(env, "demo", "load", "--scale", str(DEMO_SCALE))
            assert code == 0, output
            assert output.strip().splitlines()[-1] == (folder / KEY_FILE).read_text().strip()
            (folder / READY).touch()
    return folder


def copy_demo(template: Path, folder: Path) -> dict[str, str]:
    """Copy the demo of ``template`` into ``folder`` (created; it must not exist): its
    settings as environment variables plus the demo admin key (``URUTIQ_API_KEY``).

    Artifact rows name their files by absolute path: every text value that names the
    template's folder is pointed at the copy's (an append-only table holding one would
    refuse the update, loudly), so a test that rewrites or deletes a file changes its copy.
    """
    shutil.copytree(template, folder, ignore=shutil.ignore_patterns(f"{DATABASE}*", READY))
    source, copy = sqlite3.connect(template / DATABASE), sqlite3.connect(folder / DATABASE)
    try:
        source.backup(copy)  # consistent whatever the journal mode
        old, new = f"{template}{os.sep}", f"{folder}{os.sep}"
        with copy:  # one transaction
            tables = [
                r[0] for r in copy.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            for table in tables:
                for column in [r[1] for r in copy.execute(f'PRAGMA table_info("{table}")')]:
                    copy.execute(
                        f'UPDATE "{table}" SET "{column}" = replace("{column}", ?, ?) '
                        f'WHERE typeof("{column}") = \'text\' AND instr("{column}", ?) > 0',
                        (old, new, old),
                    )
    finally:
        source.close()
        copy.close()
    return {**settings_env(folder), "URUTIQ_API_KEY": (folder / KEY_FILE).read_text().strip()}


@pytest.fixture(scope="session")
def demo_env(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A copy of the demo (``demo_template``) for the tests of this folder, which only read
    it or add to it: its settings as environment variables, and the demo admin key
    (``URUTIQ_API_KEY``)."""
    return copy_demo(demo_template, tmp_path_factory.mktemp("demo") / "data")
