"""Migration 0012: duplicates left by concurrent runs are removed, then the database keeps
one performance row per window and metric and one open alert per key."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import IntegrityError

from tests.db.conftest import seed_model
from urutiq_ai import catalog  # noqa: F401 - maps every table
from urutiq_ai.core.db import Base, make_engine
from urutiq_ai.core.migrations import alembic_config, upgrade

T0 = datetime(2026, 11, 1, tzinfo=UTC)
NOVEMBER = datetime(2026, 11, 1, tzinfo=UTC)
KEY = "performance:m-1:f1:monthly"
TABLES = Base.metadata.tables
PERF, ALERT = TABLES["AIPerformanceMetrics"], TABLES["Alert"]


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _metric(owner: dict[str, str], row_id: str, minutes: int, **fields: Any) -> dict[str, Any]:
    return {
        **owner,
        "id": row_id,
        "model_id": "m-1",
        "time_window": "monthly",
        "metric_type": "f1",
        "metric_date": NOVEMBER,
        "metric_value": minutes / 100,
        "created_at": _at(0),
        "updated_at": _at(minutes),
        **fields,
    }


def _alert(owner: dict[str, str], row_id: str, minutes: int, **fields: Any) -> dict[str, Any]:
    return {
        **owner,
        "id": row_id,
        "alert_key": KEY,
        "source": "performance",
        "severity": "warning",
        "status": "open",
        "title": "f1 is declining",
        "occurrences": 1,
        "first_seen_at": _at(minutes),
        "last_seen_at": _at(minutes),
        "created_at": _at(minutes),
        "updated_at": _at(minutes),
        "resolved_at": None,
        **fields,
    }


def _seed_duplicates(engine: Engine) -> None:
    with engine.begin() as conn:
        owner = seed_model(conn)
        conn.execute(
            PERF.insert(),
            [
                _metric(owner, "p-old", 1),
                _metric(owner, "p-newest", 3),  # the last computation's values: kept
                _metric(owner, "p-mid", 2),
                _metric(owner, "p-same-time-a", 1, metric_type="accuracy"),
                _metric(owner, "p-same-time-b", 1, metric_type="accuracy"),  # ties: larger id
                _metric(owner, "p-weekly", 1, time_window="weekly"),  # another identity
                _metric(owner, "p-hand-1", 1, time_window=None),  # NULLs are distinct
                _metric(owner, "p-hand-2", 2, time_window=None),
            ],
        )
        conn.execute(
            ALERT.insert(),
            [
                _alert(owner, "a-past", 0, status="resolved", resolved_at=_at(1)),
                _alert(owner, "a-second", 20, occurrences=2, last_seen_at=_at(50)),
                _alert(owner, "a-first", 10, occurrences=3),  # announced first: stays open
                _alert(owner, "a-third", 30, occurrences=4, last_seen_at=_at(40)),
                _alert(owner, "a-other", 5, alert_key="drift:m-1:data_drift:amount"),
            ],
        )
        webhook = TABLES["Webhook"]
        conn.execute(
            webhook.insert(),
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
            TABLES["WebhookDelivery"].insert(),
            {
                **owner,
                "id": "d-1",
                "webhook_id": "w-1",
                "alert_id": "a-third",
                "event": "alert.opened",
                "payload": {"event": "alert.opened"},
                "status": "delivered",
            },
        )


@pytest.fixture
def engine(empty_database_url: str) -> Iterator[Engine]:
    upgrade(empty_database_url, "0011")
    engine = make_engine(empty_database_url)
    yield engine
    engine.dispose()


class TestMigration0012:
    def test_removes_duplicates_then_keeps_them_out(
        self, empty_database_url: str, engine: Engine
    ) -> None:
        _seed_duplicates(engine)
        upgrade(empty_database_url)

        with engine.connect() as conn:
            metrics = {row.id: row for row in conn.execute(select(PERF))}
            alerts = {row.id: row for row in conn.execute(select(ALERT))}
            delivery = conn.execute(select(TABLES["WebhookDelivery"])).one()
        assert set(metrics) == {"p-newest", "p-same-time-b", "p-weekly", "p-hand-1", "p-hand-2"}
        assert metrics["p-newest"].metric_value == pytest.approx(0.03)

        assert {a: row.status for a, row in alerts.items()} == {
            "a-past": "resolved",
            "a-first": "open",
            "a-second": "resolved",
            "a-third": "resolved",
            "a-other": "open",
        }
        first = alerts["a-first"]
        assert first.occurrences == 3 + 2 + 4
        assert first.last_seen_at == _at(50)
        assert first.resolved_at is None
        assert alerts["a-second"].resolved_at is not None
        assert alerts["a-past"].resolved_at == _at(1)
        assert alerts["a-other"].occurrences == 1
        assert delivery.alert_id == "a-third"  # the delivery log keeps its alert

        owner = {"tenant_id": "t-1", "company_id": "c-1"}
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(PERF.insert(), _metric(owner, "p-again", 9))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(ALERT.insert(), _alert(owner, "a-again", 60))
        with engine.begin() as conn:  # a past episode may repeat the key
            conn.execute(ALERT.insert(), _alert(owner, "a-closed", 60, status="resolved"))

    def test_downgrade_drops_the_indexes(self, empty_database_url: str, engine: Engine) -> None:
        upgrade(empty_database_url)
        assert _unique_indexes(engine) >= {
            "uq_AIPerformanceMetrics_window",
            "uq_Alert_tenantId_companyId_alertKey_open",
        }
        command.downgrade(alembic_config(empty_database_url), "0011")
        assert not _unique_indexes(engine) & {
            "uq_AIPerformanceMetrics_window",
            "uq_Alert_tenantId_companyId_alertKey_open",
        }


def _unique_indexes(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        found = inspect(conn)
        return {
            str(index["name"])
            for table in ("AIPerformanceMetrics", "Alert")
            for index in found.get_indexes(table)
            if index["unique"]
        }
