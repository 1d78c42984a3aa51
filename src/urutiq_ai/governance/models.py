from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from urutiq_ai.core.db import Base, JSONValue, UTCDateTime, enum_type
from urutiq_ai.core.models import CompanyOwned
from urutiq_ai.governance.types import (
    EvaluationStatus,
    PolicyStatus,
    PolicyType,
    Severity,
    ViolationStatus,
    ViolationType,
)


class AIGovernance(Base, CompanyOwned):
    """A governance policy."""

    __tablename__ = "AIGovernance"
    __table_args__ = (
        UniqueConstraint("tenant_id", "company_id", "policy_name"),
        Index(None, "tenant_id", "company_id", "status"),
        Index(None, "tenant_id", "company_id", "policy_type"),
    )

    policy_name: Mapped[str] = mapped_column(String(255), nullable=False)
    policy_type: Mapped[PolicyType] = mapped_column(
        enum_type(PolicyType, "policyType"), nullable=False
    )
    status: Mapped[PolicyStatus] = mapped_column(
        enum_type(PolicyStatus, "status"),
        nullable=False,
        default=PolicyStatus.draft,
        server_default=PolicyStatus.draft.value,
    )
    description: Mapped[str | None] = mapped_column(Text)
    rules: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    thresholds: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    monitoring: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    alerts: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    compliance: Mapped[Any] = mapped_column(JSONValue, nullable=True)


class AIGovernanceViolation(Base, CompanyOwned):
    """A breach of a policy, worked from ``open`` to ``resolved`` or ``false_positive``."""

    __tablename__ = "AIGovernanceViolation"
    __table_args__ = (
        Index(None, "tenant_id", "company_id", "status", "severity"),
        Index(None, "tenant_id", "company_id", "created_at"),
    )

    policy_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("AIGovernance.id"), nullable=False, index=True
    )
    model_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("AIModel.id"), index=True)
    violation_type: Mapped[ViolationType] = mapped_column(
        enum_type(ViolationType, "violationType"), nullable=False
    )
    severity: Mapped[Severity] = mapped_column(enum_type(Severity, "severity"), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    details: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    status: Mapped[ViolationStatus] = mapped_column(
        enum_type(ViolationStatus, "status"),
        nullable=False,
        default=ViolationStatus.open,
        server_default=ViolationStatus.open.value,
    )
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(255))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PolicyEvaluation(Base, CompanyOwned):
    """One evaluation of a policy against a model: its verdict and evidence (not a seed
    table). The newest per policy and model is what the promotion gate reads."""

    __tablename__ = "PolicyEvaluation"
    __table_args__ = (
        Index(None, "tenant_id", "company_id", "policy_id", "model_id", "created_at"),
        Index(None, "tenant_id", "company_id", "created_at"),
    )

    policy_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("AIGovernance.id"), nullable=False, index=True
    )
    model_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("AIModel.id"), nullable=False, index=True
    )
    status: Mapped[EvaluationStatus] = mapped_column(
        enum_type(EvaluationStatus, "status"), nullable=False
    )
    trigger: Mapped[str] = mapped_column(String(32), nullable=False)
    summary: Mapped[str | None] = mapped_column(Text)
    results: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    violation_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("AIGovernanceViolation.id")
    )
