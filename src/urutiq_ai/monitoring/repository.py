from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from urutiq_ai.core.repository import TenantRepository
from urutiq_ai.monitoring.models import (
    WINDOW_KEY,
    AIDriftDetection,
    AIPerformanceMetrics,
    Monitor,
    MonitorRun,
)
from urutiq_ai.monitoring.schemas import (
    MetricType,
    MonitorRunStatus,
    MonitorStatus,
    TimeWindow,
)


class DriftRepository(TenantRepository[AIDriftDetection]):
    model = AIDriftDetection


class PerformanceRepository(TenantRepository[AIPerformanceMetrics]):
    model = AIPerformanceMetrics

    def for_model(
        self, model_id: str, time_window: TimeWindow, metric_type: MetricType | None = None
    ) -> list[AIPerformanceMetrics]:
        """A model's stored metrics for one kind of window (one metric if given), oldest
        first."""
        stmt = (
            self.base_statement()
            .where(
                AIPerformanceMetrics.model_id == model_id,
                AIPerformanceMetrics.time_window == time_window,
            )
            .order_by(AIPerformanceMetrics.metric_date, AIPerformanceMetrics.metric_type)
        )
        if metric_type is not None:
            stmt = stmt.where(AIPerformanceMetrics.metric_type == metric_type)
        return list(self.session.scalars(stmt))

    def upsert(
        self, rows: Sequence[dict[str, Any]], *, company_id: str
    ) -> list[AIPerformanceMetrics]:
        """Store ``rows`` (dicts keyed by attribute, each with every ``WINDOW_KEY`` field but
        the owner's) for the context's tenant and ``company_id``, in the given order: a new
        row, or the values of the row already stored for its window, metric and date.

        One ``INSERT ... ON CONFLICT (window key) DO UPDATE`` per batch: a concurrent
        computation of the same windows waits for this one's rows or updates them, never
        inserts a second row (the unique index ``uq_AIPerformanceMetrics_window``). A row
        keeps its ``id`` and ``createdAt``; the values, ``trend`` and ``updatedAt`` change.
        """
        owned = self.owned(rows, company_id=company_id)
        stored: list[AIPerformanceMetrics] = []
        for start in range(0, len(owned), UPSERT_BATCH):
            stored.extend(self._upsert_batch(owned[start : start + UPSERT_BATCH]))
        return stored

    def _upsert_batch(self, rows: list[dict[str, Any]]) -> list[AIPerformanceMetrics]:
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = AIPerformanceMetrics.__table__
        stmt = insert(AIPerformanceMetrics).values(rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c[key] for key in WINDOW_KEY],
            set_={table.c[key]: stmt.excluded[key] for key in UPSERT_UPDATES},
        )
        returned = self.session.scalars(
            stmt.returning(AIPerformanceMetrics),
            execution_options={"populate_existing": True},
        )
        by_key = {_window_key(row): row for row in returned}
        return [by_key[_window_key(row)] for row in rows]


UPSERT_BATCH = 500
"""Rows per upsert statement (13 parameters each: well under SQLite's 32,766)."""
UPSERT_UPDATES = ("metric_value", "comparison_value", "trend", "updated_at")
"""What a recomputation rewrites in a stored row."""


def _window_key(row: AIPerformanceMetrics | dict[str, Any]) -> tuple[Any, ...]:
    """A row's ``WINDOW_KEY`` values, comparable between a dict and a stored row (dates
    without tzinfo: SQLite gives naive UTC)."""
    values = row if isinstance(row, dict) else {key: getattr(row, key) for key in WINDOW_KEY}
    date: datetime = values["metric_date"]
    if date.tzinfo is not None:
        date = date.astimezone(UTC)
    return (*(values[key] for key in WINDOW_KEY[:-1]), date.replace(tzinfo=None))


class MonitorRepository(TenantRepository[Monitor]):
    model = Monitor


class MonitorRunRepository(TenantRepository[MonitorRun]):
    model = MonitorRun


class DueMonitorsRepository:
    """System-level: monitors of every tenant that are due, and runs left unfinished."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def due(self, now: datetime, limit: int = 500) -> list[Monitor]:
        """Active monitors whose next run time has passed, locked for this transaction
        (``SKIP LOCKED``: a second scheduler skips them)."""
        stmt = (
            select(Monitor)  # tenancy: global (scheduler sweep over every tenant)
            .where(Monitor.status == MonitorStatus.active, Monitor.next_run_at <= now)
            .order_by(Monitor.next_run_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(self.session.scalars(stmt))

    def unfinished_runs(self) -> list[MonitorRun]:
        stmt = select(MonitorRun).where(  # tenancy: global (start-up sweep)
            MonitorRun.status.in_([MonitorRunStatus.queued, MonitorRunStatus.running])
        )
        return list(self.session.scalars(stmt))
