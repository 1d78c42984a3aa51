"""Side-by-side comparison of two model versions (pure: works on rows already loaded)."""

from collections.abc import Mapping
from typing import Any

from urutiq_ai.registry.models import AIModel
from urutiq_ai.registry.schemas import (
    ComparedTo,
    ModelType,
    ReferenceReason,
    VersionComparison,
    VersionSide,
)

METRICS = ("accuracy", "precision", "recall", "f1_score")
PRIMARY_METRICS: Mapping[ModelType, tuple[str, bool]] = {
    ModelType.classification: ("f1Score", True),
    ModelType.anomaly_detection: ("f1Score", True),  # measured only with a label column
    ModelType.regression: ("rmse", False),
    ModelType.clustering: ("silhouette", True),
}
"""Model type -> (the validation metric a new version is judged by, higher is better)."""


def _side(model: AIModel) -> VersionSide:
    return VersionSide(
        id=model.id,
        model_name=model.model_name,
        model_version=model.model_version,
        model_type=model.model_type,
        algorithm=model.algorithm,
        status=model.status,
        metrics={name: getattr(model, name) for name in METRICS},
        hyperparameters=model.hyperparameters,
        feature_columns=model.feature_columns,
        target_column=model.target_column,
    )


def _delta(left: float | None, right: float | None) -> float | None:
    return None if left is None or right is None else right - left


def _changes(left: Any, right: Any) -> dict[str, list[Any]]:
    left, right = left or {}, right or {}
    if not isinstance(left, dict) or not isinstance(right, dict):
        return {} if left == right else {"": [left, right]}
    return {
        key: [left.get(key), right.get(key)]
        for key in sorted(left.keys() | right.keys())
        if left.get(key) != right.get(key)
    }


def compare(left: AIModel, right: AIModel) -> VersionComparison:
    """``right`` relative to ``left``: metric deltas, changed hyperparameters, features."""
    left_features = list(left.feature_columns or [])
    right_features = list(right.feature_columns or [])
    return VersionComparison(
        left=_side(left),
        right=_side(right),
        metric_deltas={name: _delta(getattr(left, name), getattr(right, name)) for name in METRICS},
        hyperparameter_changes=_changes(left.hyperparameters, right.hyperparameters),
        features_added=[f for f in right_features if f not in left_features],
        features_removed=[f for f in left_features if f not in right_features],
    )


def recorded_metrics(model: AIModel, stored: Mapping[str, Any] | None) -> dict[str, float]:
    """A version's validation metrics: those its training stored (every one it measured),
    else the AIModel columns (rows trained before metrics were stored, or elsewhere)."""
    if stored:
        return {k: float(v) for k, v in stored.items() if isinstance(v, int | float)}
    columns = {"accuracy": "accuracy", "precision": "precision", "recall": "recall"}
    found = {name: getattr(model, attr) for name, attr in columns.items()}
    found["f1Score"] = model.f1_score
    return {name: float(value) for name, value in found.items() if value is not None}


def compared_to(
    new: AIModel,
    new_metrics: Mapping[str, float],
    reference: AIModel,
    reference_metrics: Mapping[str, float],
    *,
    reason: ReferenceReason,
    deployment_id: str | None = None,
) -> ComparedTo | None:
    """``new`` against ``reference`` on the model type's primary metric; None when the
    types differ or either version lacks the metric (anomaly detection without labels)."""
    if new.model_type != reference.model_type or new.model_type not in PRIMARY_METRICS:
        return None
    metric, higher = PRIMARY_METRICS[new.model_type]
    new_value, value = new_metrics.get(metric), reference_metrics.get(metric)
    if new_value is None or value is None:
        return None
    return ComparedTo(
        model_id=reference.id,
        model_version=reference.model_version,
        reason=reason,
        deployment_id=deployment_id,
        metric=metric,
        higher_is_better=higher,
        value=value,
        new_value=new_value,
        worse=new_value < value if higher else new_value > value,
    )
