"""The metrics a comparison scores: their names, directions and scikit-learn scorers.

Classification: ``accuracy``, ``precision``, ``recall``, ``f1Score`` (macro averages,
``zero_division=0``); regression: ``mae``, ``rmse``, ``r2``. A comparison's ``improvement``
is its difference oriented so that positive is better (``-difference`` for mae and rmse,
where lower is better).
"""

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from sklearn import metrics as skm

CLASSIFICATION_METRICS = ("accuracy", "precision", "recall", "f1Score")
REGRESSION_METRICS = ("mae", "rmse", "r2")
METRICS: Mapping[str, bool] = MappingProxyType(
    {
        "accuracy": True,
        "precision": True,
        "recall": True,
        "f1Score": True,
        "mae": False,
        "rmse": False,
        "r2": True,
    }
)
"""Supported metric name -> whether a higher value is better."""


def check_metric(metric: str) -> str:
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; supported: {', '.join(METRICS)}")
    return metric


def higher_is_better(metric: str) -> bool:
    """True when a higher ``metric`` is better (all but mae and rmse)."""
    return METRICS[check_metric(metric)]


def _macro(index: int) -> Callable[[Any, Any], float]:
    def score(y_true: Any, y_pred: Any) -> float:
        scores = skm.precision_recall_fscore_support(
            y_true, y_pred, average="macro", zero_division=0
        )
        return float(scores[index])

    return score


_SCORERS: dict[str, Callable[[Any, Any], float]] = {
    "accuracy": lambda t, p: float(skm.accuracy_score(t, p)),
    "precision": _macro(0),
    "recall": _macro(1),
    "f1Score": _macro(2),
    "mae": lambda t, p: float(skm.mean_absolute_error(t, p)),
    "rmse": lambda t, p: float(skm.root_mean_squared_error(t, p)),
    "r2": lambda t, p: float(skm.r2_score(t, p)),
}


def metric_value(metric: str, y_true: Any, y_pred: Any) -> float:
    """``metric`` of ``y_pred`` against ``y_true``, computed by scikit-learn."""
    return _SCORERS[check_metric(metric)](y_true, y_pred)
