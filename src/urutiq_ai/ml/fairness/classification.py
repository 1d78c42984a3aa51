"""Group fairness of a classifier's predictions (:func:`classification_fairness`).

Per group: size, accuracy and, for a binary outcome, selection rate, false- and true-positive
rate and the selection rate relative to the overall rate. Headline metrics
(:data:`CLASSIFICATION_METRICS`): ``demographicParityDifference``,
``demographicParityRatio`` (min/max of the group selection rates),
``demographicParityRatioToOverall`` (fairlearn's ``ratio(method="to_overall")``),
``equalizedOddsDifference`` and ``accuracyDifference`` (``MetricFrame.difference()`` of the
group accuracies). Every figure is fairlearn's (``MetricFrame``,
``demographic_parity_difference``, ``demographic_parity_ratio``,
``equalized_odds_difference``), every per-group score fairlearn's or scikit-learn's.

Nearly all of a report's time is fairlearn's point figures (each ``MetricFrame`` stacks its
inputs row by row), little of it the bootstrap: ``benchmarks/fairness_bootstrap.py`` times
both (docs/benchmarks.md, "The fairness bootstrap").
"""

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import (  # type: ignore[import-untyped]
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score

from urutiq_ai.ml.comparison.checks import Array
from urutiq_ai.ml.fairness.bootstrap import classification_replicates
from urutiq_ai.ml.fairness.inputs import (
    checked_inputs,
    column_name,
    group_names,
    judged_rows,
    no_missing_labels,
    resolve_positive,
)
from urutiq_ai.ml.fairness.report import (
    build_report,
    extremes,
    judge_band,
    judge_max,
    too_few_groups,
)
from urutiq_ai.ml.fairness.results import FairnessReport, Figure, GroupStats, Sample
from urutiq_ai.ml.fairness.settings import (
    DEFAULT_THRESHOLDS,
    FairnessSettings,
    FairnessThresholds,
)

CLASSIFICATION_METRICS = (
    "demographicParityRatio",
    "demographicParityRatioToOverall",
    "demographicParityDifference",
    "equalizedOddsDifference",
    "accuracyDifference",
)


def classification_fairness(
    y_true: Any,
    y_pred: Any,
    sensitive: Any,
    *,
    positive_label: Any = None,
    thresholds: FairnessThresholds = DEFAULT_THRESHOLDS,
    n_resamples: int = 500,
    confidence: float = 0.95,
    seed: int = 0,
    sensitive_column: str | None = None,
) -> FairnessReport:
    """Group fairness of a classifier's predictions over the ``sensitive`` column.

    ``positive_label`` picks the binary outcome (see :mod:`urutiq_ai.ml.fairness.inputs` for
    the default); ``n_resamples`` bootstrap replicates (0: no intervals) give percentile
    intervals at ``confidence``, the same for the same ``seed``. ``sensitive_column`` names
    the column in the report (default: the Series' name, else ``"sensitive"``).

    Raises ValueError for inputs of different lengths, no rows, missing labels or a
    ``positive_label`` found in neither ``y_true`` nor ``y_pred``.
    """
    settings = FairnessSettings(thresholds, confidence, n_resamples, seed)
    column = column_name(sensitive, sensitive_column)
    y_true, y_pred, raw = checked_inputs(y_true, y_pred, sensitive)
    no_missing_labels(y_true, "y_true")
    no_missing_labels(y_pred, "y_pred")
    names = group_names(raw)
    positive = resolve_positive(y_true, y_pred, positive_label)
    rows = _Rows(names, y_true, y_pred, *_outcome(y_true, y_pred, positive))
    mask, judged_names = judged_rows(names, thresholds.min_group_size)
    overall_rate = float(rows.pred[mask].mean()) if rows.pred is not None else math.nan
    frames = _frames(rows)
    groups, frame = _groups(names, frames, judged_names, overall_rate)
    sample = Sample(
        task="classification",
        column=column,
        n=len(names),
        n_judged=int(mask.sum()),
        n_groups=len(groups),
        n_judged_groups=len(judged_names),
        positive_label=positive,
        overall_rate=overall_rate,
    )
    if len(groups) < 2:
        return too_few_groups(sample, groups, settings)
    judged = rows.only(mask)
    figures = _figures(judged, frame, thresholds, frames if mask.all() else None)
    return build_report(
        figures,
        _replicates(judged, settings),
        CLASSIFICATION_METRICS,
        frame,
        groups,
        sample=sample,
        settings=settings,
    )


@dataclass(frozen=True)
class _Rows:
    """Rows of a classifier's report: their group names, labels as given and, for a binary
    outcome, truth and prediction as 0/1 (``label == positive``; None for multiclass)."""

    names: Array
    y_true: Array
    y_pred: Array
    truth: Array | None
    pred: Array | None

    def only(self, mask: Array) -> "_Rows":
        """The rows where ``mask`` holds."""
        truth = self.truth[mask] if self.truth is not None else None
        pred = self.pred[mask] if self.pred is not None else None
        return _Rows(self.names[mask], self.y_true[mask], self.y_pred[mask], truth, pred)


def _outcome(y_true: Array, y_pred: Array, positive: Any) -> tuple[Array | None, Array | None]:
    """Truth and prediction as 0/1 for the ``positive`` label (None, None: multiclass)."""
    if positive is None:
        return None, None
    truth = np.asarray(y_true == positive, dtype=np.int64)
    return truth, np.asarray(y_pred == positive, dtype=np.int64)


def _replicates(rows: _Rows, settings: FairnessSettings) -> dict[str, Array]:
    """Each headline metric of each bootstrap replicate of ``rows`` (none without resamples)."""
    if not settings.n_resamples:
        return {}
    labels, codes = np.unique(rows.names, return_inverse=True)
    return classification_replicates(
        codes.astype(np.int64),
        len(labels),
        rows.truth,
        rows.pred,
        np.asarray(rows.y_true == rows.y_pred),
        settings.n_resamples,
        settings.seed,
    )


def _figures(
    rows: _Rows,
    frame: pd.DataFrame,
    thresholds: FairnessThresholds,
    frames: tuple[Any, Any] | None,
) -> dict[str, Figure]:
    """Each headline metric judged, from fairlearn on ``rows`` (those of the judged groups);
    ``frame`` holds the groups' scores and ``frames`` the MetricFrames of all rows when these
    are all the rows (else None)."""
    frame = frame.loc[sorted(set(rows.names.tolist()))]
    accuracy, rates = frames or _frames(rows)
    value = float(accuracy.difference()["accuracy"])
    limit = thresholds.max_accuracy_difference
    out = {
        "accuracyDifference": Figure(
            value, limit, judge_max(value, limit), extremes(frame["accuracy"])
        )
    }
    if rows.truth is None or rows.pred is None:
        return out
    out.update(_rate_figures(rows.names, rows.truth, rows.pred, rates, frame, thresholds))
    return out


def _rate_figures(
    names: Array,
    truth: Array,
    pred: Array,
    rates: Any,
    frame: pd.DataFrame,
    thresholds: FairnessThresholds,
) -> dict[str, Figure]:
    """The binary outcome's figures: demographic parity (difference, ratio, ratio to the
    overall rate) and the equalized odds difference."""
    band = thresholds.ratio_band
    rate_groups = extremes(frame["selectionRate"])
    out: dict[str, Figure] = {}
    value = float(demographic_parity_difference(truth, pred, sensitive_features=names))
    limit = thresholds.max_parity_difference
    out["demographicParityDifference"] = Figure(value, limit, judge_max(value, limit), rate_groups)
    value = float(demographic_parity_ratio(truth, pred, sensitive_features=names))
    out["demographicParityRatio"] = Figure(value, band, judge_band(value, band), rate_groups)
    value = float(rates.ratio(method="to_overall")["selectionRate"])
    overall = float(rates.overall["selectionRate"])
    if overall > 0:
        ratios = rates.by_group["selectionRate"] / overall
        outside = [str(g) for g, r in ratios.items() if not band[0] <= r <= band[1]]
        status = "fail" if outside else "pass"
        if not outside:
            outside = [str((ratios.where(ratios <= 1, 1 / ratios)).idxmin())]
    else:
        status, outside = "insufficient", []
    out["demographicParityRatioToOverall"] = Figure(value, band, status, outside)
    value = float(equalized_odds_difference(truth, pred, sensitive_features=names))
    tpr_spread = frame["truePositiveRate"].max() - frame["truePositiveRate"].min()
    fpr_spread = frame["falsePositiveRate"].max() - frame["falsePositiveRate"].min()
    driver = "truePositiveRate" if tpr_spread >= fpr_spread else "falsePositiveRate"
    limit = thresholds.max_equalized_odds_difference
    out["equalizedOddsDifference"] = Figure(
        value, limit, judge_max(value, limit), extremes(frame[driver])
    )
    return out


def _frames(rows: _Rows) -> tuple[Any, Any]:
    """fairlearn's MetricFrames of the group accuracies (of the labels as given) and, for a
    binary outcome, of the group selection, false- and true-positive rates."""
    accuracy = MetricFrame(
        metrics={"accuracy": accuracy_score},
        y_true=rows.y_true,
        y_pred=rows.y_pred,
        sensitive_features=rows.names,
    )
    if rows.truth is None or rows.pred is None:
        return accuracy, None
    rates = MetricFrame(
        metrics={
            "selectionRate": selection_rate,
            "falsePositiveRate": false_positive_rate,
            "truePositiveRate": true_positive_rate,
        },
        y_true=rows.truth,
        y_pred=rows.pred,
        sensitive_features=rows.names,
    )
    return accuracy, rates


def _groups(
    names: Array, frames: tuple[Any, Any], judged: set[str], overall_rate: float
) -> tuple[list[GroupStats], pd.DataFrame]:
    accuracy, rates = frames
    frame = accuracy.by_group
    if rates is not None:
        frame = frame.join(rates.by_group)
        frame["selectionRateRatio"] = (
            frame["selectionRate"] / overall_rate if overall_rate > 0 else np.nan
        )
    sizes = pd.Series(names).value_counts()
    groups = [
        GroupStats(
            name=str(name),
            size=int(sizes[name]),
            judged=str(name) in judged,
            scores={key: float(value) for key, value in row.items()},
        )
        for name, row in frame.iterrows()
    ]
    return groups, frame
