"""Importances and explanations on request, from the stored pipeline and validation sample.

Imported lazily by the explainability router: it loads the ML stack.
"""

from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import end_read_only_transaction
from urutiq_ai.core.errors import FieldError, ValidationError
from urutiq_ai.explainability import service
from urutiq_ai.explainability.errors import NotExplainable
from urutiq_ai.explainability.models import AIModelFeatureImportance
from urutiq_ai.ml.columns import validate_rows
from urutiq_ai.ml.errors import InputError, MLError
from urutiq_ai.ml.explain import explain_row
from urutiq_ai.ml.importance import feature_importance
from urutiq_ai.ml.predict import predict, to_jsonable
from urutiq_ai.predictions import serving
from urutiq_ai.registry import service as registry_service
from urutiq_ai.registry.artifacts import VALIDATION_TARGET, ArtifactStore
from urutiq_ai.registry.models import ModelArtifact


def _validation_sample(artifact: ModelArtifact, store: ArtifactStore) -> Any:
    sample = serving.validation_sample(artifact, store)
    if sample is None:
        raise NotExplainable("this model version has no stored validation sample (retrain it)")
    return sample


def compute_importances(
    session: Session, ctx: TenantContext, *, model_id: str, method: str, store: ArtifactStore
) -> list[AIModelFeatureImportance]:
    """Recompute one method's importances on the stored validation sample, replacing old ones."""
    model = registry_service.get_model(session, ctx, model_id)
    pipeline, artifact = serving.load_model(session, ctx, model, store)
    sample = _validation_sample(artifact, store)
    features = list(model.feature_columns or [])
    target = sample[VALIDATION_TARGET] if VALIDATION_TARGET in sample.columns else None
    # SHAP may compute for minutes: no database lock meanwhile (on SQLite every
    # transaction holds the write lock, which other requests and processes wait for).
    end_read_only_transaction(session)
    try:
        scores = feature_importance(
            pipeline, method, X=sample[features], y=target, model_type=model.model_type.value
        )
    except MLError as exc:
        raise NotExplainable(str(exc), fields=[FieldError("method", str(exc))]) from exc
    return service.replace_importances(
        session,
        ctx,
        model,
        method=method,
        scores=[(s.feature, s.importance, s.rank) for s in scores],
    )


def explain(
    session: Session,
    ctx: TenantContext,
    *,
    model_id: str,
    row: dict[str, Any],
    top_k: int,
    store: ArtifactStore,
) -> tuple[Any, list[dict[str, Any]]]:
    """The prediction for ``row`` and its top ``top_k`` feature contributions."""
    model = registry_service.get_model(session, ctx, model_id)
    pipeline, artifact = serving.load_model(session, ctx, model, store)
    features = list(model.feature_columns or [])
    try:
        frame = validate_rows([row], features, artifact.column_types)
    except InputError as exc:
        raise ValidationError(
            "the row does not fit the model's feature columns",
            fields=[FieldError(f"row.{f}", r) for f, r in exc.errors],
        ) from exc
    background = _validation_sample(artifact, store)[features]
    end_read_only_transaction(session)  # no database lock while the row is explained
    (output,) = predict(pipeline, frame, model_type=model.model_type.value)
    contributions = explain_row(
        pipeline,
        frame.iloc[0].to_dict(),
        top_k=top_k,
        background=background,
        model_type=model.model_type.value,
    )
    return to_jsonable(output.prediction), [
        {**item, "value": to_jsonable(item["value"])} for item in contributions
    ]
