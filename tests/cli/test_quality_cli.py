"""``urutiq-ai quality run``: shipped and file check sets on the demo ledger, in-process."""

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from tests.cli.conftest import Invoke, Local
from urutiq_ai.demo.io import write_sql
from urutiq_ai.demo.ledger import generate_ledger


@pytest.fixture
def ledger(local: Local, db_url: str) -> Local:
    engine = create_engine(db_url)
    write_sql(
        generate_ledger(seed=3, scale=0.1), engine, tenant_id="local", company_id=local.company
    )
    engine.dispose()
    return local


def quality(invoke: Invoke, local: Local, *args: Any) -> Any:
    return invoke("quality", "run", *args, "--company", local.company, "--api-key", local.key)


def write_checks(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "checks.json"
    path.write_text(json.dumps(document))
    return path


class TestRun:
    def test_shipped_ledger_set(self, invoke: Invoke, ledger: Local) -> None:
        result = quality(invoke, ledger, "--checks", "ledger", "--json")
        assert result.exit_code == 0, result.output
        body = json.loads(result.output)
        statuses = {r["name"]: r["status"] for r in body["results"]}
        assert statuses["journal entries balance"] == "fail"
        assert statuses["payment ids are unique"] == "fail"
        assert statuses["invoice amounts equal their lines"] == "pass"
        # the demo's books ended in 2025: against today's clock they are stale
        assert statuses["journal is fresh"] == "fail"

    def test_table_output_and_exit_code(self, invoke: Invoke, ledger: Local) -> None:
        result = quality(invoke, ledger, "--checks", "ledger", "--exit-code")
        assert result.exit_code == 2, result.output
        assert "journal entries balance" in result.output
        assert "FAIL:" in result.output
        assert "Post correcting entries" in result.output

    def test_file_with_a_default_table(self, invoke: Invoke, ledger: Local, tmp_path: Path) -> None:
        path = write_checks(
            tmp_path,
            [
                {"check": "unique", "columns": "expenseId"},
                {"check": "allowed_values", "column": "currency", "values": ["USD"]},
            ],
        )
        result = quality(invoke, ledger, "--checks", path, "--table", "LedgerExpense", "--json")
        assert result.exit_code == 1
        assert "checks.1.column" in result.output

    def test_passing_run_exits_zero_with_exit_code(
        self, invoke: Invoke, ledger: Local, tmp_path: Path
    ) -> None:
        path = write_checks(
            tmp_path,
            {"checks": [{"check": "unique", "columns": ["expenseId"]}], "name": "ids"},
        )
        result = quality(
            invoke, ledger, "--checks", path, "--table", "LedgerExpense", "--exit-code"
        )
        assert result.exit_code == 0, result.output
        assert "PASS: 1 passed" in result.output

    def test_no_store(self, invoke: Invoke, ledger: Local, tmp_path: Path) -> None:
        path = write_checks(tmp_path, [{"check": "unique", "columns": ["expenseId"]}])
        quality(invoke, ledger, "--checks", path, "--table", "LedgerExpense", "--no-store")
        listed = invoke(
            "data-quality", "list", "--json", "--company", ledger.company, "--api-key", ledger.key
        )
        assert json.loads(listed.output) == []


class TestBadInput:
    def test_missing_file(self, invoke: Invoke, local: Local) -> None:
        result = quality(invoke, local, "--checks", "nope.json")
        assert result.exit_code == 1
        assert "--checks: no such file" in result.output

    def test_not_json(self, invoke: Invoke, local: Local, tmp_path: Path) -> None:
        path = tmp_path / "checks.json"
        path.write_text("{not json")
        result = quality(invoke, local, "--checks", path)
        assert result.exit_code == 1
        assert "not a JSON file" in result.output

    def test_wrong_shape(self, invoke: Invoke, local: Local, tmp_path: Path) -> None:
        result = quality(invoke, local, "--checks", write_checks(tmp_path, {"rules": []}))
        assert result.exit_code == 1
        assert 'expected {"checks": [...]}' in result.output

    def test_invalid_rule(self, invoke: Invoke, local: Local, tmp_path: Path) -> None:
        path = write_checks(tmp_path, [{"check": "range", "column": "amount"}])
        result = quality(invoke, local, "--checks", path, "--table", "LedgerExpense")
        assert result.exit_code == 1
        assert "give min, max or both" in result.output

    def test_table_and_file(self, invoke: Invoke, local: Local, tmp_path: Path) -> None:
        path = write_checks(tmp_path, [{"check": "unique", "columns": "a"}])
        result = quality(invoke, local, "--checks", path, "--table", "a", "--file", "b.csv")
        assert result.exit_code == 1
        assert "give --table or --file, not both" in result.output
