"""A model's live performance per calendar window, from predictions with known outcomes.

Windows are calendar-aligned in UTC: a day starts at 00:00, a week on Monday 00:00 (ISO
weeks), a month on its first day. Each window with at least one outcome gets:

* classification: ``accuracy``; ``precision``, ``recall`` and ``f1`` macro-averaged over the
  labels seen in the window (scikit-learn, ``zero_division=0``);
* anomaly detection: ``accuracy``; ``precision``, ``recall`` and ``f1`` of the anomaly class
  (labels read as anomaly flags: ``true``, ``1``, ``"yes"``, ``"fraud"``... are anomalies);
* regression: ``mae`` and ``rmse``;
* every model type: ``latency``, the median serving time in milliseconds of the window's
  predictions (each row logged with the time of the call that scored it: checks and
  scoring, not the network), whether or not they have outcomes yet.

Labels are compared as text (``True``/``"true"``/``"True"`` agree, and so do ``1``,
``1.0`` and ``"1"``), as when a prediction's ``isCorrect`` is set.

**Trend** against the previous window's value: ``stable`` while the change is within
``TREND_TOLERANCE`` (2%) of the previous value (25% for latency, which jitters with the
machine's load); otherwise ``improving`` or ``declining`` depending on the metric's
direction (a higher accuracy, a lower MAE or latency is improving).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    mean_absolute_error,
    precision_recall_fscore_support,
    root_mean_squared_error,
)

from urutiq_ai.ml import metrics as ml_metrics
from urutiq_ai.ml.errors import MLError
from urutiq_ai.ml.labels import outcome_label

WINDOWS = ("daily", "weekly", "monthly")
CLASSIFICATION_METRICS = ("accuracy", "precision", "recall", "f1")
REGRESSION_METRICS = ("mae", "rmse")
LOWER_IS_BETTER = frozenset({"mae", "rmse", "latency"})
TREND_TOLERANCE = 0.02
LATENCY_TOLERANCE = 0.25
FLOAT_SLACK = 1e-12
ANOMALY = "true"
CLASSIFICATION_KEYS = {
    "accuracy": "accuracy",
    "precision": "precision",
    "recall": "recall",
    "f1": "f1Score",
}
"""Our metric names -> :func:`urutiq_ai.ml.metrics.classification_metrics`'s (macro)."""


@dataclass(frozen=True)
class Outcome:
    """One prediction with its known outcome."""

    at: datetime
    predicted: Any
    actual: Any


@dataclass(frozen=True)
class WindowMetrics:
    """The metrics of one calendar window and how many outcomes they rest on."""

    start: datetime
    count: int
    values: dict[str, float]


def window_start(moment: datetime, window: str) -> datetime:
    """The UTC start of the calendar ``window`` (daily, weekly, monthly) holding ``moment``."""
    at = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    if window == "daily":
        return day
    if window == "weekly":
        return day - timedelta(days=day.weekday())
    if window == "monthly":
        return day.replace(day=1)
    raise MLError(f"unknown time window {window!r}; use one of {', '.join(WINDOWS)}")


def next_window_start(start: datetime, window: str) -> datetime:
    """The start of the window after the one holding ``start``."""
    current = window_start(start, window)
    if window == "daily":
        return current + timedelta(days=1)
    if window == "weekly":
        return current + timedelta(weeks=1)
    return (current.replace(day=28) + timedelta(days=4)).replace(day=1)


def widen(start: datetime | None, end: datetime | None, window: str) -> tuple[Any, Any]:
    """``[start, end)`` widened to whole windows (None stays open), so that a window is
    always computed from all its outcomes."""
    wide_start = window_start(start, window) if start is not None else None
    wide_end = None
    if end is not None:
        aligned = window_start(end, window)
        at = end.astimezone(UTC) if end.tzinfo else end.replace(tzinfo=UTC)
        wide_end = aligned if aligned == at else next_window_start(end, window)
    return wide_start, wide_end


def previous_window_start(start: datetime, window: str) -> datetime:
    """The start of the window just before the one starting at ``start``."""
    return window_start(start - timedelta(microseconds=1), window)


def metrics_by_window(
    outcomes: Iterable[Outcome], *, kind: str, window: str
) -> list[WindowMetrics]:
    """Group ``outcomes`` by calendar window and compute ``kind``'s metrics for each.

    ``kind`` is ``classification``, ``anomaly_detection`` or ``regression``. Windows come
    back oldest first; a regression outcome that is not a number raises :class:`MLError`.
    """
    groups: dict[datetime, list[Outcome]] = {}
    for item in outcomes:
        groups.setdefault(window_start(item.at, window), []).append(item)
    return [
        WindowMetrics(start, len(items), _metrics(items, kind))
        for start, items in sorted(groups.items())
    ]


def with_latency(
    windows: list[WindowMetrics], served: Iterable[tuple[datetime, float]], *, window: str
) -> list[WindowMetrics]:
    """``windows`` with each window's median serving ``latency`` (ms) added; windows that
    have predictions but no outcomes yet get a latency-only entry (count 0)."""
    groups: dict[datetime, list[float]] = {}
    for at, milliseconds in served:
        groups.setdefault(window_start(at, window), []).append(milliseconds)
    by_start = {w.start: w for w in windows}
    for start, values in groups.items():
        median = float(np.median(values))
        if start in by_start:
            by_start[start].values["latency"] = median
        else:
            by_start[start] = WindowMetrics(start, 0, {"latency": median})
    return [by_start[start] for start in sorted(by_start)]


def _metrics(items: Sequence[Outcome], kind: str) -> dict[str, float]:
    if kind == "regression":
        return regression_metrics([i.predicted for i in items], [i.actual for i in items])
    if kind in ("classification", "anomaly_detection"):
        predicted, actual = [i.predicted for i in items], [i.actual for i in items]
        return classification_metrics(predicted, actual, anomaly=kind != "classification")
    raise MLError(f"no outcome metrics for {kind!r} models")


def classification_metrics(
    predicted: Sequence[Any], actual: Sequence[Any], *, anomaly: bool = False
) -> dict[str, float]:
    """accuracy, precision, recall, f1 (macro; of the anomaly class for anomaly models)."""
    y_pred = [outcome_label(v, anomaly=anomaly) or "" for v in predicted]
    y_true = [outcome_label(v, anomaly=anomaly) or "" for v in actual]
    if not anomaly:
        scores = ml_metrics.classification_metrics(y_true, y_pred)
        return {key: scores[name] for key, name in CLASSIFICATION_KEYS.items()}
    precision, recall, f1, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=[ANOMALY], average="macro", zero_division=0
    )
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
    }


def regression_metrics(predicted: Sequence[Any], actual: Sequence[Any]) -> dict[str, float]:
    """Mean absolute error and root mean squared error (scikit-learn's)."""
    try:
        y_pred = np.asarray(predicted, dtype=float)
        y_true = np.asarray(actual, dtype=float)
    except (TypeError, ValueError) as exc:
        raise MLError(f"regression outcomes must be numbers: {exc}") from exc
    if np.isnan(y_pred).any() or np.isnan(y_true).any():
        raise MLError("regression outcomes must be numbers: a value is missing")
    return {
        "mae": float(mean_absolute_error(y_true, y_pred)),
        "rmse": float(root_mean_squared_error(y_true, y_pred)),
    }


def trend(metric: str, value: float, previous: float | None) -> str | None:
    """improving / declining / stable against ``previous`` (None when there is none)."""
    if previous is None:
        return None
    change = value - previous
    tolerance = LATENCY_TOLERANCE if metric == "latency" else TREND_TOLERANCE
    # a hair of slack: 0.918 - 0.9 is 0.018000000000000016 in floats, and 2% is stable
    if abs(change) <= tolerance * abs(previous) + FLOAT_SLACK:
        return "stable"
    better = change < 0 if metric in LOWER_IS_BETTER else change > 0
    return "improving" if better else "declining"
