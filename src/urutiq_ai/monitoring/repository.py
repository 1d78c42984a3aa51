from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from urutiq_ai.core.repository import TenantRepository
from urutiq_ai.monitoring.models import (
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
