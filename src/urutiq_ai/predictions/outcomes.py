"""Outcomes of predictions: the actual value, and whether the prediction was right.

Classification and anomaly predictions get ``isCorrect`` (the label equals the actual
value, compared as text, so ``true``/``"True"`` and ``1``/``"1"`` agree; for anomaly
predictions ``1``, ``"yes"``, ``"fraud"``... all mean an anomaly); regression and
forecast predictions get ``error``, the absolute difference.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import FieldError, NotFound, ValidationError
from urutiq_ai.ml.labels import outcome_label
from urutiq_ai.predictions.models import AIModelPrediction
from urutiq_ai.predictions.repository import PredictionRepository
from urutiq_ai.predictions.schemas import PredictionType
from urutiq_ai.tenancy import service as tenancy_service

NUMERIC_TYPES = frozenset({PredictionType.regression, PredictionType.forecast})
SHADOW = "shadow"


def predicted_value(prediction: AIModelPrediction) -> Any:
    return stored_value(prediction.prediction)


def stored_value(stored: Any) -> Any:
    """The label or number inside a stored ``prediction`` JSON value."""
    return stored.get("prediction") if isinstance(stored, dict) else stored


def outcome(prediction: AIModelPrediction, actual: Any, *, field: str) -> dict[str, Any]:
    """The columns to set for ``actual``: actualValue plus isCorrect or error."""
    if prediction.prediction_type in NUMERIC_TYPES:
        try:
            error = abs(float(predicted_value(prediction)) - float(actual))
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                "a regression outcome must be a number",
                fields=[FieldError(field, f"expected a number, got {actual!r}")],
            ) from exc
        return {"actual_value": actual, "error": error, "is_correct": None}
    anomaly = prediction.prediction_type == PredictionType.anomaly
    predicted = outcome_label(predicted_value(prediction), anomaly=anomaly)
    is_correct = predicted == outcome_label(actual, anomaly=anomaly)
    return {"actual_value": actual, "is_correct": is_correct, "error": None}


def record_actuals(
    session: Session, ctx: TenantContext, items: Sequence[tuple[str, Any]]
) -> list[AIModelPrediction]:
    """Set the actual values of many predictions of the company (404 if one is unknown)."""
    repo = PredictionRepository(session, ctx)
    found = {row.id: row for row in repo.by_ids([pid for pid, _ in items])}
    missing = [pid for pid, _ in items if pid not in found]
    if missing:
        raise NotFound(f"no predictions {missing[:10]} in this company")
    for position, (prediction_id, actual) in enumerate(items):
        row = found[prediction_id]
        for name, value in outcome(row, actual, field=f"items.{position}.actualValue").items():
            setattr(row, name, value)
    _share_with_shadows(repo, [found[pid] for pid, _ in items])
    session.flush()
    tenancy_service.record_audit(
        session,
        ctx,
        action="actuals",
        row=next(iter(found.values())),
        company_id=next(iter(found.values())).company_id,
        after={"predictions": len(items)},
    )
    return [found[pid] for pid, _ in items]


def _share_with_shadows(repo: PredictionRepository, answered: Sequence[AIModelPrediction]) -> None:
    """A shadow model scored the same input in the same request as an answered prediction:
    it gets the same actual value (shadow outcomes are how a challenger is judged online)."""
    served = [row for row in answered if row.deployment_id and row.variant != SHADOW]
    by_deployment: dict[str, list[AIModelPrediction]] = {}
    for row in served:
        by_deployment.setdefault(str(row.deployment_id), []).append(row)
    for deployment_id, rows in by_deployment.items():
        shadows = repo.shadows_at(deployment_id, sorted({row.created_at for row in rows}))
        for row in rows:
            for shadow in shadows:
                if shadow.created_at == row.created_at and shadow.input_data == row.input_data:
                    for name, value in outcome(
                        shadow, row.actual_value, field="actualValue"
                    ).items():
                        setattr(shadow, name, value)
