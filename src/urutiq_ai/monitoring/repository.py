from urutiq_ai.core.repository import TenantRepository
from urutiq_ai.monitoring.models import AIDriftDetection, AIPerformanceMetrics
from urutiq_ai.monitoring.schemas import TimeWindow


class DriftRepository(TenantRepository[AIDriftDetection]):
    model = AIDriftDetection


class PerformanceRepository(TenantRepository[AIPerformanceMetrics]):
    model = AIPerformanceMetrics

    def for_model(self, model_id: str, time_window: TimeWindow) -> list[AIPerformanceMetrics]:
        """A model's stored metrics for one kind of window, oldest first."""
        stmt = (
            self.base_statement()
            .where(
                AIPerformanceMetrics.model_id == model_id,
                AIPerformanceMetrics.time_window == time_window,
            )
            .order_by(AIPerformanceMetrics.metric_date, AIPerformanceMetrics.metric_type)
        )
        return list(self.session.scalars(stmt))
