"""A governance evaluation computes with no database lock held: on SQLite every transaction
holds the write lock, and another process (a CLI, the scheduler of a server beside it) that
writes meanwhile must not wait for fairness resampling or a pipeline's verification, nor
meet ``database is locked`` (issue 18, item 3)."""

import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from tests.deployments.conftest import Api
from tests.governance.test_governance_api import VENDOR_FAIRNESS, policy
from tests.training.conftest import write_from_another_connection


@pytest.fixture
def writes_while_verifying(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each load of a stored pipeline (fairness scores with it, security verifies it) first
    writes from a connection of its own that does not wait for the lock."""
    engine = app.state.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    from urutiq_ai.registry import service as registry_service

    real = registry_service.load_pipeline
    writes: list[str] = []

    def while_computing(*args: Any, **kwargs: Any) -> Any:
        writes.append(write_from_another_connection(engine))
        return real(*args, **kwargs)

    monkeypatch.setattr(registry_service, "load_pipeline", while_computing)
    return writes


def test_every_policy_of_a_governance_check_computes_with_no_lock(
    api: Api, two_versions: tuple[str, str], writes_while_verifying: list[str]
) -> None:
    """The first policy's verdict is written only after the second one's computation: a
    written transaction cannot end early, so the writes come last."""
    model_id, _ = two_versions
    policy(api, "fairness", rules=VENDOR_FAIRNESS)
    policy(api, "security")
    response = api.post(f"models/{model_id}/governance-check")
    assert response.status_code == 200, response.text
    assert len(response.json()["evaluations"]) == 2
    assert writes_while_verifying == ["written", "written"]


def test_one_policy_evaluation_computes_with_no_lock(
    api: Api, two_versions: tuple[str, str], writes_while_verifying: list[str]
) -> None:
    created = policy(api, "fairness", rules=VENDOR_FAIRNESS)
    response = api.post(
        f"governance-policies/{created['id']}/evaluate", {"modelId": two_versions[0]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "fail"  # and its violation is written after
    assert writes_while_verifying == ["written"]


def test_a_scheduled_policy_computes_each_model_with_no_lock(
    api: Api, app: FastAPI, two_versions: tuple[str, str], writes_while_verifying: list[str]
) -> None:
    from urutiq_ai.governance.checks import evaluate_due_policies

    created = policy(api, "security", monitoring={"schedule": "0 6 * * *"})
    later = datetime.now(UTC) + timedelta(days=1, hours=1)
    evaluate_due_policies(app.state.runtime, app.state.executor, later)
    rows = api.get("policy-evaluations", role="admin", policyId=created["id"]).json()["items"]
    assert {row["modelId"] for row in rows} == set(two_versions)
    # a write refused while verifying would read "the stored pipeline does not load"
    assert not [row["summary"] for row in rows if "does not load" in row["summary"]]
    assert writes_while_verifying.count("written") >= 2  # one per model (other tenants' too)


def test_a_locked_database_skips_a_scheduled_policy_in_one_line_until_the_next_tick(
    api: Api,
    app: FastAPI,
    two_versions: tuple[str, str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from urutiq_ai.governance import checks

    created = policy(api, "security", monitoring={"schedule": "0 6 * * *"})
    later = datetime.now(UTC) + timedelta(days=1, hours=1)
    locked = OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))

    def busy(*_args: Any) -> int:
        raise locked

    with monkeypatch.context() as patched, caplog.at_level(logging.WARNING, "urutiq_ai"):
        patched.setattr(checks, "_run_if_due", busy)
        checks.evaluate_due_policies(app.state.runtime, app.state.executor, later)
    mine = [r for r in caplog.records if created["id"] in r.getMessage()]
    assert [(r.levelno, r.exc_info) for r in mine] == [(logging.WARNING, None)]
    assert "retry at the next tick" in mine[0].getMessage()
    # nothing was written: the policy is still due, and the next tick evaluates it
    checks.evaluate_due_policies(app.state.runtime, app.state.executor, later)
    rows = api.get("policy-evaluations", role="admin", policyId=created["id"]).json()["items"]
    assert {row["modelId"] for row in rows} == set(two_versions)
