from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from urutiq_ai.core.db import Base, JSONValue, UTCDateTime, enum_type
from urutiq_ai.core.models import CompanyOwned
from urutiq_ai.deployments.types import (
    DeploymentStatus,
    Environment,
    RevisionAction,
    RevisionStatus,
)


class AIDeployment(Base, CompanyOwned):
    """A named endpoint serving a model in one environment; ``version`` is its revision."""

    __tablename__ = "AIDeployment"
    __table_args__ = (
        UniqueConstraint("tenant_id", "company_id", "deployment_name", "environment"),
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
    # When the scheduler checks its health next (not a seed column).
    health_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class DeploymentRevision(Base, CompanyOwned):
    """One revision of a deployment: which model and config, when it served, what ended it.

    Not a seed table. Rows are history: written when a revision is tried, closed when
    another replaces it, never deleted; "which model served production on a date" is a
    query over them.
    """

    __tablename__ = "DeploymentRevision"
    __table_args__ = (
        UniqueConstraint("tenant_id", "company_id", "deployment_id", "version"),
        Index(None, "tenant_id", "company_id", "environment", "started_at"),
        Index(None, "tenant_id", "company_id", "model_id"),
    )

    deployment_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("AIDeployment.id"), nullable=False, index=True
    )
    deployment_name: Mapped[str] = mapped_column(String(255), nullable=False)
    environment: Mapped[Environment] = mapped_column(
        enum_type(Environment, "environment"), nullable=False
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    model_id: Mapped[str] = mapped_column(String(64), ForeignKey("AIModel.id"), nullable=False)
    config: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    # What serving derives from the config at release (a stacking ensemble's meta-model).
    state: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    action: Mapped[RevisionAction] = mapped_column(
        enum_type(RevisionAction, "action"), nullable=False
    )
    status: Mapped[RevisionStatus] = mapped_column(
        enum_type(RevisionStatus, "status"), nullable=False
    )
    reason: Mapped[str | None] = mapped_column(Text)
    health_check: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    actor: Mapped[str | None] = mapped_column(String(255))
