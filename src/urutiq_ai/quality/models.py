from typing import Any

from sqlalchemy import Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from urutiq_ai.core.db import Base, JSONValue, enum_type
from urutiq_ai.core.models import CompanyOwned
from urutiq_ai.quality.types import QualityMetric, QualityStatus


class AIDataQuality(Base, CompanyOwned):
    """One data-quality measurement of a table or column."""

    __tablename__ = "AIDataQuality"
    __table_args__ = (
        Index(None, "tenant_id", "company_id", "created_at"),
        Index(None, "tenant_id", "company_id", "status"),
        Index(None, "tenant_id", "company_id", "table_name", "column_name"),
    )

    table_name: Mapped[str] = mapped_column(String(255), nullable=False)
    column_name: Mapped[str | None] = mapped_column(String(255))
    quality_metric: Mapped[QualityMetric] = mapped_column(
        enum_type(QualityMetric, "qualityMetric"), nullable=False
    )
    metric_value: Mapped[float] = mapped_column(Float, nullable=False)
    threshold: Mapped[float | None] = mapped_column(Float)
    status: Mapped[QualityStatus] = mapped_column(
        enum_type(QualityStatus, "status"), nullable=False
    )
    issues: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    recommendations: Mapped[Any] = mapped_column(JSONValue, nullable=True)
