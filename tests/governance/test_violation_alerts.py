"""Governance violations raise alerts: a failing policy opens one (source ``governance``),
delivers ``alert.opened`` to the company's webhooks with a valid signature, counts repeated
failures without sending again, and resolves (``alert.resolved``) when the policy passes.
A policy whose ``alerts`` say ``{"enabled": false}`` opens none."""

from typing import Any

from tests.alerts import conftest as alerts_conftest
from tests.alerts.conftest import SECRET, Received, Receiver, add_webhook, wait_until
from tests.alerts.test_webhooks_and_alerts import alerts, deliveries
from tests.governance.conftest import Api
from tests.governance.test_governance_api import evaluate, policy, violations
from urutiq_ai.sdk import verify_webhook

# the alert tests' real HTTP receiver, shared rather than copied
receiver = alerts_conftest.receiver

DESCRIPTION_RULES = {"minDescriptionLength": 10, "severity": "high"}


def describe(api: Api, model_id: str) -> None:
    """Give the model the description the transparency policy asks for (it passes then)."""
    response = api.client.patch(
        api.tenant.url(f"models/{model_id}"),
        json={"description": "Files expenses into their ledger categories."},
        headers=api.tenant.headers("editor"),
    )
    assert response.status_code == 200, response.text


def signed(request: Received, event: str) -> dict[str, Any]:
    """The delivery's alert, once its event and signature are checked."""
    assert request.headers["X-Urutiq-Event"] == event
    assert verify_webhook(SECRET, request.body, request.headers["X-Urutiq-Signature"])
    alert: dict[str, Any] = request.json["alert"]
    return alert


class TestViolationAlerts:
    def test_a_failing_policy_alerts_once_and_resolves_when_it_passes(
        self, api: Api, receiver: Receiver
    ) -> None:
        add_webhook(api.client, api.tenant, receiver.url)
        model_id = api.train()
        created = policy(api, "transparency", rules=DESCRIPTION_RULES)

        failed = evaluate(api, created["id"], model_id)
        assert failed["status"] == "fail", failed["summary"]
        (alert,) = alerts(api.client, api.tenant, status="open")
        assert alert["source"] == "governance"
        assert alert["alertKey"] == f"governance:{created['id']}:{model_id}"
        assert alert["severity"] == "critical"  # a high violation
        assert created["policyName"] in alert["title"]
        assert alert["subject"] == model_id
        assert alert["details"]["policyId"] == created["id"]
        assert alert["details"]["modelId"] == model_id
        (violation,) = violations(api, modelId=model_id)
        assert violation["id"] == failed["violationId"]

        (opened,) = receiver.wait_for(1)
        sent = signed(opened, "alert.opened")
        assert (sent["id"], sent["status"], sent["source"]) == (alert["id"], "open", "governance")

        evaluate(api, created["id"], model_id)  # still failing: counted, not sent again
        (again,) = alerts(api.client, api.tenant, status="open")
        assert (again["id"], again["occurrences"]) == (alert["id"], 2)
        assert len(deliveries(api.client, api.tenant)) == 1

        describe(api, model_id)
        assert evaluate(api, created["id"], model_id)["status"] == "pass"
        resolved = signed(receiver.wait_for(2)[1], "alert.resolved")
        assert resolved["id"] == alert["id"]
        assert resolved["resolvedAt"] is not None
        assert alerts(api.client, api.tenant, status="open") == []
        events = sorted(d["event"] for d in deliveries(api.client, api.tenant))
        assert events == ["alert.opened", "alert.resolved"]
        wait_until(
            lambda: all(d["status"] == "delivered" for d in deliveries(api.client, api.tenant)),
            message="both deliveries marked delivered",
        )

    def test_a_policy_with_alerts_disabled_opens_a_violation_but_no_alert(
        self, api: Api, receiver: Receiver
    ) -> None:
        add_webhook(api.client, api.tenant, receiver.url)
        model_id = api.train()
        quiet = policy(api, "transparency", rules=DESCRIPTION_RULES, alerts={"enabled": False})
        assert evaluate(api, quiet["id"], model_id)["status"] == "fail"
        assert len(violations(api, modelId=model_id)) == 1
        assert alerts(api.client, api.tenant) == []
        assert deliveries(api.client, api.tenant) == []
        assert receiver.received == []
