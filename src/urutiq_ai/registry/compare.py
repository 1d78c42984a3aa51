"""Side-by-side comparison of two model versions (pure: works on rows already loaded)."""

from typing import Any

from urutiq_ai.registry.models import AIModel
from urutiq_ai.registry.schemas import VersionComparison, VersionSide

METRICS = ("accuracy", "precision", "recall", "f1_score")


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
