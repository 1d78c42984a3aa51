"""Ledgers shared by the demo tests (generation is deterministic, so one per session), and
one database with the demo loaded (``demo_env``), shared by the tests that only read it or
add to it."""

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
"""The ledger scale of ``demo_env``'s demo."""


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


@pytest.fixture(scope="session")
def demo_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A migrated SQLite database with the demo loaded once, at a small scale: its settings
    as environment variables, and the demo admin key (``URUTIQ_API_KEY``)."""
    folder: Path = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder}/urutiq.db"
    upgrade(url)
    env = {
        "URUTIQ_DATABASE_URL": url,
        "URUTIQ_ARTIFACTS": str(folder / "artifacts"),
        "URUTIQ_SOURCES": str(folder / "sources"),
    }
    code, output = invoke(env, "demo", "load", "--scale", str(DEMO_SCALE))
    assert code == 0, output
    env["URUTIQ_API_KEY"] = output.strip().splitlines()[-1]
    return env
