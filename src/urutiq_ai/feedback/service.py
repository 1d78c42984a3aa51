"""Feedback: ``pending`` -> ``processed`` | ``ignored``.

Feedback on a prediction belongs to that prediction's model: ``modelId`` is
filled in from the prediction, and a different ``modelId`` is refused.
"""

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import model_for_table
from urutiq_ai.core.errors import field_error
from urutiq_ai.core.repository import repository_for
from urutiq_ai.crud.resource import Resource, transitions
from urutiq_ai.feedback.models import AILearningFeedback
from urutiq_ai.feedback.schemas import (
    AILearningFeedbackCreate,
    AILearningFeedbackRead,
    AILearningFeedbackUpdate,
)


def _model_of_prediction(
    session: Session,
    ctx: TenantContext,
    row: Any,
    _changes: Mapping[str, Any],
) -> None:
    if row.prediction_id is None:
        return
    prediction_repo = repository_for(model_for_table("AIModelPrediction"))(session, ctx)
    prediction = prediction_repo.get_or_raise(row.prediction_id)
    if row.model_id is None:
        row.model_id = prediction.model_id
    elif row.model_id != prediction.model_id:
        raise field_error(
            "modelId",
            f"prediction {row.prediction_id!r} was made by model "
            f"{prediction.model_id!r}, not {row.model_id!r}",
        )


FEEDBACK = Resource(
    path="feedback",
    model=AILearningFeedback,
    create_schema=AILearningFeedbackCreate,
    update_schema=AILearningFeedbackUpdate,
    read_schema=AILearningFeedbackRead,
    filters=(
        "feedback_type",
        "status",
        "impact",
        "model_id",
        "prediction_id",
        "user_id",
        "is_positive",
    ),
    refs={"model_id": "AIModel", "prediction_id": "AIModelPrediction"},
    transitions=transitions(pending=("processed", "ignored")),
    validators=(_model_of_prediction,),
)
