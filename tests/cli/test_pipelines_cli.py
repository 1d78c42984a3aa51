"""``urutiq-ai pipelines create|run``: a pipeline from a JSON file, run to its end."""

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from tests.cli.conftest import Invoke, Local, cli
from urutiq_ai.demo.io import write_sql
from urutiq_ai.demo.ledger import generate_ledger


@pytest.fixture
def ledger(local: Local, db_url: str) -> Local:
    engine = create_engine(db_url)
    write_sql(
        generate_ledger(seed=5, scale=0.1), engine, tenant_id="local", company_id=local.company
    )
    engine.dispose()
    return local


def pipeline_file(tmp_path: Path, **changes: Any) -> Path:
    body = {
        "pipelineName": "positive expenses",
        "pipelineType": "preprocessing",
        "sourceTables": ["LedgerExpense"],
        "targetTables": ["PositiveExpenses"],
        "transformations": [
            {"step": "filter", "expression": "amount > 0"},
            {"step": "select", "columns": ["expenseId", "amount", "description"]},
        ],
        "validationRules": [{"check": "not_null", "column": "description"}],
        **changes,
    }
    path = tmp_path / "pipeline.json"
    path.write_text(json.dumps(body))
    return path


def test_create_and_run(invoke: Invoke, ledger: Local, tmp_path: Path) -> None:
    created = cli(
        invoke, ledger, "pipelines", "create", "--file", pipeline_file(tmp_path), "--json"
    )
    assert created.exit_code == 0, created.output
    pipeline_id = json.loads(created.output)["id"]
    ran = cli(invoke, ledger, "pipelines", "run", pipeline_id, "--wait", "--json")
    assert ran.exit_code == 0, ran.output
    run = json.loads(ran.output)
    assert run["status"] == "completed"
    assert run["recordsSkipped"] == 6  # the demo's negative amounts
    assert run["recordsFailed"] >= 1  # expenses without a description
    listed = cli(invoke, ledger, "pipeline-runs", "list", "--json")
    assert [r["id"] for r in json.loads(listed.output)] == [run["id"]]
    paused = cli(invoke, ledger, "pipelines", "pause", pipeline_id)
    assert paused.exit_code == 0
    assert "paused" in paused.output


def test_a_bad_step_exits_1_naming_it(invoke: Invoke, ledger: Local, tmp_path: Path) -> None:
    path = pipeline_file(tmp_path, transformations=[{"step": "select", "columns": ["nope"]}])
    result = cli(invoke, ledger, "pipelines", "create", "--file", path)
    assert result.exit_code == 1
    assert "transformations.0.columns" in result.output


def test_a_missing_or_broken_file(invoke: Invoke, local: Local, tmp_path: Path) -> None:
    assert "no such file" in cli(invoke, local, "pipelines", "create", "--file", "x.json").output
    broken = tmp_path / "p.json"
    broken.write_text("{")
    result = cli(invoke, local, "pipelines", "create", "--file", broken)
    assert result.exit_code == 1
    assert "not a JSON file" in result.output
