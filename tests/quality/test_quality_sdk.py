"""``client.quality.run``: the SDK drives the same checks, and rule errors arrive typed."""

import pytest
from fastapi.testclient import TestClient

from tests.quality.conftest import LedgerFixture
from urutiq_ai.quality import shipped
from urutiq_ai.sdk import Client, ValidationError


def sdk(client: TestClient, fixture: LedgerFixture, role: str = "editor") -> Client:
    tenant = fixture.tenant
    return Client(api_key=tenant.keys[role], company=tenant.company_id, http_client=client)


def test_runs_checks_and_returns_typed_results(
    client: TestClient, ledger_tenant: LedgerFixture
) -> None:
    result = sdk(client, ledger_tenant).quality.run(
        [
            {"check": "group_balance", "groupBy": ["entryId"], "left": "debit", "right": "credit"},
            {"check": "not_null", "column": "account", "name": "lines have an account"},
        ],
        source={"table": "LedgerJournalLine"},
        name="journal",
    )
    assert result.name == "journal"
    assert [r.status.value for r in result.results] == ["fail", "pass"]
    assert result.results[0].rows_failed == 8
    assert result.results[1].name == "lines have an account"
    assert result.rows_read == len(ledger_tenant.ledger.journal_lines)


def test_shipped_sets_load_as_plain_json(client: TestClient, ledger_tenant: LedgerFixture) -> None:
    checks = [c for c in shipped.load("ledger")["checks"] if c["check"] == "unique"]
    result = sdk(client, ledger_tenant).quality.run(checks, store=False)
    assert {r.table_name for r in result.results} == {
        "LedgerJournalEntry",
        "LedgerExpense",
        "LedgerInvoice",
        "LedgerPayment",
    }
    assert all(r.id is None for r in result.results)


def test_an_invalid_rule_is_refused_before_sending(
    client: TestClient, ledger_tenant: LedgerFixture
) -> None:
    with pytest.raises(ValidationError) as raised:
        sdk(client, ledger_tenant).quality.run(
            [{"check": "expression", "expression": "__import__('os')"}],
            source={"table": "LedgerExpense"},
        )
    assert "unknown function '__import__'" in str(raised.value)


def test_an_unknown_column_comes_back_from_the_server(
    client: TestClient, ledger_tenant: LedgerFixture
) -> None:
    with pytest.raises(ValidationError) as raised:
        sdk(client, ledger_tenant).quality.run(
            [{"check": "not_null", "column": "nope"}], source={"table": "LedgerExpense"}
        )
    assert raised.value.fields[0].field == "checks.0.column"


def test_shipped_set_names() -> None:
    assert shipped.SHIPPED == ("ledger",)
    with pytest.raises(KeyError, match="no shipped check set 'nope'"):
        shipped.load("nope")
