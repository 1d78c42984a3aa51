from sqlalchemy import delete

from urutiq_ai.core.repository import TenantRepository
from urutiq_ai.explainability.models import AIModelFeatureImportance


class ImportanceRepository(TenantRepository[AIModelFeatureImportance]):
    model = AIModelFeatureImportance

    def delete_for(self, model_id: str, method: str) -> None:
        """Remove a model's importances by one method (scoped to tenant and companies)."""
        self.session.execute(
            delete(AIModelFeatureImportance).where(
                AIModelFeatureImportance.tenant_id == self.ctx.tenant_id,
                AIModelFeatureImportance.company_id.in_(self.ctx.company_ids),
                AIModelFeatureImportance.model_id == model_id,
                AIModelFeatureImportance.method == method,
            )
        )

    def methods_of(self, model_id: str) -> list[str]:
        """The methods a model has importances by."""
        stmt = (
            self.base_statement()
            .with_only_columns(AIModelFeatureImportance.method)
            .where(AIModelFeatureImportance.model_id == model_id)
            .distinct()
        )
        return [str(method) for method in self.session.scalars(stmt)]
