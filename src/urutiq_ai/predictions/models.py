from typing import Any

from sqlalchemy import Boolean, Float, ForeignKeyConstraint, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from urutiq_ai.core.db import Base, JSONValue, enum_type
from urutiq_ai.core.models import CompanyOwned
from urutiq_ai.predictions.types import PredictionType

# tenancy: global - a partial index's predicate (DDL)
SERVED_BY_DEPLOYMENT = text('"deploymentId" IS NOT NULL')


class AIModelPrediction(Base, CompanyOwned):
    """One prediction made by a model, with its outcome once known.

    The most written table (every logged prediction is a row), so each insert pays as
    little as integrity allows:

    * one foreign key, (tenantId, companyId, modelId) -> AIModel (tenantId, companyId, id),
      checks that the model exists *and* belongs to the prediction's tenant and company;
      the model's own foreign keys vouch for the tenant and the company (three per-row
      checks became one, and a stronger one);
    * only the indexes its reads use: every tenant query is led by (tenantId, companyId),
      so no single-column tenantId / companyId / modelId indexes (the composite one serves
      the foreign key's checks when a model is deleted); ``createdAt`` alone serves the
      retention purge across tenants; the deployment index holds only predictions served
      through a deployment.
    """

    __tablename__ = "AIModelPrediction"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "company_id", "model_id"],
            ["AIModel.tenant_id", "AIModel.company_id", "AIModel.id"],
        ),
        Index(None, "tenant_id", "company_id", "created_at"),
        Index(None, "tenant_id", "company_id", "model_id", "created_at"),
        Index(
            None,
            "tenant_id",
            "company_id",
            "deployment_id",
            "created_at",
            postgresql_where=SERVED_BY_DEPLOYMENT,
            sqlite_where=SERVED_BY_DEPLOYMENT,
        ),
    )

    tenant_id: Mapped[str] = mapped_column(String(64), nullable=False)
    company_id: Mapped[str] = mapped_column(String(64), nullable=False)

    model_id: Mapped[str] = mapped_column(String(64), nullable=False)
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
