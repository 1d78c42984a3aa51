"""A monitor that cannot run is heard of: its failed run opens an alert (delivered, signed),
a second failure only counts it, and the next run that completes resolves it."""

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.alerts.conftest import SECRET, Receiver, add_webhook, wait_until
from tests.alerts.test_scheduler import quality_monitor, runs
from tests.alerts.test_webhooks_and_alerts import alerts
from tests.conftest import TenantFixture
from urutiq_ai.sdk import verify_webhook


def run_now(client: TestClient, tenant: TenantFixture, monitor_id: str, status: str) -> None:
    response = client.post(
        tenant.url(f"monitors/{monitor_id}/run"), headers=tenant.headers("editor")
    )
    assert response.status_code == 202, response.text
    run_id = response.json()["id"]
    wait_until(
        lambda: (
            [r for r in runs(client, tenant, monitor_id) if r["id"] == run_id]
            and [r for r in runs(client, tenant, monitor_id) if r["id"] == run_id][0]["status"]
            in ("completed", "failed")
        ),
        message="the monitor run",
    )
    (run,) = [r for r in runs(client, tenant, monitor_id) if r["id"] == run_id]
    assert run["status"] == status, run


def test_a_failing_monitor_opens_an_alert_until_it_runs_again(
    app: FastAPI, client: TestClient, tenant: TenantFixture, receiver: Receiver
) -> None:
    add_webhook(client, tenant, receiver.url)
    monitor: dict[str, Any] = quality_monitor(app, client, tenant, status="paused")
    source = Path(app.state.settings.sources) / tenant.id / tenant.company_id / "expenses.csv"
    kept = source.read_bytes()
    source.unlink()  # the monitor's source is gone: its runs fail

    run_now(client, tenant, monitor["id"], "failed")
    (opened,) = receiver.wait_for(1)
    assert opened.headers["X-Urutiq-Event"] == "alert.opened"
    assert verify_webhook(SECRET, opened.body, opened.headers["X-Urutiq-Signature"])
    alert = opened.json["alert"]
    assert alert["alertKey"] == f"monitor:{monitor['id']}:failed"
    assert alert["source"] == "quality"
    assert "could not run" in alert["title"]
    assert alert["details"]["monitorId"] == monitor["id"]
    assert alert["details"]["error"]

    run_now(client, tenant, monitor["id"], "failed")  # still failing: counted, not sent
    (listed,) = alerts(client, tenant, status="open", alertKey=alert["alertKey"])
    assert listed["occurrences"] == 2

    source.write_bytes(kept)
    run_now(client, tenant, monitor["id"], "completed")
    received = receiver.wait_for(3)  # opened, then the quality check's own, and resolved
    resolved = [r for r in received if r.headers["X-Urutiq-Event"] == "alert.resolved"]
    assert [r.json["alert"]["id"] for r in resolved] == [alert["id"]]
    assert alerts(client, tenant, status="open", alertKey=alert["alertKey"]) == []
