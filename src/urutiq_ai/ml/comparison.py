"""Comparing a baseline model with a challenger ("current"): the statistics of A/B experiments.

Pure functions on arrays; every statistic scipy or scikit-learn computes is taken from them.

* :func:`paired_bootstrap` -- offline: both models scored on the same holdout rows. Rows are
  resampled with replacement (the same rows for both models) by ``scipy.stats.bootstrap``
  (``paired=True``, percentile interval) and each replicate gives
  ``metric(current) - metric(baseline)``. Its two-sided p-value is
  ``2 * min(share of replicates <= 0, share >= 0)``, capped at 1.
* :func:`unpaired_bootstrap` -- online regression: the two arms saw different rows; the
  difference of the arms' mean (or median) absolute errors, two independent samples.
* :func:`two_proportion_test` -- online classification: the correctness rates of the arms,
  the pooled two-sided z-test (:mod:`urutiq_ai.ml.proportions`) and a Wald interval.
* :func:`required_sample_size` -- rows per arm for the two-proportion test to reach a power.
* :func:`parse_success_metrics` and :func:`judge` -- an experiment's success criteria
  (improvement targets and guards) and the verdict on a set of comparisons.

Metrics (:data:`METRICS`): ``accuracy``, ``precision``, ``recall``, ``f1Score`` (macro
averages, ``zero_division=0``) for classification; ``mae``, ``rmse``, ``r2`` for regression.
A comparison's ``improvement`` is its difference oriented so that positive is better
(``-difference`` for mae and rmse, where lower is better).

Speed: the default (``fast=True``) bootstrap scores a whole batch of replicates per
scikit-learn call instead of one call per replicate (which costs about 3.5 ms per call for
a macro F1 of 5,000 rows, some 7 s for 1,000 replicates of two models): regression metrics
through ``multioutput="raw_values"`` with one output per replicate; precision, recall and F1
through one ``precision_recall_fscore_support(average=None)`` call on per-replicate
(truth, prediction) counts whose labels are offset by replicate, the macro average being the
mean over the labels present in the replicate as scikit-learn's is; accuracy as the mean of
the row hits. The row resamples are the very ones of the per-replicate path
(``fast=False``), so both give the same interval. Measured on a 2-core machine, 1,000
replicates of 5,000 rows with 5 labels take 0.2-0.4 s for f1Score (about 8 s with
``fast=False``); thousands of labels make either path slow (about 20 s with 3,000 labels).
"""

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Annotated, Any

import numpy as np
from numpy.typing import NDArray
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError
from scipy import stats
from sklearn import metrics as skm

from urutiq_ai.core.errors import pydantic_fields
from urutiq_ai.core.naming import to_camel
from urutiq_ai.ml.proportions import pooled_z

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

STATISTICS = ("mean", "median")
"""What :func:`unpaired_bootstrap` compares between the arms."""

DEFAULT_MAX_DEGRADATION = 0.01
"""A guard's allowed worsening when ``{"guard": true}`` names none."""

BATCH_CELLS = 2_000_000
"""Resampled cells (replicates x rows) per bootstrap batch: bounds the memory."""

STATUSES = ("met", "not_met", "inconclusive")
VERDICTS = ("passed", "failed", "inconclusive")
_PRF_INDEX = {"precision": 0, "recall": 1, "f1Score": 2}

Array = NDArray[Any]


# --- metrics -------------------------------------------------------------------------------


def _check_metric(metric: str) -> str:
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; supported: {', '.join(METRICS)}")
    return metric


def higher_is_better(metric: str) -> bool:
    """True when a higher ``metric`` is better (all but mae and rmse)."""
    return METRICS[_check_metric(metric)]


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
    return _SCORERS[_check_metric(metric)](y_true, y_pred)


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


@dataclass(frozen=True)
class ProportionTest:
    """Two correctness rates: ``difference`` is ``p_b - p_a``; pooled z-test, Wald interval."""

    p_a: float
    p_b: float
    difference: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float
    confidence: float
    n_a: int
    n_b: int
    successes_a: int
    successes_b: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, camelCase keys."""
        return {
            "pA": self.p_a,
            "pB": self.p_b,
            "difference": self.difference,
            "z": self.z,
            "pValue": self.p_value,
            "ciLow": self.ci_low,
            "ciHigh": self.ci_high,
            "confidence": self.confidence,
            "nA": self.n_a,
            "nB": self.n_b,
            "successesA": self.successes_a,
            "successesB": self.successes_b,
        }


# --- checks --------------------------------------------------------------------------------


def check_confidence(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    return float(confidence)


def _check_resamples(n_resamples: int) -> int:
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 1:
        raise ValueError(f"n_resamples must be a positive integer, got {n_resamples!r}")
    return n_resamples


def vector(values: Any, name: str) -> Array:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    return array


def _numbers(values: Any, name: str) -> Array:
    try:
        array = vector(values, name).astype(float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numbers: {exc}") from exc
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must be finite numbers")
    return array


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
        t, b, c = (_numbers(v, name) for v, name in zip(arrays, names, strict=True))
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
    _check_metric(metric)
    confidence = check_confidence(confidence)
    n_resamples = _check_resamples(n_resamples)
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
    _check_metric(metric)
    confidence = check_confidence(confidence)
    n_resamples = _check_resamples(n_resamples)
    if statistic not in STATISTICS:
        raise ValueError(f"unknown statistic {statistic!r}; supported: {', '.join(STATISTICS)}")
    a, b = _numbers(values_a, "values_a"), _numbers(values_b, "values_b")
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


# --- proportions ---------------------------------------------------------------------------


def _check_counts(successes: int, n: int, arm: str) -> None:
    for value in (successes, n):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise ValueError(f"arm {arm}: counts must be integers, got {value!r}")
    if n < 1 or not 0 <= successes <= n:
        raise ValueError(f"arm {arm}: need n >= 1 and 0 <= successes <= n, got {successes}/{n}")


def two_proportion_test(
    successes_a: int, n_a: int, successes_b: int, n_b: int, *, confidence: float = 0.95
) -> ProportionTest:
    """Two-sided pooled z-test of ``p_b - p_a`` and its Wald interval.

    z and the p-value are :func:`~urutiq_ai.ml.proportions.pooled_z`'s (the same test as
    a chi-square on the 2x2 table without continuity correction). With no variation at all
    (every row a success, or none) z is 0 and the p-value 1.
    The Wald interval is ``diff +- z_(1-alpha/2) * sqrt(p_a q_a / n_a + p_b q_b / n_b)``.
    """
    confidence = check_confidence(confidence)
    _check_counts(successes_a, n_a, "a")
    _check_counts(successes_b, n_b, "b")
    p_a, p_b = successes_a / n_a, successes_b / n_b
    difference = p_b - p_a
    z_value, p = pooled_z(successes_a, n_a, successes_b, n_b)
    z, p_value = float(z_value), float(p)
    margin = float(stats.norm.ppf(0.5 + confidence / 2)) * math.sqrt(
        p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b
    )
    return ProportionTest(
        p_a=p_a,
        p_b=p_b,
        difference=difference,
        z=z,
        p_value=p_value,
        ci_low=difference - margin,
        ci_high=difference + margin,
        confidence=confidence,
        n_a=n_a,
        n_b=n_b,
        successes_a=successes_a,
        successes_b=successes_b,
    )


def required_sample_size(
    p_baseline: float, min_detectable_difference: float, *, alpha: float = 0.05, power: float = 0.8
) -> int:
    """Rows per arm for a two-sided two-proportion z-test to detect a rise of
    ``min_detectable_difference`` over ``p_baseline`` with the given ``power``.

    With ``p1 = p_baseline``, ``p2 = p1 + d``, ``pbar = (p1 + p2) / 2`` (pooled variance under
    H0, unpooled under H1) and ``z_q = scipy.stats.norm.ppf(q)``::

        n = ceil((z_(1-alpha/2) * sqrt(2 pbar (1-pbar))
                  + z_power * sqrt(p1 (1-p1) + p2 (1-p2)))^2 / d^2)
    """
    p1, d = float(p_baseline), float(min_detectable_difference)
    if not 0.0 < p1 < 1.0:
        raise ValueError(f"p_baseline must lie strictly between 0 and 1, got {p_baseline!r}")
    if not d > 0.0:
        raise ValueError(f"min_detectable_difference must be positive, got {d!r}")
    p2 = p1 + d
    if not p2 < 1.0:
        raise ValueError(f"p_baseline + min_detectable_difference must be below 1, got {p2!r}")
    for name, value in (("alpha", alpha), ("power", power)):
        if not 0.0 < value < 1.0:
            raise ValueError(f"{name} must lie strictly between 0 and 1, got {value!r}")
    pbar = (p1 + p2) / 2
    z_alpha = float(stats.norm.ppf(1 - alpha / 2))
    z_power = float(stats.norm.ppf(power))
    root = z_alpha * math.sqrt(2 * pbar * (1 - pbar)) + z_power * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    return math.ceil(root**2 / d**2 - 1e-9)


# --- success criteria ----------------------------------------------------------------------


class CriteriaError(ValueError):
    """Success criteria that cannot be used; ``errors`` holds one ``(path, reason)`` pair per
    problem, e.g. ``("successMetrics.0.metric", "is required")``."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{path}: {reason}" for path, reason in self.errors))


CRITERION_KEYS = ("metric", "minImprovement", "maxDegradation", "guard")


@dataclass(frozen=True)
class SuccessMetric:
    """One success criterion: an improvement target (``min_improvement`` set: current must
    beat baseline by at least that much, oriented so that positive is better) or a guard
    (``max_degradation`` set: current must not be worse by more than that)."""

    metric: str
    min_improvement: float | None = None
    max_degradation: float | None = None

    @property
    def is_guard(self) -> bool:
        """True for a guard, False for an improvement target."""
        return self.max_degradation is not None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, camelCase keys (the form :func:`parse_success_metrics` reads)."""
        if self.is_guard:
            return {"metric": self.metric, "maxDegradation": self.max_degradation}
        return {"metric": self.metric, "minImprovement": self.min_improvement}


def _not_negative(value: float) -> float:
    if value < 0:
        raise ValueError(f"must not be negative, got {value!r}")
    return value


_Amount = Annotated[float, Field(strict=True), AfterValidator(_not_negative)]
"""A finite number >= 0 (an int is taken as a float; a bool or a text is refused)."""


class _Criterion(BaseModel):
    """One success criterion as written: the camelCase keys :data:`CRITERION_KEYS`, nothing
    else; a target (``minImprovement``) or a guard (``maxDegradation`` or ``guard: true``)."""

    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", allow_inf_nan=False)

    metric: str
    min_improvement: _Amount | None = None
    max_degradation: _Amount | None = None
    guard: StrictBool | None = None

    @field_validator("metric", mode="before")
    @classmethod
    def _known_metric(cls, value: Any) -> Any:
        if not isinstance(value, str) or value not in METRICS:
            raise ValueError(f"unknown metric {value!r}; use one of {', '.join(METRICS)}")
        return value

    @field_validator("guard")
    @classmethod
    def _guard_matches(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        if (
            value is False
            and info.data.get("max_degradation") is not None
            and info.data.get("min_improvement") is None
        ):
            raise ValueError("is false but maxDegradation makes this a guard")
        return value

    @model_validator(mode="after")
    def _target_or_guard(self) -> "_Criterion":
        has_min, has_max = self.min_improvement is not None, self.max_degradation is not None
        if has_min and (has_max or self.guard is True):
            raise ValueError("give either minImprovement (a target) or maxDegradation (a guard)")
        if not has_min and not has_max and self.guard is not True:
            raise ValueError("give minImprovement (a target), maxDegradation or guard: true")
        return self

    def success_metric(self) -> SuccessMetric:
        max_degradation = self.max_degradation
        if self.min_improvement is None and max_degradation is None:
            max_degradation = DEFAULT_MAX_DEGRADATION
        return SuccessMetric(self.metric, self.min_improvement, max_degradation)


def _parse_criterion(item: Any, path: str, errors: list[tuple[str, str]]) -> SuccessMetric | None:
    if not isinstance(item, Mapping):
        errors.append((path, f"must be an object, got {type(item).__name__}"))
        return None
    try:
        return _Criterion.model_validate(item).success_metric()
    except PydanticValidationError as exc:
        problems = pydantic_fields(exc, prefix=path, allowed=CRITERION_KEYS)
        errors.extend((problem.field, problem.reason) for problem in problems)
        return None


def parse_success_metrics(value: Any, *, path: str = "successMetrics") -> list[SuccessMetric]:
    """Success criteria from one object or a list of objects such as
    ``{"metric": "f1Score", "minImprovement": 0.02}`` (a target) or
    ``{"metric": "accuracy", "maxDegradation": 0.01}`` / ``{"metric": "accuracy",
    "guard": true}`` (a guard; maxDegradation defaults to :data:`DEFAULT_MAX_DEGRADATION`).

    Raises :class:`CriteriaError` listing every problem with its path
    (``successMetrics.0.metric``; ``successMetrics.metric`` for a single object).
    """
    if isinstance(value, Mapping):
        items: list[tuple[str, Any]] = [(path, value)]
    elif isinstance(value, list | tuple):
        items = [(f"{path}.{i}", item) for i, item in enumerate(value)]
    else:
        raise CriteriaError([(path, "must be an object or a list of objects")])
    errors: list[tuple[str, str]] = []
    parsed = [_parse_criterion(item, item_path, errors) for item_path, item in items]
    if errors:
        raise CriteriaError(errors)
    return [criterion for criterion in parsed if criterion is not None]


# --- verdict -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionResult:
    """How one criterion fared: ``met``, ``not_met`` or ``inconclusive``, with a short
    ``headline`` (for the verdict's summary) and a full ``reason`` sentence."""

    criterion: SuccessMetric
    status: str
    headline: str
    reason: str
    improvement: float | None = None
    improvement_ci: tuple[float, float] | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, camelCase keys."""
        return {
            **self.criterion.as_dict(),
            "kind": "guard" if self.criterion.is_guard else "improvement",
            "status": self.status,
            "headline": self.headline,
            "reason": self.reason,
            "improvement": self.improvement,
            "improvementCi": None if self.improvement_ci is None else list(self.improvement_ci),
        }


@dataclass(frozen=True)
class Verdict:
    """``passed`` (every criterion met), ``failed`` (one not met) or ``inconclusive``."""

    status: str
    summary: str
    criteria: tuple[CriterionResult, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, camelCase keys."""
        return {
            "status": self.status,
            "summary": self.summary,
            "criteria": [result.as_dict() for result in self.criteria],
        }


def _evidence(comparison: MetricComparison) -> str:
    low, high = comparison.improvement_ci
    level = f"{comparison.confidence * 100:g}%"
    return f"{comparison.improvement:+.3f} ({level} CI {low:+.3f} to {high:+.3f})"


def _judge_target(criterion: SuccessMetric, comparison: MetricComparison) -> tuple[str, str, str]:
    target = criterion.min_improvement or 0.0
    low, high = comparison.improvement_ci
    metric, evidence = criterion.metric, _evidence(comparison)
    if comparison.improvement >= target and low > 0:
        headline = f"current beats baseline on {metric} by {evidence}"
        return "met", headline, f"{headline}, the target being {target:+.3f}."
    if high < target:
        headline = f"current falls short of the {target:+.3f} target on {metric}"
        return "not_met", headline, f"{headline}: improvement {evidence}."
    headline = f"{metric} target {target:+.3f} undecided"
    reason = f"{headline}: improvement {evidence} neither clears the target nor rules it out."
    return "inconclusive", headline, reason


def _judge_guard(criterion: SuccessMetric, comparison: MetricComparison) -> tuple[str, str, str]:
    allowed = -(criterion.max_degradation or 0.0)
    low, high = comparison.improvement_ci
    metric, evidence = criterion.metric, _evidence(comparison)
    if low >= allowed:
        headline = f"guard {metric} held"
        return "met", headline, f"{headline}: change {evidence}, allowed {allowed:+.3f}."
    if high < allowed:
        headline = f"guard {metric} broken"
        return "not_met", headline, f"{headline}: change {evidence}, allowed {allowed:+.3f}."
    headline = f"guard {metric} undecided"
    reason = f"{headline}: change {evidence} may or may not exceed the allowed {allowed:+.3f}."
    return "inconclusive", headline, reason


def judge_criterion(
    criterion: SuccessMetric, comparisons: Mapping[str, MetricComparison]
) -> CriterionResult:
    """One criterion against the comparison of its metric (inconclusive when there is none).

    A target is met when the improvement reaches ``min_improvement`` and its interval lies
    above 0, not met when the interval lies below ``min_improvement``. A guard is met when
    the interval's low end is at least ``-max_degradation``, not met when its high end is
    below it. Anything else is inconclusive.
    """
    comparison = comparisons.get(criterion.metric)
    if comparison is None:
        headline = f"no comparison for {criterion.metric}"
        return CriterionResult(criterion, "inconclusive", headline, f"{headline} was made.")
    judge_one = _judge_guard if criterion.is_guard else _judge_target
    status, headline, reason = judge_one(criterion, comparison)
    return CriterionResult(
        criterion, status, headline, reason, comparison.improvement, comparison.improvement_ci
    )


def judge(
    comparisons: Mapping[str, MetricComparison], criteria: Sequence[SuccessMetric]
) -> Verdict:
    """The verdict of ``criteria`` on ``comparisons`` (keyed by metric name): ``passed`` when
    every criterion is met, ``failed`` when one is not met, else ``inconclusive`` (so too
    with no criteria at all)."""
    results = tuple(judge_criterion(criterion, comparisons) for criterion in criteria)
    if not results:
        return Verdict("inconclusive", "no success criteria were given.", results)
    statuses = {result.status for result in results}
    if "not_met" in statuses:
        status = "failed"
    elif statuses == {"met"}:
        status = "passed"
    else:
        status = "inconclusive"
    summary = "; ".join(result.headline for result in results) + "."
    return Verdict(status, summary, results)
