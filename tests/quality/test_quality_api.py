"""POST /quality-checks: the shipped ledger checks on the demo ledger, stored results,
file sources read in chunks, and bad input (each a 4xx naming the field)."""

from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from tests.quality.conftest import LEDGER_END, LedgerFixture
from urutiq_ai.quality import shipped

FAILING = {
    # shipped check name -> the demo ledger's injected issue it must find
    "journal entries balance": "unbalanced_entry",
    "journal entries have a description": "missing_description",
    "expenses have a description": "missing_description",
    "expense amounts are positive": "negative_amount",
    "payment ids are unique": "duplicate_id",
}
ID_COLUMNS = {
    "journal entries balance": ("journalEntries", "entryId"),
    "journal entries have a description": ("journalEntries", "entryId"),
    "expenses have a description": ("expenses", "expenseId"),
    "expense amounts are positive": ("expenses", "expenseId"),
    "payment ids are unique": ("payments", "paymentId"),
}


def ledger_checks() -> list[dict[str, Any]]:
    """The shipped ledger set, with freshness measured as of the end of the demo's books."""
    checks: list[dict[str, Any]] = shipped.load("ledger")["checks"]
    for check in checks:
        if check["check"] == "freshness":
            check["asOf"] = LEDGER_END.isoformat()
    return checks


def post(
    client: TestClient, tenant: TenantFixture, body: dict[str, Any], role: str = "editor"
) -> httpx.Response:
    return client.post(tenant.url("quality-checks"), json=body, headers=tenant.headers(role))


def field_of(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    return str(response.json()["fields"][0]["field"])


class TestShippedLedgerChecks:
    def test_find_the_injected_problems_and_nothing_else(
        self, client: TestClient, ledger_tenant: LedgerFixture
    ) -> None:
        response = post(client, ledger_tenant.tenant, {"name": "ledger", "checks": ledger_checks()})
        assert response.status_code == 201, response.text
        body = response.json()
        by_name = {r["name"]: r for r in body["results"]}
        not_passed = {name for name, r in by_name.items() if r["status"] != "pass"}
        assert not_passed == set(FAILING), {n: by_name[n]["issues"] for n in not_passed}
        assert {by_name[name]["status"] for name in FAILING} == {"fail"}
        assert body["status"] == "fail"
        assert (body["checks"], body["failed"], body["warnings"]) == (len(by_name), 5, 0)
        issues = ledger_tenant.ledger.quality_issues
        for name, issue in FAILING.items():
            frame, id_column = ID_COLUMNS[name]
            expected = set(issues.loc[(issues.issue == issue) & (issues.table == frame), "rowId"])
            found = by_name[name]
            sampled = {row[id_column] for row in found["issues"]["sample"]}
            assert sampled == expected, name
            assert found["rowsFailed"] == len(expected), name
            assert found["recommendations"], name

    def test_every_dimension_is_covered(
        self, client: TestClient, ledger_tenant: LedgerFixture
    ) -> None:
        body = post(client, ledger_tenant.tenant, {"checks": ledger_checks()}).json()
        assert {r["qualityMetric"] for r in body["results"]} == {
            "completeness",
            "validity",
            "consistency",
            "timeliness",
            "accuracy",
        }

    def test_results_are_stored_and_listed(
        self, client: TestClient, ledger_tenant: LedgerFixture
    ) -> None:
        tenant = ledger_tenant.tenant
        body = post(client, tenant, {"checks": ledger_checks()}).json()
        listed = client.get(
            tenant.url("data-quality"),
            params={"status": "fail", "limit": 100},
            headers=tenant.headers("viewer"),
        ).json()
        stored = {row["id"]: row for row in listed["items"]}
        failed = [r for r in body["results"] if r["status"] == "fail"]
        assert {r["id"] for r in failed} == set(stored)
        row = stored[failed[0]["id"]]
        assert row["issues"]["rowsFailed"] == failed[0]["rowsFailed"]
        assert row["recommendations"] == failed[0]["recommendations"]

    def test_store_false_keeps_nothing(
        self, client: TestClient, ledger_tenant: LedgerFixture
    ) -> None:
        tenant = ledger_tenant.tenant
        body = post(client, tenant, {"checks": ledger_checks()[:3], "store": False}).json()
        assert all(r["id"] is None for r in body["results"])
        listed = client.get(tenant.url("data-quality"), headers=tenant.headers()).json()
        assert listed["items"] == []

    def test_stale_data_fails_freshness(
        self, client: TestClient, ledger_tenant: LedgerFixture
    ) -> None:
        check = {
            "check": "freshness",
            "column": "postedAt",
            "maxAgeHours": 24,
            "warningAgeHours": 48,
            "asOf": "2026-03-01T00:00:00Z",
        }
        body = post(
            client,
            ledger_tenant.tenant,
            {"source": {"table": "LedgerJournalEntry"}, "checks": [check]},
        ).json()
        (result,) = body["results"]
        assert result["status"] == "fail"
        assert result["metricValue"] > 24 * 50
        assert "days" in result["recommendations"][0]


class TestCompanyScope:
    def test_another_company_reads_none_of_the_rows(
        self, client: TestClient, ledger_tenant: LedgerFixture
    ) -> None:
        tenant = ledger_tenant.tenant
        body = {
            "source": {"table": "LedgerExpense"},
            "checks": [{"check": "not_null", "column": "description"}],
        }
        response = client.post(
            tenant.url("quality-checks", tenant.company_b), json=body, headers=tenant.headers()
        )
        (result,) = response.json()["results"]
        assert result["rowsChecked"] == 0
        assert result["status"] == "fail"
        assert result["issues"]["noData"] is True
        assert result["recommendations"][0].startswith("Nothing to measure")

    @pytest.mark.usefixtures("ledger_tenant")
    def test_another_tenant_reads_none_of_the_rows(
        self, client: TestClient, tenant_second: TenantFixture
    ) -> None:
        body = {
            "source": {"table": "LedgerPayment"},
            "checks": [{"check": "unique", "columns": "paymentId"}],
        }
        (result,) = post(client, tenant_second, body).json()["results"]
        assert result["rowsChecked"] == 0


class TestFileSources:
    @pytest.mark.parametrize("suffix", [".csv", ".parquet"])
    def test_checks_a_file_of_the_company_folder(
        self, app: FastAPI, client: TestClient, tenant: TenantFixture, suffix: str
    ) -> None:
        folder = Path(app.state.settings.sources) / tenant.id / tenant.company_id
        folder.mkdir(parents=True, exist_ok=True)
        frame = pd.DataFrame(
            {
                "invoiceId": [f"I-{i}" for i in range(50)] + ["I-3"],
                "issueDate": ["2025-01-01"] * 51,
                "dueDate": ["2025-01-31"] * 50 + ["2024-12-01"],
                "amount": [100.0] * 49 + [-5.0, 1.0],
            }
        )
        path = folder / f"invoices{suffix}"
        frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
        checks = [
            {"check": "unique", "columns": ["invoiceId"]},
            {"check": "expression", "expression": "dueDate >= issueDate"},
            {"check": "range", "column": "amount", "min": 0, "warningThreshold": 0.9},
            {"check": "type", "column": "issueDate", "type": "date"},
        ]
        response = post(client, tenant, {"source": {"file": path.name}, "checks": checks})
        assert response.status_code == 201, response.text
        results = response.json()["results"]
        assert [r["status"] for r in results] == ["fail", "fail", "warning", "pass"]
        assert results[0]["issues"]["sample"] == [{"invoiceId": "I-3"}]
        assert results[1]["issues"]["sample"][0]["invoiceId"] == "I-3"
        assert results[2]["rowsFailed"] == 1
        assert all(r["tableName"] == path.name for r in results)


class TestBadInput:
    def body(self, **check: Any) -> dict[str, Any]:
        return {"source": {"table": "LedgerExpense"}, "checks": [check]}

    def test_unknown_column(self, client: TestClient, ledger_tenant: LedgerFixture) -> None:
        response = post(client, ledger_tenant.tenant, self.body(check="not_null", column="nope"))
        assert field_of(response) == "checks.0.column"
        assert "expenseId" in response.json()["fields"][0]["reason"]

    def test_unknown_column_in_an_expression(
        self, client: TestClient, ledger_tenant: LedgerFixture
    ) -> None:
        response = post(
            client, ledger_tenant.tenant, self.body(check="expression", expression="amount > fee")
        )
        assert field_of(response) == "checks.0.expression"
        assert "'fee'" in response.json()["fields"][0]["reason"]

    def test_unknown_reference_column(
        self, client: TestClient, ledger_tenant: LedgerFixture
    ) -> None:
        check = {
            "check": "reference_match",
            "key": "vendorId",
            "column": "vendorName",
            "reference": {"source": {"table": "LedgerVendor"}, "column": "name"},
        }
        response = post(client, ledger_tenant.tenant, self.body(**check))
        assert field_of(response) == "checks.0.reference.column"

    def test_unknown_table(self, client: TestClient, ledger_tenant: LedgerFixture) -> None:
        body = {"source": {"table": "Nope"}, "checks": [{"check": "not_null", "column": "a"}]}
        assert field_of(post(client, ledger_tenant.tenant, body)) == "source.table"
        body = {"checks": [{"check": "not_null", "column": "a", "source": {"table": "Nope"}}]}
        assert field_of(post(client, ledger_tenant.tenant, body)) == "checks.0.source.table"

    def test_a_system_table_without_company_columns(
        self, client: TestClient, ledger_tenant: LedgerFixture
    ) -> None:
        body = {"source": {"table": "Tenant"}, "checks": [{"check": "not_null", "column": "id"}]}
        response = post(client, ledger_tenant.tenant, body)
        assert field_of(response) == "source.table"

    def test_no_source(self, client: TestClient, tenant: TenantFixture) -> None:
        body = {"checks": [{"check": "not_null", "column": "a"}]}
        assert field_of(post(client, tenant, body)) == "checks.0.source"

    @pytest.mark.parametrize(
        ("check", "field"),
        [
            ({"check": "nope"}, "checks.0"),
            ({"check": "range", "column": "amount"}, "checks.0.range"),
            ({"check": "range", "column": "amount", "min": 5, "max": 1}, "checks.0.range"),
            ({"check": "pattern", "column": "a", "regex": "("}, "checks.0.pattern.regex"),
            (
                {"check": "expression", "expression": "a.__class__"},
                "checks.0.expression.expression",
            ),
            ({"check": "expression", "expression": "open('x')"}, "checks.0.expression.expression"),
            ({"check": "not_null", "column": "a", "threshold": 2}, "checks.0.not_null.threshold"),
            (
                {"check": "freshness", "column": "a", "maxAgeHours": 0},
                "checks.0.freshness.maxAgeHours",
            ),
            ({"check": "unique", "columns": []}, "checks.0.unique.columns"),
            ({"check": "not_null", "column": "a", "extra": 1}, "checks.0.not_null.extra"),
        ],
    )
    def test_invalid_rules(
        self, client: TestClient, tenant: TenantFixture, check: dict[str, Any], field: str
    ) -> None:
        body = {"source": {"table": "LedgerExpense"}, "checks": [check]}
        assert field_of(post(client, tenant, body)) == field

    def test_no_checks(self, client: TestClient, tenant: TenantFixture) -> None:
        assert field_of(post(client, tenant, {"source": {"table": "x"}, "checks": []})) == "checks"

    def test_a_failed_run_stores_nothing(
        self, client: TestClient, ledger_tenant: LedgerFixture
    ) -> None:
        tenant = ledger_tenant.tenant
        checks = [
            {"check": "not_null", "column": "description"},
            {"check": "not_null", "column": "nope"},
        ]
        response = post(client, tenant, {"source": {"table": "LedgerExpense"}, "checks": checks})
        assert response.status_code == 422
        listed = client.get(tenant.url("data-quality"), headers=tenant.headers()).json()
        assert listed["items"] == []


class TestRoles:
    def test_viewer_may_not_run_checks(
        self, client: TestClient, ledger_tenant: LedgerFixture
    ) -> None:
        body = {
            "source": {"table": "LedgerExpense"},
            "checks": [{"check": "not_null", "column": "description"}],
        }
        assert post(client, ledger_tenant.tenant, body, role="viewer").status_code == 403

    def test_editors_run_query_sources_in_the_sandbox(
        self, client: TestClient, ledger_tenant: LedgerFixture
    ) -> None:
        """A query sees only the company's rows of data tables (tests/sources), so any key
        that may run checks may use one; a viewer may not."""
        body = {
            "source": {"query": 'SELECT * FROM "LedgerExpense" WHERE amount < 0'},
            "checks": [{"check": "range", "column": "amount", "min": 0}],
        }
        tenant = ledger_tenant.tenant
        assert post(client, tenant, body, role="viewer").status_code == 403
        response = post(client, tenant, body, role="editor")
        assert response.status_code == 201, response.text
        (result,) = response.json()["results"]
        assert (result["rowsChecked"], result["rowsFailed"]) == (6, 6)
        assert result["tableName"] == "query"
