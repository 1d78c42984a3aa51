from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from urutiq_ai.core.db import Base, JSONValue, enum_type
from urutiq_ai.core.models import CompanyOwned
from urutiq_ai.experiments.types import ExperimentStatus


class AIExperiment(Base, CompanyOwned):
    """A comparison of a baseline model and a challenger against success metrics."""

    __tablename__ = "AIExperiment"
    __table_args__ = (
        UniqueConstraint("tenant_id", "company_id", "experiment_name"),
        Index(None, "tenant_id", "company_id", "status"),
        Index(None, "tenant_id", "company_id", "created_at"),
    )

    experiment_name: Mapped[str] = mapped_column(String(255), nullable=False)
    objective: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ExperimentStatus] = mapped_column(
        enum_type(ExperimentStatus, "status"),
        nullable=False,
        default=ExperimentStatus.active,
        server_default=ExperimentStatus.active.value,
    )
    hypothesis: Mapped[str | None] = mapped_column(Text)
    methodology: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    # Model ids, checked to be in the experiment's company (no FK: AIModel already
    # references AIExperiment, and a cycle of foreign keys complicates every migration).
    baseline_model: Mapped[str | None] = mapped_column(String(64))
    current_model: Mapped[str | None] = mapped_column(String(64))
    success_metrics: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    results: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    conclusions: Mapped[str | None] = mapped_column(Text)
