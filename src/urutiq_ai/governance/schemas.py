"""AIGovernance (policies) and AIGovernanceViolation on the wire."""

from datetime import datetime

from pydantic import JsonValue

from urutiq_ai.core.schemas import (
    CompanyOwnedRead,
    Json,
    LongText,
    Name,
    ReadSchema,
    Ref,
    RequestSchema,
    ShortText,
)
from urutiq_ai.governance.types import EvaluationStatus as EvaluationStatus
from urutiq_ai.governance.types import PolicyStatus as PolicyStatus
from urutiq_ai.governance.types import PolicyType as PolicyType
from urutiq_ai.governance.types import Severity as Severity
from urutiq_ai.governance.types import ViolationStatus as ViolationStatus
from urutiq_ai.governance.types import ViolationType as ViolationType

CLOSED_VIOLATION_STATUSES = frozenset({ViolationStatus.resolved, ViolationStatus.false_positive})
OPEN_VIOLATION_STATUSES = frozenset({ViolationStatus.open, ViolationStatus.investigating})
BLOCKING_SEVERITIES = frozenset({Severity.high, Severity.critical})


class AIGovernanceCreate(RequestSchema):
    policy_name: Name
    policy_type: PolicyType
    status: PolicyStatus = PolicyStatus.draft
    description: LongText | None = None
    rules: Json | None = None
    thresholds: Json | None = None
    monitoring: Json | None = None
    alerts: Json | None = None
    compliance: Json | None = None


class AIGovernanceUpdate(RequestSchema):
    status: PolicyStatus | None = None
    description: LongText | None = None
    rules: Json | None = None
    thresholds: Json | None = None
    monitoring: Json | None = None
    alerts: Json | None = None
    compliance: Json | None = None


class AIGovernanceRead(CompanyOwnedRead):
    policy_name: str
    policy_type: PolicyType
    status: PolicyStatus
    description: str | None
    rules: JsonValue | None
    thresholds: JsonValue | None
    monitoring: JsonValue | None
    alerts: JsonValue | None
    compliance: JsonValue | None


class AIGovernanceViolationCreate(RequestSchema):
    policy_id: Ref
    model_id: Ref | None = None
    violation_type: ViolationType
    severity: Severity
    description: LongText
    details: Json | None = None
    status: ViolationStatus = ViolationStatus.open
    resolution: LongText | None = None
    resolved_by: ShortText | None = None


class AIGovernanceViolationUpdate(RequestSchema):
    severity: Severity | None = None
    details: Json | None = None
    status: ViolationStatus | None = None
    resolution: LongText | None = None
    resolved_by: ShortText | None = None


class AIGovernanceViolationRead(CompanyOwnedRead):
    policy_id: str
    model_id: str | None
    violation_type: ViolationType
    severity: Severity
    description: str
    details: JsonValue | None
    status: ViolationStatus
    resolution: str | None
    resolved_by: str | None
    resolved_at: datetime | None


class PolicyEvaluationRead(CompanyOwnedRead):
    policy_id: str
    model_id: str
    status: EvaluationStatus
    trigger: str
    summary: str | None
    results: JsonValue | None
    violation_id: str | None


class EvaluateModel(RequestSchema):
    """Which model a policy is evaluated against."""

    model_id: Ref


class ModelEvaluations(ReadSchema):
    """Every active policy evaluated against one model."""

    model_id: str
    status: EvaluationStatus
    evaluations: list[PolicyEvaluationRead]
