"""Hostile queries (issue 17, findings 1 and 2): a user's SQL sees only its company's rows of
data tables, never another tenant's rows, this system's tables or the catalogs, cannot call
administrative functions, change a session setting or write, and stops at its time limit.
Each case goes through the API as an attacker would drive it, on SQLite and PostgreSQL (as
the app's RLS-bound role)."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, create_engine, func, select
from sqlalchemy import Table as SqlTable

from tests.conftest import TenantFixture
from tests.training.conftest import (  # noqa: F401 - fixtures
    SOURCE,
    expense_table,
    seed_expenses,
    train_request,
    wait_for_run,
)
from urutiq_ai.core.settings import Settings

Seed = Callable[..., None]


def quality(
    client: TestClient,
    tenant: TenantFixture,
    source: dict[str, Any],
    checks: list[dict[str, Any]] | None = None,
    role: str = "admin",
) -> httpx.Response:
    body = {
        "source": source,
        "checks": checks or [{"check": "not_null", "column": "vendorName"}],
        "store": False,
    }
    return client.post(tenant.url("quality-checks"), json=body, headers=tenant.headers(role))


def refused(response: httpx.Response, field: str = "source.query") -> str:
    assert response.status_code == 422, response.text
    (error,) = response.json()["fields"]
    assert error["field"] == field
    return str(error["reason"])


@pytest.fixture
def victim(make_tenant: Callable[[], TenantFixture], seed_expenses: Seed) -> TenantFixture:  # noqa: F811
    tenant = make_tenant()
    seed_expenses(tenant, n=50)
    return tenant


@pytest.fixture
def attacker(make_tenant: Callable[[], TenantFixture], seed_expenses: Seed) -> TenantFixture:  # noqa: F811
    tenant = make_tenant()
    seed_expenses(tenant, n=7)
    return tenant


class TestForgedOwnerColumns:
    def test_constant_owner_columns_read_only_the_company(
        self, client: TestClient, victim: TenantFixture, attacker: TenantFixture
    ) -> None:
        query = (
            f"SELECT '{victim.id}' AS \"tenantId\", '{victim.company_id}' AS \"companyId\", "
            f'e."tenantId" AS owner, e."vendorName" FROM "{SOURCE}" e'
        )
        checks = [{"check": "allowed_values", "column": "owner", "values": [attacker.id]}]
        response = quality(client, attacker, {"query": query}, checks)
        assert response.status_code == 201, response.text
        (result,) = response.json()["results"]
        assert (result["rowsChecked"], result["rowsFailed"]) == (7, 0)

    @pytest.mark.usefixtures("victim")
    def test_editor_queries_are_as_bounded(
        self, client: TestClient, attacker: TenantFixture
    ) -> None:
        query = f'SELECT "tenantId" AS owner, "vendorName" FROM "{SOURCE}"'
        checks = [{"check": "allowed_values", "column": "owner", "values": [attacker.id]}]
        response = quality(client, attacker, {"query": query}, checks, role="editor")
        assert response.status_code == 201, response.text
        (result,) = response.json()["results"]
        assert (result["rowsChecked"], result["rowsFailed"]) == (7, 0)

    def test_a_company_limited_key_sees_only_its_company(
        self,
        client: TestClient,
        attacker: TenantFixture,
        seed_expenses: Seed,  # noqa: F811
    ) -> None:
        seed_expenses(attacker, company=attacker.company_b, n=3)
        query = f'SELECT "companyId" AS company, "vendorName" FROM "{SOURCE}"'
        checks = [{"check": "allowed_values", "column": "company", "values": [attacker.company_b]}]
        body = {"source": {"query": query}, "checks": checks, "store": False}
        response = client.post(
            attacker.url("quality-checks", attacker.company_b),
            json=body,
            headers=attacker.headers("limited"),
        )
        assert response.status_code == 201, response.text
        (result,) = response.json()["results"]
        assert (result["rowsChecked"], result["rowsFailed"]) == (3, 0)

    def test_training_on_a_forged_query_sees_only_the_company(
        self, client: TestClient, victim: TenantFixture, make_tenant: Callable[[], TenantFixture]
    ) -> None:
        empty = make_tenant()  # no rows of its own: whatever it trains on would be stolen
        query = (
            f"SELECT '{victim.id}' AS \"tenantId\", '{victim.company_id}' AS \"companyId\", "
            f'"vendorName", description, amount, category FROM "{SOURCE}"'
        )
        response = client.post(
            empty.url("train"),
            json=train_request(source={"query": query}),
            headers=empty.headers("admin"),
        )
        if response.status_code == 202:
            run = wait_for_run(client, empty, response.json()["runId"])
            assert run["status"] == "failed", run["logs"]
            assert "50 rows" not in (run["logs"] or "")
        else:
            assert response.status_code == 422, response.text


SYSTEM_READS = [
    'SELECT * FROM "ApiKey"',
    "SELECT * FROM apikey",
    'SELECT "keyHash" AS "vendorName" FROM "ApiKey"',
    'SELECT * FROM "AuditLog"',
    'SELECT * FROM "Webhook"',
    'SELECT * FROM "AIModelPrediction"',
    'SELECT * FROM "Tenant"',
    "SELECT * FROM sqlite_master",
    "SELECT name AS \"vendorName\" FROM sqlite_schema WHERE type = 'table'",
    "SELECT * FROM pg_catalog.pg_tables",
    "SELECT * FROM pg_tables",
    "SELECT * FROM information_schema.tables",
    'SELECT * FROM public."ApiKey"',
    f'SELECT e.* FROM "{SOURCE}" e JOIN "ApiKey" k ON 1 = 1',
    f'SELECT * FROM "{SOURCE}" WHERE EXISTS (SELECT 1 FROM "User")',
    "SELECT * FROM pragma_table_info('ApiKey')",
]


class TestSystemTablesAndCatalogs:
    @pytest.mark.parametrize("query", SYSTEM_READS)
    def test_query_is_refused(
        self, client: TestClient, attacker: TenantFixture, query: str
    ) -> None:
        refused(quality(client, attacker, {"query": query}))

    @pytest.mark.parametrize("table", ["ApiKey", "apikey", "Webhook", "AUDITLOG", "AIModel"])
    def test_table_source_is_refused(
        self, client: TestClient, attacker: TenantFixture, table: str
    ) -> None:
        refused(quality(client, attacker, {"table": table}), "source.table")


ADMIN_CALLS = [
    "SELECT set_config('urutiq.system', 'on', true) AS \"vendorName\"",
    (
        "SELECT p.* FROM (SELECT set_config('urutiq.system', 'on', true)) s0 "
        'LEFT JOIN "AIModelPrediction" p ON true'
    ),
    'SELECT pg_sleep(10) AS "vendorName"',
    "SELECT pg_read_file('/etc/passwd') AS \"vendorName\"",
    "SELECT current_setting('urutiq.tenant_id') AS \"vendorName\"",
    'SELECT version() AS "vendorName"',
    "SELECT * FROM dblink('dbname=postgres', 'SELECT 1') AS t(\"vendorName\" text)",
    "SELECT load_extension('/tmp/evil.so') AS \"vendorName\"",
    'SELECT sqlite_version() AS "vendorName"',
    f'WITH gone AS (DELETE FROM "{SOURCE}" RETURNING *) SELECT * FROM gone',
    f'SELECT * FROM "{SOURCE}"; DELETE FROM "{SOURCE}"',
    f'DELETE FROM "{SOURCE}"',
    f'UPDATE "{SOURCE}" SET amount = 0',
    "ATTACH DATABASE '/tmp/other.db' AS other",
    "PRAGMA writable_schema = 1",
    "VACUUM INTO '/tmp/urutiq-copy.db'",
    "BEGIN",
    "SET ROLE postgres",
]


class TestNothingButOneSelect:
    @pytest.mark.parametrize("query", ADMIN_CALLS)
    def test_refused_and_nothing_changed(
        self, client: TestClient, attacker: TenantFixture, database_url: str, query: str
    ) -> None:
        refused(quality(client, attacker, {"query": query}))
        engine = create_engine(database_url)
        try:
            with engine.connect() as connection:
                table = SqlTable(SOURCE, MetaData(), autoload_with=connection)
                mine = table.c.tenantId == attacker.id
                count = connection.scalar(select(func.count()).select_from(table).where(mine))
                total = connection.scalar(select(func.sum(table.c.amount)).where(mine))
        finally:
            engine.dispose()
        assert count == 7
        assert total is not None
        assert total > 0


class TestTimeLimit:
    def test_an_endless_query_stops_at_the_limit(
        self, client: TestClient, attacker: TenantFixture, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from urutiq_ai.sources import repository

        monkeypatch.setattr(repository, "settings_of", lambda _s: Settings(query_seconds=0.5))
        query = (
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
            'WHERE i < 1000000000000) SELECT count(*) AS "vendorName" FROM n'
        )
        reason = refused(quality(client, attacker, {"query": query}))
        assert "time limit" in reason


STEAL = 'SELECT prefix AS "vendorName", 1 AS amount FROM "ApiKey"'


class TestValidationReferences:
    def test_an_editor_pipeline_cannot_reference_system_tables(
        self, client: TestClient, attacker: TenantFixture
    ) -> None:
        body = {
            "pipelineName": "steal keys",
            "pipelineType": "feature_engineering",
            "sourceTables": [SOURCE],
            "targetTables": ["StolenKeys"],
            "validationRules": [
                {
                    "check": "reference_match",
                    "key": ["vendorName"],
                    "column": "amount",
                    "reference": {
                        "source": {
                            "query": 'SELECT prefix AS "vendorName", 1 AS amount FROM "ApiKey"'
                        },
                        "column": "amount",
                    },
                }
            ],
        }
        response = client.post(
            attacker.url("pipelines"), json=body, headers=attacker.headers("editor")
        )
        refused(response, "validationRules.0.reference.source.query")
