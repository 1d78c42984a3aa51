"""Review of the deployments slice: bugs found (strict xfails) and a few checked behaviours."""

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from tests.api.payloads import assert_error
from tests.conftest import TenantFixture
from tests.deployments.conftest import ROW, Api, tamper
from urutiq_ai.core.db import unit_of_work, utcnow
from urutiq_ai.deployments import checks, figures
from urutiq_ai.deployments.live import ERROR, OK, Key, LiveStats
from urutiq_ai.deployments.models import AIDeployment
from urutiq_ai.deployments.schemas import DeploymentStatus, Environment

SPLIT_BY_VENDOR = "vendorName"


def later() -> datetime:
    """A moment when every health check is due."""
    return datetime.now().astimezone() + timedelta(hours=1)


def split(first: str, second: str, **extra: Any) -> dict[str, Any]:
    shares = [{"modelId": first, "weight": 0.5}, {"modelId": second, "weight": 0.5}]
    return {"traffic": shares, **extra}


# --- rollback and health ---------------------------------------------------------------------


class TestRollbackTargets:
    def test_rollback_after_the_registry_promoted_the_new_version(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        deployment = api.deploy(first)
        # the registry refuses to deprecate a served version: release the new one first
        api.verb(deployment["id"], "release", {"modelId": second})
        assert api.post(f"models/{second}/promote").status_code == 200  # deprecates first
        response = api.post(f"deployments/{deployment['id']}/rollback", {})
        assert response.status_code == 200, response.text
        assert response.json()["deployment"]["modelId"] == first

    def test_scheduled_check_with_a_deprecated_rollback_target(
        self, api: Api, app: FastAPI, tenant: TenantFixture, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        deployment = api.deploy(first)
        api.verb(deployment["id"], "release", {"modelId": second})
        assert api.post(f"models/{first}/deprecate").status_code == 200
        tamper(app, tenant, second)
        checks.check_due_deployments(app.state.runtime, app.state.executor, later())
        now = api.get(f"deployments/{deployment['id']}").json()
        assert (now["modelId"], now["status"]) != (second, "active"), now["healthCheck"]
        assert now["healthCheck"]["status"] == "fail" or now["modelId"] == first

    def test_a_failed_automatic_rollback_leaves_nothing_active(
        self, api: Api, app: FastAPI, tenant: TenantFixture, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        deployment = api.deploy(first)
        api.verb(deployment["id"], "release", {"modelId": second})
        tamper(app, tenant, first)
        tamper(app, tenant, second)
        response = api.post(f"deployments/{deployment['id']}/health-check")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["healthCheck"]["status"] == "fail"
        assert body["status"] == "failed"
        statuses = {r["version"]: r["status"] for r in api.revisions(deployment["id"])}
        assert statuses[2] != "active"

    def test_rollback_is_served_at_once_by_the_same_process(
        self, api: Api, app: FastAPI, two_versions: tuple[str, str]
    ) -> None:
        """The ServedDeployments cache drops the old revision on an error-rate rollback."""
        first, second = two_versions
        deployment = api.deploy(first)
        config = {"rollback": {"maxErrorRate": 0.1, "minRequests": 5}}
        api.verb(deployment["id"], "release", {"modelId": second, "config": config})
        assert api.predict("expenses", {"row": ROW}).json()["modelId"] == second  # cached
        stats = LiveStats("replica")
        key = Key(api.tenant.id, api.tenant.company_id, deployment["id"], 2)
        for _ in range(10):
            stats.record(key, latency_ms=2.0, rows=1, outcome=ERROR)
        figures.write_live_figures(app.state.runtime, stats)
        body = api.predict("expenses", {"row": ROW}).json()
        assert (body["modelId"], body["version"]) == (first, 3)
        (stored,) = [p for p in api.stored(deploymentId=deployment["id"]) if p["modelId"] == first]
        assert stored["deploymentVersion"] == 3


# --- history and versions --------------------------------------------------------------------


class TestHistory:
    def test_served_at_the_exact_moment_of_a_release(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        deployment = api.deploy(first)
        change = api.verb(deployment["id"], "release", {"modelId": second})
        switched = change["revision"]["startedAt"]
        at = api.get("deployments/served", at=switched, deploymentName="expenses").json()
        assert [row["modelId"] for row in at] == [second]
        before = api.get("deployments/served", to=switched, deploymentName="expenses").json()
        assert [row["modelId"] for row in before] == [first]
        after = api.get("deployments/served", **{"from": switched}).json()
        assert [row["modelId"] for row in after] == [second]

    def test_release_of_a_deployment_written_before_revisions_existed(
        self,
        api: Api,
        tenant: TenantFixture,
        session_factory: sessionmaker[Session],
        two_versions: tuple[str, str],
    ) -> None:
        first, second = two_versions
        with unit_of_work(session_factory) as session:  # a row as the old generic POST wrote it
            row = AIDeployment(
                tenant_id=tenant.id,
                company_id=tenant.company_id,
                deployment_name="legacy",
                model_id=first,
                environment=Environment.production,
                status=DeploymentStatus.active,
                version=4,
            )
            session.add(row)
            session.flush()
            deployment_id = row.id
        change = api.verb(deployment_id, "release", {"modelId": second})
        assert change["deployment"]["version"] == 5


# --- serving ---------------------------------------------------------------------------------


class TestServing:
    def test_a_broken_shadow_does_not_fail_the_answer(
        self, api: Api, app: FastAPI, tenant: TenantFixture, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        api.deploy(first, config={"shadow": [second]})
        tamper(app, tenant, second)
        response = api.predict("expenses", {"row": ROW})
        assert response.status_code == 200, response.text
        assert response.json()["predictions"][0]["modelId"] == first

    def test_sticky_key_falls_back_to_the_entity_key(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        api.deploy(first, config=split(first, second, stickyKey=SPLIT_BY_VENDOR))
        row = {**ROW, SPLIT_BY_VENDOR: None}
        seen = set()
        for _ in range(16):
            response = api.predict("expenses", {"row": row, "entityKey": "invoice-7"})
            assert response.status_code == 200, response.text
            seen.add(response.json()["predictions"][0]["modelId"])
        assert len(seen) == 1

    def test_the_endpoint_of_any_accepted_name_serves(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        body = {"deploymentName": "ap/invoices", "modelId": two_versions[0]}
        response = api.post("deployments", {**body, "environment": "staging"})
        if response.status_code != 201:
            assert_error(response, 422, fields=("deploymentName",))
            return
        endpoint = response.json()["endpoint"]
        served = api.client.post(endpoint, json={"row": ROW}, headers=api.tenant.headers("editor"))
        assert served.status_code == 200, served.text

    def test_shadow_of_the_deployments_own_model_is_refused(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        first, _ = two_versions
        body = {"deploymentName": "x", "modelId": first, "environment": "staging"}
        response = api.post("deployments", {**body, "config": {"shadow": [first]}})
        assert_error(response, 422, fields=("config.shadow.0",))

    def test_a_company_limited_key_sees_no_other_company(
        self, api: Api, tenant: TenantFixture, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        deployment = api.deploy(first)
        limited = tenant.headers("limited")
        for path in (f"deployments/{deployment['id']}", "deployments/served"):
            assert api.client.get(tenant.url(path), headers=limited).status_code in (403, 404)
        predict = api.client.post(
            tenant.url("deployments/expenses/predict"),
            params={"environment": "staging"},
            json={"row": ROW},
            headers=limited,
        )
        assert predict.status_code in (403, 404)
        body: dict[str, Any] = {"deploymentName": "x", "modelId": first}
        body |= {"environment": "staging", "config": {"shadow": [second]}}
        response = api.client.post(
            tenant.url("deployments", tenant.company_b), json=body, headers=limited
        )
        assert_error(response, 422, fields=("modelId",))


# --- live figures ----------------------------------------------------------------------------


class TestLiveFigures:
    def test_a_failed_write_keeps_the_other_deployments_pending(
        self, api: Api, app: FastAPI, two_versions: tuple[str, str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        first, second = two_versions
        ids = [api.deploy(first, name="a")["id"], api.deploy(second, name="b")["id"]]
        stats = LiveStats("replica")
        for deployment_id in ids:
            key = Key(api.tenant.id, api.tenant.company_id, deployment_id, 1)
            stats.record(key, latency_ms=1.0, rows=1, outcome=OK)
        real, calls = figures._write_figures, []

        def first_one_fails(*args: Any, **kwargs: Any) -> int:
            calls.append(args[2])
            if len(calls) == 1:
                raise RuntimeError("database hiccup")
            return real(*args, **kwargs)

        monkeypatch.setattr(figures, "_write_figures", first_one_fails)
        assert figures.write_live_figures(app.state.runtime, stats) == 1  # logged, not raised
        pending = {key.deployment_id for key in stats.take_due()}
        written = {
            deployment_id
            for deployment_id in ids
            if api.get(f"deployments/{deployment_id}").json()["performance"] is not None
        }
        assert pending == {calls[0].deployment_id}
        assert written == set(ids) - pending

    def test_figures_forget_traffic_older_than_the_window(
        self, api: Api, app: FastAPI, two_versions: tuple[str, str]
    ) -> None:
        deployment = api.deploy(two_versions[0])
        key = Key(api.tenant.id, api.tenant.company_id, deployment["id"], 1)
        stats = LiveStats("replica")
        then = utcnow() - timedelta(hours=2)
        for _ in range(5):
            stats.record(key, latency_ms=4.0, rows=1, outcome=ERROR, now=then)
        figures.write_live_figures(app.state.runtime, stats, now=then)
        figures.write_live_figures(app.state.runtime, stats)  # a flush now, nothing new
        performance = api.get(f"deployments/{deployment['id']}").json()["performance"]
        assert performance is None or performance["requests"] == 0

    def test_percentiles_and_sources_of_other_revisions(self) -> None:
        from urutiq_ai.deployments import live

        now = utcnow()
        key = Key("t", "c", "d", 2)
        mine = LiveStats("a")
        for latency in [1.0] * 90 + [100.0] * 10:
            mine.record(key, latency_ms=latency, rows=1, outcome=OK, now=now)
        slots = mine.take_due(now)[key]
        sources = {"a": {"version": 2, "slots": slots}, "old": {"version": 1, "slots": slots}}
        out = live.figures(sources, version=2, window_seconds=900, now=now)
        assert out["requests"] == 100
        assert set(out["sources"]) == {"a"}
        assert 1.0 <= out["p50Ms"] <= 1.1
        assert 100.0 <= out["p95Ms"] <= 110.0


# --- CLI and SDK -----------------------------------------------------------------------------


@pytest.fixture
def cli(app: FastAPI, tenant: TenantFixture, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Run the CLI in-process against the test app, as the tenant's editor."""
    import urutiq_ai.sdk._client as sdk_client
    from urutiq_ai.cli.main import app as cli_app
    from urutiq_ai.core.settings import get_settings

    for name in ("URUTIQ_URL", "URUTIQ_API_KEY", "URUTIQ_COMPANY"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    monkeypatch.setattr(sdk_client, "_local_http", lambda: (TestClient(app), lambda: None))
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        auth = ("--company", tenant.company_id, "--api-key", tenant.keys["editor"])
        return runner.invoke(cli_app, [*args, *auth])

    yield invoke
    get_settings.cache_clear()


class TestCli:
    def test_deploy_promote_rollback_exit_codes(
        self, cli: Any, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        deployed = cli("deploy", "--model", first, "--env", "staging", "--json")
        assert deployed.exit_code == 0, deployed.output
        assert json.loads(deployed.stdout)["deploymentName"] == "expenses"
        nothing = cli("rollback", "expenses", "--env", "staging")
        assert nothing.exit_code == 1
        assert "nothing to roll back to" in nothing.output
        promoted = cli("promote", "expenses", "--json")
        assert promoted.exit_code == 0, promoted.output
        assert json.loads(promoted.stdout)["deployment"]["environment"] == "production"
        released = cli(
            "deployments", "release", "expenses", "--env", "production", "--model", second
        )
        assert released.exit_code == 0, released.output
        back = cli("rollback", "expenses", "--json")
        assert back.exit_code == 0, back.output
        assert json.loads(back.stdout)["deployment"]["modelId"] == first
        missing = cli("rollback", "nope", "--env", "staging")
        assert missing.exit_code == 1

    def test_check_exits_1_when_the_check_failed(
        self, api: Api, app: FastAPI, tenant: TenantFixture, cli: Any, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        deployment = api.deploy(first)
        api.verb(deployment["id"], "release", {"modelId": second})
        tamper(app, tenant, second)
        result = cli("deployments", "check", "expenses", "--env", "staging")
        assert api.get(f"deployments/{deployment['id']}").json()["modelId"] == first
        assert result.exit_code == 1, result.output


def test_sdk_deploy_release_predict_and_history(
    client: TestClient, tenant: TenantFixture, two_versions: tuple[str, str]
) -> None:
    from urutiq_ai.sdk import Client

    first, second = two_versions
    with Client(
        http_client=client, api_key=tenant.keys["editor"], company=tenant.company_id
    ) as sdk:
        deployment = sdk.deployments.deploy(
            deployment_name="expenses", model_id=first, environment="staging"
        )
        assert sdk.deployments.find("expenses", "staging").id == deployment.id
        change = sdk.deployments.release(deployment.id, model_id=second, reason="retrained")
        assert change.deployment.version == 2
        answer = sdk.deployments.predict("expenses", row=ROW, environment="staging")
        assert (answer.model_id, answer.version) == (second, 2)
        promoted = sdk.deployments.promote(deployment.id)
        assert promoted.deployment.environment == Environment.production
        back = sdk.deployments.rollback(deployment.id, reason="worse")
        assert back.deployment.model_id == first
        assert [r.version for r in sdk.deployments.revisions(deployment.id)] == [3, 2, 1]
        served = sdk.deployments.served(at=utcnow(), environment="staging")
        assert [row.model_id for row in served] == [first]
        assert sdk.deployments.health_check(deployment.id).health_check is not None
        with pytest.raises(KeyError):
            sdk.deployments.find("expenses", "development")
