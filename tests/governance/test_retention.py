"""Retention of prediction records: what is older than the retention goes, except what a
feedback refers to; recent predictions stay; each purge is audited per company; the ticker
purges once a day; the CLI counts (dry run) and purges."""

from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import update
from typer.testing import CliRunner

from tests.conftest import TenantFixture
from tests.feedback.conftest import Api, correct, predict
from tests.feedback.conftest import classifier as classifier  # the fixture, shared
from urutiq_ai.cli.main import app as cli
from urutiq_ai.core.db import unit_of_work, utcnow
from urutiq_ai.core.jobs import JobRuntime
from urutiq_ai.core.scoping import system_scope
from urutiq_ai.predictions.models import AIModelPrediction
from urutiq_ai.predictions.retention import purge_expired_predictions, purge_expired_records

ROWS = [{"vendorName": "AWS", "description": f"hosting {i}", "amount": 100.0 + i} for i in range(6)]


def predictions(api: Api, model_id: str) -> dict[str, Any]:
    items = api.get("predictions", modelId=model_id, limit=100).json()["items"]
    return {item["id"]: item for item in items}


def age(app: FastAPI, ids: list[str], days: int) -> None:
    """Move predictions ``days`` back in time (the API stamps them now)."""
    with unit_of_work(app.state.sessionmaker) as session, system_scope(session):
        session.execute(
            update(AIModelPrediction)
            .where(AIModelPrediction.id.in_(ids))
            .values(created_at=utcnow() - timedelta(days=days))
        )


def logged(api: Api, app: FastAPI, classifier: str) -> tuple[list[str], list[str], str]:
    """Six predictions: four made 200 days ago (one of them corrected), two today."""
    ids = [p["predictionId"] for p in predict(api, classifier, ROWS)]
    old, recent = ids[:4], ids[4:]
    age(app, old, days=200)
    correct(api, old[0], "travel")
    return old, recent, old[0]


def test_old_predictions_go_unless_a_feedback_refers_to_them(
    api: Api, app: FastAPI, tenant: TenantFixture, classifier: str
) -> None:
    old, recent, corrected = logged(api, app, classifier)
    runtime: JobRuntime = app.state.runtime

    counted = purge_expired_predictions(runtime, now=utcnow(), days=183, dry_run=True)
    assert counted.deleted[(tenant.id, tenant.company_id)] == 3
    assert set(predictions(api, classifier)) == set(old + recent)  # a dry run deletes nothing

    purged = purge_expired_predictions(runtime, now=utcnow(), days=183)
    assert purged.deleted[(tenant.id, tenant.company_id)] == 3
    assert set(predictions(api, classifier)) == {corrected, *recent}
    (entry,) = api.audit(action="retention_purge")
    assert (entry["tableName"], entry["companyId"]) == ("AIModelPrediction", tenant.company_id)
    assert entry["after"]["deleted"] == 3
    assert entry["after"]["retentionDays"] == 183

    again = purge_expired_predictions(runtime, now=utcnow(), days=183)
    assert again.deleted[(tenant.id, tenant.company_id)] == 0


def test_the_ticker_purges_once_a_day(api: Api, app: FastAPI, classifier: str) -> None:
    old, _, _ = logged(api, app, classifier)
    runtime = JobRuntime(app.state.sessionmaker, app.state.settings.model_copy(), None)
    now = utcnow()
    assert purge_expired_records(runtime, None, now) >= 3  # type: ignore[arg-type]
    more = [p["predictionId"] for p in predict(api, classifier, ROWS[:2])]
    age(app, more, days=300)
    assert purge_expired_records(runtime, None, now + timedelta(hours=23)) == 0  # type: ignore[arg-type]
    assert purge_expired_records(runtime, None, now + timedelta(hours=25)) >= 2  # type: ignore[arg-type]
    assert not set(more) & set(predictions(api, classifier))
    off = JobRuntime(
        app.state.sessionmaker, app.state.settings.model_copy(update={"retention_days": 0}), None
    )
    age(app, [p["predictionId"] for p in predict(api, classifier, ROWS[:1])], days=900)
    assert purge_expired_records(off, None, now) == 0  # type: ignore[arg-type]
    assert old[0] in predictions(api, classifier)  # corrected: kept


def test_the_cli_counts_then_purges(
    api: Api, app: FastAPI, tenant: TenantFixture, classifier: str, monkeypatch: Any
) -> None:
    from urutiq_ai.core.settings import get_settings

    logged(api, app, classifier)
    monkeypatch.setenv("URUTIQ_DATABASE_URL", str(app.state.settings.database_url))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        counted = runner.invoke(cli, ["retention", "purge", "--dry-run"])
        assert counted.exit_code == 0, counted.output
        assert f"{tenant.id}/{tenant.company_id}: would delete 3 prediction(s)" in counted.output
        purged = runner.invoke(cli, ["retention", "purge", "--days", "100"])
        assert purged.exit_code == 0, purged.output
        assert f"{tenant.id}/{tenant.company_id}: deleted 3 prediction(s)" in purged.output
        refused = runner.invoke(cli, ["retention", "purge", "--days", "0"])
        assert refused.exit_code != 0
    finally:
        get_settings.cache_clear()
