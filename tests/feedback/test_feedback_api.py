"""The feedback verbs through the API (mounted by ``catalog.DOMAIN_ROUTERS``): process,
ignore, a model's summary and retraining from feedback; roles, other tenants and bad
input answer clear errors and write nothing."""

from typing import Any

from tests.api.payloads import assert_error
from tests.conftest import TenantFixture
from tests.feedback.conftest import Api, add_feedback, correct, feedback_rows, predict
from tests.feedback.test_feedback_service import model, stored_prediction
from tests.training.conftest import wait_for_run

ROWS = [
    {"vendorName": "Delta", "description": f"conference hotel night {i}", "amount": 210.0 + i}
    for i in range(3)
]


def processed(api: Api, body: Any = None, role: str = "editor") -> dict[str, Any]:
    response = api.post("feedback/process", body, role=role)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


class TestProcess:
    def test_process_returns_counts_and_aggregates(self, api: Api) -> None:
        model_id = model(api)
        prediction = stored_prediction(api, model_id, "software")
        correct(api, prediction, "travel")
        add_feedback(api, feedbackType="rating", modelId=model_id, feedbackData={"stars": 5})
        add_feedback(api, feedbackType="flag", modelId=model_id, feedbackData={"reason": "odd"})
        result = processed(api, {"retrain": False})
        assert result["processed"] == 3
        assert result["correctionsApplied"] == 1
        assert result["ignored"] == []
        assert result["remaining"] == 0
        (summary,) = result["models"]
        assert summary["modelId"] == model_id
        assert summary["ratings"]["mean"] == 5.0
        assert summary["flags"] == {"count": 1, "reasons": {"odd": 1}}
        assert summary["corrections"]["changedShare"] == 1.0
        assert api.get(f"predictions/{prediction}").json()["actualValue"] == "travel"

    def test_process_without_a_body_processes_everything(self, api: Api) -> None:
        add_feedback(api, feedbackType="comment", feedbackData={"text": "nice"})
        assert processed(api)["processed"] == 1
        assert [row["status"] for row in feedback_rows(api)] == ["processed"]

    def test_viewers_may_not_process(self, api: Api) -> None:
        add_feedback(api, feedbackType="comment", feedbackData={"text": "nice"})
        assert_error(api.post("feedback/process", {}, role="viewer"), 403)
        assert [row["status"] for row in feedback_rows(api)] == ["pending"]

    def test_unknown_and_final_ids(
        self, api: Api, client: Any, tenant_second: TenantFixture, seed_expenses: Any
    ) -> None:
        mine = add_feedback(api, feedbackType="comment", feedbackData={"text": "a"})
        foreign = add_feedback(
            Api(client, tenant_second, seed_expenses),
            feedbackType="comment",
            feedbackData={"text": "b"},
        )
        assert_error(
            api.post("feedback/process", {"ids": [mine["id"], foreign["id"]]}),
            404,
            fields=("ids.1",),
        )
        assert [row["status"] for row in feedback_rows(api)] == ["pending"]
        processed(api, {"ids": [mine["id"]]})
        assert_error(
            api.post("feedback/process", {"ids": [mine["id"]]}),
            409,
            error="InvalidStatusTransition",
            fields=("ids.0",),
        )

    def test_bad_requests(self, api: Api) -> None:
        assert_error(api.post("feedback/process", {"threshold": 0}), 422, fields=("threshold",))
        assert_error(api.post("feedback/process", {"ids": []}), 422, fields=("ids",))
        assert_error(api.post("feedback/process", {"colour": "blue"}), 422, fields=("colour",))


class TestIgnore:
    def test_ignore_then_it_is_final(self, api: Api) -> None:
        created = add_feedback(api, feedbackType="flag", feedbackData={"reason": "spam"})
        response = api.post(f"feedback/{created['id']}/ignore", {"reason": "a duplicate"})
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "ignored"
        assert response.json()["feedbackData"]["ignored"]["reason"] == "a duplicate"
        assert_error(
            api.post(f"feedback/{created['id']}/ignore"), 409, error="InvalidStatusTransition"
        )
        assert processed(api)["processed"] == 0

    def test_ignore_another_tenants_feedback_is_not_found(
        self, api: Api, client: Any, tenant_second: TenantFixture, seed_expenses: Any
    ) -> None:
        foreign = add_feedback(
            Api(client, tenant_second, seed_expenses),
            feedbackType="comment",
            feedbackData={"text": "b"},
        )
        assert_error(api.post(f"feedback/{foreign['id']}/ignore"), 404)
        mine = add_feedback(api, feedbackType="comment", feedbackData={"text": "a"})
        assert api.post(f"feedback/{mine['id']}/ignore").status_code == 200  # the route exists

    def test_viewers_may_not_ignore(self, api: Api) -> None:
        created = add_feedback(api, feedbackType="comment", feedbackData={"text": "a"})
        assert_error(api.post(f"feedback/{created['id']}/ignore", role="viewer"), 403)


class TestSummary:
    def test_viewers_read_a_summary(self, api: Api) -> None:
        model_id = model(api)
        add_feedback(api, feedbackType="rating", modelId=model_id, feedbackData={"stars": 3})
        processed(api)
        response = api.get(f"models/{model_id}/feedback-summary", role="viewer")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["modelId"] == model_id
        assert body["ratings"]["count"] == 1
        assert body["lastRetraining"] is None

    def test_another_tenants_model_is_not_found(
        self, api: Api, client: Any, tenant_second: TenantFixture, seed_expenses: Any
    ) -> None:
        foreign = model(Api(client, tenant_second, seed_expenses))
        assert_error(api.get(f"models/{foreign}/feedback-summary"), 404)
        assert api.get(f"models/{model(api)}/feedback-summary").status_code == 200


class TestRetrainFromFeedback:
    def test_not_enough_corrections_then_a_challenger(
        self, api: Api, tenant: TenantFixture, classifier: str
    ) -> None:
        for answer in predict(api, classifier, ROWS):
            correct(api, answer["predictionId"], "travel")
        processed(api, {"retrain": False})
        before = api.get("experiments").json()["items"]
        refused = assert_error(
            api.post(f"models/{classifier}/retrain-from-feedback"), 409, fields=("threshold",)
        )
        assert "3 processed correction(s)" in refused["detail"]
        assert api.get("experiments").json()["items"] == before

        assert_error(
            api.post(f"models/{classifier}/retrain-from-feedback", {"threshold": 3}, role="viewer"),
            403,
        )
        response = api.post(f"models/{classifier}/retrain-from-feedback", {"threshold": 3})
        assert response.status_code == 202, response.text
        started = response.json()
        assert started["modelId"] == classifier
        assert started["corrections"] == 3
        run = wait_for_run(api.client, tenant, started["runId"])
        assert run["status"] == "completed", run["logs"]
        experiment = api.get(f"experiments/{started['experimentId']}").json()
        assert (experiment["baselineModel"], experiment["currentModel"]) == (
            classifier,
            started["challengerModelId"],
        )
        summary = api.get(f"models/{classifier}/feedback-summary").json()
        assert summary["lastRetraining"]["experimentId"] == started["experimentId"]
        assert summary["corrections"]["unused"] == 0

    def test_process_starts_the_retraining(
        self, api: Api, tenant: TenantFixture, classifier: str
    ) -> None:
        for answer in predict(api, classifier, ROWS):
            correct(api, answer["predictionId"], "travel")
        result = processed(api, {"threshold": 3})
        (started,) = result["retrained"]
        assert wait_for_run(api.client, tenant, started["runId"])["status"] == "completed"

    def test_a_model_of_another_tenant_is_not_found(
        self, api: Api, client: Any, tenant_second: TenantFixture, seed_expenses: Any
    ) -> None:
        foreign = model(Api(client, tenant_second, seed_expenses))
        assert_error(api.post(f"models/{foreign}/retrain-from-feedback", {"threshold": 1}), 404)
        mine = api.post(f"models/{model(api)}/retrain-from-feedback", {"threshold": 1})
        assert_error(mine, 409, error="NotEnoughCorrections")  # the route exists

    def test_a_model_not_trained_here(self, api: Api) -> None:
        model_id = model(api)
        correct(api, stored_prediction(api, model_id, "software"), "travel")
        processed(api, {"retrain": False})
        assert_error(
            api.post(f"models/{model_id}/retrain-from-feedback", {"threshold": 1}),
            409,
            fields=("modelId",),
        )
        assert api.get("experiments").json()["items"] == []

    def test_a_bad_threshold(self, api: Api) -> None:
        model_id = model(api)
        assert_error(
            api.post(f"models/{model_id}/retrain-from-feedback", {"threshold": -1}),
            422,
            fields=("threshold",),
        )
