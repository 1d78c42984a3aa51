"""Bootstrap comparisons of a baseline model with a challenger ("current").

* :func:`paired_bootstrap` -- offline: both models scored on the same holdout rows. Rows are
  resampled with replacement (the same rows for both models) by ``scipy.stats.bootstrap``
  (``paired=True``, percentile interval) and each replicate gives
  ``metric(current) - metric(baseline)``. Its two-sided p-value is
  ``2 * min(share of replicates <= 0, share >= 0)``, capped at 1.
* :func:`unpaired_bootstrap` -- online: the two arms saw different rows; the difference of
  the arms' mean (or median) per-row values (absolute errors, 0/1 hits), two independent
  samples.

Speed: the default (``fast=True``) bootstrap scores a whole batch of replicates per
scikit-learn call instead of one call per replicate (a few milliseconds each, for two
models and a thousand replicates): regression metrics through ``multioutput="raw_values"``
with one output per replicate; precision, recall and F1 through one
``precision_recall_fscore_support(average=None)`` call on per-replicate (truth, prediction)
counts whose labels are offset by replicate, the macro average being the mean over the
labels present in the replicate as scikit-learn's is; accuracy as the mean of the row hits.
The row resamples are the very ones of the per-replicate path (``fast=False``), so both give
the same interval. Thousands of labels make either path slow. No script under
``benchmarks/`` times the two paths yet.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats
from sklearn import metrics as skm

from urutiq_ai.ml.comparison.checks import (
    Array,
    check_confidence,
    check_resamples,
    finite_numbers,
    vector,
)
from urutiq_ai.ml.comparison.metrics import (
    REGRESSION_METRICS,
    check_metric,
    higher_is_better,
    metric_value,
)

STATISTICS = ("mean", "median")
"""What :func:`unpaired_bootstrap` compares between the arms."""

BATCH_CELLS = 2_000_000
"""Resampled cells (replicates x rows) per bootstrap batch: bounds the memory."""

_PRF_INDEX = {"precision": 0, "recall": 1, "f1Score": 2}


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricComparison:
    """current versus baseline on one metric, with a bootstrap interval of the difference.

    ``difference`` is ``current - baseline`` and ``ci_low``/``ci_high`` bound it;
    ``improvement`` and ``improvement_ci`` are the same oriented so that positive is better.
    ``n`` counts the rows behind the comparison: the shared holdout rows when ``paired``,
    both arms' rows together otherwise (``n_baseline`` + ``n_current``).
    """

    metric: str
    baseline: float
    current: float
    difference: float
    ci_low: float
    ci_high: float
    confidence: float
    p_value: float
    n: int
    higher_is_better: bool
    improvement: float
    improvement_ci: tuple[float, float]
    n_baseline: int
    n_current: int
    paired: bool
    n_resamples: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, camelCase keys."""
        return {
            "metric": self.metric,
            "baseline": self.baseline,
            "current": self.current,
            "difference": self.difference,
            "ciLow": self.ci_low,
            "ciHigh": self.ci_high,
            "confidence": self.confidence,
            "pValue": self.p_value,
            "n": self.n,
            "nBaseline": self.n_baseline,
            "nCurrent": self.n_current,
            "paired": self.paired,
            "nResamples": self.n_resamples,
            "higherIsBetter": self.higher_is_better,
            "improvement": self.improvement,
            "improvementCi": list(self.improvement_ci),
        }


# --- bootstrap shared ----------------------------------------------------------------------


def bootstrap_p_value(replicates: Any) -> float:
    """Two-sided bootstrap p-value of "no difference": ``2 * min(share <= 0, share >= 0)``."""
    values = np.asarray(replicates, dtype=float)
    share = min(float(np.mean(values <= 0)), float(np.mean(values >= 0)))
    return min(1.0, 2.0 * share)


def _oriented(
    difference: float, low: float, high: float, better_high: bool
) -> tuple[float, tuple[float, float]]:
    if better_high:
        return difference, (low, high)
    return -difference, (-high, -low)


def _comparison(
    metric: str,
    values: tuple[float, float],
    result: Any,
    *,
    confidence: float,
    sizes: tuple[int, int],
    paired: bool,
    n_resamples: int,
) -> MetricComparison:
    baseline, current = values
    difference = current - baseline
    low = float(result.confidence_interval.low)
    high = float(result.confidence_interval.high)
    better_high = higher_is_better(metric)
    improvement, improvement_ci = _oriented(difference, low, high, better_high)
    return MetricComparison(
        metric=metric,
        baseline=baseline,
        current=current,
        difference=difference,
        ci_low=low,
        ci_high=high,
        confidence=confidence,
        p_value=bootstrap_p_value(result.bootstrap_distribution),
        n=sizes[0] if paired else sizes[0] + sizes[1],
        higher_is_better=better_high,
        improvement=improvement,
        improvement_ci=improvement_ci,
        n_baseline=sizes[0],
        n_current=sizes[1],
        paired=paired,
        n_resamples=n_resamples,
    )


# --- paired bootstrap ----------------------------------------------------------------------


def _label_codes(*arrays: Array) -> tuple[list[Array], int]:
    """The labels of ``arrays`` as codes 0..k-1 shared by all, and k."""
    try:
        labels, codes = np.unique(np.concatenate(arrays), return_inverse=True)
    except TypeError as exc:
        raise ValueError(f"labels must be of one type: {exc}") from exc
    pieces = np.split(codes.astype(np.int64), np.cumsum([len(a) for a in arrays])[:-1])
    return pieces, max(len(labels), 1)


def _pair_counts(truth: Array, pred: Array, k: int) -> tuple[Array, Array]:
    """The distinct (replicate, truth, prediction) cells of a batch, coded
    ``replicate * k * k + truth * k + prediction``, and how many rows fall in each."""
    reps, n = truth.shape
    cells = (np.arange(reps)[:, None] * (k * k) + truth * k + pred).ravel()
    if k * k > n:  # sparse: fewer rows than possible cells
        codes, counts = np.unique(cells, return_counts=True)
        return codes, counts
    counts = np.bincount(cells)
    codes = np.flatnonzero(counts)
    return codes, counts[codes]


def _stacked_macro(metric: str, truth: Array, pred: Array, k: int) -> Array:
    """Macro precision/recall/F1 of each row (replicate) of ``truth``/``pred`` (codes < k).

    One scikit-learn call scores every replicate's classes: the (truth, prediction) pairs of
    replicate r are counted (sample weights) and their labels offset by ``r * k``; the macro
    average of a replicate is the mean over the labels it holds, as scikit-learn's is."""
    codes, counts = _pair_counts(truth, pred, k)
    replicate, cell = np.divmod(codes, k * k)
    y_true, y_pred = replicate * k + cell // k, replicate * k + cell % k
    labels = np.union1d(y_true, y_pred)
    scores = skm.precision_recall_fscore_support(
        y_true,
        y_pred,
        labels=labels,
        average=None,
        sample_weight=counts,
        zero_division=0,
    )[_PRF_INDEX[metric]]
    owner = labels // k
    reps = truth.shape[0]
    total = np.bincount(owner, weights=scores, minlength=reps)
    return np.asarray(total / np.bincount(owner, minlength=reps))


def _batch_scores(metric: str, truth: Array, pred: Array, k: int) -> Array:
    """``metric`` of each row (replicate) of ``truth``/``pred``, several per library call."""
    if metric in _PRF_INDEX:
        return _stacked_macro(metric, truth, pred, k)
    if metric == "accuracy":
        return np.asarray(np.mean(truth == pred, axis=-1))
    regression = {
        "mae": skm.mean_absolute_error,
        "rmse": skm.root_mean_squared_error,
        "r2": skm.r2_score,
    }[metric]
    return np.asarray(regression(truth.T, pred.T, multioutput="raw_values"))


def _fast_statistic(metric: str, k: int) -> Callable[..., Array]:
    def statistic(truth: Array, base: Array, cur: Array, axis: int = -1) -> Array:
        del axis  # scipy resamples along the last axis, the one scored
        shape = truth.shape[:-1]
        t, b, c = (np.reshape(a, (-1, a.shape[-1])) for a in (truth, base, cur))
        diff = _batch_scores(metric, t, c, k) - _batch_scores(metric, t, b, k)
        return diff.reshape(shape)

    return statistic


def _slow_statistic(metric: str) -> Callable[[Array, Array, Array], float]:
    def statistic(truth: Array, base: Array, cur: Array) -> float:
        return metric_value(metric, truth, cur) - metric_value(metric, truth, base)

    return statistic


def _paired_arrays(metric: str, arrays: Sequence[Any]) -> tuple[tuple[Array, Array, Array], int]:
    """The bootstrap's data: numbers for regression, shared label codes for classification,
    with the number of labels."""
    names = ("y_true", "baseline_pred", "current_pred")
    if metric in REGRESSION_METRICS:
        t, b, c = (finite_numbers(v, name) for v, name in zip(arrays, names, strict=True))
        return (t, b, c), 1
    codes, k = _label_codes(*(vector(v, name) for v, name in zip(arrays, names, strict=True)))
    return (codes[0], codes[1], codes[2]), k


def paired_bootstrap(
    y_true: Any,
    baseline_pred: Any,
    current_pred: Any,
    *,
    metric: str,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    fast: bool = True,
) -> MetricComparison:
    """Compare two models scored on the same holdout rows with a paired bootstrap.

    Each replicate resamples the row indices (the same rows for both models) and gives
    ``metric(current) - metric(baseline)``; ``scipy.stats.bootstrap`` (``paired=True``,
    percentile method) draws them from ``numpy.random.default_rng(seed)``, so a seed gives
    the same result. ``fast=False`` scores each replicate with its own scikit-learn call
    (same resamples, same interval, much slower). Needs at least two rows and equal lengths.
    """
    check_metric(metric)
    confidence = check_confidence(confidence)
    n_resamples = check_resamples(n_resamples)
    lengths = {len(y_true), len(baseline_pred), len(current_pred)}
    if len(lengths) != 1:
        raise ValueError(
            "y_true, baseline_pred and current_pred must have the same length, got "
            f"{len(y_true)}, {len(baseline_pred)} and {len(current_pred)}"
        )
    n = lengths.pop()
    if n < 2:
        raise ValueError(f"a paired bootstrap needs at least 2 rows, got {n}")
    data, k = _paired_arrays(metric, (y_true, baseline_pred, current_pred))
    values = (
        metric_value(metric, y_true, baseline_pred),
        metric_value(metric, y_true, current_pred),
    )
    statistic = _fast_statistic(metric, k) if fast else _slow_statistic(metric)
    result = stats.bootstrap(
        data,
        statistic,
        n_resamples=n_resamples,
        batch=max(1, min(n_resamples, BATCH_CELLS // n)),
        vectorized=fast,
        paired=True,
        confidence_level=confidence,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return _comparison(
        metric,
        values,
        result,
        confidence=confidence,
        sizes=(n, n),
        paired=True,
        n_resamples=n_resamples,
    )


# --- unpaired bootstrap --------------------------------------------------------------------


def unpaired_bootstrap(
    values_a: Any,
    values_b: Any,
    *,
    statistic: str = "mean",
    metric: str = "mae",
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> MetricComparison:
    """Compare two arms that saw different rows: ``statistic(b) - statistic(a)``.

    ``values_a`` (baseline) and ``values_b`` (current) are per-row values, typically the
    absolute errors of each arm (``metric="mae"``, lower is better; 0/1 hits with
    ``metric="accuracy"`` also work); ``metric`` names the result and gives its direction.
    ``scipy.stats.bootstrap`` resamples the two samples independently (percentile method).
    Each arm needs at least two finite values.
    """
    check_metric(metric)
    confidence = check_confidence(confidence)
    n_resamples = check_resamples(n_resamples)
    if statistic not in STATISTICS:
        raise ValueError(f"unknown statistic {statistic!r}; supported: {', '.join(STATISTICS)}")
    a, b = finite_numbers(values_a, "values_a"), finite_numbers(values_b, "values_b")
    if len(a) < 2 or len(b) < 2:
        raise ValueError(f"each arm needs at least 2 values, got {len(a)} and {len(b)}")
    reduce = np.mean if statistic == "mean" else np.median

    def difference(x: Array, y: Array, axis: int = -1) -> Array:
        return np.asarray(reduce(y, axis=axis) - reduce(x, axis=axis))

    result = stats.bootstrap(
        (a, b),
        difference,
        n_resamples=n_resamples,
        batch=max(1, min(n_resamples, BATCH_CELLS // max(len(a), len(b)))),
        vectorized=True,
        paired=False,
        confidence_level=confidence,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return _comparison(
        metric,
        (float(reduce(a)), float(reduce(b))),
        result,
        confidence=confidence,
        sizes=(len(a), len(b)),
        paired=False,
        n_resamples=n_resamples,
    )
