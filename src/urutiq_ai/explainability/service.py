"""Feature importances: one row per model, feature and method; recomputable, so deletable."""

from urutiq_ai.crud.resource import Resource
from urutiq_ai.explainability.models import AIModelFeatureImportance
from urutiq_ai.explainability.schemas import (
    AIModelFeatureImportanceCreate,
    AIModelFeatureImportanceRead,
    AIModelFeatureImportanceUpdate,
)

FEATURE_IMPORTANCES = Resource(
    path="feature-importances",
    model=AIModelFeatureImportance,
    create_schema=AIModelFeatureImportanceCreate,
    update_schema=AIModelFeatureImportanceUpdate,
    read_schema=AIModelFeatureImportanceRead,
    filters=("model_id", "method", "feature_name"),
    sort_fields=("created_at", "updated_at", "importance", "feature_name"),
    refs={"model_id": "AIModel"},
    unique=(("model_id", "feature_name", "method"),),
    deletable=True,
)
