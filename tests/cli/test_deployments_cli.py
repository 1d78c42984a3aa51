"""The issue's "done when", from the command line: deploy to staging, promote to production,
an A/B split against a retrained version, the experiment's verdict, promote the challenger or
roll back, and which model served production at a given time."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Invoke, Local, cli, ok_json
from urutiq_ai.cli.deployments import nothing_served
from urutiq_ai.deployments.schemas import ServedModel


def train(invoke: Invoke, local: Local, algorithm: str, *extra: str) -> Any:
    model = ok_json(
        invoke,
        local,
        "train",
        "--name",
        "expenses",
        "--model-type",
        "classification",
        "--algorithm",
        algorithm,
        "--table",
        "LedgerExpense",
        "--features",
        "vendorName,description,amount",
        "--target",
        "category",
        *extra,
    )
    if "--no-wait" in extra:
        return model
    assert model["status"] == "active", model  # the trained model version
    return str(model["id"])


def test_deploy_promote_ab_verdict_and_history(
    invoke: Invoke, ledger: Local, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = train(invoke, ledger, "random_forest")
    second = train(invoke, ledger, "logistic_regression")

    staging = ok_json(invoke, ledger, "deploy", "--model", first, "--env", "staging")
    assert (staging["deploymentName"], staging["status"]) == ("expenses", "active")
    promoted = ok_json(invoke, ledger, "promote", "expenses", "--to", "production")
    assert promoted["deployment"]["environment"] == "production"
    before_ab = datetime.now(UTC).isoformat()

    split = json.dumps(
        {"traffic": [{"modelId": first, "weight": 0.5}, {"modelId": second, "weight": 0.5}]}
    )
    released = ok_json(
        invoke,
        ledger,
        "deployments",
        "release",
        "expenses",
        "--env",
        "production",
        "--config",
        split,
    )
    assert released["revision"]["status"] == "active"
    production = released["deployment"]["id"]
    during_ab = datetime.now(UTC).isoformat()

    rows = tmp_path / "rows.json"
    vendors = ["AWS", "Delta", "Staples", "Verizon", "Uber", "WeWork"]
    rows.write_text(
        json.dumps([{"vendorName": v, "description": "monthly", "amount": 90.0} for v in vendors])
    )
    predict = cli(invoke, ledger, "deployments", "predict", "expenses", "--input", str(rows))
    assert predict.exit_code == 0, predict.output
    answered = json.loads(predict.stdout)
    assert len(answered) == len(vendors)
    assert {p["variant"] for p in answered} <= {"champion", "challenger"}
    assert {p["modelId"] for p in answered} <= {first, second}
    by_name = ok_json(invoke, ledger, "deployments", "show", "expenses")  # production
    assert by_name["id"] == production
    assert ok_json(invoke, ledger, "deployments", "show", production)["id"] == production
    (live,) = ok_json(invoke, ledger, "deployments", "status", "expenses", "--env", "production")
    assert live["performance"]["requests"] >= 1  # stored when the in-process client closed
    keyed = cli(
        invoke, ledger, "deployments", "predict", "expenses", "--input", str(rows),
        "--entity-key", "vendor-42", "--output", "csv",
    )  # fmt: skip
    assert keyed.exit_code == 0, keyed.output
    lines = keyed.stdout.strip().splitlines()
    assert lines[0] == "predictionId,prediction,confidence"
    assert len(lines) == len(vendors) + 1
    outcome = ok_json(
        invoke, ledger, "predictions", "actual", answered[0]["predictionId"], "travel"
    )
    assert outcome["actualValue"] == "travel"
    assert outcome["isCorrect"] == (answered[0]["prediction"] == "travel")
    stored = ok_json(invoke, ledger, "predictions", "show", answered[0]["predictionId"])
    assert stored["deploymentId"] == production

    success = json.dumps([{"metric": "accuracy", "guard": True}])
    experiment = ok_json(
        invoke,
        ledger,
        "experiments",
        "create",
        "--name",
        "rf-vs-lr",
        "--baseline",
        first,
        "--current",
        second,
        "--success",
        success,
        "--deployment",
        production,
    )
    evaluated = ok_json(invoke, ledger, "experiments", "evaluate", experiment["id"])
    verdict = evaluated["results"]["verdict"]
    assert verdict["status"] in {"passed", "failed", "inconclusive"}
    assert "f1Score" in evaluated["results"]["offline"]["metrics"]
    shown = cli(invoke, ledger, "experiments", "show", experiment["id"])
    assert shown.exit_code == 0, shown.output
    assert "Verdict" in shown.output
    assert "CI" in shown.output
    online = next(line for line in shown.output.splitlines() if "Online outcomes:" in line)
    arms = evaluated["results"]["online"]["arms"]
    assert f"baseline {arms['baseline']['outcomes']}" in online
    assert f"current {arms['current']['outcomes']}" in online

    back = ok_json(invoke, ledger, "rollback", "expenses", "--env", "production")
    assert back["deployment"]["modelId"] == first
    assert back["revision"]["action"] == "rollback"

    served = ok_json(
        invoke, ledger, "deployments", "served", "--at", before_ab, "--env", "production"
    )
    assert [(row["modelId"], row["version"]) for row in served] == [(first, 1)]
    split_served = ok_json(
        invoke, ledger, "deployments", "served", "--at", during_ab, "--env", "production"
    )
    assert [(r["modelId"], r["role"], r["weight"]) for r in split_served] == [
        (first, "champion", 0.5),
        (second, "challenger", 0.5),
    ]
    day = datetime.now(UTC).date().isoformat()
    today = cli(invoke, ledger, "deployments", "served", "--at", day)
    assert today.exit_code == 0, today.output
    assert "challenger" in today.output  # a date: every revision of that day, the split's too
    assert "rolled_back" in today.output
    bad = cli(invoke, ledger, "deployments", "served", "--at", "yesterday")
    assert bad.exit_code == 1
    assert "--at" in bad.output
    long_ago = cli(
        invoke, ledger, "deployments", "served", "--at", "2020-01-01", "--env", "production"
    )
    assert long_ago.exit_code == 0, long_ago.output
    assert "Nothing served in production at 2020-01-01: the first revision served from" in (
        long_ago.output
    )
    history = cli(invoke, ledger, "deployments", "history", "expenses", "--env", "production")
    assert history.exit_code == 0, history.output
    assert "rolled_back" in history.output
    assert "promote" in history.output
    assert "(challenger)" in history.output  # the split's revision shows both models
    status = cli(invoke, ledger, "deployments", "status")
    assert status.exit_code == 0
    assert "production" in status.output

    # at 80 columns: models by name and version, the experiment's verdict, ids whole
    monkeypatch.setenv("COLUMNS", "80")
    label = {m["id"]: f"{m['modelName']} {m['modelVersion']}" for m in ok_json(
        invoke, ledger, "models", "list"
    )}  # fmt: skip
    narrow = cli(invoke, ledger, "deployments", "status")
    assert narrow.exit_code == 0, narrow.output
    assert label[first] in narrow.output
    assert first not in narrow.output  # its id is a column of its own, the first to go
    assert "modelId" in narrow.output.splitlines()[-1]  # named in the footnote
    assert "…" not in narrow.output
    split_history = cli(invoke, ledger, "deployments", "history", "expenses")
    assert label[second] in split_history.output
    assert second not in split_history.output
    assert "(challenger)" in split_history.output
    experiments = cli(invoke, ledger, "experiments", "list")
    assert experiments.exit_code == 0, experiments.output
    assert experiment["id"] in experiments.output
    assert f"{verdict['status']}: " in experiments.output
    assert "…" not in experiments.output


def test_errors_exit_1_with_the_reason(invoke: Invoke, ledger: Local) -> None:
    first = train(invoke, ledger, "logistic_regression")
    assert cli(invoke, ledger, "deploy", "--model", first, "--env", "staging").exit_code == 0
    again = cli(invoke, ledger, "deploy", "--model", first, "--env", "staging")
    assert again.exit_code == 1
    assert "deploymentName" in again.output
    nothing = cli(invoke, ledger, "rollback", "expenses", "--env", "staging")
    assert nothing.exit_code == 1
    assert "nothing to roll back to" in nothing.output
    unknown = cli(invoke, ledger, "promote", "nope")
    assert unknown.exit_code == 1
    assert "no deployment 'nope' in staging" in unknown.output
    bad = cli(invoke, ledger, "deployments", "release", "expenses", "--config", "{bad")
    assert bad.exit_code == 1
    assert "--config" in bad.output
    started = train(invoke, ledger, "random_forest", "--no-wait")
    assert {"modelId", "runId", "modelVersion"} <= started.keys()  # a script can follow it
    heavy = json.dumps(
        {"traffic": [{"modelId": first, "weight": 0.7}, {"modelId": first, "weight": 0.5}]}
    )
    weights = cli(invoke, ledger, "deployments", "release", "expenses", "--config", heavy)
    assert weights.exit_code == 1
    assert weights.output.count("traffic weights must sum to 1") == 1, weights.output
    assert "Value error" not in weights.output
    xml = cli(invoke, ledger, "deployments", "predict", "expenses", "--input", "-", "--output", "x")
    assert xml.exit_code == 2  # a usage error, as for every option with choices
    assert "--output" in xml.output
    missing = cli(invoke, ledger, "deployments", "show", "nope", "--env", "staging")
    assert missing.exit_code == 1
    assert "no deployment named 'nope' in staging, nor with that id" in missing.output
    no_rows = cli(invoke, ledger, "deployments", "predict", "expenses", "--input", "/nope.json")
    assert no_rows.exit_code == 1
    assert "--input" in no_rows.output
    unknown_id = cli(invoke, ledger, "predictions", "actual", "nope", "travel")
    assert unknown_id.exit_code == 1
    assert "no predictions ['nope']" in unknown_id.output


def served_period(start: str, end: str | None) -> ServedModel:
    return ServedModel.model_validate(
        {
            "deploymentId": "d1",
            "deploymentName": "expenses",
            "environment": "production",
            "version": 1,
            "modelId": "m1",
            "modelName": "expenses",
            "modelVersion": "1.0.0",
            "role": "champion",
            "weight": None,
            "action": "deploy",
            "status": "active",
            "from": start,
            "to": end,
        }
    )


class TestNothingServed:
    def test_nothing_deployed(self) -> None:
        message = nothing_served(None, {}, [], env="production", name=None)
        assert message == "Nothing served in production: nothing has been deployed yet."

    def test_before_the_first_revision_names_its_start(self) -> None:
        day = datetime(2026, 11, 3, tzinfo=UTC)
        when = {"start": day, "end": day + timedelta(days=1)}
        ever = [served_period("2026-12-07T18:00:00Z", None)]
        message = nothing_served("2026-11-03", when, ever, env=None, name="expenses")
        assert message == (
            "Nothing served by 'expenses' at 2026-11-03: "
            "the first revision served from 2026-12-07 18:00:00."
        )

    def test_a_moment_without_an_offset_is_utc(self) -> None:
        ever = [served_period("2026-12-07T18:00:00Z", None)]
        when = {"at": datetime(2026, 12, 7, 17, 0)}
        message = nothing_served("2026-12-07T17:00", when, ever, env=None, name=None)
        assert "the first revision served from 2026-12-07 18:00:00" in message

    def test_a_gap_between_periods_says_how_to_list_them(self) -> None:
        ever = [served_period("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z")]
        when = {"at": datetime(2026, 3, 1, tzinfo=UTC)}
        message = nothing_served("2026-03-01", when, ever, env=None, name=None)
        assert "no served period covers it" in message
