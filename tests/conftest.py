"""Shared fixtures: a migrated database per backend and xdist worker, the app, tenants.

Every test that uses ``database_url`` (and so ``app``, ``client``, ``tenant``)
runs on SQLite, and on PostgreSQL too when ``URUTIQ_TEST_DATABASE_URL`` is set
(CI sets it). Each xdist worker gets its own freshly created database. Tests
isolate themselves by creating their own tenants with random ids, never by
relying on rows left by another test.
"""

import os
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from urutiq_ai.core.context import Role
from urutiq_ai.core.db import new_id, unit_of_work
from urutiq_ai.core.migrations import upgrade
from urutiq_ai.core.scoping import bind_scope
from urutiq_ai.core.settings import Settings
from urutiq_ai.tenancy import admin
from urutiq_ai.tenancy import service as tenancy_service
from urutiq_ai.tenancy.context import tenant_admin
from urutiq_ai.tenancy.schemas import ApiKeyCreate

# Starlette's TestClient warns that it will move from httpx to httpx2; harmless here.
warnings.filterwarnings("ignore", message=".*httpx.*")

import anyio.from_thread  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from urutiq_ai.api.app import create_app  # noqa: E402

PG_ENV = "URUTIQ_TEST_DATABASE_URL"
# On PostgreSQL the app under test switches to this ordinary role in every transaction
# (URUTIQ_DATABASE_ROLE), so row-level security binds every API test, not only its own.
APP_ROLE = "urutiq_app_test"


MARK_BY_FIXTURE = {
    "demo_template": "slow",  # the demo (loaded once per run) and the servers on its copies
    "browser": "browser",  # Chromium through Playwright (tests/web)
    "redis_url": "celery",  # real `urutiq-ai worker` processes on Redis (tests/jobs)
}
"""The mark (registered in pyproject.toml) of every test that uses a fixture, even through
another one; ``make test-fast`` leaves the marked tests out."""
SLOW = (
    "tests/deployments/",  # real forests trained per test (one or two), then served
    "tests/governance/",
    "tests/cli/",  # the command line end to end, much of it in fresh processes
    "tests/architecture/test_cli_startup.py",  # 150+ help pages, fresh interpreters
    "tests/api/test_schema_fuzz.py",  # property-based runs over every operation
    "tests/api/test_hostile_inputs.py",
    "tests/core/test_schemas_properties.py",
    "tests/pipelines/test_run_modes.py::TestCli",
    "tests/sdk/test_in_process.py",
    "tests/feedback/test_feedback_sdk_cli.py",
    "tests/web/test_user_written_rows.py",  # every page with every kind of row users write
)
"""Node ids (by prefix) of tests that take 10-100 s on a busy 2-core machine (the durations
of a full run, issue 19): marked ``slow`` too."""


@pytest.hookimpl(tryfirst=True)  # before ``-m`` selects by marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        for fixture, mark in MARK_BY_FIXTURE.items():
            if fixture in used:
                item.add_marker(mark)
        if item.nodeid.startswith(SLOW):
            item.add_marker("slow")
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("backend") == "postgresql":
            item.add_marker("postgres")


@pytest.fixture(scope="session", autouse=True)
def one_event_loop_for_test_clients() -> Iterator[None]:
    """Every ``TestClient`` of this worker sends its requests through one event loop.

    Unless a client is entered as a context manager (which runs the app's lifespan), Starlette
    starts a new event loop in a new thread for every request (a ``GET /healthz`` took 17 ms
    that way on a busy 2-core machine, 1.2 ms through one loop; issue 19). One loop for the
    whole run is also what a served app has: ``urutiq-ai serve`` runs every request on one
    loop.
    """
    with anyio.from_thread.start_blocking_portal(backend="asyncio") as portal:
        TestClient.portal = portal  # the class default, read when an instance has none
        try:
            yield
        finally:
            TestClient.portal = None


def _backends() -> list[Any]:
    pg = pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"{PG_ENV} not set"),
    )
    return ["sqlite", pg]


@pytest.fixture(scope="session", params=_backends())
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def create_postgres_database(base_url: str, suffix: str) -> str:
    """Create (afresh) the database ``<name>_<suffix>`` on the server of ``base_url``."""
    url = make_url(base_url)
    name = f"{url.database}_{suffix}"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # A test database is thrown away: its commits need not wait for the disk.
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    server.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url_text: str) -> None:
    url = make_url(url_text)
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A freshly migrated database for this backend and worker."""
    if backend == "sqlite":
        path: Path = tmp_path_factory.mktemp(f"db_{_worker()}") / "urutiq.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    url = create_postgres_database(os.environ[PG_ENV], _worker())
    upgrade(url)
    grant_app_role(url)
    yield url
    drop_postgres_database(url)


def grant_app_role(url: str) -> None:
    """Create the non-superuser role the app runs as, with rights on every table."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(
            text(
                f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') "
                f"THEN CREATE ROLE {APP_ROLE} NOLOGIN; END IF; END $$"
            )
        )
        conn.execute(
            text(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}"
            )
        )
        # pipelines create their target tables (docs/pipelines.md: the app's role needs it)
        conn.execute(text(f"GRANT CREATE ON SCHEMA public TO {APP_ROLE}"))
    engine.dispose()


@pytest.fixture(scope="session")
def app(
    database_url: str, backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FastAPI]:
    role = APP_ROLE if backend == "postgresql" else None
    data = tmp_path_factory.mktemp(f"data_{backend}")
    settings = Settings(
        database_url=database_url,
        database_role=role,
        artifacts=str(data / "artifacts"),
        sources=str(data / "sources"),
    )
    application = create_app(settings)
    yield application
    application.state.executor.shutdown(wait=True)
    application.state.engine.dispose()


@pytest.fixture(scope="session")
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


@pytest.fixture(scope="session")
def session_factory(app: FastAPI) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = app.state.sessionmaker
    return factory


@dataclass
class TenantFixture:
    """A tenant with two companies and one key per role (plus a key limited to company_b)."""

    id: str
    company_id: str
    company_b: str
    keys: dict[str, str] = field(default_factory=dict)
    key_ids: dict[str, str] = field(default_factory=dict)

    def headers(self, role: str = "admin") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def url(self, path: str, company: str | None = None) -> str:
        return f"/api/v1/companies/{company or self.company_id}/{path.lstrip('/')}"


def make_tenant_fixture(factory: sessionmaker[Session]) -> TenantFixture:
    """A new tenant, its companies and keys, written in one unit of work as ``tenant
    create`` / ``company create`` / ``key create`` write them (the keys through the one
    admin scope of the tenant, which ``admin.create_key`` would look up for each key)."""
    suffix = new_id()[:10]
    with unit_of_work(factory) as session:
        tenant = admin.create_tenant(session, name=f"tenant {suffix}", tenant_id=f"t-{suffix}")
        a = admin.create_company(session, tenant_id=tenant.id, name="A", company_id=f"a-{suffix}")
        b = admin.create_company(session, tenant_id=tenant.id, name="B", company_id=f"b-{suffix}")
        fixture = TenantFixture(id=tenant.id, company_id=a.id, company_b=b.id)
        scope = tenant_admin(tenant.id, [a.id, b.id])
        bind_scope(session, scope)
        wanted = [(role.value, ApiKeyCreate(role=role)) for role in Role]
        wanted.append(("limited", ApiKeyCreate(role=Role.admin, company_ids=[b.id])))
        for name, data in wanted:
            key, plaintext = tenancy_service.create_api_key(session, scope, data=data)
            fixture.keys[name] = plaintext
            fixture.key_ids[name] = key.id
    return fixture


@pytest.fixture
def make_tenant(session_factory: sessionmaker[Session]) -> Callable[[], TenantFixture]:
    return lambda: make_tenant_fixture(session_factory)


@pytest.fixture
def tenant(make_tenant: Callable[[], TenantFixture]) -> TenantFixture:
    return make_tenant()


@pytest.fixture
def tenant_second(make_tenant: Callable[[], TenantFixture]) -> TenantFixture:
    return make_tenant()
