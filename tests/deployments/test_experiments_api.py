"""Experiments through the API: criteria, offline and online evaluation, promotion."""

from typing import Any

from tests.api.payloads import assert_error
from tests.conftest import TenantFixture
from tests.deployments.conftest import VENDOR_ROWS, Api

CATEGORY = {"AWS": "software", "Delta": "travel", "Staples": "office", "Verizon": "telecom"}


def create(api: Api, baseline: str, current: str, **extra: Any) -> dict[str, Any]:
    body = {
        "experimentName": extra.pop("name", "rf-vs-lr"),
        "objective": "fewer misfiled expenses",
        "hypothesis": "the challenger files expenses at least as well",
        "baselineModel": baseline,
        "currentModel": current,
        "successMetrics": [{"metric": "accuracy", "maxDegradation": 0.05}],
        **extra,
    }
    response = api.post("experiments", body)
    assert response.status_code == 201, response.text
    experiment: dict[str, Any] = response.json()
    return experiment


class TestCreate:
    def test_bad_criteria_name_the_field(self, api: Api, two_versions: tuple[str, str]) -> None:
        first, second = two_versions
        body = {
            "experimentName": "x",
            "baselineModel": first,
            "currentModel": second,
            "successMetrics": [{"metric": "f2", "minImprovement": 0.02}],
        }
        assert_error(api.post("experiments", body), 422, fields=("successMetrics.0.metric",))
        assert api.get("experiments").json()["items"] == []

    def test_same_model_twice_is_refused(self, api: Api, two_versions: tuple[str, str]) -> None:
        body = {"experimentName": "x", "baselineModel": two_versions[0]}
        body["currentModel"] = two_versions[0]
        assert_error(api.post("experiments", body), 422, fields=("currentModel",))

    def test_models_of_another_tenant_are_refused(
        self, api: Api, tenant_second: TenantFixture, two_versions: tuple[str, str]
    ) -> None:
        body = {"experimentName": "x", "baselineModel": two_versions[0], "currentModel": "x"}
        foreign = api.client.post(
            tenant_second.url("experiments"), json=body, headers=tenant_second.headers("editor")
        )
        assert_error(foreign, 422, fields=("baselineModel",))

    def test_models_of_another_company_are_refused(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        tenant = api.tenant
        body = {
            "experimentName": "x",
            "baselineModel": two_versions[0],
            "currentModel": two_versions[1],
        }
        response = api.client.post(
            tenant.url("experiments", tenant.company_b), json=body, headers=tenant.headers("editor")
        )
        assert_error(response, 422, fields=("baselineModel", "currentModel"))

    def test_a_deployment_that_is_not_the_company_s_is_refused_at_once(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        body = {"experimentName": "x", "baselineModel": first, "currentModel": second}
        unknown = api.post("experiments", {**body, "methodology": {"deploymentId": "expenses"}})
        detail = assert_error(unknown, 422, fields=("methodology.deploymentId",))["detail"]
        assert "no deployment 'expenses'" in detail
        tenant = api.tenant
        deployment = api.deploy(first)  # company A's: not seen from company B
        elsewhere = api.client.post(
            tenant.url("experiments", tenant.company_b),
            json={**body, "methodology": {"deploymentId": deployment["id"]}},
            headers=tenant.headers("editor"),
        )
        assert elsewhere.status_code == 422, elsewhere.text
        assert api.get("experiments").json()["items"] == []
        made = create(api, first, second, methodology={"deploymentId": deployment["id"]})
        moved = api.client.patch(
            tenant.url(f"experiments/{made['id']}"),
            json={"methodology": {"deploymentId": "nope"}},
            headers=tenant.headers("editor"),
        )
        assert_error(moved, 422, fields=("methodology.deploymentId",))

    def test_results_are_the_systems(self, api: Api, two_versions: tuple[str, str]) -> None:
        experiment = create(api, *two_versions)
        response = api.client.patch(
            api.tenant.url(f"experiments/{experiment['id']}"),
            json={"results": {"verdict": "passed"}},
            headers=api.tenant.headers("editor"),
        )
        assert_error(response, 422, fields=("results",))


class TestOffline:
    def test_both_models_on_the_same_rows_with_intervals(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        experiment = create(api, *two_versions)
        response = api.post(f"experiments/{experiment['id']}/evaluate", {"mode": "offline"})
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        offline = results["offline"]
        assert offline["rows"] > 0
        f1 = offline["metrics"]["f1Score"]
        assert f1["paired"] is True
        assert f1["ciLow"] <= f1["difference"] <= f1["ciHigh"]
        assert set(offline["metrics"]) == {"accuracy", "precision", "recall", "f1Score"}
        verdict = results["verdict"]
        assert verdict["basis"] == "offline"
        assert verdict["status"] in {"passed", "failed", "inconclusive"}
        assert response.json()["conclusions"].startswith("[system, offline]")
        assert any(row["action"] == "evaluate" for row in api.audit(tableName="AIExperiment"))

    def test_online_needs_a_deployment(self, api: Api, two_versions: tuple[str, str]) -> None:
        experiment = create(api, *two_versions)
        response = api.post(f"experiments/{experiment['id']}/evaluate", {"mode": "online"})
        assert_error(response, 422, fields=("methodology.deploymentId",))


class TestOnline:
    def test_ab_split_outcomes_give_a_verdict_and_promotion(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        traffic = [{"modelId": first, "weight": 0.5}, {"modelId": second, "weight": 0.5}]
        deployment = api.deploy(first, env="production", config={"traffic": traffic})
        experiment = create(
            api,
            first,
            second,
            methodology={"deploymentId": deployment["id"], "nResamples": 200},
            successMetrics=[{"metric": "accuracy", "maxDegradation": 0.2}],
        )
        rows = [dict(row, amount=row["amount"] + i) for i in range(30) for row in VENDOR_ROWS]
        actuals = []
        for i, row in enumerate(rows):
            body = {"row": row, "entityKey": f"invoice-{i}"}
            answer = api.predict("expenses", body, env="production").json()["predictions"][0]
            actuals.append(
                {"predictionId": answer["predictionId"], "actualValue": CATEGORY[row["vendorName"]]}
            )
        assert api.post("predictions/actuals", {"items": actuals}).status_code == 200

        evaluated = api.post(f"experiments/{experiment['id']}/evaluate", {"mode": "online"})
        assert evaluated.status_code == 200, evaluated.text
        online = evaluated.json()["results"]["online"]
        arms = online["arms"]
        assert arms["baseline"]["outcomes"] + arms["current"]["outcomes"] == len(rows)
        assert arms["baseline"]["outcomes"] > 0
        assert arms["current"]["outcomes"] > 0
        assert 0.0 <= online["test"]["pValue"] <= 1.0
        assert online["requiredPerArm"] > 0
        assert online["moreNeeded"] >= 0
        verdict = evaluated.json()["results"]["verdict"]

        # Both models file every vendor right: the guard (no worse by 0.2) holds.
        assert (verdict["basis"], verdict["status"]) == ("online", "passed"), verdict
        promoted = api.post(f"experiments/{experiment['id']}/promote", {})
        assert promoted.status_code == 200, promoted.text
        change = promoted.json()
        assert change["deployment"]["modelId"] == second
        assert change["revision"]["action"] == "promote"
        assert api.get(f"experiments/{experiment['id']}").json()["status"] == "completed"

    def test_shadow_outcomes_count_for_the_challenger(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        deployment = api.deploy(first, env="production", config={"shadow": [second]})
        experiment = create(
            api, first, second, methodology={"deploymentId": deployment["id"], "nResamples": 200}
        )
        body = api.predict("expenses", {"rows": VENDOR_ROWS}, env="production").json()
        actuals = [
            {"predictionId": p["predictionId"], "actualValue": CATEGORY[row["vendorName"]]}
            for p, row in zip(body["predictions"], VENDOR_ROWS, strict=True)
        ]
        assert api.post("predictions/actuals", {"items": actuals}).status_code == 200
        shadows = api.stored(deploymentId=deployment["id"], variant="shadow")
        assert all(row["actualValue"] is not None for row in shadows)
        evaluated = api.post(f"experiments/{experiment['id']}/evaluate", {"mode": "online"})
        arms = evaluated.json()["results"]["online"]["arms"]
        assert (arms["baseline"]["outcomes"], arms["current"]["outcomes"]) == (4, 4)
        assert arms["current"]["variants"] == ["shadow"]

    def test_promotion_before_a_pass_is_refused(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        experiment = create(api, *two_versions)
        response = api.post(f"experiments/{experiment['id']}/promote", {})
        assert_error(response, 409, error="ExperimentNotReady")
