"""Governance from the SDK and the CLI: evaluate, then work the violation to resolution."""

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.conftest import TenantFixture
from urutiq_ai.cli.main import app as cli_app
from urutiq_ai.sdk import Client, Conflict

FAIRNESS = {
    "policy_name": "vendor parity",
    "policy_type": "fairness",
    "status": "active",
    "rules": {"sensitiveColumn": "vendorName", "positiveLabel": "software", "severity": "high"},
    "thresholds": {"minGroupSize": 5},
}


@pytest.fixture
def sdk(client: TestClient, tenant: TenantFixture) -> Client:
    return Client(api_key=tenant.keys["admin"], company=tenant.company_id, http_client=client)


def test_sdk_evaluate_resolve_and_the_gate(sdk: Client, two_versions: tuple[str, str]) -> None:
    model_id, _ = two_versions
    created = sdk.governance_policies.create(FAIRNESS)
    evaluation = sdk.governance.evaluate(created.id, model_id)
    assert evaluation.status.value == "fail"
    assert evaluation.violation_id is not None
    with pytest.raises(Conflict) as refused:
        sdk.deployments.deploy(
            deployment_name="expenses", model_id=model_id, environment="production"
        )
    assert refused.value.error == "GovernanceBlocked"
    sdk.governance_violations.investigate(evaluation.violation_id)
    closed = sdk.governance_violations.resolve(
        evaluation.violation_id, resolution="vendor is not a protected group", resolved_by="ana"
    )
    assert closed.status.value == "resolved"
    deployed = sdk.deployments.deploy(
        deployment_name="expenses", model_id=model_id, environment="production"
    )
    assert deployed.status.value == "active"
    checked = sdk.governance.check_model(model_id)
    assert checked.status.value == "fail"  # the segment still fails: a new violation opens


def test_cli_evaluate_exits_1_on_a_failure(
    sdk: Client, two_versions: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import urutiq_ai.sdk._client as sdk_client_module

    model_id, _ = two_versions
    created = sdk.governance_policies.create(FAIRNESS)
    transport = sdk._transport
    monkeypatch.setattr(sdk_client_module, "_local_http", lambda: (transport.http, lambda: None))
    runner = CliRunner()
    company = ["--company", sdk.company or "", "--api-key", transport.api_key or ""]
    result = runner.invoke(
        cli_app, ["governance", "evaluate", "--model", model_id, "--json", *company]
    )
    assert result.exit_code == 1, result.output
    (row,) = json.loads(result.stdout)
    assert row["policyId"] == created.id
    resolved = runner.invoke(
        cli_app,
        [
            "governance-violations",
            "resolve",
            row["violationId"],
            "--resolution",
            "accepted risk",
            "--by",
            "ana",
            "--json",
            *company,
        ],
    )
    assert resolved.exit_code == 0, resolved.output
    assert json.loads(resolved.stdout)["status"] == "resolved"


def test_the_model_card_from_the_sdk_and_the_cli(
    sdk: Client,
    two_versions: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    import urutiq_ai.sdk._client as sdk_client_module

    model_id, _ = two_versions
    card = sdk.governance.model_card(model_id)
    assert card["model"]["id"] == model_id
    assert card["limits"]
    transport = sdk._transport
    monkeypatch.setattr(sdk_client_module, "_local_http", lambda: (transport.http, lambda: None))
    company = ["--company", sdk.company or "", "--api-key", transport.api_key or ""]
    out = tmp_path / "card.html"
    written = CliRunner().invoke(
        cli_app, ["model-card", "--model", model_id, "--out", str(out), *company]
    )
    assert written.exit_code == 0, written.output
    assert "Model card written to" in written.output
    assert '<h2 id="limits">Limits</h2>' in out.read_text()
    missing = CliRunner().invoke(cli_app, ["model-card", "--model", "nope", *company])
    assert missing.exit_code == 1


def test_the_cli_says_how_an_admin_overrides_a_refused_release(
    sdk: Client, two_versions: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import urutiq_ai.sdk._client as sdk_client_module

    model_id, _ = two_versions
    created = sdk.governance_policies.create(FAIRNESS)
    assert sdk.governance.evaluate(created.id, model_id).status.value == "fail"
    transport = sdk._transport
    monkeypatch.setattr(sdk_client_module, "_local_http", lambda: (transport.http, lambda: None))
    company = ["--company", sdk.company or "", "--api-key", transport.api_key or ""]
    deploy = ["deploy", "--model", model_id, "--env", "production", "--name", "expenses"]
    refused = CliRunner().invoke(cli_app, [*deploy, *company])
    assert refused.exit_code == 1
    assert "governance refuses this release: open high violation" in refused.output
    assert "  --override: an admin key may release it anyway: repeat this command with " in (
        refused.output
    )
    overridden = CliRunner().invoke(cli_app, [*deploy, "--override", "month-end", *company])
    assert overridden.exit_code == 0, overridden.output  # the flag the hint names works
