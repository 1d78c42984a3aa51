from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from urutiq_ai.core.db import Base, JSONValue, enum_type
from urutiq_ai.core.models import CompanyOwned
from urutiq_ai.feedback.types import FeedbackStatus, FeedbackType, Impact


class AILearningFeedback(Base, CompanyOwned):
    """A user's feedback on a model or one of its predictions."""

    __tablename__ = "AILearningFeedback"
    __table_args__ = (
        Index(None, "tenant_id", "company_id", "created_at"),
        Index(None, "tenant_id", "company_id", "status"),
        Index(None, "tenant_id", "company_id", "model_id", "created_at"),
    )

    user_id: Mapped[str | None] = mapped_column(String(255), index=True)
    model_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("AIModel.id"), index=True)
    prediction_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("AIModelPrediction.id"), index=True
    )
    feedback_type: Mapped[FeedbackType] = mapped_column(
        enum_type(FeedbackType, "feedbackType"), nullable=False
    )
    feedback_data: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    is_positive: Mapped[bool | None] = mapped_column(Boolean)
    confidence: Mapped[float | None] = mapped_column(Float)
    impact: Mapped[Impact | None] = mapped_column(enum_type(Impact, "impact"))
    status: Mapped[FeedbackStatus] = mapped_column(
        enum_type(FeedbackStatus, "status"),
        nullable=False,
        default=FeedbackStatus.pending,
        server_default=FeedbackStatus.pending.value,
    )
