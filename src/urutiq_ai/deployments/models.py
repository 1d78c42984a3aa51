from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from urutiq_ai.core.db import Base, JSONValue, enum_type
from urutiq_ai.core.models import CompanyOwned
from urutiq_ai.deployments.schemas import DeploymentStatus, Environment


class AIDeployment(Base, CompanyOwned):
    """A model serving in an environment."""

    __tablename__ = "AIDeployment"
    __table_args__ = (
        UniqueConstraint("tenant_id", "company_id", "deployment_name"),
        Index(None, "tenant_id", "company_id", "environment", "status"),
        Index(None, "tenant_id", "company_id", "created_at"),
    )

    deployment_name: Mapped[str] = mapped_column(String(255), nullable=False)
    model_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("AIModel.id"), nullable=False, index=True
    )
    environment: Mapped[Environment] = mapped_column(
        enum_type(Environment, "environment"), nullable=False
    )
    status: Mapped[DeploymentStatus] = mapped_column(
        enum_type(DeploymentStatus, "status"),
        nullable=False,
        default=DeploymentStatus.deploying,
        server_default=DeploymentStatus.deploying.value,
    )
    endpoint: Mapped[str | None] = mapped_column(String(2048))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    config: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    health_check: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    performance: Mapped[Any] = mapped_column(JSONValue, nullable=True)
