"""Queries on AILearningFeedback (tenant and company filtered by the base statement)."""

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import func

from urutiq_ai.core.repository import TenantRepository
from urutiq_ai.feedback.models import AILearningFeedback
from urutiq_ai.feedback.schemas import FeedbackStatus, FeedbackType


class FeedbackRepository(TenantRepository[AILearningFeedback]):
    model = AILearningFeedback

    def by_ids(self, ids: Sequence[str], *, for_update: bool = False) -> list[AILearningFeedback]:
        stmt = self.base_statement().where(AILearningFeedback.id.in_(list(ids)))
        if for_update:
            stmt = stmt.with_for_update()
        return list(self.session.scalars(stmt))

    def pending(self, limit: int) -> list[AILearningFeedback]:
        """The oldest ``limit`` pending rows, locked until the transaction ends."""
        stmt = (
            self.base_statement()
            .where(AILearningFeedback.status == FeedbackStatus.pending)
            .order_by(AILearningFeedback.created_at, AILearningFeedback.id)
            .limit(limit)
            .with_for_update()
        )
        return list(self.session.scalars(stmt))

    def count_pending(self) -> int:
        stmt = (
            self.base_statement()
            .with_only_columns(func.count())
            .where(AILearningFeedback.status == FeedbackStatus.pending)
        )
        return int(self.session.scalar(stmt) or 0)

    def processed_corrections(
        self, model_id: str, *, for_update: bool = False
    ) -> list[AILearningFeedback]:
        """A model's processed corrections on predictions, oldest first."""
        stmt = (
            self.base_statement()
            .where(
                AILearningFeedback.model_id == model_id,
                AILearningFeedback.feedback_type == FeedbackType.correction,
                AILearningFeedback.status == FeedbackStatus.processed,
                AILearningFeedback.prediction_id.is_not(None),
            )
            .order_by(AILearningFeedback.created_at, AILearningFeedback.id)
        )
        if for_update:
            stmt = stmt.with_for_update()
        return list(self.session.scalars(stmt))

    def of_model(
        self, model_id: str, *, batch: int = 2000
    ) -> Iterator[tuple[FeedbackType, FeedbackStatus, Any, bool | None]]:
        """(type, status, feedbackData, isPositive) of every feedback on a model, streamed."""
        stmt = (
            self.base_statement()
            .with_only_columns(
                AILearningFeedback.feedback_type,
                AILearningFeedback.status,
                AILearningFeedback.feedback_data,
                AILearningFeedback.is_positive,
            )
            .where(AILearningFeedback.model_id == model_id)
            .execution_options(yield_per=batch)
        )
        for row in self.session.execute(stmt):
            yield row[0], row[1], row[2], row[3]
