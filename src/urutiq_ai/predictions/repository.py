from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from urutiq_ai.core.db import model_for_table
from urutiq_ai.core.repository import TenantRepository
from urutiq_ai.predictions.models import AIModelPrediction


class PredictionRepository(TenantRepository[AIModelPrediction]):
    model = AIModelPrediction

    def by_ids(self, ids: Sequence[str]) -> list[AIModelPrediction]:
        stmt = self.base_statement().where(AIModelPrediction.id.in_(ids))
        return list(self.session.scalars(stmt))

    def inputs_between(self, model_id: str, start: datetime, end: datetime) -> Iterator[Any]:
        """The stored inputs of a model's predictions made in ``[start, end)``, streamed in
        batches (a window of a million predictions never sits in memory as rows)."""
        return self._column_between(AIModelPrediction.input_data, model_id, start, end)

    def predictions_between(self, model_id: str, start: datetime, end: datetime) -> Iterator[Any]:
        """The stored ``prediction`` values of a model's predictions in ``[start, end)``."""
        return self._column_between(AIModelPrediction.prediction, model_id, start, end)

    def _column_between(
        self, column: Any, model_id: str, start: datetime, end: datetime, batch: int = 2000
    ) -> Iterator[Any]:
        stmt = (
            self.base_statement()
            .with_only_columns(column)
            .where(
                AIModelPrediction.model_id == model_id,
                AIModelPrediction.created_at >= start,
                AIModelPrediction.created_at < end,
            )
            .execution_options(yield_per=batch)
        )
        yield from self.session.scalars(stmt)

    def served_between(
        self, model_id: str, start: datetime | None, end: datetime | None, *, batch: int = 2000
    ) -> Iterator[tuple[datetime, Any]]:
        """(createdAt, prediction) of all a model's predictions in ``[start, end)``, streamed."""
        stmt = (
            self.base_statement()
            .with_only_columns(AIModelPrediction.created_at, AIModelPrediction.prediction)
            .where(AIModelPrediction.model_id == model_id)
            .execution_options(yield_per=batch)
        )
        if start is not None:
            stmt = stmt.where(AIModelPrediction.created_at >= start)
        if end is not None:
            stmt = stmt.where(AIModelPrediction.created_at < end)
        yield from self.session.execute(stmt)

    def outcomes_between(
        self, model_id: str, start: datetime | None, end: datetime | None, *, batch: int = 2000
    ) -> Iterator[tuple[datetime, Any, Any]]:
        """(createdAt, prediction, actualValue) of a model's predictions that have an actual
        value, oldest first, streamed in batches; ``start``/``end`` bound ``[start, end)``."""
        stmt = (
            self.base_statement()
            .with_only_columns(
                AIModelPrediction.created_at,
                AIModelPrediction.prediction,
                AIModelPrediction.actual_value,
            )
            .where(
                AIModelPrediction.model_id == model_id,
                AIModelPrediction.actual_value.is_not(None),
            )
            .order_by(AIModelPrediction.created_at)
            .execution_options(yield_per=batch)
        )
        if start is not None:
            stmt = stmt.where(AIModelPrediction.created_at >= start)
        if end is not None:
            stmt = stmt.where(AIModelPrediction.created_at < end)
        for row in self.session.execute(stmt):
            yield row[0], row[1], row[2]

    def deployment_outcomes(
        self, deployment_id: str, model_ids: Sequence[str], *, batch: int = 2000
    ) -> Iterator[tuple[str, str | None, Any, Any, bool | None, float | None]]:
        """(modelId, variant, prediction, actualValue, isCorrect, error) of the predictions a
        deployment served with ``model_ids`` that have an actual value, streamed."""
        stmt = (
            self.base_statement()
            .with_only_columns(
                AIModelPrediction.model_id,
                AIModelPrediction.variant,
                AIModelPrediction.prediction,
                AIModelPrediction.actual_value,
                AIModelPrediction.is_correct,
                AIModelPrediction.error,
            )
            .where(
                AIModelPrediction.deployment_id == deployment_id,
                AIModelPrediction.model_id.in_(list(model_ids)),
                AIModelPrediction.actual_value.is_not(None),
            )
            .execution_options(yield_per=batch)
        )
        for row in self.session.execute(stmt):
            yield row[0], row[1], row[2], row[3], row[4], row[5]

    def shadows_at(
        self, deployment_id: str, moments: Sequence[datetime]
    ) -> list[AIModelPrediction]:
        """The shadow predictions a deployment stored at ``moments`` (its requests' times)."""
        stmt = self.base_statement().where(
            AIModelPrediction.deployment_id == deployment_id,
            AIModelPrediction.variant == "shadow",
            AIModelPrediction.created_at.in_(list(moments)),
        )
        return list(self.session.scalars(stmt))

    def recent_inputs(self, model_id: str, limit: int) -> list[Any]:
        """The stored inputs of a model's newest ``limit`` predictions."""
        stmt = (
            self.base_statement()
            .with_only_columns(AIModelPrediction.input_data)
            .where(AIModelPrediction.model_id == model_id)
            .order_by(AIModelPrediction.created_at.desc())
            .limit(limit)
        )
        return list(self.session.scalars(stmt))


class ExpiredPredictionsRepository:
    """Predictions past the retention, across tenants (system scope: the retention purge)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _expired(self, before: datetime) -> Any:
        feedback = model_for_table("AILearningFeedback")  # a higher domain: named, not imported
        referenced = select(feedback.prediction_id).where(  # tenancy: global
            feedback.prediction_id == AIModelPrediction.id
        )
        return select(AIModelPrediction.id).where(  # tenancy: global
            AIModelPrediction.created_at < before, ~referenced.exists()
        )

    def count_by_tenant(self, before: datetime) -> dict[tuple[str, str], int]:
        """(tenant, company) -> how many predictions the purge would delete."""
        expired = self._expired(before).subquery()
        stmt = (
            select(  # tenancy: global
                AIModelPrediction.tenant_id, AIModelPrediction.company_id, func.count()
            )
            .where(AIModelPrediction.id.in_(select(expired.c.id)))  # tenancy: global
            .group_by(AIModelPrediction.tenant_id, AIModelPrediction.company_id)
        )
        rows = self.session.execute(stmt).all()
        return {(str(tenant), str(company)): int(count) for tenant, company, count in rows}

    def delete_batch(self, before: datetime, limit: int) -> dict[tuple[str, str], int]:
        """Delete up to ``limit`` expired predictions; (tenant, company) -> how many."""
        ids = list(self.session.scalars(self._expired(before).limit(limit)))
        if not ids:
            return {}
        owners = self.session.execute(
            select(  # tenancy: global
                AIModelPrediction.tenant_id, AIModelPrediction.company_id, func.count()
            )
            .where(AIModelPrediction.id.in_(ids))
            .group_by(AIModelPrediction.tenant_id, AIModelPrediction.company_id)
        ).all()
        self.session.execute(delete(AIModelPrediction).where(AIModelPrediction.id.in_(ids)))
        return {(str(tenant), str(company)): int(count) for tenant, company, count in owners}
