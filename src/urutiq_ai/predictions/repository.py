from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert

from urutiq_ai.core.repository import TenantRepository
from urutiq_ai.predictions.models import AIModelPrediction


class PredictionRepository(TenantRepository[AIModelPrediction]):
    model = AIModelPrediction

    def bulk_add(self, rows: Sequence[dict[str, Any]], *, company_id: str) -> None:
        """Insert many predictions in one statement batch, owned by the context's company."""
        owned = [{**row, "tenant_id": self.ctx.tenant_id, "company_id": company_id} for row in rows]
        self.session.execute(insert(AIModelPrediction), owned)

    def by_ids(self, ids: Sequence[str]) -> list[AIModelPrediction]:
        stmt = self.base_statement().where(AIModelPrediction.id.in_(ids))
        return list(self.session.scalars(stmt))
