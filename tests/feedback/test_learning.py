"""The retraining loop: corrections past the threshold train a challenger on the model's
data plus the corrections and open an experiment against the model; below it, or for a
model that was not trained here, nothing is written."""

from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from fastapi import FastAPI

from tests.conftest import TenantFixture
from tests.feedback.conftest import Api, Scope, add_feedback, correct, feedback_rows, predict
from tests.feedback.test_feedback_service import model, stored_prediction
from tests.training.conftest import wait_for_run
from urutiq_ai.crud import service as crud_service
from urutiq_ai.feedback import learning, service
from urutiq_ai.feedback.errors import NotEnoughCorrections, NotRetrainable
from urutiq_ai.feedback.learning import training_frame
from urutiq_ai.feedback.schemas import FeedbackProcess, ProcessResult, RetrainStarted

# Inputs none of the seeded rows has, each corrected to "travel".
NEW_ROWS = [
    {"vendorName": "AWS", "description": f"team offsite flight {i}", "amount": 500.0 + i}
    for i in range(5)
]


def sources(app: FastAPI) -> str:
    return str(app.state.settings.sources)


def process(app: FastAPI, scope: Scope, **fields: Any) -> ProcessResult:
    with scope() as (session, ctx):
        return service.process(
            session, ctx, data=FeedbackProcess(**fields), sources_dir=sources(app)
        )


def retrain(app: FastAPI, scope: Scope, model_id: str, threshold: int) -> RetrainStarted:
    with scope() as (session, ctx):
        return learning.retrain_from_feedback(
            session, ctx, model_id, threshold=threshold, sources_dir=sources(app)
        )


def corrections(api: Api, model_id: str, rows: list[dict[str, Any]], value: Any) -> list[str]:
    ids = []
    for answer in predict(api, model_id, rows):
        ids.append(correct(api, answer["predictionId"], value)["id"])
    return ids


def counts(api: Api) -> tuple[int, int]:
    models = api.get("models", limit=500).json()["items"]
    experiments = api.get("experiments", limit=500).json()["items"]
    return len(models), len(experiments)


class TestRetraining:
    def test_corrections_past_the_threshold_train_a_challenger_and_open_an_experiment(
        self, app: FastAPI, api: Api, scope: Scope, tenant: TenantFixture, classifier: str
    ) -> None:
        used = corrections(api, classifier, NEW_ROWS, "travel")
        add_feedback(api, feedbackType="rating", modelId=classifier, feedbackData={"stars": 2})
        result = process(app, scope, threshold=5)
        assert result.corrections_applied == 5
        assert result.retrain_skipped == []
        (started,) = result.retrained
        assert started.model_id == classifier
        assert (started.corrections, started.new_corrections) == (5, 5)

        run = wait_for_run(api.client, tenant, started.run_id)
        assert run["status"] == "completed", run["logs"]
        champion = api.get(f"models/{classifier}").json()
        challenger = api.get(f"models/{started.challenger_model_id}").json()
        assert challenger["status"] == "active"
        assert challenger["modelName"] == champion["modelName"]
        assert challenger["modelVersion"] == started.challenger_version
        assert challenger["modelVersion"] != champion["modelVersion"]
        assert challenger["experimentId"] == started.experiment_id
        assert challenger["featureColumns"] == champion["featureColumns"]

        experiment = api.get(f"experiments/{started.experiment_id}").json()
        assert experiment["baselineModel"] == classifier
        assert experiment["currentModel"] == started.challenger_model_id
        assert experiment["status"] == "active"
        assert experiment["successMetrics"] == [{"metric": "accuracy", "maxDegradation": 0.01}]
        assert experiment["methodology"]["origin"] == "feedback"
        assert experiment["results"] is None  # evaluating it is a decision

        # the training data: the seeded rows plus the five corrected inputs, labelled
        path = Path(sources(app)) / tenant.id / tenant.company_id / started.source
        frame = pd.read_parquet(path)
        assert started.source.startswith(f"feedback-{classifier}-")
        assert len(frame) == started.rows == 240 + 5
        fixed = frame[frame["description"].str.startswith("team offsite flight")]
        assert sorted(fixed["amount"]) == [500.0, 501.0, 502.0, 503.0, 504.0]
        assert set(fixed["category"]) == {"travel"}
        assert set(fixed["vendorName"]) == {"AWS"}

        rows = {row["id"]: row for row in feedback_rows(api)}
        for feedback_id in used:
            (use,) = rows[feedback_id]["feedbackData"]["usedBy"]
            assert use["modelId"] == started.challenger_model_id
            assert use["experimentId"] == started.experiment_id
            assert use["runId"] == started.run_id

        with scope() as (session, ctx):
            summary = service.summary(session, ctx, classifier)
        assert summary.corrections.unused == 0
        assert summary.last_retraining is not None
        assert summary.last_retraining.challenger_model_id == started.challenger_model_id
        assert summary.ratings.count == 1

        # the corrections are used: the next call is not due, and nothing is written
        before = counts(api)
        assert process(app, scope, threshold=5).retrained == []
        with pytest.raises(NotEnoughCorrections) as refused:
            retrain(app, scope, classifier, 5)
        assert [f.field for f in refused.value.fields] == ["threshold"]
        assert "0 processed correction(s)" in refused.value.detail
        assert counts(api) == before

        # the experiment evaluates like any other
        evaluated = api.post(f"experiments/{started.experiment_id}/evaluate", {"mode": "offline"})
        assert evaluated.status_code == 200, evaluated.text
        assert evaluated.json()["results"]["verdict"]["status"] in {
            "passed",
            "failed",
            "inconclusive",
        }
        assert api.audit(action="retrain_from_feedback", rowId=classifier)

    def test_a_second_retraining_uses_every_correction_and_keeps_the_first_file(
        self, app: FastAPI, api: Api, scope: Scope, tenant: TenantFixture, classifier: str
    ) -> None:
        first_ids = corrections(api, classifier, NEW_ROWS[:2], "travel")
        first = process(app, scope, threshold=2).retrained[0]
        corrections(api, classifier, NEW_ROWS[2:4], "office")
        assert process(app, scope, retrain=False).retrained == []
        second = retrain(app, scope, classifier, 2)
        assert (second.corrections, second.new_corrections) == (4, 2)
        assert second.source != first.source
        folder = Path(sources(app)) / tenant.id / tenant.company_id
        assert (folder / first.source).is_file()
        assert len(pd.read_parquet(folder / second.source)) == 240 + 4
        for run_id in (first.run_id, second.run_id):
            assert wait_for_run(api.client, tenant, run_id)["status"] == "completed"
        rows = {row["id"]: row for row in feedback_rows(api)}
        uses = rows[first_ids[0]]["feedbackData"]["usedBy"]
        assert [use["modelId"] for use in uses] == [
            first.challenger_model_id,
            second.challenger_model_id,
        ]

    def test_below_the_threshold_nothing_is_written(
        self, app: FastAPI, api: Api, scope: Scope, tenant: TenantFixture, classifier: str
    ) -> None:
        corrections(api, classifier, NEW_ROWS[:2], "travel")
        before = counts(api)
        result = process(app, scope)  # the default threshold: 20
        assert (result.corrections_applied, result.retrained, result.retrain_skipped) == (2, [], [])
        with pytest.raises(NotEnoughCorrections) as refused:
            retrain(app, scope, classifier, 20)
        assert "2 processed correction(s)" in refused.value.detail
        assert refused.value.status_code == 409
        assert counts(api) == before
        folder = Path(sources(app)) / tenant.id / tenant.company_id
        assert list(folder.glob("feedback-*")) == []
        assert all("usedBy" not in row["feedbackData"] for row in feedback_rows(api))

    def test_a_regression_learns_from_numeric_corrections(
        self, app: FastAPI, api: Api, scope: Scope, tenant: TenantFixture
    ) -> None:
        model_id = api.train(
            modelName="cost",
            modelType="regression",
            algorithm="linear_regression",
            featureColumns=["amount"],
            targetColumn="cost",
            hyperparameters={},
        )
        rows = [{"amount": 1000.0 + i} for i in range(3)]
        answers = predict(api, model_id, rows)
        for answer in answers:
            correct(api, answer["predictionId"], 5000)
        started = process(app, scope, threshold=3).retrained[0]
        assert wait_for_run(api.client, tenant, started.run_id)["status"] == "completed"
        experiment = api.get(f"experiments/{started.experiment_id}").json()
        assert experiment["successMetrics"] == [{"metric": "r2", "maxDegradation": 0.01}]
        frame = pd.read_parquet(Path(sources(app)) / tenant.id / tenant.company_id / started.source)
        assert frame["cost"].dtype == float
        assert (frame["amount"] >= 1000).sum() == 3

    def test_a_model_not_trained_here_is_reported_not_retrained(
        self, app: FastAPI, api: Api, scope: Scope
    ) -> None:
        model_id = model(api)
        for i in range(3):
            correct(api, stored_prediction(api, model_id, "software", amount=float(i)), "travel")
        before = counts(api)
        result = process(app, scope, threshold=3)
        assert result.processed == 3  # processing is kept
        assert result.retrained == []
        (skipped,) = result.retrain_skipped
        assert skipped.model_id == model_id
        assert "not trained here" in skipped.reason
        assert counts(api) == before
        assert {row["status"] for row in feedback_rows(api)} == {"processed"}
        with pytest.raises(NotRetrainable):
            retrain(app, scope, model_id, 3)

    def test_a_failure_after_the_training_started_leaves_nothing(
        self,
        app: FastAPI,
        api: Api,
        scope: Scope,
        tenant: TenantFixture,
        classifier: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        corrections(api, classifier, NEW_ROWS[:2], "travel")
        process(app, scope, retrain=False)
        before = counts(api)
        runs = api.get("training-runs", limit=500).json()["items"]

        def broken(*_args: Any, **_kwargs: Any) -> Any:
            raise NotRetrainable("the experiment could not be opened")

        crud = SimpleNamespace(create_row=crud_service.create_row, update_row=broken)
        monkeypatch.setattr(learning, "crud_service", crud)
        corrections(api, classifier, NEW_ROWS[2:3], "travel")
        result = process(app, scope, threshold=3)
        assert result.processed == 1
        assert result.retrained == []
        assert "could not be opened" in result.retrain_skipped[0].reason
        assert counts(api) == before
        assert api.get("training-runs", limit=500).json()["items"] == runs
        folder = Path(sources(app)) / tenant.id / tenant.company_id
        assert list(folder.glob("feedback-*")) == []
        assert all("usedBy" not in row["feedbackData"] for row in feedback_rows(api))


class TestTrainingFrame:
    def test_a_corrected_input_replaces_the_original_rows(self) -> None:
        original = pd.DataFrame(
            {
                "vendor": ["AWS", "AWS", "Delta"],
                "amount": [10.0, 20.0, 30.0],
                "category": ["software", "software", "travel"],
                "extra": [1, 2, 3],
            }
        )
        fixes: list[dict[str, Any]] = [
            {"vendor": "AWS", "amount": 10, "category": "office"},  # an int: still 10.0
            {"vendor": "Staples", "amount": "5.5", "category": "office"},
        ]
        frame = training_frame(original, fixes, ["vendor", "amount"], "category")
        assert len(frame) == 4
        assert frame["amount"].dtype == float
        rows = sorted(zip(frame["vendor"], frame["amount"], frame["category"], strict=True))
        assert rows == [
            ("AWS", 10.0, "office"),
            ("AWS", 20.0, "software"),
            ("Delta", 30.0, "travel"),
            ("Staples", 5.5, "office"),
        ]
        assert frame["extra"].isna().sum() == 2

    def test_decimals_flags_and_times_keep_their_kind(self, tmp_path: Path) -> None:
        original = pd.DataFrame(
            {
                "amount": [Decimal("10.50"), Decimal("3")],
                "weekend": [True, False],
                "at": pd.to_datetime(["2026-01-01", "2026-01-02"]),
                "code": [1, 2],
            }
        )
        fixes = [{"amount": 7.25, "weekend": "yes", "at": "2026-02-01T00:00:00", "code": "2"}]
        frame = training_frame(original, fixes, ["amount", "weekend", "at"], "code")
        assert frame["amount"].tolist() == [10.5, 3.0, 7.25]
        assert frame["weekend"].tolist() == [True, False, True]
        assert frame["at"].iloc[-1] == pd.Timestamp("2026-02-01")
        assert frame["code"].tolist() == [1, 2, 2]
        frame.to_parquet(tmp_path / "f.parquet")  # Parquet stores every column

    def test_dates_and_json_values(self, tmp_path: Path) -> None:
        original = pd.DataFrame(
            {
                "issued": [date(2026, 1, 1), date(2026, 1, 2)],
                "meta": [{"a": 1}, {"b": [1, 2]}],
                "days": [10.0, 20.0],
            }
        )
        frame = training_frame(original, [{"issued": "2026-03-01", "days": 5}], ["issued"], "days")
        assert frame["issued"].tolist() == [date(2026, 1, 1), date(2026, 1, 2), date(2026, 3, 1)]
        assert frame["meta"].tolist()[:2] == ['{"a": 1}', '{"b": [1, 2]}']
        frame.to_parquet(tmp_path / "f.parquet")

    def test_mixed_text_and_numbers_become_text(self) -> None:
        original = pd.DataFrame({"ref": ["A1", 7], "label": ["x", "y"]})
        frame = training_frame(original, [{"ref": "B2", "label": "z"}], ["ref"], "label")
        assert frame["ref"].tolist() == ["A1", "7", "B2"]

    def test_no_original_rows(self) -> None:
        original = pd.DataFrame({"a": pd.Series([], dtype=float), "y": pd.Series([], dtype=str)})
        frame = training_frame(original, [{"a": 1.0, "y": "k"}], ["a"], "y")
        assert frame.to_dict("records") == [{"a": 1.0, "y": "k"}]


class TestBehaviorConfig:
    """Left out of the request, retraining follows the company's behavior configuration."""

    def configure(self, api: Api, **data: Any) -> None:
        response = api.post("configs", {"configType": "behavior", "configData": data})
        assert response.status_code == 201, response.text

    def test_the_configured_threshold_retrains(
        self, app: FastAPI, api: Api, scope: Scope, classifier: str
    ) -> None:
        self.configure(api, autoRetrain=True, correctionThreshold=5)
        corrections(api, classifier, NEW_ROWS, "travel")
        (started,) = process(app, scope).retrained
        assert started.model_id == classifier

    def test_auto_retrain_off_only_processes(
        self, app: FastAPI, api: Api, scope: Scope, classifier: str
    ) -> None:
        self.configure(api, autoRetrain=False, correctionThreshold=1)
        corrections(api, classifier, NEW_ROWS, "travel")
        result = process(app, scope)
        assert result.corrections_applied == len(NEW_ROWS)
        assert result.retrained == []
