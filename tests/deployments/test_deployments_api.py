"""Deployments through the API: deploy, health, release, promote, roll back, history, bad input."""

from datetime import datetime, timedelta

from fastapi import FastAPI

from tests.api.payloads import assert_error
from tests.conftest import TenantFixture
from tests.deployments.conftest import ROW, Api, tamper


class TestDeploy:
    def test_an_active_model_deploys_and_serves(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        model_id, _ = two_versions
        deployment = api.deploy(model_id)
        assert deployment["status"] == "active"
        assert deployment["version"] == 1
        assert deployment["endpoint"].endswith("/deployments/expenses/predict?environment=staging")
        health = deployment["healthCheck"]
        assert health["status"] == "pass"
        assert health["error"] is None
        assert health["models"][0]["rows"] > 0
        assert health["latencyMs"] > 0
        (revision,) = api.revisions(deployment["id"])
        assert (revision["version"], revision["status"], revision["action"]) == (
            1,
            "active",
            "deploy",
        )
        assert revision["startedAt"] is not None

    def test_endpoint_predicts_and_stores_with_the_deployment(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        model_id, _ = two_versions
        deployment = api.deploy(model_id)
        path = deployment["endpoint"].removeprefix("/api/v1/companies/")
        response = api.client.post(
            f"/api/v1/companies/{path}", json={"row": ROW}, headers=api.tenant.headers("editor")
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["deploymentId"], body["version"], body["modelId"]) == (
            deployment["id"],
            1,
            model_id,
        )
        (answer,) = body["predictions"]
        assert answer["prediction"] == "software"
        assert answer["variant"] == "champion"
        (stored,) = api.stored(deploymentId=deployment["id"])
        assert stored["id"] == answer["predictionId"]
        assert (stored["deploymentVersion"], stored["variant"], stored["modelId"]) == (
            1,
            "champion",
            model_id,
        )

    def test_a_model_that_is_not_active_is_refused(self, api: Api) -> None:
        draft = api.post(
            "models",
            {
                "modelName": "draft",
                "modelVersion": "1.0",
                "modelType": "classification",
                "algorithm": "random_forest",
            },
        ).json()
        before = api.audit()
        response = api.post(
            "deployments",
            {"deploymentName": "d", "modelId": draft["id"], "environment": "staging"},
        )
        assert_error(response, 409, fields=("modelId",))
        assert api.get("deployments").json()["items"] == []
        assert api.audit() == before

    def test_unknown_model_names_the_field(self, api: Api) -> None:
        response = api.post(
            "deployments", {"deploymentName": "d", "modelId": "nope", "environment": "staging"}
        )
        assert_error(response, 422, fields=("modelId",))

    def test_a_name_is_unique_per_environment(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        model_id, _ = two_versions
        api.deploy(model_id, env="staging")
        again = api.post(
            "deployments",
            {"deploymentName": "expenses", "modelId": model_id, "environment": "staging"},
        )
        assert_error(again, 409, fields=("deploymentName",))
        assert api.deploy(model_id, env="production")["status"] == "active"

    def test_a_second_deploy_names_the_release_to_use(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        deployment_id = api.deploy(first, env="staging")["id"]
        again = api.post(
            "deployments",
            {"deploymentName": "expenses", "modelId": second, "environment": "staging"},
        )
        detail = assert_error(again, 409)["detail"]
        assert f"urutiq-ai deployments release expenses --env staging --model {second}" in detail
        assert f"deployments/{deployment_id}/release" in detail

    def test_a_tampered_artifact_fails_the_first_deploy(
        self, api: Api, app: FastAPI, tenant: TenantFixture, two_versions: tuple[str, str]
    ) -> None:
        model_id, _ = two_versions
        tamper(app, tenant, model_id)
        deployment = api.deploy(model_id)
        assert deployment["status"] == "failed"
        assert "artifact did not load" in deployment["healthCheck"]["error"]
        (revision,) = api.revisions(deployment["id"])
        assert revision["status"] == "failed"
        assert revision["startedAt"] is None
        response = api.predict("expenses", {"row": ROW})
        assert_error(response, 409, fields=("status",))
        refused = api.post(f"deployments/{deployment['id']}/promote", {})
        body = assert_error(refused, 409, fields=("status",))
        assert "is failed (" in body["detail"]
        assert "artifact did not load" in body["detail"]

    def test_a_smoke_prediction_over_the_time_limit_fails_the_deploy(self, api: Api) -> None:
        model_id = api.train()
        deployment = api.deploy(model_id, config={"health": {"timeoutMs": 0.001}})
        assert deployment["status"] == "failed"
        assert "over the 0 ms limit" in deployment["healthCheck"]["error"]
        assert deployment["healthCheck"]["latencyMs"] > 0.001

    def test_predict_on_an_unknown_name_says_where_it_exists(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        api.deploy(two_versions[0], env="staging")
        body = assert_error(api.predict("expenses", {"row": ROW}, env="production"), 404)
        assert "staging" in body["detail"]

    def test_bad_rows_are_refused_and_nothing_stored(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        deployment = api.deploy(two_versions[0])
        response = api.predict("expenses", {"row": {"vendorName": "AWS"}})
        assert_error(response, 422, fields=("rows.description", "rows.amount"))
        assert api.stored(deploymentId=deployment["id"]) == []

    def test_batch_limit_of_the_config(self, api: Api, two_versions: tuple[str, str]) -> None:
        api.deploy(two_versions[0], config={"maxBatch": 2})
        response = api.predict("expenses", {"rows": [ROW, ROW, ROW]})
        assert_error(response, 422, fields=("rows",))

    def test_viewer_cannot_deploy(self, api: Api, two_versions: tuple[str, str]) -> None:
        body = {"deploymentName": "x", "modelId": two_versions[0], "environment": "staging"}
        assert api.post("deployments", body, role="viewer").status_code == 403


class TestReleaseAndRollback:
    def test_release_rollback_and_history(self, api: Api, two_versions: tuple[str, str]) -> None:
        first, second = two_versions
        deployment = api.deploy(first)
        change = api.verb(deployment["id"], "release", {"modelId": second, "reason": "retrained"})
        assert change["revision"]["status"] == "active"
        assert (change["deployment"]["version"], change["deployment"]["modelId"]) == (2, second)
        assert api.predict("expenses", {"row": ROW}).json()["modelId"] == second

        back = api.verb(deployment["id"], "rollback", {"reason": "worse on invoices"})
        assert back["deployment"]["status"] == "active"  # it serves; the rollback is history
        assert (back["deployment"]["version"], back["deployment"]["modelId"]) == (3, first)
        assert back["revision"]["action"] == "rollback"
        statuses = [(r["version"], r["status"]) for r in api.revisions(deployment["id"])]
        assert statuses == [(3, "active"), (2, "rolled_back"), (1, "superseded")]
        assert api.predict("expenses", {"row": ROW}).json()["modelId"] == first

        nothing = api.post(f"deployments/{deployment['id']}/rollback", {})
        body = assert_error(nothing, 409, error="NothingToRollBack", fields=("version",))
        assert body["detail"] == (
            "nothing to roll back to: no earlier revision of 'expenses' (staging) served "
            "another model or config than version 3, which serves now"
        )
        actions = [row["action"] for row in api.audit(tableName="AIDeployment")]
        assert {"deploy", "release", "rollback"} <= set(actions)

    def test_first_revision_has_nothing_to_roll_back_to(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        deployment = api.deploy(two_versions[0])
        response = api.post(f"deployments/{deployment['id']}/rollback", {})
        body = assert_error(response, 409, error="NothingToRollBack")
        assert "than version 1, which serves now" in body["detail"]
        assert len(api.revisions(deployment["id"])) == 1

    def test_a_failed_first_deploy_has_nothing_to_roll_back_to(
        self, api: Api, app: FastAPI, tenant: TenantFixture, two_versions: tuple[str, str]
    ) -> None:
        tamper(app, tenant, two_versions[0])
        deployment = api.deploy(two_versions[0])
        response = api.post(f"deployments/{deployment['id']}/rollback", {})
        body = assert_error(response, 409, error="NothingToRollBack")
        assert body["detail"].endswith("no revision of 'expenses' (staging) has served yet")

    def test_a_release_that_fails_health_keeps_the_old_model(
        self, api: Api, app: FastAPI, tenant: TenantFixture, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        deployment = api.deploy(first)
        tamper(app, tenant, second)
        change = api.verb(deployment["id"], "release", {"modelId": second})
        assert change["revision"]["status"] == "failed"
        assert "artifact did not load" in change["revision"]["reason"]
        assert (change["deployment"]["version"], change["deployment"]["modelId"]) == (1, first)
        assert change["deployment"]["status"] == "active"
        assert api.predict("expenses", {"row": ROW}).json()["modelId"] == first

    def test_release_needs_a_model_or_a_config(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        deployment = api.deploy(two_versions[0])
        assert_error(api.post(f"deployments/{deployment['id']}/release", {}), 422)


class TestPromotion:
    def test_staging_to_production_and_the_served_history(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        staging = api.deploy(first, env="staging")
        created = api.verb(staging["id"], "promote", {})
        production = created["deployment"]
        assert (production["environment"], production["version"]) == ("production", 1)
        assert created["revision"]["action"] == "promote"
        assert "promoted from staging" in created["revision"]["reason"]
        between = datetime.now().astimezone()

        api.verb(staging["id"], "release", {"modelId": second})
        promoted = api.verb(staging["id"], "promote", {"to": "production"})
        assert (promoted["deployment"]["id"], promoted["deployment"]["version"]) == (
            production["id"],
            2,
        )
        assert api.predict("expenses", {"row": ROW}, env="production").json()["modelId"] == second

        at = api.get("deployments/served", at=between.isoformat(), environment="production")
        assert at.status_code == 200, at.text
        assert [row["modelId"] for row in at.json()] == [first]
        history = api.get("deployments/served", environment="production").json()
        assert [(row["modelId"], row["version"]) for row in history] == [(first, 1), (second, 2)]
        assert history[0]["to"] == history[1]["from"]
        assert history[1]["to"] is None

    def test_served_lists_every_model_of_a_split_with_its_share(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        staging = api.deploy(first, env="staging")
        split = {"traffic": [{"modelId": first, "weight": 0.7}, {"modelId": second, "weight": 0.3}]}
        api.verb(staging["id"], "release", {"config": split})
        rows = api.get("deployments/served", deploymentName="expenses").json()
        assert [(r["version"], r["modelId"], r["role"], r["weight"]) for r in rows] == [
            (1, first, "champion", None),
            (2, first, "champion", 0.7),
            (2, second, "challenger", 0.3),
        ]

    def test_promote_into_its_own_environment_is_refused(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        staging = api.deploy(two_versions[0])
        response = api.post(f"deployments/{staging['id']}/promote", {"to": "staging"})
        assert_error(response, 422, fields=("to",))


class TestHealthOnSchedule:
    def test_a_failing_check_rolls_back_to_the_previous_revision(
        self, api: Api, app: FastAPI, tenant: TenantFixture, two_versions: tuple[str, str]
    ) -> None:
        from urutiq_ai.deployments.checks import check_due_deployments

        first, second = two_versions
        deployment = api.deploy(first)
        api.verb(deployment["id"], "release", {"modelId": second})
        tamper(app, tenant, second)
        later = datetime.now().astimezone() + timedelta(hours=1)
        assert check_due_deployments(app.state.runtime, app.state.executor, later) >= 1
        now = api.get(f"deployments/{deployment['id']}").json()
        assert (now["modelId"], now["status"], now["version"]) == (first, "active", 3)
        latest = api.revisions(deployment["id"])
        assert latest[0]["action"] == "auto_rollback"
        assert "health check failed" in latest[0]["reason"]
        assert latest[1]["status"] == "rolled_back"

    def test_manual_check_without_anything_earlier_marks_it_failed(
        self, api: Api, app: FastAPI, tenant: TenantFixture, two_versions: tuple[str, str]
    ) -> None:
        deployment = api.deploy(two_versions[0])
        tamper(app, tenant, two_versions[0])
        response = api.post(f"deployments/{deployment['id']}/health-check")
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "failed"
        assert response.json()["healthCheck"]["status"] == "fail"


class TestTenancy:
    def test_another_tenant_sees_nothing(
        self, api: Api, tenant_second: TenantFixture, two_versions: tuple[str, str]
    ) -> None:
        deployment = api.deploy(two_versions[0])
        headers = tenant_second.headers("admin")
        for path in (
            f"deployments/{deployment['id']}",
            f"deployments/{deployment['id']}/revisions",
        ):
            assert api.client.get(tenant_second.url(path), headers=headers).status_code == 404
        foreign = api.client.post(
            tenant_second.url(f"deployments/{deployment['id']}/rollback"), json={}, headers=headers
        )
        assert foreign.status_code == 404
        predict = api.client.post(
            tenant_second.url("deployments/expenses/predict"),
            params={"environment": "staging"},
            json={"row": ROW},
            headers=headers,
        )
        assert predict.status_code == 404
        served = api.client.get(tenant_second.url("deployments/served"), headers=headers)
        assert served.json() == []
