"""Pipeline run modes: a checked ``config``, incremental runs on a watermark (the range read
in SQL, the output merged on keys), backfills of a range, and the SDK and CLI verbs."""

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Column, DateTime, Float, MetaData, Table, Text, create_engine, event, text

from tests.cli.conftest import Invoke, Local
from tests.conftest import APP_ROLE, TenantFixture
from tests.pipelines.test_pipelines_api import company_rows

SOURCE = "RunModeEvents"
BASE = datetime(2025, 12, 1)
"""Event ``e<i>`` happens at BASE + i days: e31 at 2026-01-01, e62 at 2026-02-01."""

Rows = list[dict[str, Any]]


def event_rows(first: int, count: int, *, shift: float = 0.0) -> Rows:
    return [
        {
            "eventId": f"e{i}",
            "vendorId": f"v{i % 3}",
            "amount": -3.0 if i == 5 else float(i + 1) + shift,
            "note": f"event {i}",
            "eventTime": BASE + timedelta(days=i),
        }
        for i in range(first, first + count)
    ]


def _table() -> Table:
    return Table(
        SOURCE,
        MetaData(),
        Column("tenantId", Text, nullable=False),
        Column("companyId", Text, nullable=False),
        Column("eventId", Text),
        Column("vendorId", Text),
        Column("amount", Float),
        Column("note", Text),
        Column("eventTime", DateTime),
    )


@pytest.fixture
def source(database_url: str, backend: str) -> Callable[..., None]:
    """``source(tenant, rows, replace=False)``: the company's rows of the events table."""

    def write(tenant: TenantFixture, rows: Rows, *, replace: bool = False) -> None:
        engine = create_engine(database_url)
        table = _table()
        with engine.begin() as conn:
            table.create(conn, checkfirst=True)
            if backend == "postgresql":
                conn.execute(text(f'GRANT SELECT ON "{SOURCE}" TO {APP_ROLE}'))
            mine = (table.c.tenantId == tenant.id) & (table.c.companyId == tenant.company_id)
            if replace:
                conn.execute(table.delete().where(mine))
            else:  # a row with the same id is updated in place
                ids = [row["eventId"] for row in rows]
                conn.execute(table.delete().where(mine, table.c.eventId.in_(ids)))
            owner = {"tenantId": tenant.id, "companyId": tenant.company_id}
            if rows:
                conn.execute(table.insert(), [{**owner, **row} for row in rows])
        engine.dispose()

    return write


def body(name: str, config: Any, **changes: Any) -> dict[str, Any]:
    return {
        "pipelineName": name,
        "pipelineType": "preprocessing",
        "sourceTables": [SOURCE],
        "targetTables": ["RunModeOut"],
        "transformations": [
            {"step": "filter", "expression": "amount > 0"},
            {"step": "select", "columns": ["eventId", "vendorId", "amount", "eventTime"]},
        ],
        "config": config,
        **changes,
    }


INCREMENTAL = {"mode": "incremental", "watermarkColumn": "eventTime", "keyColumns": ["eventId"]}


def create(client: TestClient, tenant: TenantFixture, payload: dict[str, Any]) -> dict[str, Any]:
    response = client.post(tenant.url("pipelines"), json=payload, headers=tenant.headers("editor"))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def finish(client: TestClient, tenant: TenantFixture, response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 202, response.text
    run_id = response.json()["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run: dict[str, Any] = client.get(
            tenant.url(f"pipeline-runs/{run_id}"), headers=tenant.headers()
        ).json()
        if run["status"] != "running":
            assert run["status"] == "completed", run["logs"]
            return run
        time.sleep(0.05)
    raise AssertionError("the run did not finish")


def run(client: TestClient, tenant: TenantFixture, pipeline_id: str) -> dict[str, Any]:
    url = tenant.url(f"pipelines/{pipeline_id}/run")
    return finish(client, tenant, client.post(url, headers=tenant.headers("editor")))


def backfill(
    client: TestClient, tenant: TenantFixture, pipeline_id: str, window: dict[str, Any]
) -> httpx.Response:
    url = tenant.url(f"pipelines/{pipeline_id}/backfill")
    return client.post(url, json=window, headers=tenant.headers("editor"))


def target(database_url: str, tenant: TenantFixture, name: str = "RunModeOut") -> pd.DataFrame:
    frame = company_rows(database_url, name, tenant)
    frame["eventTime"] = pd.to_datetime(frame["eventTime"], utc=True)
    return frame.set_index("eventId")


def utc(moment: datetime) -> pd.Timestamp:
    return pd.Timestamp(moment, tz="UTC")


class TestConfigChecked:
    @pytest.mark.parametrize(
        ("config", "field"),
        [
            ({"mode": "sometimes"}, "config.mode"),
            ({"mode": "incremental"}, "config.watermarkColumn"),
            ({"mode": "incremental", "watermarkColumn": "nope"}, "config.watermarkColumn"),
            ({"watermarkColumn": "note"}, "config.watermarkColumn"),  # text, not a time
            ({"watermarkColumn": "eventTime", "keyColumns": ["note"]}, "config.keyColumns.0"),
            ({"keyColumns": []}, "config.keyColumns"),
            ({"retries": {"maxAttempts": 0}}, "config.retries.maxAttempts"),
            ({"retries": {"maxAttempts": 11}}, "config.retries.maxAttempts"),
            ({"retries": {"backoffSeconds": 0}}, "config.retries.backoffSeconds"),
            ({"retries": {"attempts": 3}}, "config.retries.attempts"),
            ({"watermarkColum": "eventTime"}, "config.watermarkColum"),
            ("{bad", "config"),
            ([1, 2], "config"),
        ],
    )
    def test_refused_naming_the_field(
        self,
        client: TestClient,
        tenant: TenantFixture,
        source: Callable[..., None],
        config: Any,
        field: str,
    ) -> None:
        source(tenant, event_rows(0, 3))
        response = client.post(
            tenant.url("pipelines"), json=body("bad", config), headers=tenant.headers("editor")
        )
        assert response.status_code == 422, response.text
        assert response.json()["fields"][0]["field"] == field, response.text

    def test_the_watermark_must_survive_the_steps(
        self, client: TestClient, tenant: TenantFixture, source: Callable[..., None]
    ) -> None:
        source(tenant, event_rows(0, 3))
        steps = [{"step": "select", "columns": ["eventId", "amount"]}]
        response = client.post(
            tenant.url("pipelines"),
            json=body("dropped", INCREMENTAL, transformations=steps),
            headers=tenant.headers("editor"),
        )
        assert response.status_code == 422
        error = response.json()["fields"][0]
        assert error["field"] == "config.watermarkColumn"
        assert "drop" in error["reason"]

    def test_an_update_is_checked_against_the_config(
        self, client: TestClient, tenant: TenantFixture, source: Callable[..., None]
    ) -> None:
        source(tenant, event_rows(0, 3))
        pipeline = create(client, tenant, body("checked", INCREMENTAL))
        url = tenant.url(f"pipelines/{pipeline['id']}")
        steps = [{"step": "select", "columns": ["eventId", "amount"]}]
        dropped = client.patch(
            url, json={"transformations": steps}, headers=tenant.headers("editor")
        )
        assert dropped.status_code == 422
        assert dropped.json()["fields"][0]["field"] == "config.watermarkColumn"
        typo = client.patch(
            url,
            json={"config": {"mode": "incremental", "keys": []}},
            headers=tenant.headers("editor"),
        )
        assert typo.status_code == 422
        assert typo.json()["fields"][0]["field"] == "config.keys"
        paused = client.patch(url, json={"status": "paused"}, headers=tenant.headers("editor"))
        assert paused.status_code == 200, paused.text

    def test_valid_configs_are_stored_with_their_defaults(
        self, client: TestClient, tenant: TenantFixture, source: Callable[..., None]
    ) -> None:
        source(tenant, event_rows(0, 3))
        plain = create(client, tenant, body("no config", None))
        assert plain["config"] is None
        as_text = create(client, tenant, body("as text", json.dumps(INCREMENTAL)))
        assert as_text["config"] == {
            **INCREMENTAL,
            "retries": {"maxAttempts": 1, "backoffSeconds": 60.0},
        }
        retried = create(
            client, tenant, body("retried", {"retries": {"maxAttempts": 3, "backoffSeconds": 5}})
        )
        assert retried["config"] == {
            "mode": "full",
            "retries": {"maxAttempts": 3, "backoffSeconds": 5.0},
        }


class TestIncremental:
    @pytest.mark.parametrize("keys", [["eventId"], ["vendorId", "eventId"]])
    def test_first_run_reads_all_then_only_new_rows_merged_by_key(
        self,
        client: TestClient,
        tenant: TenantFixture,
        source: Callable[..., None],
        database_url: str,
        keys: list[str],
    ) -> None:
        source(tenant, event_rows(0, 40))
        pipeline = create(client, tenant, body("incremental", {**INCREMENTAL, "keyColumns": keys}))
        first = run(client, tenant, pipeline["id"])
        assert first["metrics"]["rowsRead"] == 40
        assert first["recordsProcessed"] == 39  # e5 is negative
        assert first["metrics"]["watermark"] == {
            "column": "eventTime",
            "from": None,
            "to": (BASE + timedelta(days=39)).isoformat(),
        }
        assert len(target(database_url, tenant)) == 39

        updated = {**event_rows(3, 1)[0], "amount": 999.0, "eventTime": BASE + timedelta(days=45)}
        source(tenant, [*event_rows(40, 5), updated])
        second = run(client, tenant, pipeline["id"])
        assert second["metrics"]["rowsRead"] == 6
        assert second["metrics"]["steps"][0]["rowsIn"] == 6
        assert second["recordsProcessed"] == 6
        assert second["metrics"]["watermark"]["from"] == first["metrics"]["watermark"]["to"]
        assert second["metrics"]["watermark"]["to"] == (BASE + timedelta(days=45)).isoformat()
        assert "merged 6 rows" in second["logs"]
        out = target(database_url, tenant)
        assert out.index.is_unique
        assert len(out) == 39 + 5
        assert out.loc["e3", "amount"] == 999.0
        assert out.loc["e44", "amount"] == 45.0
        assert out.loc["e10", "amount"] == 11.0  # untouched

    def test_a_run_with_no_new_rows_writes_nothing(
        self,
        client: TestClient,
        tenant: TenantFixture,
        source: Callable[..., None],
        database_url: str,
    ) -> None:
        source(tenant, event_rows(0, 10))
        pipeline = create(client, tenant, body("quiet", INCREMENTAL))
        first = run(client, tenant, pipeline["id"])
        before = target(database_url, tenant)
        idle = run(client, tenant, pipeline["id"])
        assert idle["recordsProcessed"] == 0
        assert idle["metrics"]["rowsRead"] == 0
        assert "no new rows" in idle["logs"]
        mark = first["metrics"]["watermark"]["to"]
        assert idle["metrics"]["watermark"] == {"column": "eventTime", "from": mark, "to": mark}
        pd.testing.assert_frame_equal(target(database_url, tenant), before)
        source(tenant, event_rows(10, 2))  # the mark carried over: the next run goes on
        assert run(client, tenant, pipeline["id"])["metrics"]["rowsRead"] == 2

    def test_without_keys_new_rows_are_appended(
        self,
        client: TestClient,
        tenant: TenantFixture,
        source: Callable[..., None],
        database_url: str,
    ) -> None:
        source(tenant, event_rows(0, 10))
        config = {"mode": "incremental", "watermarkColumn": "eventTime"}
        pipeline = create(client, tenant, body("append", config))
        run(client, tenant, pipeline["id"])
        again = {**event_rows(2, 1)[0], "eventTime": BASE + timedelta(days=20)}
        source(tenant, [*event_rows(10, 3), again])
        second = run(client, tenant, pipeline["id"])
        assert "appended 4 rows" in second["logs"]
        out = target(database_url, tenant)
        assert len(out) == 9 + 4
        assert (out.index == "e2").sum() == 2

    def test_the_range_is_read_in_sql(
        self,
        app: FastAPI,
        client: TestClient,
        tenant: TenantFixture,
        source: Callable[..., None],
        backend: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        source(tenant, event_rows(0, 10))
        pipeline = create(client, tenant, body("pushed down", INCREMENTAL))
        run(client, tenant, pipeline["id"])
        source(tenant, event_rows(10, 1))
        with captured_sql(app, backend, monkeypatch) as statements:
            run(client, tenant, pipeline["id"])
        reads = [s for s in statements if SOURCE in s and '"eventTime" >' in s]
        assert reads, statements
        if backend == "postgresql":
            assert all(s.startswith("COPY") for s in reads)

    def test_rolling_windows_see_a_look_back_margin(
        self,
        client: TestClient,
        tenant: TenantFixture,
        source: Callable[..., None],
        database_url: str,
    ) -> None:
        source(tenant, event_rows(0, 30))
        steps = [
            {"step": "rolling", "key": ["vendorId"], "timeColumn": "eventTime",
             "column": "amount", "window": "10d", "fn": "sum", "output": "spend10d"},
            {"step": "select", "columns": ["eventId", "vendorId", "eventTime", "spend10d"]},
        ]  # fmt: skip
        payload = body("rolling", INCREMENTAL, transformations=steps, targetTables=["RunModeRoll"])
        pipeline = create(client, tenant, payload)
        run(client, tenant, pipeline["id"])
        source(tenant, event_rows(30, 4))
        second = run(client, tenant, pipeline["id"])
        assert second["recordsProcessed"] == 4
        assert second["metrics"]["rowsRead"] > 4  # the margin
        assert "look-back" in second["logs"]
        out = target(database_url, tenant, "RunModeRoll")
        assert len(out) == 34
        every = pd.DataFrame(event_rows(0, 34))
        for event_id in ("e30", "e33"):
            row = every[every["eventId"] == event_id].iloc[0]
            window = every[
                (every["vendorId"] == row["vendorId"])
                & (every["eventTime"] > row["eventTime"] - timedelta(days=10))
                & (every["eventTime"] <= row["eventTime"])
            ]
            assert out.loc[event_id, "spend10d"] == pytest.approx(window["amount"].sum())


@contextmanager
def captured_sql(
    app: FastAPI, backend: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[str]]:
    """The SQL the app sends while the block runs (COPY statements too, on PostgreSQL)."""
    statements: list[str] = []
    engine = app.state.engine

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    if backend == "postgresql":
        import psycopg

        real_copy = psycopg.Cursor.copy

        def copy(self: Any, statement: Any, *args: Any, **kwargs: Any) -> Any:
            statements.append(str(statement))
            return real_copy(self, statement, *args, **kwargs)

        monkeypatch.setattr(psycopg.Cursor, "copy", copy)
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


FULL_WITH_WATERMARK = {"mode": "full", "watermarkColumn": "eventTime"}
JANUARY = {"from": "2026-01-01", "to": "2026-02-01"}


class TestBackfill:
    def test_replaces_only_the_range(
        self,
        client: TestClient,
        tenant: TenantFixture,
        source: Callable[..., None],
        database_url: str,
    ) -> None:
        source(tenant, event_rows(0, 70))
        pipeline = create(client, tenant, body("backfilled", FULL_WITH_WATERMARK))
        run(client, tenant, pipeline["id"])
        before = target(database_url, tenant)
        changed = [row for row in event_rows(0, 70, shift=1000.0) if row["eventId"] != "e40"]
        source(tenant, changed, replace=True)  # every amount changes, e40 (in January) is gone

        started = backfill(client, tenant, pipeline["id"], JANUARY)
        window = {"from": "2026-01-01T00:00:00+00:00", "to": "2026-02-01T00:00:00+00:00"}
        assert started.json()["metrics"]["backfill"] == window  # recorded from the start
        done = finish(client, tenant, started)
        assert done["metrics"]["backfill"] == window
        assert "backfill" in done["logs"]
        assert done["recordsProcessed"] == 30  # e31..e61, without e40
        assert done["metrics"]["rowsRead"] == 30
        out = target(database_url, tenant)
        january = (out["eventTime"] >= utc(datetime(2026, 1, 1))) & (
            out["eventTime"] < utc(datetime(2026, 2, 1))
        )
        assert "e40" not in out.index
        assert (out.loc[january, "amount"] > 1000).all()
        assert january.sum() == 30
        assert out.loc["e31", "amount"] == 1032.0  # 2026-01-01 00:00: the start is included
        rest = out[~january]
        assert rest["amount"].equals(before.loc[rest.index, "amount"])
        assert out.loc["e62", "amount"] == 63.0  # 2026-02-01 00:00: the end is excluded
        assert len(out) == len(before) - 1

    def test_a_backfill_does_not_move_the_mark(
        self,
        client: TestClient,
        tenant: TenantFixture,
        source: Callable[..., None],
    ) -> None:
        source(tenant, event_rows(0, 40))
        pipeline = create(client, tenant, body("marked", INCREMENTAL))
        first = run(client, tenant, pipeline["id"])
        finish(client, tenant, backfill(client, tenant, pipeline["id"], JANUARY))
        source(tenant, event_rows(40, 2))
        after = run(client, tenant, pipeline["id"])
        assert after["metrics"]["watermark"]["from"] == first["metrics"]["watermark"]["to"]
        assert after["metrics"]["rowsRead"] == 2

    @pytest.mark.parametrize(
        ("window", "field"),
        [
            ({"from": "2026-02-01", "to": "2026-01-01"}, "to"),
            ({"from": "2026-01-01", "to": "2026-01-01"}, "to"),
            ({"from": "2026-01-01T10:00:00+02:00", "to": "2026-01-01T08:00:00Z"}, "to"),
            ({"from": "January", "to": "2026-01-01"}, "from"),
            ({"to": "2026-01-01"}, "from"),
            ({"from": "2026-01-01", "to": "2026-02-01", "mode": "x"}, "mode"),
        ],
    )
    def test_bad_ranges(
        self,
        client: TestClient,
        tenant: TenantFixture,
        source: Callable[..., None],
        window: dict[str, Any],
        field: str,
    ) -> None:
        source(tenant, event_rows(0, 3))
        pipeline = create(client, tenant, body("ranges", FULL_WITH_WATERMARK))
        response = backfill(client, tenant, pipeline["id"], window)
        assert response.status_code == 422, response.text
        assert response.json()["fields"][0]["field"] == field

    def test_needs_a_watermark_column(
        self, client: TestClient, tenant: TenantFixture, source: Callable[..., None]
    ) -> None:
        source(tenant, event_rows(0, 3))
        pipeline = create(client, tenant, body("no watermark", None))
        response = backfill(client, tenant, pipeline["id"], JANUARY)
        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == "config.watermarkColumn"

    def test_one_run_at_a_time_roles_and_tenants(
        self,
        client: TestClient,
        tenant: TenantFixture,
        tenant_second: TenantFixture,
        source: Callable[..., None],
    ) -> None:
        source(tenant, event_rows(0, 3))
        pipeline = create(client, tenant, body("guarded", FULL_WITH_WATERMARK))
        path = f"pipelines/{pipeline['id']}/backfill"
        viewer = client.post(tenant.url(path), json=JANUARY, headers=tenant.headers("viewer"))
        assert viewer.status_code == 403
        for url in (tenant_second.url(path), tenant.url(path)):
            other = client.post(url, json=JANUARY, headers=tenant_second.headers("admin"))
            assert other.status_code == 404, other.text
        limited = client.post(tenant.url(path), json=JANUARY, headers=tenant.headers("limited"))
        assert limited.status_code == 404  # a key of the tenant without this company
        going = client.post(
            tenant.url("pipeline-runs"),
            json={"pipelineId": pipeline["id"]},
            headers=tenant.headers("editor"),
        )
        assert going.status_code == 201
        busy = backfill(client, tenant, pipeline["id"], JANUARY)
        assert busy.status_code == 409
        assert "already running" in busy.json()["detail"]


def test_the_sdk_backfills(
    client: TestClient, tenant: TenantFixture, source: Callable[..., None]
) -> None:
    from urutiq_ai.sdk import Client, ValidationError

    source(tenant, event_rows(0, 70))
    sdk = Client(api_key=tenant.keys["editor"], company=tenant.company_id, http_client=client)
    pipeline = sdk.pipelines.create(body("via sdk", FULL_WITH_WATERMARK))
    assert pipeline.config["watermarkColumn"] == "eventTime"
    started = sdk.pipelines.backfill(pipeline.id, date(2026, 1, 1), datetime(2026, 1, 15))
    current = started
    deadline = time.monotonic() + 60
    while current.status.value == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
        current = sdk.pipeline_runs.get(started.id)
    assert current.status.value == "completed", current.logs
    assert current.records_processed == 14  # e31..e44
    assert current.metrics["backfill"]["to"] == "2026-01-15T00:00:00+00:00"
    with pytest.raises(ValidationError) as caught:
        sdk.pipelines.backfill(pipeline.id, "2026-02-01", "2026-01-01")
    assert caught.value.fields[0].field == "to"


class TestCli:
    @pytest.fixture
    def events(self, local: Local, db_url: str) -> Local:
        engine = create_engine(db_url)
        table = _table()
        with engine.begin() as conn:
            table.create(conn)
            owner = {"tenantId": "local", "companyId": local.company}
            conn.execute(table.insert(), [{**owner, **row} for row in event_rows(0, 70)])
        engine.dispose()
        return local

    def cli(self, invoke: Invoke, local: Local, *args: Any) -> Any:
        return invoke(*args, "--company", local.company, "--api-key", local.key)

    def test_backfill_list_and_show(self, invoke: Invoke, events: Local, tmp_path: Path) -> None:
        path = tmp_path / "pipeline.json"
        path.write_text(json.dumps(body("cli", FULL_WITH_WATERMARK)))
        created = self.cli(invoke, events, "pipelines", "create", "--file", path, "--json")
        assert created.exit_code == 0, created.output
        pipeline_id = json.loads(created.output)["id"]
        ran = self.cli(invoke, events, "pipelines", "run", pipeline_id, "--wait", "--json")
        assert ran.exit_code == 0, ran.output
        done = self.cli(
            invoke, events, "pipelines", "backfill", pipeline_id,
            "--from", "2026-01-01", "--to", "2026-02-01", "--wait", "--json",
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        backfilled = json.loads(done.output)
        assert backfilled["status"] == "completed"
        assert backfilled["recordsProcessed"] == 31
        assert backfilled["metrics"]["backfill"]["from"] == "2026-01-01T00:00:00+00:00"

        other = tmp_path / "other.json"
        other.write_text(json.dumps(body("other", None, targetTables=["OtherOut"])))
        other_id = json.loads(
            self.cli(invoke, events, "pipelines", "create", "--file", other, "--json").output
        )["id"]
        assert self.cli(invoke, events, "pipelines", "run", other_id, "--wait").exit_code == 0
        listed = self.cli(
            invoke, events, "pipeline-runs", "list", "--pipeline-id", pipeline_id, "--json"
        )
        assert listed.exit_code == 0, listed.output
        runs = json.loads(listed.output)
        assert [r["id"] for r in runs] == [backfilled["id"], json.loads(ran.output)["id"]]
        table = self.cli(invoke, events, "pipeline-runs", "list", "--pipeline-id", pipeline_id)
        assert backfilled["id"] in table.output
        assert other_id not in table.output
        nested = self.cli(invoke, events, "pipelines", "runs", "list", "--pipeline-id", other_id)
        assert nested.exit_code == 0, nested.output
        assert other_id in nested.output
        assert backfilled["id"] not in nested.output
        assert json.loads(ran.output)["id"] not in nested.output
        assert len([line for line in nested.output.splitlines() if "completed" in line]) == 1

        shown = self.cli(invoke, events, "pipelines", "runs", "show", backfilled["id"])
        assert shown.exit_code == 0, shown.output
        for expected in ("backfill", "2026-01-01", "Logs:", "Steps", "filter", "select", "31"):
            assert expected in shown.output, shown.output

    @pytest.mark.parametrize(
        ("window", "field"),
        [(("2026-02-01", "2026-01-01"), "to"), (("soon", "2026-01-01"), "from")],
    )
    def test_bad_input_exits_1_naming_the_field(
        self,
        invoke: Invoke,
        events: Local,
        tmp_path: Path,
        window: tuple[str, str],
        field: str,
    ) -> None:
        path = tmp_path / "pipeline.json"
        path.write_text(json.dumps(body("cli", FULL_WITH_WATERMARK)))
        created = self.cli(invoke, events, "pipelines", "create", "--file", path, "--json")
        pipeline_id = json.loads(created.output)["id"]
        result = self.cli(
            invoke, events, "pipelines", "backfill", pipeline_id,
            "--from", window[0], "--to", window[1],
        )  # fmt: skip
        assert result.exit_code == 1
        assert f"{field}:" in result.output

    def test_a_config_typo_exits_1(self, invoke: Invoke, events: Local, tmp_path: Path) -> None:
        path = tmp_path / "pipeline.json"
        path.write_text(json.dumps(body("typo", {"mode": "incremental", "watermark": "x"})))
        result = self.cli(invoke, events, "pipelines", "create", "--file", path)
        assert result.exit_code == 1
        assert "config.watermark" in result.output
