from urutiq_ai.core.repository import TenantRepository
from urutiq_ai.monitoring.models import (
    AIDriftDetection,
    AIPerformanceMetrics,
    Monitor,
    MonitorRun,
)
from urutiq_ai.monitoring.schemas import MetricType, TimeWindow


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
