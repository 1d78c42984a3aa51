"""Governance policies and violations.

Policies: ``draft`` -> ``active`` | ``inactive``; ``active`` <-> ``inactive``.
A policy with violations cannot be deleted (make it inactive).

Violations: ``open`` -> ``investigating`` | ``resolved`` | ``false_positive``;
``investigating`` -> ``resolved`` | ``false_positive``; a closed violation may
be reopened. Closing one needs ``resolution`` and ``resolvedBy``, and stamps
``resolvedAt``. Violations are never deleted.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import FieldError, ValidationError
from urutiq_ai.core.schemas import SystemWritten
from urutiq_ai.crud.resource import GOVERNANCE_READERS, Resource, transitions
from urutiq_ai.governance.models import AIGovernance, AIGovernanceViolation, PolicyEvaluation
from urutiq_ai.governance.policies import check_policy
from urutiq_ai.governance.schemas import (
    CLOSED_VIOLATION_STATUSES,
    AIGovernanceCreate,
    AIGovernanceRead,
    AIGovernanceUpdate,
    AIGovernanceViolationCreate,
    AIGovernanceViolationRead,
    AIGovernanceViolationUpdate,
    PolicyEvaluationRead,
)


def _check_policy(
    _session: Session, _ctx: TenantContext, row: Any, changes: Mapping[str, Any]
) -> None:
    """Rules, thresholds and compliance fit the policy's type (policies.py)."""
    if {"rules", "thresholds", "compliance", "monitoring", "policy_type"} & changes.keys():
        check_policy(
            row.policy_type,
            {
                "rules": row.rules,
                "thresholds": row.thresholds,
                "compliance": row.compliance,
                "monitoring": row.monitoring,
            },
        )


POLICIES = Resource(
    path="governance-policies",
    model=AIGovernance,
    create_schema=AIGovernanceCreate,
    update_schema=AIGovernanceUpdate,
    read_schema=AIGovernanceRead,
    filters=("policy_type", "status", "policy_name"),
    sort_fields=("created_at", "updated_at", "policy_name"),
    unique=(("policy_name",),),
    transitions=transitions(
        draft=("active", "inactive"), active=("inactive",), inactive=("active",)
    ),
    deletable=True,
    read_roles=GOVERNANCE_READERS,
    validators=(_check_policy,),
)


def _resolution_required(
    _session: Session,
    _ctx: TenantContext,
    row: Any,
    changes: Mapping[str, Any],
) -> None:
    if row.status not in CLOSED_VIOLATION_STATUSES:
        row.resolved_at = None
        return
    missing = [
        FieldError(field, f"required when status is {row.status.value!r}")
        for field, value in (("resolution", row.resolution), ("resolvedBy", row.resolved_by))
        if not value
    ]
    if missing:
        raise ValidationError(
            "a closed violation needs a resolution and who resolved it", fields=missing
        )
    if row.resolved_at is None or "status" in changes:
        row.resolved_at = datetime.now(UTC)


VIOLATIONS = Resource(
    path="governance-violations",
    model=AIGovernanceViolation,
    create_schema=AIGovernanceViolationCreate,
    update_schema=AIGovernanceViolationUpdate,
    read_schema=AIGovernanceViolationRead,
    filters=("violation_type", "severity", "status", "policy_id", "model_id"),
    refs={"policy_id": "AIGovernance", "model_id": "AIModel"},
    transitions=transitions(
        open=("investigating", "resolved", "false_positive"),
        investigating=("resolved", "false_positive"),
        resolved=("open",),
        false_positive=("open",),
    ),
    validators=(_resolution_required,),
    read_roles=GOVERNANCE_READERS,
)


POLICY_EVALUATIONS = Resource(
    path="policy-evaluations",
    model=PolicyEvaluation,
    create_schema=SystemWritten,
    read_schema=PolicyEvaluationRead,
    filters=("policy_id", "model_id", "status", "trigger"),
    creatable=False,
    read_roles=GOVERNANCE_READERS,
)
"""Every evaluation of a policy against a model (read-only; written by ``evaluate``)."""
