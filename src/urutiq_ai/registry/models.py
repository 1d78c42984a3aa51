from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from urutiq_ai.core.db import Base, JSONValue, enum_type
from urutiq_ai.core.models import CompanyOwned
from urutiq_ai.registry.types import ModelStatus, ModelType


class AIModel(Base, CompanyOwned):
    """Central model registry: one row per model version."""

    __tablename__ = "AIModel"
    __table_args__ = (
        UniqueConstraint("tenant_id", "company_id", "model_name", "model_version"),
        Index(None, "tenant_id", "company_id", "created_at"),
        Index(None, "tenant_id", "company_id", "status"),
        Index(None, "tenant_id", "company_id", "model_type"),
        Index(None, "tenant_id", "company_id", "algorithm"),
        # The key of (tenant, company, model): predictions refer to it, so one foreign
        # key checks that their model exists and belongs to their tenant and company.
        Index(None, "tenant_id", "company_id", "id", unique=True),
    )

    model_name: Mapped[str] = mapped_column(String(255), nullable=False)
    model_version: Mapped[str] = mapped_column(String(64), nullable=False)
    model_type: Mapped[ModelType] = mapped_column(enum_type(ModelType, "modelType"), nullable=False)
    algorithm: Mapped[str] = mapped_column(String(255), nullable=False)
    status: Mapped[ModelStatus] = mapped_column(
        enum_type(ModelStatus, "status"),
        nullable=False,
        default=ModelStatus.training,
        server_default=ModelStatus.training.value,
    )
    accuracy: Mapped[float | None] = mapped_column(Float)
    precision: Mapped[float | None] = mapped_column(Float)
    recall: Mapped[float | None] = mapped_column(Float)
    f1_score: Mapped[float | None] = mapped_column(Float)
    hyperparameters: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    feature_columns: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    target_column: Mapped[str | None] = mapped_column(String(255))
    experiment_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("AIExperiment.id"), index=True
    )
    description: Mapped[str | None] = mapped_column(Text)


class ModelArtifact(Base, CompanyOwned):
    """The fitted pipeline of a model version and what serving and monitoring need of it.

    Not a seed table (so not named AI...): the seed's AIModel has no place for the
    artifact, its hash, the column types the pipeline expects or the reference profile of
    its training data.
    """

    __tablename__ = "ModelArtifact"
    __table_args__ = (UniqueConstraint("tenant_id", "company_id", "model_id"),)

    model_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("AIModel.id"), nullable=False, index=True
    )
    uri: Mapped[str] = mapped_column(String(2048), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    column_types: Mapped[Any] = mapped_column(JSONValue, nullable=False)
    classes: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    reference_profile: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    training_spec: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    training_run_id: Mapped[str | None] = mapped_column(String(64))
    # A bounded sample of the validation split (features + target, Parquet), for importances
    # and explanations computed on request after training.
    validation_uri: Mapped[str | None] = mapped_column(String(2048))
    validation_sha256: Mapped[str | None] = mapped_column(String(64))
    # Every validation metric the training measured (the seed's AIModel holds four; rmse,
    # r2, silhouette, ... live here), and the new version beside the version serving when
    # it completed (registry.schemas.ComparedTo, camelCase; null when there was none).
    metrics: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    compared_to: Mapped[Any] = mapped_column(JSONValue, nullable=True)
