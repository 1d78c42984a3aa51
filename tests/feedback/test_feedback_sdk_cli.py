"""Feedback from the Python SDK (``Client.feedback``) and the command line (``urutiq-ai
feedback add|process|summary|ignore``, ``urutiq-ai retrain``)."""

import pytest
from fastapi.testclient import TestClient

from tests.cli.conftest import (
    Invoke,
    Local,
    cli,
    data_dir,
    db_url,
    invoke,
    local,
    ok_json,
    template_dir,
)
from tests.conftest import TenantFixture
from tests.feedback.conftest import Api, predict
from tests.training.conftest import wait_for_run
from urutiq_ai.sdk import Client, Conflict, ValidationError
from urutiq_ai.sdk._feedback import FeedbackClient

__all__ = ["data_dir", "db_url", "invoke", "local", "template_dir"]

ROWS = [
    {"vendorName": "Staples", "description": f"printer toner box {i}", "amount": 80.0 + i}
    for i in range(3)
]


@pytest.fixture
def sdk(client: TestClient, tenant: TenantFixture) -> Client:
    return Client(api_key=tenant.keys["editor"], company=tenant.company_id, http_client=client)


class TestSdk:
    def test_correct_process_retrain_and_summary(
        self, sdk: Client, api: Api, tenant: TenantFixture, classifier: str
    ) -> None:
        assert isinstance(sdk.feedback, FeedbackClient)
        answers = predict(api, classifier, ROWS)
        for answer in answers:
            row = sdk.feedback.correct(answer["predictionId"], "travel", user_id="ana")
            assert (row.model_id, row.user_id) == (classifier, "ana")
        sdk.feedback.rate(4, model_id=classifier)
        sdk.feedback.flag("wrong vendor", prediction_id=answers[0]["predictionId"])
        note = sdk.feedback.comment("good on travel", model_id=classifier)

        ignored = sdk.feedback.ignore(note.id, reason="not about the model")
        assert ignored.status.value == "ignored"
        result = sdk.feedback.process(retrain=False)
        assert (result.processed, result.corrections_applied) == (5, 3)

        with pytest.raises(Conflict) as refused:
            sdk.feedback.retrain(classifier)  # 3 of 20
        assert "3 processed correction(s)" in refused.value.detail
        started = sdk.feedback.retrain(classifier, threshold=3)
        assert started.corrections == 3
        assert wait_for_run(api.client, tenant, started.run_id)["status"] == "completed"
        assert sdk.experiments.get(started.experiment_id).current_model == (
            started.challenger_model_id
        )

        summary = sdk.feedback.summary(classifier)
        assert summary.ratings.count == 1
        assert summary.flags.count == 1
        assert summary.ignored == 1
        assert summary.corrections.unused == 0
        assert summary.last_retraining is not None
        assert summary.last_retraining.run_id == started.run_id

    def test_bad_feedback_is_a_typed_error(self, sdk: Client) -> None:
        assert isinstance(sdk.feedback, FeedbackClient)
        with pytest.raises(ValidationError) as refused:
            sdk.feedback.rate(9)
        assert any(f.field == "feedbackData.stars" for f in refused.value.fields)
        assert sdk.feedback.list().items == []


class TestCli:
    def test_add_process_summary_ignore_and_retrain(self, invoke: Invoke, local: Local) -> None:
        with Client(api_key=local.key, company=local.company) as client:
            model = client.models.create(
                model_name="m",
                model_version="1.0.0",
                model_type="classification",
                algorithm="random_forest",
            )
            prediction = client.predictions.create(
                model_id=model.id,
                prediction_type="classification",
                input_data={"vendorName": "AWS"},
                prediction={"prediction": "software"},
            )
        fixed = ok_json(
            invoke,
            local,
            "feedback",
            "add",
            "--prediction",
            prediction.id,
            "--correct",
            "travel",
            "--user",
            "ana",
        )
        assert fixed["feedbackData"] == {"correctValue": "travel"}
        assert fixed["modelId"] == model.id
        rated = ok_json(invoke, local, "feedback", "add", "--model", model.id, "--rating", "2")
        assert rated["isPositive"] is False
        flagged = ok_json(invoke, local, "feedback", "add", "--model", model.id, "--flag", "slow")
        ignored = ok_json(invoke, local, "feedback", "ignore", flagged["id"], "--reason", "dup")
        assert ignored["status"] == "ignored"

        both = cli(invoke, local, "feedback", "add", "--rating", "3", "--comment", "x")
        assert both.exit_code == 1
        assert "exactly one" in both.output
        no_prediction = cli(invoke, local, "feedback", "add", "--correct", "travel")
        assert no_prediction.exit_code == 1
        assert "--prediction" in no_prediction.output

        result = ok_json(invoke, local, "feedback", "process", "--no-retrain")
        assert (result["processed"], result["correctionsApplied"]) == (2, 1)
        table = cli(invoke, local, "feedback", "summary", "--model", model.id)
        assert table.exit_code == 0, table.output
        assert model.id in table.output
        summary = ok_json(invoke, local, "feedback", "summary", "--model", model.id)
        assert summary["corrections"]["changed"] == 1
        assert summary["ignored"] == 1

        refused = cli(invoke, local, "retrain", "--model", model.id)
        assert refused.exit_code == 1
        assert "1 processed correction(s)" in refused.output
        untrained = cli(invoke, local, "retrain", "--model", model.id, "--threshold", "1")
        assert untrained.exit_code == 1
        assert "not trained here" in untrained.output

    def test_a_numeric_correction(self, invoke: Invoke, local: Local) -> None:
        with Client(api_key=local.key, company=local.company) as client:
            model = client.models.create(
                model_name="cost",
                model_version="1.0.0",
                model_type="regression",
                algorithm="linear_regression",
            )
            prediction = client.predictions.create(
                model_id=model.id,
                prediction_type="regression",
                input_data={"amount": 10.0},
                prediction={"prediction": 12.0},
            )
        fixed = ok_json(
            invoke, local, "feedback", "add", "--prediction", prediction.id, "--correct", "12.5"
        )
        assert fixed["feedbackData"] == {"correctValue": 12.5}
        text = cli(
            invoke, local, "feedback", "add", "--prediction", prediction.id, "--correct", "x"
        )
        assert text.exit_code == 1
        assert "feedbackData.correctValue" in text.output
