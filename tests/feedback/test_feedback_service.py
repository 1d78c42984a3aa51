"""Feedback checked on create (through the CRUD routes) and processed by the service:
corrections become actual values, ratings and flags are aggregated, bad rows are set
aside, and a refused request writes nothing."""

from typing import Any

import pytest

from tests.api.payloads import assert_error
from tests.conftest import TenantFixture
from tests.feedback.conftest import Api, Scope, add_feedback, correct, feedback_rows, predict
from urutiq_ai.core.errors import InvalidStatusTransition, NotFound
from urutiq_ai.feedback import service
from urutiq_ai.feedback.models import AILearningFeedback
from urutiq_ai.feedback.repository import FeedbackRepository
from urutiq_ai.feedback.schemas import (
    FeedbackIgnore,
    FeedbackProcess,
    FeedbackStatus,
    FeedbackType,
)

AWS: dict[str, Any] = {"vendorName": "AWS", "description": "cloud hosting", "amount": 120.0}
DELTA: dict[str, Any] = {"vendorName": "Delta", "description": "flight ticket", "amount": 300.0}


def model(api: Api, model_type: str = "classification") -> str:
    """A registered (untrained) model: enough for feedback that is not retrained."""
    body = {
        "modelName": f"m-{model_type}",
        "modelVersion": "1.0.0",
        "modelType": model_type,
        "algorithm": "random_forest",
        "featureColumns": ["vendorName", "amount"],
        "targetColumn": "category",
    }
    response = api.post("models", body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def stored_prediction(
    api: Api, model_id: str, value: Any, prediction_type: str = "classification", **inputs: Any
) -> str:
    body = {
        "modelId": model_id,
        "predictionType": prediction_type,
        "inputData": inputs or AWS,
        "prediction": {"prediction": value},
    }
    response = api.post("predictions", body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def prediction_row(api: Api, prediction_id: str) -> dict[str, Any]:
    response = api.get(f"predictions/{prediction_id}")
    assert response.status_code == 200, response.text
    row: dict[str, Any] = response.json()
    return row


def process(scope: Scope, **fields: Any) -> Any:
    with scope() as (session, ctx):
        return service.process(
            session, ctx, data=FeedbackProcess(**fields), sources_dir="/nonexistent"
        )


class TestCreate:
    @pytest.mark.parametrize(
        ("feedback_type", "data", "field"),
        [
            ("correction", {}, "feedbackData.correctValue"),
            ("correction", None, "feedbackData.correctValue"),
            ("correction", {"correctValue": None}, "feedbackData.correctValue"),
            ("correction", {"correctValue": {"label": "x"}}, "feedbackData.correctValue"),
            ("correction", {"correctValue": "  "}, "feedbackData.correctValue"),
            ("correction", ["travel"], "feedbackData"),
            ("rating", {"stars": 6}, "feedbackData.stars"),
            ("rating", {"stars": 0}, "feedbackData.stars"),
            ("rating", {"stars": 2.5}, "feedbackData.stars"),
            ("rating", {"stars": "5"}, "feedbackData.stars"),
            ("rating", {"stars": True}, "feedbackData.stars"),
            ("rating", {"score": 5}, "feedbackData.stars"),
            ("comment", {"text": ""}, "feedbackData.text"),
            ("comment", {"note": "x"}, "feedbackData.text"),
            ("flag", {}, "feedbackData.reason"),
            ("flag", {"reason": 3}, "feedbackData.reason"),
            ("rating", {"stars": 4, "usedBy": []}, "feedbackData.usedBy"),
            ("correction", {"correctValue": "travel", "applied": {}}, "feedbackData.applied"),
        ],
    )
    def test_bad_data_is_refused(self, api: Api, feedback_type: str, data: Any, field: str) -> None:
        prediction = stored_prediction(api, model(api), "software")
        body = {"feedbackType": feedback_type, "predictionId": prediction, "feedbackData": data}
        assert_error(api.post("feedback", body), 422, error="ValidationError", fields=(field,))
        assert feedback_rows(api) == []

    def test_a_correction_names_its_prediction(self, api: Api) -> None:
        body = {
            "feedbackType": "correction",
            "modelId": model(api),
            "feedbackData": {"correctValue": "travel"},
        }
        assert_error(api.post("feedback", body), 422, fields=("predictionId",))
        assert feedback_rows(api) == []

    def test_a_prediction_of_another_tenant_is_not_found(
        self, api: Api, client: Any, tenant_second: TenantFixture, seed_expenses: Any
    ) -> None:
        other = Api(client, tenant_second, seed_expenses)
        foreign = stored_prediction(other, model(other), "software")
        body = {
            "feedbackType": "correction",
            "predictionId": foreign,
            "feedbackData": {"correctValue": "travel"},
        }
        assert_error(api.post("feedback", body), 422, fields=("predictionId",))
        assert feedback_rows(api) == []
        assert prediction_row(other, foreign)["actualValue"] is None

    def test_a_prediction_of_another_company_is_not_found(
        self, api: Api, tenant: TenantFixture
    ) -> None:
        def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            url = tenant.url(path, tenant.company_b)
            response = api.client.post(url, json=body, headers=tenant.headers())
            assert response.status_code == 201, response.text
            created: dict[str, Any] = response.json()
            return created

        other_model = post(
            "models",
            {
                "modelName": "b",
                "modelVersion": "1.0.0",
                "modelType": "classification",
                "algorithm": "random_forest",
            },
        )
        other = post(
            "predictions",
            {
                "modelId": other_model["id"],
                "predictionType": "classification",
                "inputData": AWS,
                "prediction": {"prediction": "software"},
            },
        )
        body = {
            "feedbackType": "correction",
            "predictionId": other["id"],
            "feedbackData": {"correctValue": "travel"},
        }
        assert_error(api.post("feedback", body), 422, fields=("predictionId",))
        assert feedback_rows(api) == []

    def test_a_regression_correction_is_a_number(self, api: Api) -> None:
        model_id = model(api, "regression")
        prediction = stored_prediction(api, model_id, 130.0, "regression")
        body = {
            "feedbackType": "correction",
            "predictionId": prediction,
            "feedbackData": {"correctValue": "a lot"},
        }
        assert_error(api.post("feedback", body), 422, fields=("feedbackData.correctValue",))
        assert feedback_rows(api) == []
        assert correct(api, prediction, 150.0)["isPositive"] is False
        assert correct(api, prediction, 130)["isPositive"] is True

    def test_is_positive_is_derived_unless_given(self, api: Api) -> None:
        model_id = model(api)
        prediction = stored_prediction(api, model_id, "software")
        assert correct(api, prediction, "travel")["isPositive"] is False
        assert correct(api, prediction, "Software")["isPositive"] is True
        assert correct(api, prediction, "travel", isPositive=True)["isPositive"] is True
        rated = {
            stars: add_feedback(
                api, feedbackType="rating", modelId=model_id, feedbackData={"stars": stars}
            )["isPositive"]
            for stars in (1, 3, 5)
        }
        assert rated == {1: False, 3: None, 5: True}
        created = correct(api, prediction, "travel")
        assert created["modelId"] == model_id
        assert created["status"] == "pending"

    def test_other_keys_are_kept(self, api: Api) -> None:
        prediction = stored_prediction(api, model(api), "software")
        created = add_feedback(
            api,
            feedbackType="correction",
            predictionId=prediction,
            feedbackData={"correctValue": "travel", "note": "it was a flight"},
        )
        assert created["feedbackData"] == {"correctValue": "travel", "note": "it was a flight"}


class TestProcess:
    def test_corrections_become_actual_values_and_the_rest_is_aggregated(
        self, api: Api, scope: Scope
    ) -> None:
        model_id = model(api)
        wrong = stored_prediction(api, model_id, "software")
        right = stored_prediction(api, model_id, "travel", **DELTA)
        correct(api, wrong, "travel", userId="ana")
        correct(api, right, "travel")
        for stars in (5, 4, 2):
            add_feedback(
                api, feedbackType="rating", predictionId=right, feedbackData={"stars": stars}
            )
        add_feedback(api, feedbackType="flag", modelId=model_id, feedbackData={"reason": "slow"})
        add_feedback(api, feedbackType="flag", modelId=model_id, feedbackData={"reason": "slow"})
        add_feedback(api, feedbackType="comment", modelId=model_id, feedbackData={"text": "ok"})
        add_feedback(api, feedbackType="rating", feedbackData={"stars": 3})  # no model

        result = process(scope, retrain=False)
        assert (result.processed, result.ignored, result.corrections_applied) == (9, [], 2)
        assert result.remaining == 0
        assert result.retrained == []

        assert prediction_row(api, wrong)["actualValue"] == "travel"
        assert prediction_row(api, wrong)["isCorrect"] is False
        assert prediction_row(api, right)["isCorrect"] is True
        rows = feedback_rows(api)
        assert {row["status"] for row in rows} == {"processed"}
        applied = {
            row["predictionId"]: row["feedbackData"]["applied"]
            for row in rows
            if row["feedbackType"] == "correction"
        }
        assert applied[wrong]["predicted"] == "software"
        assert applied[wrong]["changed"] is True
        assert applied[right]["changed"] is False

        (summary,) = result.models
        assert summary.model_id == model_id
        assert (summary.total, summary.processed, summary.pending) == (8, 8, 0)
        assert summary.ratings.count == 3
        assert summary.ratings.mean == pytest.approx(11 / 3, abs=1e-4)
        assert summary.ratings.distribution == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
        assert (summary.flags.count, summary.flags.reasons) == (2, {"slow": 2})
        assert summary.comments == 1
        assert summary.corrections.count == 2
        assert summary.corrections.changed == 1
        assert summary.corrections.changed_share == 0.5
        assert summary.corrections.unused == 2
        assert (summary.positive, summary.negative) == (3, 2)
        assert summary.last_retraining is None

        audit = api.audit(tableName="AILearningFeedback", action="process")
        assert len(audit) == 9
        assert {row["before"]["status"] for row in audit} == {"pending"}
        assert api.audit(tableName="AIModelPrediction", action="actuals")

    def test_the_later_correction_of_a_prediction_wins(self, api: Api, scope: Scope) -> None:
        prediction = stored_prediction(api, model(api), "software")
        correct(api, prediction, "travel")
        correct(api, prediction, "office")
        process(scope, retrain=False)
        assert prediction_row(api, prediction)["actualValue"] == "office"

    def test_only_the_named_ids(self, api: Api, scope: Scope) -> None:
        prediction = stored_prediction(api, model(api), "software")
        first = correct(api, prediction, "travel")
        second = add_feedback(api, feedbackType="rating", feedbackData={"stars": 4})
        result = process(scope, ids=[first["id"]], retrain=False)
        assert (result.processed, result.remaining) == (1, 1)
        statuses = {row["id"]: row["status"] for row in feedback_rows(api)}
        assert statuses == {first["id"]: "processed", second["id"]: "pending"}

    def test_an_unknown_or_final_id_refuses_the_whole_call(
        self, api: Api, scope: Scope, tenant_second: TenantFixture, client: Any, seed_expenses: Any
    ) -> None:
        prediction = stored_prediction(api, model(api), "software")
        pending = correct(api, prediction, "travel")
        done = add_feedback(api, feedbackType="rating", feedbackData={"stars": 4})
        process(scope, ids=[done["id"]], retrain=False)
        foreign = add_feedback(
            Api(client, tenant_second, seed_expenses),
            feedbackType="rating",
            feedbackData={"stars": 1},
        )
        with pytest.raises(NotFound) as missing:
            process(scope, ids=[pending["id"], foreign["id"]], retrain=False)
        assert [f.field for f in missing.value.fields] == ["ids.1"]
        with pytest.raises(InvalidStatusTransition) as final:
            process(scope, ids=[pending["id"], done["id"]], retrain=False)
        assert [f.field for f in final.value.fields] == ["ids.1"]
        assert {row["id"]: row["status"] for row in feedback_rows(api)}[pending["id"]] == "pending"
        assert prediction_row(api, prediction)["actualValue"] is None

    def test_rows_that_cannot_be_used_are_set_aside_with_the_reason(
        self, api: Api, scope: Scope, tenant: TenantFixture
    ) -> None:
        """Rows written around the API (an existing UrutiIQ database, plain SQL)."""
        model_id = model(api)
        prediction = stored_prediction(api, model_id, 130.0, "regression")
        good = correct(api, prediction, 140.0)
        with scope() as (session, ctx):
            repo = FeedbackRepository(session, ctx)
            for kind, data, prediction_id in (
                ("rating", {"stars": 9}, None),
                ("correction", "travel", prediction),
                ("correction", {"correctValue": "text"}, prediction),  # regression: a number
                ("correction", {"correctValue": 1.0}, None),
            ):
                repo.add(
                    AILearningFeedback(
                        feedback_type=FeedbackType(kind),
                        feedback_data=data,
                        model_id=model_id,
                        prediction_id=prediction_id,
                        status=FeedbackStatus.pending,
                    ),
                    company_id=tenant.company_id,
                )
        result = process(scope, retrain=False)
        assert (result.processed, result.corrections_applied) == (1, 1)
        reasons = sorted(item.reason for item in result.ignored)
        assert len(reasons) == 4
        assert any("feedbackData.stars" in reason for reason in reasons)
        assert any("feedbackData: must be a JSON object" in reason for reason in reasons)
        assert any("number" in reason for reason in reasons)
        assert any("predictionId" in reason for reason in reasons)
        rows = {row["id"]: row for row in feedback_rows(api)}
        assert rows[good["id"]]["status"] == "processed"
        ignored = [row for row in rows.values() if row["status"] == "ignored"]
        assert all(row["feedbackData"]["ignored"]["reason"] for row in ignored)
        assert any(row["feedbackData"].get("original") == "travel" for row in ignored)
        assert prediction_row(api, prediction)["actualValue"] == 140.0
        assert prediction_row(api, prediction)["error"] == pytest.approx(10.0)

    def test_a_correction_set_processed_by_hand_is_applied(self, api: Api) -> None:
        prediction = stored_prediction(api, model(api), "software")
        created = correct(api, prediction, "travel")
        response = api.client.patch(
            api.tenant.url(f"feedback/{created['id']}"),
            json={"status": "processed"},
            headers=api.tenant.headers("editor"),
        )
        assert response.status_code == 200, response.text
        assert response.json()["feedbackData"]["applied"]["changed"] is True
        assert prediction_row(api, prediction)["isCorrect"] is False
        born_processed = correct(api, prediction, "office", status="processed")
        assert born_processed["feedbackData"]["applied"]["predicted"] == "software"
        assert prediction_row(api, prediction)["actualValue"] == "office"

    def test_processing_nothing(self, scope: Scope) -> None:
        result = process(scope)
        assert (result.processed, result.ignored, result.models, result.remaining) == (
            0,
            [],
            [],
            0,
        )


class TestIgnore:
    def test_ignore_keeps_the_reason_and_is_final(self, api: Api, scope: Scope) -> None:
        prediction = stored_prediction(api, model(api), "software")
        created = correct(api, prediction, "travel")
        with scope() as (session, ctx):
            row = service.ignore(
                session, ctx, feedback_id=created["id"], data=FeedbackIgnore(reason="a test")
            )
            assert row.status == FeedbackStatus.ignored
        (stored,) = feedback_rows(api)
        assert stored["status"] == "ignored"
        assert stored["feedbackData"]["ignored"]["reason"] == "a test"
        assert stored["feedbackData"]["correctValue"] == "travel"
        with pytest.raises(InvalidStatusTransition), scope() as (session, ctx):
            service.ignore(session, ctx, feedback_id=created["id"], data=FeedbackIgnore())
        assert process(scope).processed == 0
        assert prediction_row(api, prediction)["actualValue"] is None
        (audit,) = api.audit(tableName="AILearningFeedback", action="ignore")
        assert audit["after"]["status"] == "ignored"

    def test_ignore_another_tenants_feedback_is_not_found(
        self, scope: Scope, client: Any, tenant_second: TenantFixture, seed_expenses: Any
    ) -> None:
        foreign = add_feedback(
            Api(client, tenant_second, seed_expenses),
            feedbackType="rating",
            feedbackData={"stars": 1},
        )
        with pytest.raises(NotFound), scope() as (session, ctx):
            service.ignore(session, ctx, feedback_id=foreign["id"], data=FeedbackIgnore())


class TestSummary:
    def test_another_tenants_model_is_not_found(
        self, scope: Scope, client: Any, tenant_second: TenantFixture, seed_expenses: Any
    ) -> None:
        foreign = model(Api(client, tenant_second, seed_expenses))
        with pytest.raises(NotFound), scope() as (session, ctx):
            service.summary(session, ctx, foreign)

    def test_a_model_without_feedback(self, api: Api, scope: Scope) -> None:
        model_id = model(api)
        with scope() as (session, ctx):
            summary = service.summary(session, ctx, model_id)
        assert summary.total == 0
        assert summary.ratings.mean is None
        assert summary.corrections.changed_share is None


def test_trained_predictions_take_corrections(api: Api, scope: Scope, classifier: str) -> None:
    """Predictions made by a trained model through the API take corrections like any."""
    (answer,) = predict(api, classifier, [AWS])
    correct(api, answer["predictionId"], "travel")
    assert process(scope, retrain=False).corrections_applied == 1
    assert prediction_row(api, answer["predictionId"])["isCorrect"] is False
