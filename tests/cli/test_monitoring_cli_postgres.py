"""The monitoring commands on PostgreSQL, as the app's ordinary role (row-level security
binding): the other CLI tests use a local SQLite database. The demo is loaded once (small
scale) and ``drift check``, ``perf show``, ``quality run``, ``monitors run`` and ``alerts``
are driven against it in-process, as a user on a PostgreSQL set-up would. Skipped unless
URUTIQ_TEST_DATABASE_URL is set (CI sets it)."""

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import (
    APP_ROLE,
    PG_ENV,
    _worker,
    create_postgres_database,
    drop_postgres_database,
    grant_app_role,
)
from tests.demo.conftest import invoke
from tests.demo.test_loader import _model_id
from urutiq_ai.core.migrations import upgrade

pytestmark = [
    pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"{PG_ENV} not set"),
    pytest.mark.xdist_group("cli_postgres"),  # one worker loads the demo, once
]

COMPANY = "demo-services"


@pytest.fixture(scope="session")  # session: loaded once even if xdist splits the module's run
def pg_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    url = create_postgres_database(os.environ[PG_ENV], f"cli_monitoring_{_worker()}")
    upgrade(url)
    grant_app_role(url)
    folder: Path = tmp_path_factory.mktemp("cli_pg")
    env = {
        "URUTIQ_DATABASE_URL": url,
        "URUTIQ_ARTIFACTS": str(folder / "artifacts"),
        "URUTIQ_SOURCES": str(folder / "sources"),
        "URUTIQ_SCHEDULER": "off",
    }
    code, output = invoke(env, "demo", "load", "--scale", "0.1")
    assert code == 0, output
    env["URUTIQ_API_KEY"] = output.strip().splitlines()[-1]
    grant_app_role(url)  # the demo's ledger tables are new: the app's role may read them
    env["URUTIQ_DATABASE_ROLE"] = APP_ROLE  # from here on as the app's role: RLS applies
    yield env
    drop_postgres_database(url)


def ok_json(env: dict[str, str], *args: str) -> Any:
    code, output = invoke(env, *args, "--company", COMPANY, "--json")
    assert code == 0, output
    return json.loads(output)


def test_drift_check_stores_its_results(pg_env: dict[str, str]) -> None:
    model = _model_id(pg_env, "expense_classifier", first=True, company=COMPANY)
    result = ok_json(pg_env, "drift", "check", "--model", model, "--window", "3w")
    assert set(result["statuses"]) == {"data_drift", "label_drift", "concept_drift"}
    stored = ok_json(pg_env, "drift-detections", "list", "--where", f"modelId={model}")
    assert {row["id"] for row in result["detections"]} <= {row["id"] for row in stored}
    code, output = invoke(
        pg_env, "drift", "check", "--model", model, "--window", "soon", "--company", COMPANY
    )
    assert code == 1
    assert "window" in output


def test_perf_show_computes_the_weekly_series(pg_env: dict[str, str]) -> None:
    model = _model_id(pg_env, "expense_classifier", first=True, company=COMPANY)
    series = ok_json(pg_env, "perf", "show", "--model", model, "--window", "weekly", "--compute")
    assert {"accuracy", "f1"} <= set(series)
    again = ok_json(pg_env, "perf", "show", "--model", model, "--window", "weekly", "--compute")
    assert len(again["f1"]) == len(series["f1"])  # recomputed in place, not duplicated


def test_quality_run_finds_the_ledger_problems(pg_env: dict[str, str]) -> None:
    code, output = invoke(
        pg_env, "quality", "run", "--checks", "ledger", "--company", COMPANY, "--json",
        "--exit-code",
    )  # fmt: skip
    assert code == 2, output  # --exit-code: a failing check is exit 2
    results = json.loads(output)
    failing = {r["name"] for r in results["results"] if r["status"] == "fail"}
    assert any("balance" in name for name in failing), failing


def test_a_table_the_role_may_not_read_is_a_clear_error(pg_env: dict[str, str]) -> None:
    engine = create_engine(pg_env["URUTIQ_DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(text(f'REVOKE SELECT ON "LedgerVendor" FROM {APP_ROLE}'))
    try:
        code, output = invoke(pg_env, "quality", "run", "--checks", "ledger", "--company", COMPANY)
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'GRANT SELECT ON "LedgerVendor" TO {APP_ROLE}'))
        engine.dispose()
    assert code == 1, output
    assert "cannot read LedgerVendor" in output
    assert "permission denied" in output


def test_a_monitor_runs_and_its_alerts_are_listed(pg_env: dict[str, str]) -> None:
    monitors = ok_json(pg_env, "monitors", "list")
    assert {m["kind"] for m in monitors} == {"drift", "performance", "quality"}
    nightly = next(m for m in monitors if m["kind"] == "quality")
    run = ok_json(pg_env, "monitors", "run", nightly["id"], "--wait")
    assert run["status"] == "completed", run
    assert run["summary"]["failed"] > 0  # the ledger's injected problems
    alerts = ok_json(pg_env, "alerts", "list")
    assert "quality" in {a["source"] for a in alerts}
