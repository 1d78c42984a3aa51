"""Status lifecycles and the fields the system fills in, through the API."""

from datetime import datetime
from typing import Any

import pytest

from tests.api.payloads import Factory, assert_error


def _patch(factory: Factory, path: str, row_id: str, changes: dict[str, Any]) -> Any:
    return factory.client.patch(
        factory.tenant.url(f"{path}/{row_id}"),
        json=changes,
        headers=factory.tenant.headers("editor"),
    )


def _get(factory: Factory, path: str, row_id: str) -> dict[str, Any]:
    response = factory.client.get(
        factory.tenant.url(f"{path}/{row_id}"), headers=factory.tenant.headers("viewer")
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


class TestModelLifecycle:
    def test_training_active_deprecated(self, factory: Factory) -> None:
        model = factory.create("models")
        assert model["status"] == "training"
        for status in ("active", "deprecated"):
            response = _patch(factory, "models", model["id"], {"status": status})
            assert response.status_code == 200, response.text
            assert response.json()["status"] == status

    def test_deprecated_cannot_go_back_to_training(self, factory: Factory) -> None:
        model = factory.create("models", status="active")
        assert _patch(factory, "models", model["id"], {"status": "deprecated"}).status_code == 200
        before = factory.audit_rows(rowId=model["id"])
        for status in ("training", "active"):
            response = _patch(factory, "models", model["id"], {"status": status})
            assert_error(response, 409, error="InvalidStatusTransition", fields=("status",))
        assert _get(factory, "models", model["id"])["status"] == "deprecated"
        assert factory.audit_rows(rowId=model["id"]) == before

    def test_failed_is_final(self, factory: Factory) -> None:
        model = factory.create("models")
        assert _patch(factory, "models", model["id"], {"status": "failed"}).status_code == 200
        assert_error(
            _patch(factory, "models", model["id"], {"status": "active"}),
            409,
            error="InvalidStatusTransition",
        )

    def test_same_status_is_no_move(self, factory: Factory) -> None:
        model = factory.create("models")
        response = _patch(factory, "models", model["id"], {"status": "training"})
        assert response.status_code == 200, response.text

    def test_status_may_not_be_null(self, factory: Factory) -> None:
        model = factory.create("models")
        assert_error(
            _patch(factory, "models", model["id"], {"status": None}), 422, fields=("status",)
        )


class TestViolationResolution:
    @pytest.mark.parametrize("status", ["resolved", "false_positive"])
    def test_closing_needs_resolution_and_resolver(self, factory: Factory, status: str) -> None:
        violation = factory.create("governance-violations")
        before = factory.audit_rows(rowId=violation["id"])
        response = _patch(factory, "governance-violations", violation["id"], {"status": status})
        assert_error(response, 422, error="ValidationError", fields=("resolution", "resolvedBy"))
        assert _get(factory, "governance-violations", violation["id"]) == violation
        assert factory.audit_rows(rowId=violation["id"]) == before

    def test_closing_with_only_resolution(self, factory: Factory) -> None:
        violation = factory.create("governance-violations")
        response = _patch(
            factory,
            "governance-violations",
            violation["id"],
            {"status": "resolved", "resolution": "rebalanced the data"},
        )
        body = assert_error(response, 422, fields=("resolvedBy",))
        assert "resolution" not in {item["field"] for item in body["fields"]}

    def test_resolved_stamps_resolved_at(self, factory: Factory) -> None:
        violation = factory.create("governance-violations")
        assert violation["resolvedAt"] is None
        response = _patch(
            factory,
            "governance-violations",
            violation["id"],
            {
                "status": "resolved",
                "resolution": "rebalanced the training data",
                "resolvedBy": "alice@example.com",
            },
        )
        assert response.status_code == 200, response.text
        resolved = response.json()
        assert resolved["status"] == "resolved"
        assert resolved["resolvedBy"] == "alice@example.com"
        resolved_at = datetime.fromisoformat(resolved["resolvedAt"])
        assert resolved_at >= datetime.fromisoformat(violation["createdAt"])

    def test_create_resolved_without_resolution(self, factory: Factory) -> None:
        body = factory.payload("governance-violations", status="resolved")
        assert_error(
            factory.post("governance-violations", body), 422, fields=("resolution", "resolvedBy")
        )

    def test_reopening_clears_resolved_at(self, factory: Factory) -> None:
        violation = factory.create(
            "governance-violations", status="resolved", resolution="fixed", resolvedBy="bob"
        )
        assert violation["resolvedAt"] is not None
        reopened = _patch(factory, "governance-violations", violation["id"], {"status": "open"})
        assert reopened.status_code == 200, reopened.text
        assert reopened.json()["resolvedAt"] is None

    def test_investigating_cannot_go_back_to_open(self, factory: Factory) -> None:
        violation = factory.create("governance-violations")
        assert (
            _patch(
                factory, "governance-violations", violation["id"], {"status": "investigating"}
            ).status_code
            == 200
        )
        assert_error(
            _patch(factory, "governance-violations", violation["id"], {"status": "open"}),
            409,
            error="InvalidStatusTransition",
        )


class TestRunTimes:
    @pytest.mark.parametrize("path", ["training-runs", "pipeline-runs"])
    def test_start_time_set_on_creation(self, factory: Factory, path: str) -> None:
        run = factory.create(path)
        assert run["status"] == "running"
        assert run["startTime"] is not None
        assert run["endTime"] is None
        assert run["duration"] is None

    @pytest.mark.parametrize("path", ["training-runs", "pipeline-runs"])
    @pytest.mark.parametrize("status", ["completed", "failed", "cancelled"])
    def test_end_state_stamps_end_and_duration(
        self, factory: Factory, path: str, status: str
    ) -> None:
        run = factory.create(path)
        response = _patch(factory, path, run["id"], {"status": status})
        assert response.status_code == 200, response.text
        done = response.json()
        start = datetime.fromisoformat(done["startTime"])
        end = datetime.fromisoformat(done["endTime"])
        assert end >= start
        assert done["duration"] == pytest.approx((end - start).total_seconds(), abs=1e-3)

    def test_given_end_time_and_duration_are_kept(self, factory: Factory) -> None:
        run = factory.create("training-runs", startTime="2025-01-01T00:00:00Z")
        response = _patch(
            factory,
            "training-runs",
            run["id"],
            {"status": "completed", "endTime": "2025-01-01T01:00:00Z"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["duration"] == pytest.approx(3600.0)

    @pytest.mark.parametrize("path", ["training-runs", "pipeline-runs"])
    def test_completed_is_final(self, factory: Factory, path: str) -> None:
        run = factory.create(path)
        assert _patch(factory, path, run["id"], {"status": "completed"}).status_code == 200
        assert_error(
            _patch(factory, path, run["id"], {"status": "running"}),
            409,
            error="InvalidStatusTransition",
            fields=("status",),
        )


class TestPipelineRunId:
    def test_generated_when_omitted(self, factory: Factory) -> None:
        first = factory.create("pipeline-runs")
        second = factory.create("pipeline-runs")
        assert first["runId"]
        assert second["runId"]
        assert first["runId"] != second["runId"]

    def test_given_run_id_is_kept(self, factory: Factory) -> None:
        assert factory.create("pipeline-runs", runId="nightly-42")["runId"] == "nightly-42"


class TestFeedbackModel:
    def test_model_taken_from_prediction(self, factory: Factory) -> None:
        prediction = factory.create("predictions")
        feedback = factory.create("feedback", predictionId=prediction["id"])
        assert feedback["modelId"] == prediction["modelId"]

    def test_other_model_is_refused(self, factory: Factory) -> None:
        prediction = factory.create("predictions")
        other = factory.create("models")
        body = factory.payload("feedback", predictionId=prediction["id"], modelId=other["id"])
        before = factory.list_all("feedback")
        assert_error(factory.post("feedback", body), 422, fields=("modelId",))
        assert factory.list_all("feedback") == before

    def test_same_model_is_accepted(self, factory: Factory) -> None:
        prediction = factory.create("predictions")
        feedback = factory.create(
            "feedback", predictionId=prediction["id"], modelId=prediction["modelId"]
        )
        assert feedback["modelId"] == prediction["modelId"]

    def test_processed_is_final(self, factory: Factory) -> None:
        feedback = factory.create("feedback")
        assert (
            _patch(factory, "feedback", feedback["id"], {"status": "processed"}).status_code == 200
        )
        assert_error(
            _patch(factory, "feedback", feedback["id"], {"status": "pending"}),
            409,
            error="InvalidStatusTransition",
        )


def _verb(factory: Factory, row_id: str, verb: str, body: dict[str, Any]) -> Any:
    return factory.client.post(
        factory.tenant.url(f"deployments/{row_id}/{verb}"),
        json=body,
        headers=factory.tenant.headers("editor"),
    )


class TestDeploymentVersion:
    """A deployment changes by revisions (deployments/test_deployments_api.py has the rest)."""

    def test_starts_at_one(self, factory: Factory) -> None:
        assert factory.create("deployments")["version"] == 1

    def test_increments_on_every_change(self, factory: Factory) -> None:
        deployment = factory.create("deployments")
        reconfigured = _verb(factory, deployment["id"], "release", {"config": {"maxBatch": 5}})
        assert reconfigured.json()["deployment"]["version"] == 2, reconfigured.text
        other = factory.trained_model()
        moved = _verb(factory, deployment["id"], "release", {"modelId": other})
        assert moved.json()["deployment"]["version"] == 3
        back = _verb(factory, deployment["id"], "rollback", {})
        assert back.json()["deployment"]["version"] == 4

    def test_health_check_does_not_bump(self, factory: Factory) -> None:
        deployment = factory.create("deployments")
        response = _verb(factory, deployment["id"], "health-check", {})
        assert response.status_code == 200, response.text
        assert response.json()["version"] == 1

    def test_refused_change_does_not_bump(self, factory: Factory) -> None:
        deployment = factory.create("deployments")
        response = _verb(factory, deployment["id"], "rollback", {})
        assert_error(response, 409, error="NothingToRollBack")
        assert _get(factory, "deployments", deployment["id"])["version"] == 1

    def test_fields_are_not_writable(self, factory: Factory) -> None:
        deployment = factory.create("deployments")
        assert_error(_patch(factory, "deployments", deployment["id"], {"version": 7}), 405)
        assert_error(
            _verb(factory, deployment["id"], "release", {"version": 7}), 422, fields=("version",)
        )


class TestPolicyLifecycle:
    def test_draft_active_inactive_active(self, factory: Factory) -> None:
        policy = factory.create("governance-policies")
        assert policy["status"] == "draft"
        for status in ("active", "inactive", "active"):
            response = _patch(factory, "governance-policies", policy["id"], {"status": status})
            assert response.status_code == 200, response.text

    def test_cannot_return_to_draft(self, factory: Factory) -> None:
        policy = factory.create("governance-policies", status="active")
        assert_error(
            _patch(factory, "governance-policies", policy["id"], {"status": "draft"}),
            409,
            error="InvalidStatusTransition",
        )


class TestPerformanceMetricDate:
    def test_defaults_to_now(self, factory: Factory) -> None:
        metric = factory.create("performance-metrics")
        assert datetime.fromisoformat(metric["metricDate"]) >= datetime.fromisoformat(
            metric["createdAt"]
        ).replace(microsecond=0)

    def test_default_sort_is_newest_metric_date_first(self, factory: Factory) -> None:
        old = factory.create("performance-metrics", metricDate="2024-01-01T00:00:00Z")
        new = factory.create("performance-metrics", metricDate="2025-01-01T00:00:00Z")
        older = factory.create("performance-metrics", metricDate="2023-01-01T00:00:00Z")
        ids = [row["id"] for row in factory.list_all("performance-metrics")]
        assert ids == [new["id"], old["id"], older["id"]]

    def test_metric_date_range(self, factory: Factory) -> None:
        factory.create("performance-metrics", metricDate="2024-01-01T00:00:00Z")
        inside = factory.create("performance-metrics", metricDate="2024-06-01T00:00:00Z")
        rows = factory.list_all(
            "performance-metrics",
            metricDateFrom="2024-03-01T00:00:00Z",
            metricDateTo="2024-09-01T00:00:00Z",
        )
        assert [row["id"] for row in rows] == [inside["id"]]
