from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from urutiq_ai.core.db import Base, JSONValue, UTCDateTime, enum_type
from urutiq_ai.core.models import CompanyOwned
from urutiq_ai.core.schemas import RunStatus


class AIModelTrainingRun(Base, CompanyOwned):
    """One training session of a model."""

    __tablename__ = "AIModelTrainingRun"
    __table_args__ = (
        Index(None, "tenant_id", "company_id", "start_time"),
        Index(None, "tenant_id", "company_id", "status"),
        Index(None, "tenant_id", "company_id", "model_id", "created_at"),
    )

    model_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("AIModel.id"), nullable=False, index=True
    )
    run_name: Mapped[str] = mapped_column(String(255), nullable=False)
    status: Mapped[RunStatus] = mapped_column(
        enum_type(RunStatus, "status"),
        nullable=False,
        default=RunStatus.running,
        server_default=RunStatus.running.value,
    )
    start_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration: Mapped[float | None] = mapped_column(Float)
    epochs: Mapped[int | None] = mapped_column(Integer)
    batch_size: Mapped[int | None] = mapped_column(Integer)
    learning_rate: Mapped[float | None] = mapped_column(Float)
    loss: Mapped[float | None] = mapped_column(Float)
    validation_loss: Mapped[float | None] = mapped_column(Float)
    accuracy: Mapped[float | None] = mapped_column(Float)
    validation_accuracy: Mapped[float | None] = mapped_column(Float)
    training_metrics: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    validation_metrics: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    logs: Mapped[str | None] = mapped_column(Text)
