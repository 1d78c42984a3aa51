"""``demo load`` and ``train`` end to end on a fresh SQLite database (CLI and loader)."""

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.demo.conftest import invoke
from urutiq_ai.demo.identity import demo_loaded
from urutiq_ai.demo.loader import COMPANIES
from urutiq_ai.training.templates import TEMPLATES


class TestDemoLoad:
    def test_every_company_has_the_templates_trained(self, demo_env: dict[str, str]) -> None:
        for company_id, *_ in COMPANIES:
            code, output = invoke(demo_env, "models", "list", "--company", company_id, "--json")
            assert code == 0, output
            models = json.loads(output)
            assert {m["modelName"] for m in models} == set(TEMPLATES)
            assert {m["status"] for m in models} <= {"active", "deprecated"}

    def test_runs_have_curves_and_history_has_outcomes(self, demo_env: dict[str, str]) -> None:
        company = COMPANIES[0][0]
        _, runs = invoke(demo_env, "training-runs", "list", "--company", company, "--json")
        assert all(run["status"] == "completed" for run in json.loads(runs))
        assert any(len(run["trainingMetrics"]) > 1 for run in json.loads(runs))
        _, output = invoke(
            demo_env, "predictions", "list", "--company", company, "--json", "--limit", "50"
        )
        predictions = json.loads(output)
        assert predictions
        assert all(p["actualValue"] is not None for p in predictions)

    def test_second_load_changes_nothing_and_prints_the_key(self, demo_env: dict[str, str]) -> None:
        code, output = invoke(demo_env, "demo", "load", "--scale", "0.2")
        assert code == 0, output
        assert "already loaded" in output
        assert output.strip().splitlines()[-1] == demo_env["URUTIQ_API_KEY"]

    def test_second_load_does_not_run_the_loader(
        self, demo_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A second ``make run`` reads one row: the loader (pandas, the ML stack) stays out."""

        def refuse(*_args: object, **_kwargs: object) -> None:
            raise AssertionError("the loader ran on a database that holds the demo")

        monkeypatch.setattr("urutiq_ai.demo.loader.load_demo", refuse)
        code, output = invoke(demo_env, "demo", "load")
        assert code == 0, output
        assert "already loaded" in output
        assert "companies: demo-services, demo-retail" in output
        assert demo_loaded(demo_env["URUTIQ_DATABASE_URL"])
        assert not demo_loaded("sqlite:////nonexistent/folder/urutiq.db")


class TestTrainCommand:
    def test_train_a_template_and_report_metrics(self, demo_env: dict[str, str]) -> None:
        company = COMPANIES[0][0]
        code, output = invoke(
            demo_env,
            "train",
            "--template",
            "expense_classifier",
            "--company",
            company,
            "--param",
            "n_estimators=20",
        )
        assert code == 0, output
        assert "expense_classifier 1.3.0" in output  # the demo retrained it twice (A/B, feedback)
        assert "f1_score" in output

    def test_bad_hyperparameter_exits_1_naming_it(self, demo_env: dict[str, str]) -> None:
        code, output = invoke(
            demo_env,
            "train",
            "--template",
            "expense_classifier",
            "--company",
            COMPANIES[0][0],
            "--param",
            "max_depth=-1",
        )
        assert code == 1
        assert "hyperparameters.max_depth" in output


def _model_id(
    env: dict[str, str], name: str, *, first: bool = False, company: str = COMPANIES[0][0]
) -> str:
    """The newest active version of ``name`` (``first``: the demo's own, with its history)."""
    _, output = invoke(
        env,
        "models",
        "list",
        "--company",
        company,
        "--json",
        "--where",
        f"modelName={name}",
        "--status",
        "active",
        "--sort",
        "createdAt" if first else "-createdAt",
    )
    return str(json.loads(output)[0]["id"])


class TestModelCommands:
    def test_importance_table(self, demo_env: dict[str, str]) -> None:
        model = _model_id(demo_env, "expense_classifier")
        code, output = invoke(
            demo_env, "models", "importance", model, "--company", COMPANIES[0][0], "--json"
        )
        assert code == 0, output
        assert {row["method"] for row in json.loads(output)} == {"built_in", "permutation"}

    def test_predict_from_a_json_file(self, demo_env: dict[str, str], tmp_path: Path) -> None:
        model = _model_id(demo_env, "expense_classifier")
        rows = tmp_path / "rows.json"
        rows.write_text(
            json.dumps(
                [
                    {
                        "vendorName": "Amazon Web Services",
                        "description": "Monthly hosting",
                        "amount": 420,
                    }
                ]
            )
        )
        code, output = invoke(
            demo_env,
            "predict",
            "--model",
            model,
            "--input",
            str(rows),
            "--company",
            COMPANIES[0][0],
        )
        assert code == 0, output
        (prediction,) = json.loads(output)
        assert prediction["predictionId"]

    def test_predict_bad_rows_exit_1(self, demo_env: dict[str, str], tmp_path: Path) -> None:
        model = _model_id(demo_env, "expense_classifier")
        rows = tmp_path / "rows.csv"
        rows.write_text("vendorName,amount\nAWS,12\n")
        code, output = invoke(
            demo_env,
            "predict",
            "--model",
            model,
            "--input",
            str(rows),
            "--company",
            COMPANIES[0][0],
        )
        assert code == 1
        assert "rows.description" in output

    def test_compare_two_versions(self, demo_env: dict[str, str]) -> None:
        model = _model_id(demo_env, "cashflow_prediction")
        code, output = invoke(
            demo_env, "models", "compare", model, model, "--company", COMPANIES[0][0], "--json"
        )
        assert code == 0, output
        assert json.loads(output)["featuresAdded"] == []


def _copy_of(demo_env: dict[str, str], folder: Path) -> dict[str, str]:
    """The settings of a copy of ``demo_env``'s database (its artifact rows still name the
    original's files: a reset deletes the rows, never the files)."""
    source = demo_env["URUTIQ_DATABASE_URL"].removeprefix("sqlite:///")
    target = folder / "copy.db"
    with sqlite3.connect(source) as original, sqlite3.connect(target) as copy:
        original.backup(copy)
    return {
        "URUTIQ_DATABASE_URL": f"sqlite:///{target}",
        "URUTIQ_ARTIFACTS": str(folder / "artifacts"),
        "URUTIQ_SOURCES": str(folder / "sources"),
    }


class TestReset:
    def test_reset_starts_over_with_a_new_key(
        self, demo_env: dict[str, str], tmp_path: Path
    ) -> None:
        env = _copy_of(demo_env, tmp_path)
        old_key = demo_env["URUTIQ_API_KEY"]
        code, second = invoke(env, "demo", "load", "--scale", "0.1", "--reset")
        assert code == 0, second
        new_key = second.strip().splitlines()[-1]
        assert new_key != old_key
        company = COMPANIES[0][0]
        code, output = invoke(
            {**env, "URUTIQ_API_KEY": new_key}, "models", "list", "--company", company, "--json"
        )
        assert code == 0, output
        versions = sorted(m["modelVersion"] for m in json.loads(output))
        assert versions == ["1.0.0"] * 3 + ["1.1.0", "1.2.0"]  # + the A/B and feedback challengers
        code, output = invoke(
            {**env, "URUTIQ_API_KEY": old_key}, "models", "list", "--company", company
        )
        assert code == 1
        assert "revoked" in output


class TestDriftCheckCommand:
    def test_json_and_table(self, demo_env: dict[str, str]) -> None:
        model = _model_id(demo_env, "expense_classifier", first=True)
        company = COMPANIES[0][0]
        code, output = invoke(
            demo_env, "drift", "check", "--model", model, "--window", "3w", "--company", company,
            "--json",
        )  # fmt: skip
        assert code == 0, output
        result = json.loads(output)
        assert result["predictions"] > 0
        subjects = {(row["driftType"], row["featureName"]) for row in result["detections"]}
        assert subjects == {
            ("data_drift", "vendorName"),
            ("data_drift", "description"),
            ("data_drift", "amount"),
            ("data_drift", None),
            ("label_drift", "prediction"),
            ("label_drift", "actualValue"),
            ("concept_drift", None),
        }
        assert set(result["statuses"]) == {"data_drift", "label_drift", "concept_drift"}
        code, output = invoke(
            demo_env, "drift", "check", "--model", model, "--window", "3w", "--company", company
        )
        assert code == 0, output
        assert "vendorName" in output
        assert "concept_drift" in output
        assert "Dataset drift:" in output

    def test_bad_window_exits_1_naming_it(self, demo_env: dict[str, str]) -> None:
        model = _model_id(demo_env, "expense_classifier")
        code, output = invoke(
            demo_env, "drift", "check", "--model", model, "--window", "soon", "--company",
            COMPANIES[0][0],
        )  # fmt: skip
        assert code == 1
        assert "window" in output


class TestPerfShowCommand:
    def test_compute_and_show_weekly(self, demo_env: dict[str, str]) -> None:
        model = _model_id(demo_env, "expense_classifier", first=True)
        company = COMPANIES[0][0]
        code, output = invoke(
            demo_env, "perf", "show", "--model", model, "--window", "weekly", "--compute",
            "--company", company, "--json",
        )  # fmt: skip
        assert code == 0, output
        series = json.loads(output)
        assert set(series) == {"accuracy", "precision", "recall", "f1"}
        points = series["accuracy"]["points"]
        assert len(points) >= 5
        assert all(0.0 <= point["value"] <= 1.0 for point in points)
        assert points[0]["trend"] is None
        assert {point["trend"] for point in points[1:]} <= {"improving", "declining", "stable"}
        code, output = invoke(demo_env, "perf", "show", "--model", model, "--company", company)
        assert code == 0, output
        assert "weekly performance" in output

    def test_bad_window_exits_1(self, demo_env: dict[str, str]) -> None:
        model = _model_id(demo_env, "expense_classifier")
        code, output = invoke(
            demo_env, "perf", "show", "--model", model, "--window", "hourly", "--compute",
            "--company", COMPANIES[0][0],
        )  # fmt: skip
        assert code == 1
        assert "timeWindow" in output


class TestDemoMonitoring:
    """The demo trains the expense classifier on the ledger's reference period; its last two
    simulated weeks come from the shifted period (new vendors, inflated amounts)."""

    def detections(self, env: dict[str, str], company: str) -> list[dict[str, Any]]:
        model = _model_id(env, "expense_classifier", first=True, company=company)
        code, output = invoke(
            env, "drift-detections", "list", "--company", company, "--json",
            "--where", f"modelId={model}", "--where", "driftType=data_drift", "--limit", "50",
        )  # fmt: skip
        assert code == 0, output
        rows: list[dict[str, Any]] = json.loads(output)
        return rows

    @pytest.mark.parametrize("company", [c[0] for c in COMPANIES])
    def test_the_shifted_weeks_drift_and_the_stable_weeks_do_not(
        self, demo_env: dict[str, str], company: str
    ) -> None:
        rows = self.detections(demo_env, company)
        by_window: dict[str, dict[str | None, dict[str, Any]]] = {}
        for row in rows:
            by_window.setdefault(row["analysis"]["window"]["to"], {})[row["featureName"]] = row
        # the demo's own two checks are the first ones stored (other tests run more)
        first_stored = sorted(
            by_window, key=lambda end: min(r["createdAt"] for r in by_window[end].values())
        )[:2]
        assert len(first_stored) == 2
        stable, shifted = (by_window[end] for end in sorted(first_stored))
        assert stable["vendorName"]["status"] == "normal"
        assert stable["description"]["status"] == "normal"
        assert stable["amount"]["status"] == "normal"
        assert stable[None]["status"] == "normal"
        assert shifted["vendorName"]["status"] == "detected"
        signals = {s["signal"] for s in shifted["vendorName"]["analysis"]["signals"]}
        assert "unseen_categories" in signals  # vendors that only trade in the shifted period
        assert shifted[None]["status"] == "detected"

    @pytest.mark.parametrize("company", [c[0] for c in COMPANIES])
    def test_the_shipped_quality_checks_find_the_injected_issues(
        self, demo_env: dict[str, str], company: str
    ) -> None:
        code, output = invoke(
            demo_env, "data-quality", "list", "--company", company, "--json", "--all"
        )
        assert code == 0, output
        rows = json.loads(output)
        first_run = [r for r in rows if r["issues"].get("run") == "ledger"][:17]
        assert len(first_run) == 17
        failing = {r["issues"]["name"]: r for r in first_run if r["status"] != "pass"}
        assert set(failing) == {
            "journal entries balance",
            "journal entries have a description",
            "expenses have a description",
            "expense amounts are positive",
            "payment ids are unique",
        }
        assert failing["journal entries balance"]["issues"]["unbalancedGroups"] == 8
        assert failing["payment ids are unique"]["issues"]["repeatedKeys"] == 5
        assert {r["qualityMetric"] for r in first_run} >= {"timeliness", "accuracy"}

    def test_weekly_performance_is_computed(self, demo_env: dict[str, str]) -> None:
        model = _model_id(demo_env, "expense_classifier", first=True)
        code, output = invoke(
            demo_env, "perf", "show", "--model", model, "--company", COMPANIES[0][0], "--json"
        )
        assert code == 0, output
        assert len(json.loads(output)["f1"]["points"]) >= 5


class TestDemoDeployments:
    def test_each_template_serves_production_with_a_rollback_and_an_ab_verdict(
        self, demo_env: dict[str, str]
    ) -> None:
        for company_id, *_ in COMPANIES:
            code, output = invoke(
                demo_env,
                "deployments",
                "status",
                "--env",
                "production",
                "--company",
                company_id,
                "--json",
            )
            assert code == 0, output
            deployments = json.loads(output)
            names = {d["deploymentName"] for d in deployments}
            assert names == {name.replace("_", "-") for name in TEMPLATES}
            assert {d["status"] for d in deployments} <= {"active", "rolled_back"}
            code, output = invoke(
                demo_env,
                "deployments",
                "history",
                "expense-classifier",
                "--env",
                "production",
                "--company",
                company_id,
                "--json",
            )
            assert code == 0, output
            actions = [revision["action"] for revision in json.loads(output)]
            assert "rollback" in actions
            assert actions[-1] == "promote"  # the first production revision came from staging
            code, output = invoke(
                demo_env, "experiments", "list", "--company", company_id, "--json"
            )
            (experiment,) = [
                e
                for e in json.loads(output)
                if e["experimentName"].startswith("expense classifier")
            ]
            verdict = experiment["results"]["verdict"]
            assert verdict["status"] in {"passed", "failed", "inconclusive"}
            assert experiment["results"]["online"]["arms"]["current"]["outcomes"] > 0
            assert experiment["conclusions"].startswith("[system,")


class TestDemoGovernance:
    def test_policies_were_evaluated_and_violations_worked(self, demo_env: dict[str, str]) -> None:
        company = COMPANIES[0][0]
        code, output = invoke(
            demo_env, "governance-policies", "list", "--company", company, "--json"
        )
        assert code == 0, output
        assert len(json.loads(output)) == 3
        code, output = invoke(
            demo_env, "policy-evaluations", "list", "--company", company, "--json", "--all"
        )
        evaluations = json.loads(output)
        code, models = invoke(demo_env, "models", "list", "--company", company, "--json")
        names = {m["id"]: m["modelName"] for m in json.loads(models)}
        # every template was evaluated (other tests of this demo train more versions later)
        assert {names[row["modelId"]] for row in evaluations} == set(TEMPLATES)
        code, output = invoke(
            demo_env, "governance-violations", "list", "--company", company, "--json"
        )
        for violation in json.loads(output):  # the segment gap, when the data shows it
            assert violation["status"] == "resolved"
            assert violation["resolution"]


class TestDemoLearning:
    def test_categories_config_in_use_and_feedback_retrained_the_classifier(
        self, demo_env: dict[str, str]
    ) -> None:
        company = COMPANIES[0][0]
        code, output = invoke(
            demo_env, "config", "show", "--type", "categories", "--company", company, "--json"
        )
        assert code == 0, output
        assert json.loads(output)["configData"]["categories"]
        code, output = invoke(demo_env, "feedback", "list", "--company", company, "--json", "--all")
        corrections = [f for f in json.loads(output) if f["feedbackType"] == "correction"]
        assert corrections
        assert all(f["status"] == "processed" for f in corrections)
        code, output = invoke(demo_env, "experiments", "list", "--company", company, "--json")
        names = [e["experimentName"] for e in json.loads(output)]
        assert any(name.startswith("feedback:") for name in names)
