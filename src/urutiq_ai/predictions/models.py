from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from urutiq_ai.core.db import Base, JSONValue, enum_type
from urutiq_ai.core.models import CompanyOwned
from urutiq_ai.predictions.schemas import PredictionType


class AIModelPrediction(Base, CompanyOwned):
    """One prediction made by a model, with its outcome once known."""

    __tablename__ = "AIModelPrediction"
    __table_args__ = (
        Index(None, "tenant_id", "company_id", "created_at"),
        Index(None, "tenant_id", "company_id", "model_id", "created_at"),
        Index(None, "tenant_id", "company_id", "prediction_type"),
        Index(None, "tenant_id", "company_id", "deployment_id", "created_at"),
    )

    model_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("AIModel.id"), nullable=False, index=True
    )
    prediction_type: Mapped[PredictionType] = mapped_column(
        enum_type(PredictionType, "predictionType"), nullable=False
    )
    input_data: Mapped[Any] = mapped_column(JSONValue, nullable=False)
    prediction: Mapped[Any] = mapped_column(JSONValue, nullable=False)
    confidence: Mapped[float | None] = mapped_column(Float)
    probability: Mapped[float | None] = mapped_column(Float)
    actual_value: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    is_correct: Mapped[bool | None] = mapped_column(Boolean)
    error: Mapped[float | None] = mapped_column(Float)
    # Set when the prediction was served through a deployment (not seed columns): which
    # deployment and revision, and the part this model played there: champion, challenger
    # (a traffic split), shadow (scored, never returned) or ensemble.
    deployment_id: Mapped[str | None] = mapped_column(String(64))
    deployment_version: Mapped[int | None] = mapped_column(Integer)
    variant: Mapped[str | None] = mapped_column(String(16))
