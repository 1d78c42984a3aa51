"""Group fairness of a regressor's predictions (:func:`regression_fairness`).

Per group: size, MAE (scikit-learn, through fairlearn's ``MetricFrame``), mean prediction
and mean target. Headline metrics (:data:`REGRESSION_METRICS`): ``errorRatio`` (worst group
MAE / best group MAE, judged against ``max_error_ratio``) and ``maeDifference``
(``MetricFrame.difference()``: reported, not judged, it is in the target's units).
"""

from collections.abc import Callable
from typing import Any

import numpy as np
from fairlearn.metrics import MetricFrame, count  # type: ignore[import-untyped]
from sklearn.metrics import mean_absolute_error

from urutiq_ai.ml.comparison.checks import Array
from urutiq_ai.ml.fairness.bootstrap import error_ratio, regression_replicates
from urutiq_ai.ml.fairness.inputs import (
    checked_inputs,
    column_name,
    group_names,
    judged_rows,
    regression_numbers,
)
from urutiq_ai.ml.fairness.report import build_report, judge_max, too_few_groups
from urutiq_ai.ml.fairness.results import FairnessReport, Figure, GroupStats, Sample
from urutiq_ai.ml.fairness.settings import (
    DEFAULT_THRESHOLDS,
    FairnessSettings,
    FairnessThresholds,
)

REGRESSION_METRICS = ("errorRatio", "maeDifference")


def _mean_prediction(y_true: Any, y_pred: Any) -> float:  # noqa: ARG001 - MetricFrame's API
    return float(np.mean(y_pred))


def _mean_target(y_true: Any, y_pred: Any) -> float:  # noqa: ARG001 - MetricFrame's API
    return float(np.mean(y_true))


def regression_fairness(
    y_true: Any,
    y_pred: Any,
    sensitive: Any,
    *,
    thresholds: FairnessThresholds = DEFAULT_THRESHOLDS,
    n_resamples: int = 500,
    confidence: float = 0.95,
    seed: int = 0,
    sensitive_column: str | None = None,
) -> FairnessReport:
    """Group fairness of a regressor's predictions over the ``sensitive`` column: per-group
    MAE (scikit-learn, through fairlearn's ``MetricFrame``), mean prediction and target;
    the error ratio (worst / best group MAE, judged against ``max_error_ratio``) and the MAE
    difference (``MetricFrame.difference()``, reported only), with bootstrap intervals.

    Raises ValueError for inputs of different lengths, no rows or non-finite numbers.
    """
    settings = FairnessSettings(thresholds, confidence, n_resamples, seed)
    column = column_name(sensitive, sensitive_column)
    raw_true, raw_pred, raw = checked_inputs(y_true, y_pred, sensitive)
    truth = regression_numbers(raw_true, "y_true")
    pred = regression_numbers(raw_pred, "y_pred")
    names = group_names(raw)
    mask, judged_names = judged_rows(names, thresholds.min_group_size)
    groups, frame = _groups(names, truth, pred, judged_names)
    sample = Sample(
        task="regression",
        column=column,
        n=len(names),
        n_judged=int(mask.sum()),
        n_groups=len(groups),
        n_judged_groups=len(judged_names),
    )
    if len(groups) < 2:
        return too_few_groups(sample, groups, settings)

    figures = _figures(names[mask], truth[mask], pred[mask], thresholds)
    return build_report(
        figures,
        _replicates(names[mask], np.abs(truth[mask] - pred[mask]), settings),
        REGRESSION_METRICS,
        frame,
        groups,
        sample=sample,
        settings=settings,
    )


def _groups(
    names: Array, truth: Array, pred: Array, judged: set[str]
) -> tuple[list[GroupStats], Any]:
    """Each group's size and scores (MAE, mean prediction and target) over all rows, and
    fairlearn's frame of them."""
    functions: dict[str, Callable[..., Any]] = {
        "count": count,
        "mae": mean_absolute_error,
        "meanPrediction": _mean_prediction,
        "meanTarget": _mean_target,
    }
    frame = MetricFrame(
        metrics=functions, y_true=truth, y_pred=pred, sensitive_features=names
    ).by_group
    groups = [
        GroupStats(
            name=str(name),
            size=int(row["count"]),
            judged=str(name) in judged,
            scores={key: float(row[key]) for key in frame.columns if key != "count"},
        )
        for name, row in frame.iterrows()
    ]
    return groups, frame


def _figures(
    names: Array, truth: Array, pred: Array, thresholds: FairnessThresholds
) -> dict[str, Figure]:
    """The error ratio (judged) and the MAE difference (reported) of the rows given (those
    of the judged groups), from fairlearn's MetricFrame of the group MAEs."""
    mae = MetricFrame(
        metrics=mean_absolute_error, y_true=truth, y_pred=pred, sensitive_features=names
    )
    worst, best = float(mae.group_max()), float(mae.group_min())
    ratio = float(error_ratio(np.array([worst]), np.array([best]))[0])
    by_mae = mae.by_group
    worst_groups = [str(by_mae.idxmax()), str(by_mae.idxmin())]
    limit = thresholds.max_error_ratio
    return {
        "errorRatio": Figure(ratio, limit, judge_max(ratio, limit), worst_groups),
        "maeDifference": Figure(float(mae.difference()), None, "info", worst_groups),
    }


def _replicates(names: Array, errors: Array, settings: FairnessSettings) -> dict[str, Array]:
    """The error ratio and MAE difference of each bootstrap replicate of the rows of
    ``names`` with absolute ``errors`` (none without resamples)."""
    if not settings.n_resamples:
        return {}
    labels, codes = np.unique(names, return_inverse=True)
    return regression_replicates(
        codes.astype(np.int64), len(labels), errors, settings.n_resamples, settings.seed
    )
