"""Pipelines end to end through the API: checked on save, run as a job, output and rejects
written for the company, counts and step metrics on the run, failures leave the output."""

import json
import time
from typing import Any

import httpx
import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from tests.conftest import TenantFixture
from tests.quality.conftest import LedgerFixture

TARGET = "ExpenseFeatures"


def pipeline_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "pipelineName": overrides.pop("pipelineName", "expense features"),
        "pipelineType": "feature_engineering",
        "sourceTables": ["LedgerExpense"],
        "targetTables": [TARGET],
        "transformations": [
            {"step": "filter", "expression": "amount > 0"},
            {"step": "derive", "column": "month", "expression": "month(expenseDate)"},
            {
                "step": "rolling",
                "key": ["vendorId"],
                "timeColumn": "expenseDate",
                "column": "amount",
                "window": "30d",
                "fn": "sum",
                "output": "vendorSpend30d",
            },
            {
                "step": "select",
                "columns": [
                    "expenseId",
                    "vendorId",
                    "description",
                    "amount",
                    "month",
                    "vendorSpend30d",
                    "category",
                ],
            },
        ],  # fmt: skip
        "validationRules": [
            {"check": "not_null", "column": "description", "name": "has a description"}
        ],
    }
    body.update(overrides)
    return body


def create(client: TestClient, tenant: TenantFixture, body: dict[str, Any]) -> httpx.Response:
    return client.post(tenant.url("pipelines"), json=body, headers=tenant.headers("editor"))


def run_to_end(client: TestClient, tenant: TenantFixture, pipeline_id: str) -> dict[str, Any]:
    response = client.post(
        tenant.url(f"pipelines/{pipeline_id}/run"), headers=tenant.headers("editor")
    )
    assert response.status_code == 202, response.text
    run_id = response.json()["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run: dict[str, Any] = client.get(
            tenant.url(f"pipeline-runs/{run_id}"), headers=tenant.headers()
        ).json()
        if run["status"] != "running":
            return run
        time.sleep(0.05)
    raise AssertionError("the run did not finish")


def company_rows(database_url: str, table: str, tenant: TenantFixture) -> pd.DataFrame:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        frame = pd.read_sql(
            text(f'SELECT * FROM "{table}" WHERE "tenantId" = :t AND "companyId" = :c'),
            conn,
            params={"t": tenant.id, "c": tenant.company_id},
        )
    engine.dispose()
    return frame


class TestRun:
    def test_features_rejects_and_counts(
        self, client: TestClient, ledger_tenant: LedgerFixture, database_url: str
    ) -> None:
        tenant, ledger = ledger_tenant.tenant, ledger_tenant.ledger
        created = create(client, tenant, pipeline_body())
        assert created.status_code == 201, created.text
        assert created.json()["transformations"][2]["timeColumn"] == "expenseDate"
        run = run_to_end(client, tenant, created.json()["id"])
        assert run["status"] == "completed", run["logs"]
        expenses = ledger.expenses
        positive = expenses[expenses["amount"] > 0]
        described = positive["description"].notna()
        assert run["recordsSkipped"] == int((expenses["amount"] <= 0).sum())
        assert run["recordsFailed"] == int((~described).sum())
        assert run["recordsProcessed"] == int(described.sum())
        steps = run["metrics"]["steps"]
        assert [s["step"] for s in steps] == ["filter", "derive", "rolling", "select"]
        assert steps[0]["rowsIn"] == len(expenses)
        assert run["metrics"]["checks"][0]["rowsFailed"] == run["recordsFailed"]
        assert run["inputSize"] > 0
        assert run["outputSize"] > 0
        assert "rows rejected" in run["logs"]

        output = company_rows(database_url, TARGET, tenant)
        assert len(output) == run["recordsProcessed"]
        assert set(output["expenseId"]) == set(positive.loc[described, "expenseId"])
        vendor = output.iloc[0]["vendorId"]
        mine = positive[positive["vendorId"] == vendor].copy()
        mine["expenseDate"] = pd.to_datetime(mine["expenseDate"], utc=True)
        row = output[output["vendorId"] == vendor].iloc[-1]
        when = mine.loc[mine["expenseId"] == row["expenseId"], "expenseDate"].iloc[0]
        window = mine[(mine["expenseDate"] > when - pd.Timedelta(days=30))
                      & (mine["expenseDate"] <= when)]  # fmt: skip
        assert row["vendorSpend30d"] == pytest.approx(window["amount"].sum())

        rejects = company_rows(database_url, f"{TARGET}Rejects", tenant)
        assert len(rejects) == run["recordsFailed"]
        assert set(rejects["rule"]) == {"has a description"}
        data = rejects.iloc[0]["rowData"]
        data = json.loads(data) if isinstance(data, str) else data
        assert data["description"] is None
        assert data["expenseId"] in set(ledger.expenses["expenseId"])
        assert set(rejects["runId"]) == {run["runId"]}

    def test_its_checks_are_stored_as_quality_results_it_links(
        self, client: TestClient, ledger_tenant: LedgerFixture
    ) -> None:
        tenant = ledger_tenant.tenant
        body = pipeline_body(pipelineName="linked checks")
        body["validationRules"].append(  # a data-set check: measured, rejects nothing
            {"check": "unique", "columns": ["expenseId"], "name": "one row per expense"}
        )
        run = run_to_end(client, tenant, create(client, tenant, body).json()["id"])
        assert run["status"] == "completed", run["logs"]
        described, unique = run["metrics"]["checks"]
        assert (described["blocking"], unique["blocking"]) == (True, False)
        assert (described["status"], unique["status"]) == ("fail", "pass")
        for check in (described, unique):
            stored = client.get(
                tenant.url(f"data-quality/{check['dataQualityId']}"), headers=tenant.headers()
            )
            assert stored.status_code == 200, stored.text
            row = stored.json()
            assert row["tableName"] == TARGET
            assert row["status"] == check["status"]
            assert row["issues"]["rowsFailed"] == check["rowsFailed"]
            # issue 18: which rows the figure counts, and where the failing ones went
            counted = row["issues"]["counted"]
            assert counted == check["counted"]
            assert counted["validated"] == run["recordsProcessed"] + run["recordsFailed"]
            assert (counted["kept"], counted["rejected"]) == (
                run["recordsProcessed"],
                run["recordsFailed"],
            )
            assert counted["rejectsTable"] == f"{TARGET}Rejects"
        assert described["counted"]["failingRowsWentTo"] == f"{TARGET}Rejects"
        assert unique["counted"]["failingRowsWentTo"] == TARGET
        assert described["rowsFailed"] == run["recordsFailed"] > 0

    def test_running_again_replaces_the_company_rows(
        self, client: TestClient, ledger_tenant: LedgerFixture, database_url: str
    ) -> None:
        tenant = ledger_tenant.tenant
        pipeline = create(client, tenant, pipeline_body()).json()
        first = run_to_end(client, tenant, pipeline["id"])
        second = run_to_end(client, tenant, pipeline["id"])
        assert second["status"] == "completed"
        output = company_rows(database_url, TARGET, tenant)
        assert len(output) == first["recordsProcessed"] == second["recordsProcessed"]

    def test_a_failing_run_leaves_the_previous_output(
        self, client: TestClient, ledger_tenant: LedgerFixture, database_url: str
    ) -> None:
        tenant = ledger_tenant.tenant
        good = create(client, tenant, pipeline_body()).json()
        done = run_to_end(client, tenant, good["id"])
        broken = create(
            client,
            tenant,
            pipeline_body(
                pipelineName="broken",
                transformations=[{"step": "sql", "query": "SELECT nope FROM input"}],
                validationRules=[],
            ),
        ).json()
        failed = run_to_end(client, tenant, broken["id"])
        assert failed["status"] == "failed"
        assert "transformations.0" in failed["logs"]
        assert failed["endTime"] is not None
        assert len(company_rows(database_url, TARGET, tenant)) == done["recordsProcessed"]

    def test_one_run_at_a_time(self, client: TestClient, ledger_tenant: LedgerFixture) -> None:
        tenant = ledger_tenant.tenant
        pipeline = create(client, tenant, pipeline_body()).json()
        going = client.post(
            tenant.url("pipeline-runs"),
            json={"pipelineId": pipeline["id"]},
            headers=tenant.headers("editor"),
        )
        assert going.status_code == 201
        response = client.post(
            tenant.url(f"pipelines/{pipeline['id']}/run"), headers=tenant.headers("editor")
        )
        assert response.status_code == 409
        assert "already running" in response.json()["detail"]

    def test_aggregate_and_join(
        self, client: TestClient, ledger_tenant: LedgerFixture, database_url: str
    ) -> None:
        tenant, ledger = ledger_tenant.tenant, ledger_tenant.ledger
        body = pipeline_body(
            pipelineName="vendor totals",
            targetTables=["VendorTotals"],
            transformations=[
                {"step": "filter", "expression": "amount > 0"},
                {
                    "step": "aggregate",
                    "groupBy": ["vendorId"],
                    "aggregations": {
                        "total": {"column": "amount", "fn": "sum"},
                        "expenses": {"column": "expenseId", "fn": "count"},
                    },
                },
                {
                    "step": "join",
                    "source": {"table": "LedgerVendor"},
                    "on": ["vendorId"],
                    "columns": ["vendorName", "country"],
                },
            ],
            validationRules=[{"check": "unique", "columns": ["vendorId"]}],
        )
        created = create(client, tenant, body)
        assert created.status_code == 201, created.text
        run = run_to_end(client, tenant, created.json()["id"])
        assert run["status"] == "completed", run["logs"]
        output = company_rows(database_url, "VendorTotals", tenant).set_index("vendorId")
        positive = ledger.expenses[ledger.expenses["amount"] > 0]
        expected = positive.groupby("vendorId")["amount"].sum()
        assert output["total"].sort_index().to_numpy() == pytest.approx(
            expected.sort_index().to_numpy()
        )
        names = ledger.vendors.set_index("vendorId")["vendorName"]
        assert (output["vendorName"] == names.reindex(output.index)).all()
        check = run["metrics"]["checks"][0]
        assert (check["check"], check["rowsFailed"]) == ("unique", 0)


class TestBadInput:
    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"transformations": [{"step": "explode"}]}, "transformations.0"),
            (
                {"transformations": [{"step": "filter", "expression": "fee > 0"}]},
                "transformations.0.expression",
            ),
            (
                {"transformations": [{"step": "filter", "expression": "__import__('os')"}]},
                "transformations.0.filter.expression",
            ),
            (
                {"transformations": [{"step": "select", "columns": ["amount"]},
                                     {"step": "derive", "column": "x",
                                      "expression": "vendorId + 1"}]},
                "transformations.1.expression",
            ),
            (
                {"transformations": [{"step": "rolling", "key": ["vendorId"],
                                      "timeColumn": "expenseDate", "column": "amount",
                                      "window": "a month", "output": "x"}]},
                "transformations.0.rolling.window",
            ),
            ({"targetTables": ["AIModel"]}, "targetTables.0"),
            ({"targetTables": ["LedgerExpense"]}, "targetTables.0"),
            ({"sourceTables": ["NoSuchTable"]}, "sourceTables.table"),
            (
                {"validationRules": [{"check": "not_null", "column": "nope"}]},
                "validationRules.0.column",
            ),
            (
                {"transformations": [{"step": "join", "source": {"table": "LedgerVendor"},
                                      "on": ["vendorId"], "columns": ["nope"]}]},
                "transformations.0.columns",
            ),
        ],
    )  # fmt: skip
    def test_refused_on_save(
        self,
        client: TestClient,
        ledger_tenant: LedgerFixture,
        change: dict[str, Any],
        field: str,
    ) -> None:
        response = create(client, ledger_tenant.tenant, pipeline_body(**change))
        assert response.status_code == 422, response.text
        assert response.json()["fields"][0]["field"] == field

    def test_an_update_is_checked_too(
        self, client: TestClient, ledger_tenant: LedgerFixture
    ) -> None:
        tenant = ledger_tenant.tenant
        pipeline = create(client, tenant, pipeline_body()).json()
        response = client.patch(
            tenant.url(f"pipelines/{pipeline['id']}"),
            json={"transformations": [{"step": "select", "columns": ["nope"]}]},
            headers=tenant.headers("editor"),
        )
        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == "transformations.0.columns"

    def test_a_pipeline_without_target_cannot_run(
        self, client: TestClient, tenant: TenantFixture
    ) -> None:
        body = {"pipelineName": "draft", "pipelineType": "preprocessing"}
        pipeline = create(client, tenant, body).json()
        response = client.post(
            tenant.url(f"pipelines/{pipeline['id']}/run"), headers=tenant.headers("editor")
        )
        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == "sourceTables"

    def test_viewer_and_other_tenant(
        self, client: TestClient, ledger_tenant: LedgerFixture, tenant_second: TenantFixture
    ) -> None:
        tenant = ledger_tenant.tenant
        pipeline = create(client, tenant, pipeline_body()).json()
        viewer = client.post(
            tenant.url(f"pipelines/{pipeline['id']}/run"), headers=tenant.headers("viewer")
        )
        assert viewer.status_code == 403
        other = client.post(
            tenant_second.url(f"pipelines/{pipeline['id']}/run"),
            headers=tenant_second.headers("editor"),
        )
        assert other.status_code == 404


def test_the_sdk_runs_a_pipeline(
    app: FastAPI, client: TestClient, ledger_tenant: LedgerFixture
) -> None:
    from urutiq_ai.sdk import Client

    tenant = ledger_tenant.tenant
    sdk = Client(api_key=tenant.keys["editor"], company=tenant.company_id, http_client=client)
    pipeline = sdk.pipelines.create(pipeline_body(pipelineName="via sdk"))
    run = sdk.pipelines.run(pipeline.id)
    deadline = time.monotonic() + 60
    while run.status.value == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
        run = sdk.pipeline_runs.get(run.id)
    assert run.status.value == "completed", run.logs
    assert run.records_processed > 0
    assert sdk.pipelines.pause(pipeline.id).status.value == "paused"
    del app


def test_values_survive_the_write(
    client: TestClient, ledger_tenant: LedgerFixture, database_url: str
) -> None:
    """Missing numbers, text with commas and quotes, times and flags come back as written."""
    tenant = ledger_tenant.tenant
    body = pipeline_body(
        pipelineName="typed",
        targetTables=["TypedOut"],
        transformations=[
            {"step": "derive", "column": "note", "expression": "description + ', \"ok\"'"},
            {"step": "derive", "column": "big", "expression": "amount > 1000"},
            {"step": "derive", "column": "maybe", "expression": "null"},
            {"step": "cast", "columns": {"expenseDate": "date"}},
            {"step": "select", "columns": ["expenseId", "note", "big", "maybe", "expenseDate"]},
        ],
        validationRules=[],
    )
    created = create(client, tenant, body)
    assert created.status_code == 201, created.text
    run = run_to_end(client, tenant, created.json()["id"])
    assert run["status"] == "completed", run["logs"]
    output = company_rows(database_url, "TypedOut", tenant).set_index("expenseId")
    expenses = ledger_tenant.ledger.expenses.set_index("expenseId")
    some = expenses[expenses["description"].notna()].index[0]
    assert output.loc[some, "note"] == f'{expenses.loc[some, "description"]}, "ok"'
    assert output["maybe"].isna().all()
    assert bool(output.loc[some, "big"]) == bool(expenses.loc[some, "amount"] > 1000)
    written = pd.to_datetime(output.loc[some, "expenseDate"], utc=True)
    assert written == pd.to_datetime(expenses.loc[some, "expenseDate"], utc=True)


class TestSchedule:
    def test_a_scheduled_pipeline_fires_once_per_due_time(
        self, app: FastAPI, client: TestClient, ledger_tenant: LedgerFixture
    ) -> None:
        from datetime import UTC, datetime, timedelta

        from urutiq_ai.core.cron import next_fire
        from urutiq_ai.core.executors import SyncExecutor
        from urutiq_ai.core.jobs import JobRuntime
        from urutiq_ai.pipelines.scheduling import fire_due_pipelines

        tenant = ledger_tenant.tenant
        runtime = JobRuntime(app.state.sessionmaker, app.state.settings)
        sync = SyncExecutor(runtime)
        pipeline = create(
            client, tenant, pipeline_body(pipelineName="nightly", schedule="0 2 * * *")
        ).json()

        def runs() -> list[dict[str, Any]]:
            items: list[dict[str, Any]] = client.get(
                tenant.url("pipeline-runs"),
                params={"pipelineId": pipeline["id"]},
                headers=tenant.headers(),
            ).json()["items"]
            return items

        created = datetime.fromisoformat(pipeline["createdAt"])
        before_first = next_fire("0 2 * * *", created) - timedelta(minutes=1)
        fire_due_pipelines(runtime, sync, before_first)  # 02:00 has not come since creation
        assert runs() == []
        later = before_first + timedelta(days=3, hours=2)  # three nights missed
        fire_due_pipelines(runtime, sync, later)
        (run,) = runs()  # collapsed into one
        assert run["status"] == "completed", run["logs"]
        assert "scheduled for" in run["logs"]
        fire_due_pipelines(runtime, sync, later + timedelta(minutes=5))
        assert len(runs()) == 1  # nothing due since that run
        paused = client.patch(
            tenant.url(f"pipelines/{pipeline['id']}"),
            json={"status": "paused"},
            headers=tenant.headers("editor"),
        )
        assert paused.status_code == 200
        fire_due_pipelines(runtime, sync, later + timedelta(days=2))
        assert len(runs()) == 1
        assert datetime.now(UTC) < later + timedelta(days=30)


class TestCancel:
    def running_run(self, client: TestClient, tenant: TenantFixture, pipeline_id: str) -> str:
        response = client.post(
            tenant.url("pipeline-runs"),
            json={"pipelineId": pipeline_id},
            headers=tenant.headers("editor"),
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def cancel(self, client: TestClient, tenant: TenantFixture, run_id: str) -> httpx.Response:
        return client.post(
            tenant.url(f"pipeline-runs/{run_id}/cancel"), headers=tenant.headers("editor")
        )

    def test_a_running_run_is_cancelled_once(
        self, client: TestClient, ledger_tenant: LedgerFixture
    ) -> None:
        tenant = ledger_tenant.tenant
        pipeline = create(client, tenant, pipeline_body()).json()
        run_id = self.running_run(client, tenant, pipeline["id"])
        response = self.cancel(client, tenant, run_id)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "cancelled"
        assert response.json()["endTime"] is not None
        again = self.cancel(client, tenant, run_id)
        assert again.status_code == 409
        assert "not running" in again.json()["detail"]

    def test_a_run_cancelled_while_it_works_writes_nothing(
        self,
        app: FastAPI,
        client: TestClient,
        ledger_tenant: LedgerFixture,
        database_url: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """The steps run with no transaction open, so on SQLite too a cancel gets through
        while they work (it used to wait for the run's transaction)."""
        from urutiq_ai.core.jobs import Job, JobRuntime
        from urutiq_ai.ml import transform
        from urutiq_ai.pipelines import tasks

        tenant = ledger_tenant.tenant
        pipeline = create(
            client, tenant, pipeline_body(pipelineName="cancelled", targetTables=["NeverWritten"])
        ).json()
        run_id = self.running_run(client, tenant, pipeline["id"])
        real_apply = transform.apply

        def apply_then_cancel(*args: Any, **kwargs: Any) -> Any:
            result = real_apply(*args, **kwargs)
            assert self.cancel(client, tenant, run_id).status_code == 200
            return result

        monkeypatch.setattr(tasks.transform, "apply", apply_then_cancel)
        runtime = JobRuntime(app.state.sessionmaker, app.state.settings)
        job = Job(tasks.__name__ + ":run_pipeline", tenant.id, tenant.company_id, {"runId": run_id})
        tasks.run_pipeline(runtime, job)
        run = client.get(tenant.url(f"pipeline-runs/{run_id}"), headers=tenant.headers()).json()
        assert run["status"] == "cancelled"
        assert run["recordsProcessed"] == 0
        engine = create_engine(database_url)
        with engine.connect() as conn:
            exists = conn.dialect.has_table(conn, "NeverWritten")
            rows = (
                conn.execute(
                    text('SELECT COUNT(*) FROM "NeverWritten" WHERE "tenantId" = :t'),
                    {"t": tenant.id},
                ).scalar()
                if exists
                else 0
            )
        engine.dispose()
        assert rows == 0

    def test_the_sdk_and_roles(self, client: TestClient, ledger_tenant: LedgerFixture) -> None:
        from urutiq_ai.sdk import Client

        tenant = ledger_tenant.tenant
        pipeline = create(client, tenant, pipeline_body()).json()
        run_id = self.running_run(client, tenant, pipeline["id"])
        viewer = client.post(
            tenant.url(f"pipeline-runs/{run_id}/cancel"), headers=tenant.headers("viewer")
        )
        assert viewer.status_code == 403
        sdk = Client(api_key=tenant.keys["editor"], company=tenant.company_id, http_client=client)
        assert sdk.pipelines.cancel_run(run_id).status.value == "cancelled"
