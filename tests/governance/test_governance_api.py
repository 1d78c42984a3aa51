"""Governance through the API: policies checked on save, evaluated against models,
violations opened, refreshed and resolved, and production releases gated."""

from typing import Any

from fastapi import FastAPI

from tests.api.payloads import assert_error
from tests.conftest import TenantFixture
from tests.deployments.conftest import Api, tamper


def policy(api: Api, policy_type: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "policyName": f"{policy_type}-policy",
        "policyType": policy_type,
        "status": "active",
    }
    if policy_type == "fairness":
        body["thresholds"] = {"minGroupSize": 5}  # the test models hold out ~12 rows a vendor
    body.update(fields)
    response = api.post("governance-policies", body, role="admin")
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def evaluate(api: Api, policy_id: str, model_id: str) -> dict[str, Any]:
    response = api.post(f"governance-policies/{policy_id}/evaluate", {"modelId": model_id})
    assert response.status_code == 200, response.text
    evaluation: dict[str, Any] = response.json()
    return evaluation


def violations(api: Api, **filters: Any) -> list[dict[str, Any]]:
    response = api.get("governance-violations", role="admin", **filters)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


VENDOR_FAIRNESS = {"sensitiveColumn": "vendorName", "positiveLabel": "software", "nResamples": 100}


class TestPolicies:
    def test_rules_of_another_type_are_refused(self, api: Api) -> None:
        body = {
            "policyName": "p",
            "policyType": "privacy",
            "rules": {"sensitiveColumn": "segment"},
        }
        assert_error(api.post("governance-policies", body), 422, fields=("rules.sensitiveColumn",))
        assert api.get("governance-policies", role="admin").json()["items"] == []

    def test_fairness_needs_a_sensitive_column(self, api: Api) -> None:
        body = {"policyName": "p", "policyType": "fairness", "rules": {}}
        assert_error(api.post("governance-policies", body), 422, fields=("rules.sensitiveColumn",))

    def test_thresholds_out_of_range(self, api: Api) -> None:
        body = {
            "policyName": "p",
            "policyType": "fairness",
            "rules": {"sensitiveColumn": "segment"},
            "thresholds": {"ratioBand": [1.5, 0.9]},
        }
        assert_error(api.post("governance-policies", body), 422, fields=("thresholds.ratioBand",))

    def test_only_fairness_takes_thresholds(self, api: Api) -> None:
        body = {"policyName": "p", "policyType": "security", "thresholds": {"x": 1}}
        assert_error(api.post("governance-policies", body), 422, fields=("thresholds",))


class TestFairness:
    def test_a_biased_segment_opens_one_violation_refreshed_while_it_persists(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        model_id, _ = two_versions
        created = policy(api, "fairness", rules={**VENDOR_FAIRNESS, "severity": "high"})
        first = evaluate(api, created["id"], model_id)
        assert first["status"] == "fail", first["summary"]
        fairness = first["results"]["fairness"]
        assert fairness["sensitiveColumn"] == "vendorName"
        assert fairness["metrics"]
        (violation,) = violations(api, modelId=model_id)
        assert (violation["severity"], violation["violationType"], violation["status"]) == (
            "high",
            "fairness",
            "open",
        )
        assert violation["id"] == first["violationId"]
        again = evaluate(api, created["id"], model_id)
        assert again["violationId"] == violation["id"]
        (refreshed,) = violations(api, modelId=model_id)
        assert refreshed["details"]["occurrences"] == 2

    def test_a_column_the_model_data_lacks_is_refused(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        created = policy(api, "fairness", rules={"sensitiveColumn": "region"})
        response = api.post(
            f"governance-policies/{created['id']}/evaluate", {"modelId": two_versions[0]}
        )
        assert_error(response, 422, fields=("rules.sensitiveColumn",))


class TestWorkflow:
    def test_resolution_needs_who_and_what(self, api: Api, two_versions: tuple[str, str]) -> None:
        created = policy(api, "fairness", rules=VENDOR_FAIRNESS)
        violation_id = evaluate(api, created["id"], two_versions[0])["violationId"]
        url = api.tenant.url(f"governance-violations/{violation_id}")
        headers = api.tenant.headers("editor")
        investigating = api.client.patch(url, json={"status": "investigating"}, headers=headers)
        assert investigating.status_code == 200, investigating.text
        missing = api.client.patch(url, json={"status": "resolved"}, headers=headers)
        assert_error(missing, 422, fields=("resolution", "resolvedBy"))
        closed = api.client.patch(
            url,
            json={"status": "resolved", "resolution": "segment excluded", "resolvedBy": "ana"},
            headers=headers,
        )
        assert closed.status_code == 200, closed.text
        assert closed.json()["resolvedAt"] is not None
        actions = [row["action"] for row in api.audit(rowId=violation_id)]
        assert actions.count("update") == 2
        assert "violation_opened" in actions
        reopened = evaluate(api, created["id"], two_versions[0])
        assert reopened["violationId"] != violation_id  # a new one: the old is closed


class TestOtherChecks:
    def test_transparency(self, api: Api, two_versions: tuple[str, str]) -> None:
        created = policy(api, "transparency", rules={"minDescriptionLength": 10})
        result = evaluate(api, created["id"], two_versions[0])
        assert result["status"] == "fail"
        assert "description" in result["summary"]
        assert result["results"]["importanceMethods"]
        api.client.patch(
            api.tenant.url(f"models/{two_versions[0]}"),
            json={"description": "Files expenses into their ledger categories."},
            headers=api.tenant.headers("editor"),
        )
        assert evaluate(api, created["id"], two_versions[0])["status"] == "pass"

    def test_security_finds_a_tampered_artifact(
        self, api: Api, app: FastAPI, tenant: TenantFixture, two_versions: tuple[str, str]
    ) -> None:
        created = policy(api, "security", rules={"severity": "critical"})
        assert evaluate(api, created["id"], two_versions[0])["status"] == "pass"
        tamper(app, tenant, two_versions[0])
        failed = evaluate(api, created["id"], two_versions[0])
        assert failed["status"] == "fail"
        assert "does not verify" in failed["summary"]

    def test_security_checks_who_trained_the_model(
        self, api: Api, tenant: TenantFixture, two_versions: tuple[str, str]
    ) -> None:
        model_id = two_versions[0]
        allowed = evaluate(api, policy(api, "security")["id"], model_id)
        trained_by = allowed["results"]["trainedBy"]
        assert trained_by["actor"] == tenant.key_ids["editor"]  # the key that trained it
        assert trained_by["role"] == "editor"
        strict = policy(
            api, "security", policyName="admins train", rules={"trainerRoles": ["admin"]}
        )
        failed = evaluate(api, strict["id"], model_id)
        assert failed["status"] == "fail"
        assert "trained by a key of role 'editor'" in failed["summary"]
        bad = api.post(
            "governance-policies",
            {"policyName": "x", "policyType": "security", "rules": {"trainerRoles": ["boss"]}},
            role="admin",
        )
        assert_error(bad, 422, fields=("rules.trainerRoles.0",))

    def test_privacy_of_clean_expense_features(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        created = policy(api, "privacy")
        assert evaluate(api, created["id"], two_versions[0])["status"] == "pass"

    def test_privacy_masks_stored_inputs_where_the_policy_says_so(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        model_id = two_versions[0]
        row = {
            "vendorName": "AWS",
            "description": "invoice for jane.doe@example.com",
            "amount": 12.5,
        }

        def stored_after_predict() -> dict[str, Any]:
            response = api.post(f"models/{model_id}/predict", {"rows": [row]})
            assert response.status_code == 200, response.text
            prediction_id = response.json()["predictions"][0]["predictionId"]
            stored: dict[str, Any] = api.get(f"predictions/{prediction_id}").json()["inputData"]
            return stored

        assert stored_after_predict()["description"] == row["description"]  # no policy yet
        policy(api, "privacy", rules={"maskInputs": True})
        masked = stored_after_predict()
        assert masked["description"] == "invoice for j***@e***.com"
        assert (masked["vendorName"], masked["amount"]) == ("AWS", 12.5)
        allow = policy(
            api, "privacy", policyName="allow", rules={"maskInputs": True, "allow": ["description"]}
        )
        assert stored_after_predict()["description"] == row["description"]  # an allowed column
        # the rules are cached per company; a policy written through the API applies at once
        changed = api.client.patch(
            api.tenant.url(f"governance-policies/{allow['id']}"),
            json={"status": "inactive"},
            headers=api.tenant.headers("editor"),
        )
        assert changed.status_code == 200, changed.text
        assert stored_after_predict()["description"] == "invoice for j***@e***.com"

    def test_every_active_policy_at_once(self, api: Api, two_versions: tuple[str, str]) -> None:
        policy(api, "security")
        policy(api, "fairness", rules=VENDOR_FAIRNESS)
        response = api.post(f"models/{two_versions[0]}/governance-check")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "fail"
        assert sorted(e["status"] for e in body["evaluations"]) == ["fail", "pass"]


class TestGate:
    def test_an_open_high_violation_blocks_production_until_an_admin_overrides(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        model_id, _ = two_versions
        created = policy(api, "fairness", rules={**VENDOR_FAIRNESS, "severity": "high"})
        evaluate(api, created["id"], model_id)
        assert api.deploy(model_id, env="staging")["status"] == "active"
        body = {"deploymentName": "expenses", "modelId": model_id, "environment": "production"}
        refused = api.post("deployments", body)
        assert_error(refused, 409, error="GovernanceBlocked", fields=("modelId",))
        assert refused.json()["detail"].endswith(
            "An admin key may release it anyway with a written reason (governanceOverride)."
        )
        assert api.get("deployments", environment="production").json()["items"] == []
        # the release is undone, its refusal stays on the record
        (record,) = api.audit(action="release_refused")
        assert (record["tableName"], record["rowId"]) == ("AIModel", model_id)
        assert record["after"]["environment"] == "production"
        assert "violation" in record["after"]["reasons"][0]
        not_admin = api.post("deployments", {**body, "governanceOverride": "month-end close"})
        assert "this key's role is editor" in assert_error(not_admin, 403)["detail"]
        overridden = api.post(
            "deployments", {**body, "governanceOverride": "month-end close"}, role="admin"
        )
        assert overridden.status_code == 201, overridden.text
        (revision,) = api.revisions(overridden.json()["id"])
        assert "governance overridden: month-end close" in revision["reason"]
        assert [r["action"] for r in api.audit(action="governance_override")]

    def test_a_required_policy_is_evaluated_before_production(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        model_id, _ = two_versions
        policy(
            api,
            "transparency",
            rules={"minDescriptionLength": 10},
            compliance={"required": True},
        )
        staging = api.deploy(model_id, env="staging")  # not gated there
        refused = api.post(f"deployments/{staging['id']}/promote", {"to": "production"})
        body = assert_error(refused, 409, error="GovernanceBlocked")
        assert "required policy" in body["detail"]
        (record,) = api.audit(action="release_refused")
        assert "required policy" in record["after"]["reasons"][0]
        api.client.patch(
            api.tenant.url(f"models/{model_id}"),
            json={"description": "Files expenses into their ledger categories."},
            headers=api.tenant.headers("editor"),
        )
        promoted = api.post(f"deployments/{staging['id']}/promote", {"to": "production"})
        assert promoted.status_code == 200, promoted.text

    def test_a_rollback_is_not_gated(self, api: Api, two_versions: tuple[str, str]) -> None:
        first, second = two_versions
        deployment = api.deploy(first, env="production")
        api.verb(deployment["id"], "release", {"modelId": second})
        created = policy(api, "fairness", rules={**VENDOR_FAIRNESS, "severity": "critical"})
        evaluate(api, created["id"], first)
        back = api.post(f"deployments/{deployment['id']}/rollback", {})
        assert back.status_code == 200, back.text


class TestTenancy:
    def test_other_tenants_policy_and_model(
        self, api: Api, tenant_second: TenantFixture, two_versions: tuple[str, str]
    ) -> None:
        created = policy(api, "security")
        headers = tenant_second.headers("admin")
        theirs = api.client.post(
            tenant_second.url(f"governance-policies/{created['id']}/evaluate"),
            json={"modelId": two_versions[0]},
            headers=headers,
        )
        assert theirs.status_code == 404
        own = api.client.post(
            tenant_second.url("governance-policies"),
            json={"policyName": "s", "policyType": "security", "status": "active"},
            headers=headers,
        ).json()
        foreign_model = api.client.post(
            tenant_second.url(f"governance-policies/{own['id']}/evaluate"),
            json={"modelId": two_versions[0]},
            headers=headers,
        )
        assert_error(foreign_model, 422, fields=("modelId",))


class TestSchedule:
    def test_a_scheduled_policy_is_evaluated_when_due_and_not_again_before(
        self, api: Api, app: FastAPI, two_versions: tuple[str, str]
    ) -> None:
        from datetime import UTC, datetime, timedelta

        from urutiq_ai.governance.checks import evaluate_due_policies

        created = policy(api, "security", monitoring={"schedule": "0 6 * * *"})
        later = datetime.now(UTC) + timedelta(days=1, hours=1)
        runtime, executor = app.state.runtime, app.state.executor
        assert evaluate_due_policies(runtime, executor, later) >= 2  # both active models
        rows = api.get("policy-evaluations", role="admin", policyId=created["id"]).json()["items"]
        assert {row["modelId"] for row in rows} == set(two_versions)
        assert {row["trigger"] for row in rows} == {"schedule"}
        assert evaluate_due_policies(runtime, executor, later) == 0  # not due again yet

    def test_a_bad_schedule_is_refused(self, api: Api) -> None:
        body = {"policyName": "s", "policyType": "security", "monitoring": {"schedule": "nope"}}
        assert_error(api.post("governance-policies", body), 422, fields=("monitoring.schedule",))


class TestReport:
    def test_the_report_has_every_section_and_only_for_admin_or_auditor(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        model_id, _ = two_versions
        created = policy(api, "fairness", rules=VENDOR_FAIRNESS)
        evaluate(api, created["id"], model_id)
        api.deploy(model_id, env="staging")
        html = api.get(f"models/{model_id}/compliance-report", role="auditor")
        assert html.status_code == 200, html.text
        assert html.headers["content-type"].startswith("text/html")
        page = html.text
        for heading in ("Model card", "Lineage", "Policy results", "Violations", "Audit trail"):
            assert heading in page
        assert "fairness-policy" in page
        assert "staging" in page
        assert "<script" not in page
        data = api.get(f"models/{model_id}/compliance-report", role="admin", format="json").json()
        assert data["violations"][0]["status"] == "open"
        assert data["lineage"]["deployments"][0]["environment"] == "staging"
        assert {row["action"] for row in data["audit"]} >= {"violation_opened", "deploy"}
        assert api.get(f"models/{model_id}/compliance-report", role="viewer").status_code == 403


class TestModelCard:
    def test_the_card_states_purpose_data_metrics_and_limits(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        model_id, _ = two_versions
        card = api.get(f"models/{model_id}/model-card", role="viewer", format="json").json()
        assert card["model"]["id"] == model_id
        assert card["data"]["features"] == ["vendorName", "description", "amount"]
        assert card["data"]["trainingRunId"]
        assert card["metrics"]["accuracy"] is not None
        assert card["labels"]  # a classifier: the labels it can answer with
        limits = " ".join(card["limits"])
        assert "Needs every one of its 3 inputs" in limits
        assert f"Answers only with the {len(card['labels'])} labels" in limits
        assert "held-out" in limits
        assert "violation" not in limits  # none yet

        created = policy(api, "fairness", rules=VENDOR_FAIRNESS)
        evaluate(api, created["id"], model_id)
        after = api.get(f"models/{model_id}/model-card", format="json").json()
        assert any(limit.startswith("Open medium violation") for limit in after["limits"])
        assert any("fairness-policy" in limit for limit in after["limits"])

        html = api.get(f"models/{model_id}/model-card", role="auditor")
        assert html.status_code == 200
        assert html.headers["content-type"].startswith("text/html")
        for heading in ("Purpose", "Data", "Metrics", "Limits"):
            assert f">{heading}</h2>" in html.text
        assert "<script" not in html.text

    def test_a_bad_format_is_refused(self, api: Api, two_versions: tuple[str, str]) -> None:
        response = api.get(f"models/{two_versions[0]}/model-card", format="pdf")
        assert_error(response, 422, fields=("format",))


class TestVerbsCrossTenant:
    def test_another_tenant_cannot_reach_a_models_verbs_or_an_experiment(
        self, api: Api, tenant_second: TenantFixture, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        experiment = api.post(
            "experiments",
            {"experimentName": "x", "baselineModel": first, "currentModel": second},
        ).json()
        headers = tenant_second.headers("admin")
        for method, path in (
            ("post", f"models/{first}/governance-check"),
            ("get", f"models/{first}/compliance-report"),
            ("get", f"models/{first}/model-card"),
            ("post", f"experiments/{experiment['id']}/evaluate"),
            ("post", f"experiments/{experiment['id']}/promote"),
        ):
            call = getattr(api.client, method)
            kwargs = {"json": {}} if method == "post" else {}
            response = call(tenant_second.url(path), headers=headers, **kwargs)
            assert response.status_code == 404, (path, response.text)
