from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urutiq_ai.core.repository import TenantRepository
from urutiq_ai.governance.models import AIGovernance, AIGovernanceViolation, PolicyEvaluation
from urutiq_ai.governance.schemas import OPEN_VIOLATION_STATUSES, PolicyStatus, PolicyType


class PolicyRepository(TenantRepository[AIGovernance]):
    model = AIGovernance

    def active(
        self, policy_type: PolicyType | None = None, *, company_id: str | None = None
    ) -> Sequence[AIGovernance]:
        stmt = self.base_statement().where(AIGovernance.status == PolicyStatus.active)
        if policy_type is not None:
            stmt = stmt.where(AIGovernance.policy_type == policy_type)
        if company_id is not None:
            stmt = stmt.where(AIGovernance.company_id == company_id)
        return self.scalars(stmt.order_by(AIGovernance.policy_name))


class ViolationRepository(TenantRepository[AIGovernanceViolation]):
    model = AIGovernanceViolation

    def open_for(self, policy_id: str, model_id: str) -> AIGovernanceViolation | None:
        """The violation of ``policy_id`` by ``model_id`` still being worked, if any."""
        stmt = self.base_statement().where(
            AIGovernanceViolation.policy_id == policy_id,
            AIGovernanceViolation.model_id == model_id,
            AIGovernanceViolation.status.in_(OPEN_VIOLATION_STATUSES),
        )
        return self.session.scalars(stmt.limit(1)).first()

    def open_of_model(self, model_id: str) -> Sequence[AIGovernanceViolation]:
        stmt = self.base_statement().where(
            AIGovernanceViolation.model_id == model_id,
            AIGovernanceViolation.status.in_(OPEN_VIOLATION_STATUSES),
        )
        return self.scalars(stmt)


class EvaluationRepository(TenantRepository[PolicyEvaluation]):
    model = PolicyEvaluation

    def last_scheduled(self, policy_id: str) -> datetime | None:
        """When the scheduler last evaluated ``policy_id`` (any model)."""
        stmt = (
            self.base_statement()
            .with_only_columns(func.max(PolicyEvaluation.created_at))
            .where(PolicyEvaluation.policy_id == policy_id, PolicyEvaluation.trigger == "schedule")
        )
        value: datetime | None = self.session.scalar(stmt)
        return value


class MonitoredPoliciesRepository:
    """System-level: active policies of every tenant that have a monitoring schedule."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def scheduled(self) -> list[tuple[str, str, str]]:
        """(tenantId, companyId, policyId) of active policies with ``monitoring`` set."""
        stmt = select(  # tenancy: global (scheduler sweep over every tenant)
            AIGovernance.tenant_id, AIGovernance.company_id, AIGovernance.id
        ).where(AIGovernance.status == PolicyStatus.active, AIGovernance.monitoring.is_not(None))
        return [(row[0], row[1], row[2]) for row in self.session.execute(stmt)]
