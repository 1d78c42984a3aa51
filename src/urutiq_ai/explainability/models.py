from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from urutiq_ai.core.db import Base, enum_type
from urutiq_ai.core.models import CompanyOwned
from urutiq_ai.explainability.types import ImportanceMethod


class AIModelFeatureImportance(Base, CompanyOwned):
    """How much one feature matters to one model, by one method."""

    __tablename__ = "AIModelFeatureImportance"
    __table_args__ = (
        UniqueConstraint("tenant_id", "company_id", "model_id", "feature_name", "method"),
        Index(None, "tenant_id", "company_id", "model_id", "method"),
    )

    model_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("AIModel.id"), nullable=False, index=True
    )
    feature_name: Mapped[str] = mapped_column(String(255), nullable=False)
    importance: Mapped[float] = mapped_column(Float, nullable=False)
    rank: Mapped[int | None] = mapped_column(Integer)
    method: Mapped[ImportanceMethod] = mapped_column(
        enum_type(ImportanceMethod, "method"), nullable=False
    )
