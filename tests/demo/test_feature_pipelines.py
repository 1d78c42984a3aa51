"""The demo's training tables are made by its pipelines (``urutiq_ai.demo.pipelines``):
scheduled, run once at load with their history visible through the API, and the only
source of the tables the templates train on."""

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text

from tests.demo.conftest import DEMO_SCALE
from urutiq_ai.api.app import create_app
from urutiq_ai.core.settings import Settings
from urutiq_ai.demo import FEATURE_COLUMNS, Ledger, generate_ledger, journal_entry_features
from urutiq_ai.demo.loader import COMPANIES
from urutiq_ai.demo.pipelines import CHAINS, JOURNAL, ROW_KEYS, training_table
from urutiq_ai.ml import sandbox, transform
from urutiq_ai.pipelines.service import STEPS
from urutiq_ai.training.templates import TEMPLATES

PIPELINES = [body for chain in CHAINS.values() for body in chain]
COMPANY_IDS = [company[0] for company in COMPANIES]


@pytest.fixture(scope="module")
def api(demo_env: dict[str, str]) -> Iterator[TestClient]:
    """The API on the demo's database (no lifespan: the scheduler stays off)."""
    settings = Settings(
        database_url=demo_env["URUTIQ_DATABASE_URL"],
        artifacts=demo_env["URUTIQ_ARTIFACTS"],
        sources=demo_env["URUTIQ_SOURCES"],
    )
    client = TestClient(create_app(settings))
    client.headers["Authorization"] = f"Bearer {demo_env['URUTIQ_API_KEY']}"
    yield client
    client.close()


def listed(api: TestClient, company: str, resource: str) -> list[dict[str, Any]]:
    response = api.get(f"/api/v1/companies/{company}/{resource}", params={"limit": 500})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def runs_by_pipeline(api: TestClient, company: str) -> dict[str, list[dict[str, Any]]]:
    names = {p["id"]: p["pipelineName"] for p in listed(api, company, "pipelines")}
    runs: dict[str, list[dict[str, Any]]] = {}
    for run in listed(api, company, "pipeline-runs"):
        runs.setdefault(names[run["pipelineId"]], []).append(run)
    return runs


def company_rows(demo_env: dict[str, str], table: str, company: str) -> pd.DataFrame:
    engine = create_engine(demo_env["URUTIQ_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return pd.read_sql(
                text(f'SELECT * FROM "{table}" WHERE "companyId" = :c'), conn, params={"c": company}
            )
    finally:
        engine.dispose()


def company_ledger(company: str) -> Ledger:
    _, _, profile, seed = next(c for c in COMPANIES if c[0] == company)
    return generate_ledger(seed=seed, scale=DEMO_SCALE, company_profile=profile)


@pytest.mark.parametrize("company", COMPANY_IDS)
class TestScheduledChains:
    def test_every_pipeline_is_there_with_its_nightly_schedule(
        self, api: TestClient, company: str
    ) -> None:
        stored = {p["pipelineName"]: p for p in listed(api, company, "pipelines")}
        assert set(stored) == {body["pipelineName"] for body in PIPELINES}
        for body in PIPELINES:
            pipeline = stored[body["pipelineName"]]
            assert pipeline["status"] == "active"
            assert pipeline["schedule"] == body["schedule"]
            assert pipeline["pipelineType"] == body["pipelineType"]
            assert pipeline["targetTables"] == body["targetTables"]
        for chain in CHAINS.values():
            assert [b["pipelineType"] for b in chain][-1] == "validation"
            assert chain[0]["pipelineType"] == "data_collection"

    def test_each_pipeline_completed_one_run_with_counts_and_step_metrics(
        self, api: TestClient, company: str
    ) -> None:
        runs = runs_by_pipeline(api, company)
        for body in PIPELINES:
            (run,) = runs[body["pipelineName"]]
            assert run["status"] == "completed", run["logs"]
            assert run["recordsProcessed"] > 0
            steps = run["metrics"]["steps"]
            assert [s["step"] for s in steps] == [
                s["step"] for s in body.get("transformations", [])
            ]
            assert all(s["rowsOut"] > 0 for s in steps)
            assert len(run["metrics"]["checks"]) == len(body.get("validationRules", []))
            assert (
                f"wrote {run['recordsProcessed']} rows to {body['targetTables'][0]}"
                in (run["logs"])
            )

    def test_bad_rows_land_in_the_rejects(
        self, api: TestClient, demo_env: dict[str, str], company: str
    ) -> None:
        (run,) = runs_by_pipeline(api, company)["expenses: validate"]
        expenses = company_ledger(company).expenses
        negative = expenses.loc[expenses["amount"] <= 0, "expenseId"]
        assert run["recordsFailed"] == len(negative) > 0
        rejects = company_rows(demo_env, "ExpenseClassifierFeaturesRejects", company)
        assert set(rejects["rule"]) == {"expense amounts are positive"}
        assert len(rejects) == len(negative)


@pytest.mark.parametrize("company", COMPANY_IDS)
class TestTrainingTables:
    def test_each_table_holds_what_its_last_pipeline_wrote(
        self, api: TestClient, demo_env: dict[str, str], company: str
    ) -> None:
        runs = runs_by_pipeline(api, company)
        for chain in CHAINS.values():
            (run,) = runs[chain[-1]["pipelineName"]]
            rows = company_rows(demo_env, chain[-1]["targetTables"][0], company)
            assert len(rows) == run["recordsProcessed"]

    def test_the_journal_features_are_those_of_the_pandas_reference(
        self, demo_env: dict[str, str], company: str
    ) -> None:
        made = company_rows(demo_env, training_table("anomaly_detection"), company)
        expected = journal_entry_features(company_ledger(company))
        assert_same_features(made, expected)

    def test_the_expense_table_is_the_ledger_without_its_rejects(
        self, demo_env: dict[str, str], company: str
    ) -> None:
        made = company_rows(demo_env, training_table("expense_classifier"), company)
        expenses = company_ledger(company).expenses
        kept = expenses.loc[expenses["amount"] > 0, "expenseId"]
        assert sorted(made["expenseId"]) == sorted(kept)
        assert {"vendorSpend30d", "vendorBills30d"} <= set(made.columns)

    def test_the_templates_trained_on_them(self, api: TestClient, company: str) -> None:
        models = sorted(listed(api, company, "models"), key=lambda m: m["createdAt"])
        first = {m["modelName"]: m["id"] for m in reversed(models)}  # the demo's own
        runs = {r["modelId"]: r for r in listed(api, company, "training-runs")}
        for template in TEMPLATES:
            loading = runs[first[template]]["logs"].splitlines()[0]
            assert f"{training_table(template)}" in loading, loading
            assert "Ledger" not in loading


class TestOnlyThePipelinesMakeThem:
    def test_the_ledger_has_no_features_table_of_pandas(self, demo_env: dict[str, str]) -> None:
        """The demo's features come from its pipelines only."""
        engine = create_engine(demo_env["URUTIQ_DATABASE_URL"])
        try:
            assert not inspect(engine).has_table("LedgerEntryFeatures")
        finally:
            engine.dispose()


def assert_same_features(made: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Row for row (a table's rows have no order: PostgreSQL returns them as stored)."""
    made = made.sort_values("entryId", ignore_index=True)
    expected = expected.sort_values("entryId", ignore_index=True)
    assert list(made["entryId"]) == list(expected["entryId"])
    for column in FEATURE_COLUMNS:
        got, want = made[column], expected[column]
        if column == "entryDate":  # UTC, zoned on PostgreSQL
            got, want = pd.to_datetime(got).dt.tz_localize(None), pd.to_datetime(want)
            assert (got == want).all(), column
        elif pd.api.types.is_numeric_dtype(want):
            np.testing.assert_allclose(
                got.astype(float), want.astype(float), rtol=1e-9, atol=1e-9, err_msg=column
            )
        else:
            texts = [got.fillna("").astype(str).tolist(), want.fillna("").astype(str).tolist()]
            assert texts[0] == texts[1], column


def run_chain_in_memory(
    chain: Sequence[Mapping[str, Any]], tables: dict[str, pd.DataFrame]
) -> pd.DataFrame:
    """The chain's steps with :mod:`urutiq_ai.ml.transform` alone (no rules, no database)."""

    def reader(spec: Mapping[str, Any], columns: Sequence[str]) -> pd.DataFrame:
        return tables[spec["table"]][list(dict.fromkeys(columns))]

    for body in chain:
        frame = tables[body["sourceTables"][0]]
        steps = [
            step.model_dump(by_alias=False)
            for step in STEPS.validate_python(body.get("transformations", []))
        ]
        tables[body["targetTables"][0]] = transform.apply(frame, steps, reader).frame
    return tables[training_table("anomaly_detection")]


class TestTheSpecs:
    def test_each_training_table_has_one_row_per_ledger_row(self) -> None:
        for template, chain in CHAINS.items():
            rules = chain[-1]["validationRules"]
            assert {"check": "unique", "columns": [ROW_KEYS[template]]} in [
                {k: rule[k] for k in ("check", "columns") if k in rule} for rule in rules
            ]

    def test_each_stage_fires_after_the_stage_it_reads(self) -> None:
        made_by = {body["targetTables"][0]: body for body in PIPELINES}
        for body in PIPELINES:
            minute, hour = (int(part) for part in body["schedule"].split()[:2])
            reads = [body["sourceTables"][0]] + [
                step["source"]["table"]
                for step in body.get("transformations", [])
                if step["step"] == "join"
            ]
            for table in (t for t in reads if t in made_by):
                m, h = (int(part) for part in made_by[table]["schedule"].split()[:2])
                assert (h, m) < (hour, minute), (body["pipelineName"], table)

    @pytest.mark.parametrize("stand_ins", [False, True], ids=["sqlite-math", "stand-ins"])
    def test_the_steps_give_the_pandas_features(
        self, small_ledger: Ledger, monkeypatch: pytest.MonkeyPatch, stand_ins: bool
    ) -> None:
        """Also where SQLite lacks its math functions (the SQL steps use ln and sqrt)."""
        if stand_ins:
            ensure = sandbox.ensure_math_functions
            monkeypatch.setattr(
                sandbox,
                "ensure_math_functions",
                lambda connection, force=False: ensure(connection, force=True),  # noqa: ARG005
            )
        tables = {
            "LedgerJournalEntry": small_ledger.journal_entries,
            "LedgerJournalLine": small_ledger.journal_lines,
        }
        made = run_chain_in_memory(JOURNAL, tables)
        assert_same_features(made, journal_entry_features(small_ledger))


class TestMathStandIns:
    def test_same_answers_as_sqlite_and_null_outside_the_domain(self) -> None:
        connection = sqlite3.connect(":memory:")
        sandbox.ensure_math_functions(connection, force=True)
        values = connection.execute(
            "SELECT ln(1 + 1.5), sqrt(16), exp(0), power(2, 10), log10(100)"
        ).fetchone()
        outside = connection.execute("SELECT ln(-1), ln(0), sqrt(-4), sqrt(NULL)").fetchone()
        connection.close()
        assert values == pytest.approx((np.log(2.5), 4.0, 1.0, 1024.0, 2.0))
        assert outside == (None, None, None, None)


@pytest.mark.parametrize("template", sorted(CHAINS))
def test_each_template_trains_on_its_chain_s_table(template: str) -> None:
    from urutiq_ai.training.templates import TEMPLATES

    assert TEMPLATES[template]["source"] == {"table": training_table(template)}
