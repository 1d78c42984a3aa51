"""SIGTERM stops `urutiq-ai serve` within seconds (issue 17, finding 5), even with an
endless pipeline step running as a job and an endless query in a request: the job's run
fails as stopped, the request is cut after URUTIQ_SHUTDOWN_SECONDS, the process exits."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Column, Float, MetaData, String, Table, Text, create_engine, text

from tests.conftest import TenantFixture, make_tenant_fixture
from tests.training.conftest import SOURCE, expense_rows
from urutiq_ai.api.app import create_app
from urutiq_ai.core.jobs import STOPPED_REASON
from urutiq_ai.core.migrations import upgrade
from urutiq_ai.core.settings import Settings

ENDLESS = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000000) "
    'SELECT count(*) AS "vendorName" FROM n'
)
EXIT_SECONDS = 30  # a bound for liveness: the query limit below is 300 s


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def seeded_database(folder: Path) -> tuple[str, TenantFixture]:
    url = f"sqlite:///{folder / 'urutiq.db'}"
    upgrade(url)
    app = create_app(Settings(database_url=url, artifacts=str(folder / "a"), sources=str(folder)))
    tenant = make_tenant_fixture(app.state.sessionmaker)
    app.state.executor.shutdown(wait=True)
    app.state.engine.dispose()
    engine = create_engine(url)
    table = Table(
        SOURCE,
        MetaData(),
        *(Column(name, String(64)) for name in ("tenantId", "companyId", "vendorName", "category")),
        Column("description", Text),
        Column("amount", Float),
        Column("cost", Float),
    )
    table.create(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), expense_rows(tenant, tenant.company_id))
    engine.dispose()
    return url, tenant


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, str, TenantFixture]]:
    url, tenant = seeded_database(tmp_path)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("URUTIQ_")}
    env.update(
        URUTIQ_DATABASE_URL=url,
        URUTIQ_ARTIFACTS=str(tmp_path / "a"),
        URUTIQ_SOURCES=str(tmp_path),
        URUTIQ_QUERY_SECONDS="300",
        URUTIQ_SHUTDOWN_SECONDS="2",
    )
    log = tmp_path / "serve.log"
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "urutiq-ai"), "serve", "--port", str(port)],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        process.kill()
        raise AssertionError(f"serve did not start:\n{log.read_text()}")
    yield process, base, url, tenant
    if process.poll() is None:
        process.kill()
        process.wait(10)


def test_sigterm_stops_serve_within_seconds(
    server: tuple[subprocess.Popen[bytes], str, str, TenantFixture],
) -> None:
    process, base, url, tenant = server
    headers = tenant.headers("editor")
    api = f"{base}{tenant.url('')}"
    body: dict[str, Any] = {
        "pipelineName": "endless",
        "pipelineType": "feature_engineering",
        "sourceTables": [SOURCE],
        "targetTables": ["EndlessServe"],
        "transformations": [{"step": "sql", "query": ENDLESS}],
    }
    created = httpx.post(f"{api}pipelines", json=body, headers=headers, timeout=30)
    assert created.status_code == 201, created.text
    started = httpx.post(f"{api}pipelines/{created.json()['id']}/run", headers=headers, timeout=30)
    assert started.status_code == 202, started.text
    cut: list[str] = []

    def endless_request() -> None:  # a request that would run its query for 300 s
        try:
            httpx.post(
                f"{api}quality-checks",
                json={
                    "source": {"query": ENDLESS},
                    "checks": [{"check": "not_null", "column": "vendorName"}],
                },
                headers=headers,
                timeout=EXIT_SECONDS * 2,
            )
        except httpx.HTTPError as error:  # the server went away: what SIGTERM should do
            cut.append(type(error).__name__)

    in_flight = threading.Thread(target=endless_request, daemon=True)
    in_flight.start()
    time.sleep(2.0)  # the step and the query are running

    process.send_signal(signal.SIGTERM)
    try:
        process.wait(EXIT_SECONDS)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError("serve still runs after SIGTERM") from exc

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            status, logs = conn.execute(
                text('SELECT status, logs FROM "AIDataPipelineRun" WHERE id = :id'),
                {"id": started.json()["id"]},
            ).one()
    finally:
        engine.dispose()
    assert status == "failed"
    assert STOPPED_REASON in logs
    in_flight.join(5)
    assert cut  # the endless request was cut, not answered after its 300 s
