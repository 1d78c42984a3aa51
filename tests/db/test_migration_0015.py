"""Migration 0015: webhook deliveries pending at the upgrade get their ledger jobs (the
sweep that sent them is gone), old batch jobs of deliveries are failed, and the sweep's
index is dropped; the downgrade gives pending deliveries back to the sweep."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select

from tests.db.conftest import seed_model
from urutiq_ai import catalog  # noqa: F401 - maps every table
from urutiq_ai.alerts.service import DELIVER_JOB, DELIVERY_LOST
from urutiq_ai.core.db import Base, make_engine
from urutiq_ai.core.migrations import alembic_config, upgrade
from urutiq_ai.core.settings import get_settings

TABLES = Base.metadata.tables
JOB, DELIVERY = TABLES["Job"], TABLES["WebhookDelivery"]
SWEEP_INDEX = "ix_WebhookDelivery_tenantId_companyId_status_nextAttemptAt"
DUE = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _delivery(owner: dict[str, str], row_id: str, status: str, **fields: Any) -> dict[str, Any]:
    return {
        **owner,
        "id": row_id,
        "webhook_id": "w-1",
        "event": "alert.opened",
        "payload": {"event": "alert.opened"},
        "status": status,
        "attempts": 0,
        "next_attempt_at": None,
        **fields,
    }


def _old_job(owner: dict[str, str], row_id: str, status: str) -> dict[str, Any]:
    return {
        **owner,
        "id": row_id,
        "name": DELIVER_JOB,
        "payload": {"deliveryIds": ["d-retrying", "d-new"]},
        "status": status,
        "attempt": 1,
        "max_attempts": 1,
        "not_before": DUE - timedelta(hours=1),
    }


def _seed(engine: Engine) -> None:
    with engine.begin() as conn:
        owner = seed_model(conn)
        conn.execute(
            TABLES["Webhook"].insert(),
            {
                **owner,
                "id": "w-1",
                "name": "ops",
                "url": "https://hooks.example.com",
                "secret": "s" * 16,
                "events": ["alert.opened"],
                "status": "active",
            },
        )
        conn.execute(
            DELIVERY.insert(),
            [
                _delivery(owner, "d-retrying", "pending", attempts=2, next_attempt_at=DUE),
                _delivery(owner, "d-new", "pending"),  # never tried, no time set
                _delivery(owner, "d-done", "delivered", attempts=1),
                _delivery(owner, "d-gave-up", "failed", attempts=5),
            ],
        )
        conn.execute(
            JOB.insert(),
            [_old_job(owner, "j-queued", "queued"), _old_job(owner, "j-done", "completed")],
        )


@pytest.fixture
def engine(empty_database_url: str) -> Iterator[Engine]:
    upgrade(empty_database_url, "0014")
    engine = make_engine(empty_database_url)
    yield engine
    engine.dispose()


def _jobs(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return {row.id: row for row in conn.execute(select(JOB))}


def _indexes(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return {str(i["name"]) for i in inspect(conn).get_indexes("WebhookDelivery")}


class TestMigration0015:
    def test_pending_deliveries_get_their_jobs(
        self, empty_database_url: str, engine: Engine
    ) -> None:
        _seed(engine)
        before = datetime.now(UTC)
        upgrade(empty_database_url)

        jobs = _jobs(engine)
        old = jobs.pop("j-queued")
        assert (old.status, old.error) == (
            "failed",
            "replaced by one ledger job per delivery (0015)",
        )
        assert old.finished_at >= before
        assert jobs.pop("j-done").status == "completed"  # history stays as it was
        by_delivery = {row.payload["deliveryId"]: row for row in jobs.values()}
        assert set(by_delivery) == {"d-retrying", "d-new"}
        attempts = get_settings().webhook_attempts
        retrying, new = by_delivery["d-retrying"], by_delivery["d-new"]
        assert (retrying.attempt, retrying.max_attempts, retrying.not_before) == (
            3,
            max(attempts, 3),
            DUE,
        )
        assert (new.attempt, new.max_attempts) == (1, attempts)
        assert new.not_before >= before
        for job in (retrying, new):
            assert (job.name, job.status, job.on_lost) == (DELIVER_JOB, "queued", DELIVERY_LOST)
            assert job.dispatched_at is None  # the scheduler dispatches it when due
            assert (job.tenant_id, job.company_id) == ("t-1", "c-1")
        assert SWEEP_INDEX not in _indexes(engine)

    def test_downgrade_gives_pending_deliveries_back_to_the_sweep(
        self, empty_database_url: str, engine: Engine
    ) -> None:
        _seed(engine)
        upgrade(empty_database_url)
        command.downgrade(alembic_config(empty_database_url), "0014")
        assert SWEEP_INDEX in _indexes(engine)
        unfinished = [j for j in _jobs(engine).values() if j.status in ("queued", "running")]
        assert unfinished == []
