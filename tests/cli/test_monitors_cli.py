"""``urutiq-ai monitors|alerts|webhooks``, in-process on a local SQLite database: a quality
monitor on the demo ledger run now, the alert it raises resolved, pause and resume, bad
input, and webhooks pinged on a real HTTP receiver."""

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from typer.testing import Result

from tests.alerts import conftest as alert_fixtures
from tests.alerts.conftest import SECRET, Receiver
from tests.cli.conftest import Invoke, Local, cli, ok_json
from urutiq_ai.demo.io import write_sql
from urutiq_ai.demo.ledger import generate_ledger
from urutiq_ai.sdk import verify_webhook

# a real HTTP server answering each POST (the alert tests' fixture, shared)
receiver = alert_fixtures.receiver

DAILY = "0 6 * * *"
QUALITY = {
    "source": {"table": "LedgerExpense"},
    "checks": [{"check": "range", "column": "amount", "min": 0.01}],
}


@pytest.fixture
def ledger(local: Local, db_url: str) -> Local:
    """The demo ledger (a few expenses with negative amounts) in the local company."""
    engine = create_engine(db_url)
    write_sql(
        generate_ledger(seed=3, scale=0.1), engine, tenant_id="local", company_id=local.company
    )
    engine.dispose()
    return local


@pytest.fixture
def params_file(tmp_path: Path) -> Path:
    path = tmp_path / "quality-monitor.json"
    path.write_text(json.dumps(QUALITY))
    return path


def create_quality_monitor(
    invoke: Invoke, local: Local, params_file: Path, *extra: str
) -> dict[str, Any]:
    monitor: dict[str, Any] = ok_json(
        invoke,
        local,
        "monitors",
        "create",
        "--name",
        "expense amounts",
        "--kind",
        "quality",
        "--schedule",
        DAILY,
        "--params-file",
        params_file,
        *extra,
    )
    return monitor


def create_webhook(invoke: Invoke, local: Local, url: str, *extra: str) -> dict[str, Any]:
    hook: dict[str, Any] = ok_json(
        invoke, local, "webhooks", "create", "--name", "ops", "--webhook-url", url,
        "--secret", SECRET, *extra,
    )  # fmt: skip
    return hook


class TestQualityMonitor:
    def test_run_raises_an_alert_then_resolve_it(
        self, invoke: Invoke, ledger: Local, params_file: Path
    ) -> None:
        monitor = create_quality_monitor(invoke, ledger, params_file)
        assert (monitor["kind"], monitor["status"], monitor["modelId"]) == (
            "quality",
            "active",
            None,
        )
        assert monitor["params"] == QUALITY
        assert monitor["nextRunAt"] is not None

        run = ok_json(invoke, ledger, "monitors", "run", monitor["id"], "--wait")
        assert run["status"] == "completed", run
        assert (run["monitorId"], run["trigger"]) == (monitor["id"], "manual")
        summary = run["summary"]
        assert (summary["checks"], summary["failed"], summary["passed"]) == (1, 1, 0)
        assert summary["status"] == "fail"
        assert ok_json(invoke, ledger, "monitors", "show", monitor["id"])["lastRunId"] == run["id"]

        (alert,) = ok_json(invoke, ledger, "alerts", "list")
        assert (alert["source"], alert["status"], alert["occurrences"]) == ("quality", "open", 1)
        assert alert["details"]["rowsFailed"] == 6  # the ledger's negative amounts

        resolved = cli(invoke, ledger, "alerts", "resolve", alert["id"])
        assert resolved.exit_code == 0, resolved.output
        assert f"{alert['id']} resolved" in resolved.stdout
        after = ok_json(invoke, ledger, "alerts", "show", alert["id"])
        assert after["status"] == "resolved"
        assert after["resolvedAt"] is not None

    def test_a_failed_run_exits_1(self, invoke: Invoke, local: Local, params_file: Path) -> None:
        monitor = create_quality_monitor(invoke, local, params_file)  # no ledger: no table
        result = cli(invoke, local, "monitors", "run", monitor["id"], "--wait", "--json")
        assert result.exit_code == 1, result.output
        run = json.loads(result.stdout)
        assert run["status"] == "failed"
        assert "LedgerExpense" in run["error"]

    def test_created_paused_then_resume_and_pause(
        self, invoke: Invoke, local: Local, params_file: Path
    ) -> None:
        monitor = create_quality_monitor(invoke, local, params_file, "--paused")
        assert monitor["status"] == "paused"

        resumed = cli(invoke, local, "monitors", "resume", monitor["id"])
        assert resumed.exit_code == 0, resumed.output
        shown = ok_json(invoke, local, "monitors", "show", monitor["id"])
        assert shown["status"] == "active"
        next_run = shown["nextRunAt"][:19].replace("T", " ")
        assert next_run.endswith("06:00:00")  # the schedule's time of day
        assert resumed.stdout.strip() == f"{monitor['id']} active, next run at {next_run} UTC"

        paused = cli(invoke, local, "monitors", "pause", monitor["id"])
        assert paused.exit_code == 0, paused.output
        assert paused.stdout.strip() == f"{monitor['id']} paused"
        assert ok_json(invoke, local, "monitors", "show", monitor["id"])["status"] == "paused"

    def test_inline_params(self, invoke: Invoke, local: Local) -> None:
        monitor = ok_json(
            invoke, local, "monitors", "create", "--name", "q", "--kind", "quality",
            "--schedule", DAILY, "--params", json.dumps(QUALITY),
        )  # fmt: skip
        assert monitor["params"] == QUALITY


class TestMonitorBadInput:
    def create(self, invoke: Invoke, local: Local, *args: Any) -> Result:
        return cli(invoke, local, "monitors", "create", "--name", "m", *args)

    def test_bad_cron(self, invoke: Invoke, local: Local, params_file: Path) -> None:
        result = self.create(
            invoke, local, "--kind", "quality", "--schedule", "61 * * * *",
            "--params-file", params_file,
        )  # fmt: skip
        assert result.exit_code == 1
        assert "schedule:" in result.output
        assert ok_json(invoke, local, "monitors", "list") == []

    def test_a_drift_monitor_without_a_model(self, invoke: Invoke, local: Local) -> None:
        result = self.create(invoke, local, "--kind", "drift", "--schedule", DAILY)
        assert result.exit_code == 1
        assert "modelId:" in result.output
        assert "watches a model" in result.output

    def test_params_not_json(self, invoke: Invoke, local: Local) -> None:
        result = self.create(
            invoke, local, "--kind", "quality", "--schedule", DAILY, "--params", "{window: 7d}"
        )
        assert result.exit_code == 1
        assert "--params: not JSON" in result.output

    def test_params_and_a_params_file(
        self, invoke: Invoke, local: Local, params_file: Path
    ) -> None:
        result = self.create(
            invoke, local, "--kind", "quality", "--schedule", DAILY,
            "--params", "{}", "--params-file", params_file,
        )  # fmt: skip
        assert result.exit_code == 1
        assert "give --params or --params-file, not both" in result.output

    def test_a_missing_params_file(self, invoke: Invoke, local: Local, tmp_path: Path) -> None:
        result = self.create(
            invoke, local, "--kind", "quality", "--schedule", DAILY,
            "--params-file", tmp_path / "nope.json",
        )  # fmt: skip
        assert result.exit_code == 1
        assert "--params-file: no such file" in result.output

    def test_params_of_the_wrong_shape(self, invoke: Invoke, local: Local) -> None:
        result = self.create(
            invoke, local, "--kind", "quality", "--schedule", DAILY,
            "--params", json.dumps({"source": {"table": "LedgerExpense"}}),
        )  # fmt: skip
        assert result.exit_code == 1
        assert "params.checks" in result.output

    def test_unknown_monitor(self, invoke: Invoke, local: Local) -> None:
        result = cli(invoke, local, "monitors", "run", "no-such-monitor")
        assert result.exit_code == 1
        assert "Monitor 'no-such-monitor' not found" in result.output


class TestWebhooks:
    def test_ping_arrives_signed(self, invoke: Invoke, local: Local, receiver: Receiver) -> None:
        hook = create_webhook(invoke, local, receiver.url)
        assert hook["url"] == receiver.url
        assert "secret" not in hook
        result = cli(invoke, local, "webhooks", "test", hook["id"])
        assert result.exit_code == 0, result.output
        assert "delivered" in result.stdout
        (ping,) = receiver.wait_for(1)
        assert ping.path == "/hook"
        assert ping.headers["X-Urutiq-Event"] == "ping"
        assert verify_webhook(SECRET, ping.body, ping.headers["X-Urutiq-Signature"])
        assert ping.json["event"] == "ping"
        (delivery,) = ok_json(invoke, local, "webhook-deliveries", "list")
        assert (delivery["status"], delivery["responseStatus"], delivery["attempts"]) == (
            "delivered",
            200,
            1,
        )
        assert (delivery["id"], delivery["webhookId"]) == (ping.json["id"], hook["id"])

    def test_a_failing_receiver_exits_1(
        self, invoke: Invoke, local: Local, receiver: Receiver
    ) -> None:
        receiver.statuses = [500]
        hook = create_webhook(invoke, local, receiver.url, "--event", "alert.resolved")
        assert hook["events"] == ["alert.resolved"]
        result = cli(invoke, local, "webhooks", "test", hook["id"])  # a ping goes to every hook
        assert result.exit_code == 1, result.output
        assert "500" in result.stdout
        assert "pending" in result.stdout  # to be retried
        assert len(receiver.wait_for(1)) == 1

    def test_bad_url_and_short_secret(self, invoke: Invoke, local: Local) -> None:
        result = cli(
            invoke, local, "webhooks", "create", "--name", "x", "--webhook-url", "ftp://h/x",
            "--secret", "short",
        )  # fmt: skip
        assert result.exit_code == 1
        assert "url:" in result.output
        assert "secret:" in result.output


class TestHelp:
    def test_monitors_help_lists_its_verbs(self, invoke: Invoke) -> None:
        result = invoke("monitors", "--help")
        assert result.exit_code == 0, result.output
        for verb in ("create", "run", "pause", "resume", "list", "show"):
            assert verb in result.stdout

    @pytest.mark.parametrize(
        ("group", "verbs"),
        [
            ("alerts", ("list", "show", "resolve")),
            ("webhooks", ("create", "test", "list")),
            ("monitor-runs", ("list", "show")),
            ("webhook-deliveries", ("list",)),
        ],
    )
    def test_other_groups(self, invoke: Invoke, group: str, verbs: tuple[str, ...]) -> None:
        result = invoke(group, "--help")
        assert result.exit_code == 0, result.output
        for verb in verbs:
            assert verb in result.stdout
