"""Hostile pipelines (issue 17, findings 3 and 4): a pipeline writes only data tables, never
the system's own tables in any letter case or quoting, and the rows it writes belong to the
run's tenant and company whatever columns its steps make. On SQLite and PostgreSQL."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from tests.conftest import TenantFixture
from tests.pipelines.test_pipelines_api import create, pipeline_body, run_to_end
from tests.quality.conftest import LedgerFixture

SYSTEM_TARGETS = [
    "ApiKey",
    "apikey",
    "APIKEY",
    '"ApiKey"',
    "public.ApiKey",
    "main.ApiKey",
    "webhook",
    "auditlog",
    "Tenant",
    "aimodel",
    "AIModelPrediction",
    "sqlite_master",
    "pg_authid",
    "ledgerexpense",
    "LedgerExpense",
    "alembic_version",
    "x; DROP TABLE y",
    "",
]


def owned_rows(database_url: str, table: str) -> list[tuple[str, str]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(f'SELECT DISTINCT "tenantId", "companyId" FROM "{table}"')
            ).all()
    finally:
        engine.dispose()
    return [(str(a), str(b)) for a, b in rows]


def api_key_count(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(text('SELECT count(*) FROM "ApiKey"')) or 0)
    finally:
        engine.dispose()


class TestTargets:
    @pytest.mark.parametrize("target", SYSTEM_TARGETS)
    def test_a_system_table_is_refused(
        self, client: TestClient, tenant: TenantFixture, target: str
    ) -> None:
        response = create(client, tenant, pipeline_body(targetTables=[target]))
        assert response.status_code == 422, response.text
        assert response.json()["fields"][0]["field"].startswith("targetTables")

    def test_the_limited_editor_cannot_forge_a_key(
        self, client: TestClient, ledger_tenant: LedgerFixture, database_url: str
    ) -> None:
        tenant = ledger_tenant.tenant
        before = api_key_count(database_url)
        body = pipeline_body(
            targetTables=["apikey"],
            transformations=[
                {"step": "derive", "column": "role", "expression": "'admin'"},
                {"step": "select", "columns": ["expenseId", "role"]},
            ],
            validationRules=[],
        )
        response = client.post(tenant.url("pipelines"), json=body, headers=tenant.headers("editor"))
        assert response.status_code == 422, response.text
        assert api_key_count(database_url) == before


OWNER_STEPS: list[dict[str, Any]] = [
    {"step": "derive", "column": "tenantId", "expression": "'demo'"},
    {"step": "derive", "column": "companyId", "expression": "'demo-services'"},
    {"step": "derive", "column": "TENANTID", "expression": "'demo'"},
    {"step": "rename", "columns": {"description": "companyid"}},
]


class TestOwnerColumns:
    @pytest.mark.parametrize("step", OWNER_STEPS, ids=lambda s: str(s.get("column") or "rename"))
    def test_a_step_making_an_owner_column_is_refused(
        self, client: TestClient, ledger_tenant: LedgerFixture, step: dict[str, Any]
    ) -> None:
        body = pipeline_body(transformations=[step], validationRules=[])
        response = create(client, ledger_tenant.tenant, body)
        assert response.status_code == 422, response.text
        assert response.json()["fields"][0]["field"] == "transformations.0"

    def test_a_sql_step_making_owner_columns_fails_the_run_and_writes_nothing(
        self,
        client: TestClient,
        ledger_tenant: LedgerFixture,
        make_tenant: Any,
        database_url: str,
    ) -> None:
        tenant = ledger_tenant.tenant
        victim = make_tenant()
        query = (
            f"SELECT '{victim.id}' AS \"tenantId\", '{victim.company_id}' AS \"companyId\", "
            '"expenseId", amount FROM input'
        )
        body = pipeline_body(
            targetTables=["PoisonedFeatures"],
            transformations=[{"step": "sql", "query": query}],
            validationRules=[],
        )
        created = create(client, tenant, body)
        assert created.status_code == 201, created.text
        run = run_to_end(client, tenant, created.json()["id"])
        assert run["status"] == "failed"
        assert "tenantId" in run["logs"]
        engine = create_engine(database_url)
        try:
            with engine.connect() as connection:
                exists = connection.dialect.has_table(connection, "PoisonedFeatures")
        finally:
            engine.dispose()
        if exists:
            assert (victim.id, victim.company_id) not in owned_rows(
                database_url, "PoisonedFeatures"
            )

    def test_written_rows_belong_to_the_run(
        self, client: TestClient, ledger_tenant: LedgerFixture, database_url: str
    ) -> None:
        tenant = ledger_tenant.tenant
        created = create(client, tenant, pipeline_body(targetTables=["OwnedFeatures"]))
        assert created.status_code == 201, created.text
        run = run_to_end(client, tenant, created.json()["id"])
        assert run["status"] == "completed", run["logs"]
        owners = owned_rows(database_url, "OwnedFeatures")
        assert (tenant.id, tenant.company_id) in owners
        assert all(
            owner == (tenant.id, tenant.company_id) for owner in owners if owner[0] == tenant.id
        )
