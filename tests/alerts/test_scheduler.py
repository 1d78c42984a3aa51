"""The scheduler fires due monitors on its own: once per due time, never while paused, one
active scheduler per PostgreSQL database, and inside `serve` (embedded) by default."""

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.alerts.conftest import wait_until
from tests.conftest import TenantFixture
from urutiq_ai.api.app import create_app
from urutiq_ai.catalog import TICKERS
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.executors import SyncExecutor
from urutiq_ai.core.jobs import JobRuntime
from urutiq_ai.core.scheduler import Scheduler
from urutiq_ai.core.scoping import bind_system
from urutiq_ai.monitoring.models import Monitor
from urutiq_ai.monitoring.scheduling import fire_due_monitors

EVERY_MINUTE = "* * * * *"


def quality_monitor(
    app: FastAPI, client: TestClient, tenant: TenantFixture, **fields: Any
) -> dict[str, Any]:
    folder = Path(app.state.settings.sources) / tenant.id / tenant.company_id
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"expenseId": ["E1", "E2"], "amount": [5.0, -1.0]}).to_csv(
        folder / "expenses.csv", index=False
    )
    body = {
        "name": fields.pop("name", "expenses nightly"),
        "kind": "quality",
        "schedule": fields.pop("schedule", EVERY_MINUTE),
        "params": {
            "source": {"file": "expenses.csv"},
            "checks": [{"check": "range", "column": "amount", "min": 0}],
        },
        **fields,
    }
    response = client.post(tenant.url("monitors"), json=body, headers=tenant.headers("editor"))
    assert response.status_code == 201, response.text
    monitor: dict[str, Any] = response.json()
    return monitor


def runs(client: TestClient, tenant: TenantFixture, monitor_id: str) -> list[dict[str, Any]]:
    response = client.get(
        tenant.url("monitor-runs"), params={"monitorId": monitor_id}, headers=tenant.headers()
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def get_monitor(client: TestClient, tenant: TenantFixture, monitor_id: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get(
        tenant.url(f"monitors/{monitor_id}"), headers=tenant.headers()
    ).json()
    return body


def make_due(app: FastAPI, monitor_id: str) -> None:
    """Move a monitor's next time to a moment ago (schedules fire each minute at most)."""
    with unit_of_work(app.state.sessionmaker) as session:
        bind_system(session)
        monitor = session.get(Monitor, monitor_id)
        assert monitor is not None
        monitor.next_run_at = datetime.now(UTC) - timedelta(seconds=1)


def scheduler(runtime: JobRuntime) -> Scheduler:
    return Scheduler(runtime, SyncExecutor(runtime), TICKERS, interval=0.1)


class TestTick:
    def test_a_due_monitor_runs_and_its_next_time_moves_on(
        self, app: FastAPI, client: TestClient, tenant: TenantFixture, runtime: JobRuntime
    ) -> None:
        monitor = quality_monitor(app, client, tenant)
        next_run = datetime.fromisoformat(monitor["nextRunAt"])
        assert next_run > datetime.now(UTC) - timedelta(seconds=1)
        later = next_run + timedelta(minutes=5)  # due five minutes ago: 5 missed runs
        assert scheduler(runtime).tick(later) >= 1
        (run,) = runs(client, tenant, monitor["id"])
        assert run["trigger"] == "schedule"
        assert run["status"] == "completed", run
        assert run["summary"]["failed"] == 1
        assert datetime.fromisoformat(run["scheduledFor"]) == next_run
        shown = get_monitor(client, tenant, monitor["id"])
        assert shown["lastStatus"] == "completed"
        assert shown["lastRunId"] == run["id"]
        # the missed runs collapse into that one: the next time is after "now"
        assert datetime.fromisoformat(shown["nextRunAt"]) > later
        assert fire_due_monitors(runtime, SyncExecutor(runtime), later) == 0
        quality = client.get(tenant.url("data-quality"), headers=tenant.headers()).json()
        assert [row["status"] for row in quality["items"]] == ["fail"]
        alerts = client.get(tenant.url("alerts"), headers=tenant.headers()).json()["items"]
        assert [a["source"] for a in alerts] == ["quality"]

    def test_a_paused_monitor_does_not_fire(
        self, app: FastAPI, client: TestClient, tenant: TenantFixture, runtime: JobRuntime
    ) -> None:
        monitor = quality_monitor(app, client, tenant, status="paused")
        far = datetime.now(UTC) + timedelta(days=1)
        fire_due_monitors(runtime, SyncExecutor(runtime), far)
        assert runs(client, tenant, monitor["id"]) == []
        resumed = client.patch(
            tenant.url(f"monitors/{monitor['id']}"),
            json={"status": "active"},
            headers=tenant.headers("editor"),
        ).json()
        assert resumed["status"] == "active"
        assert datetime.fromisoformat(resumed["nextRunAt"]) > datetime.now(UTC) - timedelta(
            seconds=2
        )

    def test_a_changed_schedule_moves_the_next_time(
        self, app: FastAPI, client: TestClient, tenant: TenantFixture
    ) -> None:
        monitor = quality_monitor(app, client, tenant)
        changed = client.patch(
            tenant.url(f"monitors/{monitor['id']}"),
            json={"schedule": "0 6 * * *"},
            headers=tenant.headers("editor"),
        ).json()
        next_run = datetime.fromisoformat(changed["nextRunAt"])
        assert (next_run.hour, next_run.minute, next_run.second) == (6, 0, 0)

    def test_a_failing_check_is_recorded_on_the_run(
        self, app: FastAPI, client: TestClient, tenant: TenantFixture, runtime: JobRuntime
    ) -> None:
        monitor = quality_monitor(app, client, tenant)
        (
            Path(app.state.settings.sources) / tenant.id / tenant.company_id / "expenses.csv"
        ).write_text("expenseId,total\nE1,3\n")
        fire_due_monitors(runtime, SyncExecutor(runtime), datetime.now(UTC) + timedelta(hours=1))
        (run,) = runs(client, tenant, monitor["id"])
        assert run["status"] == "failed"
        assert "checks.0.column" in run["error"]
        assert run["endTime"] is not None
        assert get_monitor(client, tenant, monitor["id"])["lastStatus"] == "failed"
        listed = client.get(tenant.url("data-quality"), headers=tenant.headers()).json()
        assert listed["items"] == []  # nothing half-written

    def test_manual_runs_go_through_the_job_pool(
        self, app: FastAPI, client: TestClient, tenant: TenantFixture
    ) -> None:
        monitor = quality_monitor(app, client, tenant, status="paused")
        response = client.post(
            tenant.url(f"monitors/{monitor['id']}/run"), headers=tenant.headers("editor")
        )
        assert response.status_code == 202, response.text
        run = response.json()
        assert (run["status"], run["trigger"]) == ("queued", "manual")
        done = wait_until(
            lambda: [r for r in runs(client, tenant, monitor["id"]) if r["status"] == "completed"],
            message="the manual run",
        )
        assert done[0]["id"] == run["id"]
        viewer = client.post(
            tenant.url(f"monitors/{monitor['id']}/run"), headers=tenant.headers("viewer")
        )
        assert viewer.status_code == 403


class TestEmbedded:
    def test_serve_fires_monitors_on_its_own(self, app: FastAPI, tenant: TenantFixture) -> None:
        settings = app.state.settings.model_copy(
            update={"scheduler": "embedded", "scheduler_interval": 0.2}
        )
        serving = create_app(settings)
        with TestClient(serving) as client:
            assert serving.state.scheduler is not None
            monitor = quality_monitor(app, client, tenant, name="embedded")
            make_due(app, monitor["id"])  # not wait for the minute to turn
            fired = wait_until(
                lambda: [
                    r for r in runs(client, tenant, monitor["id"]) if r["status"] == "completed"
                ],
                timeout=20,
                message="a scheduled run",
            )
            assert fired[0]["trigger"] == "schedule"
            # pause it before the scheduler stops, so other tests' ticks leave it alone
            client.patch(
                tenant.url(f"monitors/{monitor['id']}"),
                json={"status": "paused"},
                headers=tenant.headers("editor"),
            )
        assert serving.state.scheduler._stop.is_set()
        serving.state.engine.dispose()

    def test_off_starts_no_scheduler(self, app: FastAPI) -> None:
        serving = create_app(app.state.settings.model_copy(update={"scheduler": "off"}))
        with TestClient(serving):
            assert serving.state.scheduler is None
        serving.state.engine.dispose()


class TestOneSchedulerPerDatabase:
    @pytest.fixture(autouse=True)
    def _postgresql_only(self, backend: str) -> None:
        if backend != "postgresql":
            pytest.skip("advisory locks and row locks are PostgreSQL's")

    def test_only_one_holds_the_lock(self, runtime: JobRuntime) -> None:
        first, second = scheduler(runtime), scheduler(runtime)
        try:
            assert first.is_leader()
            assert not second.is_leader()
            first.stop()
            assert second.is_leader()
        finally:
            first.stop()
            second.stop()

    def test_two_schedulers_ticking_at_once_fire_once(
        self, app: FastAPI, client: TestClient, tenant: TenantFixture, runtime: JobRuntime
    ) -> None:
        monitor = quality_monitor(app, client, tenant)
        later = datetime.now(UTC) + timedelta(minutes=1)
        fired: list[int] = []
        barrier = threading.Barrier(2)

        def tick() -> None:
            barrier.wait()
            fired.append(fire_due_monitors(runtime, SyncExecutor(runtime), later))

        threads = [threading.Thread(target=tick) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(runs(client, tenant, monitor["id"])) == 1  # not one per scheduler
        assert len(fired) == 2
