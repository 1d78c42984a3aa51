from collections.abc import Sequence

from urutiq_ai.core.repository import TenantRepository
from urutiq_ai.governance.models import AIGovernance, AIGovernanceViolation, PolicyEvaluation
from urutiq_ai.governance.schemas import OPEN_VIOLATION_STATUSES, PolicyStatus


class PolicyRepository(TenantRepository[AIGovernance]):
    model = AIGovernance

    def active(self) -> Sequence[AIGovernance]:
        stmt = self.base_statement().where(AIGovernance.status == PolicyStatus.active)
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
