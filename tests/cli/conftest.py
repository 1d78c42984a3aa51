"""CLI fixtures: a fresh migrated SQLite database per test (copied from one template)."""

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from urutiq_ai.cli.main import app
from urutiq_ai.core.db import make_engine, make_sessionmaker, unit_of_work
from urutiq_ai.core.migrations import upgrade
from urutiq_ai.core.settings import get_settings
from urutiq_ai.tenancy import admin

Invoke = Callable[..., Result]


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a migrated SQLite database, migrated once per session."""
    folder = tmp_path_factory.mktemp("cli_template")
    upgrade(f"sqlite:///{folder / 'urutiq.db'}")
    return folder


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "urutiq-data"


@pytest.fixture
def db_url(template_dir: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """URUTIQ_DATABASE_URL -> a migrated copy under ``data_dir``; no URL/key/company in env."""
    shutil.copytree(template_dir, data_dir)
    url = f"sqlite:///{data_dir / 'urutiq.db'}"
    monkeypatch.setenv("URUTIQ_DATABASE_URL", url)
    for name in ("URUTIQ_URL", "URUTIQ_API_KEY", "URUTIQ_COMPANY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "250")  # wide Rich tables: no wrapped ids
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


@pytest.fixture
def invoke() -> Invoke:
    """``invoke("models", "list", ...)``: run the CLI; returns the Click result."""
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(arg) for arg in args])


@dataclass
class Local:
    key: str
    company: str = "local-company"


def cli(invoke: Invoke, local: "Local", *args: Any) -> Result:
    """Run ``args`` as the local company's admin (``--company`` and ``--api-key`` given)."""
    return invoke(*args, "--company", local.company, "--api-key", local.key)


def ok_json(invoke: Invoke, local: "Local", *args: Any) -> Any:
    """:func:`cli` with ``--json``: the parsed output of a command that must succeed."""
    result = cli(invoke, local, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def local(db_url: str) -> Local:
    """The bootstrapped local tenant (admin key) in the test's database."""
    engine = make_engine(db_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        created = admin.bootstrap_local(session)
        assert created is not None
        key = created.plaintext_key
    engine.dispose()
    return Local(key=key)


@pytest.fixture
def ledger(local: Local, db_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Local:
    """A small seeded ledger in the local company's tables, artifacts under ``data_dir``."""
    from sqlalchemy import create_engine

    from urutiq_ai.demo.io import write_sql
    from urutiq_ai.demo.ledger import generate_ledger

    monkeypatch.setenv("URUTIQ_ARTIFACTS", str(data_dir / "artifacts"))
    engine = create_engine(db_url)
    write_sql(
        generate_ledger(seed=3, scale=0.1), engine, tenant_id="local", company_id=local.company
    )
    engine.dispose()
    return local
