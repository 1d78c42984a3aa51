"""Drift between a reference and a current sample: per column, and for the whole data set.

Pure functions on arrays and DataFrames (no database). Every statistic comes from scipy:

========================  ==========================================  ===========  =========
method                    what is computed                            score        threshold
========================  ==========================================  ===========  =========
``ks``                    ``scipy.stats.ks_2samp(ref, cur)``          p-value      0.05
``chisquare``             ``scipy.stats.chi2_contingency`` on the     p-value      0.05
                          2 x k table of both samples' counts
``z``                     two-proportion Z test (pooled), p from      p-value      0.05
                          ``scipy.stats.norm``
``wasserstein``           ``scipy.stats.wasserstein_distance`` /      distance     0.1
                          reference std (ddof 0, at least 0.001)
``jensenshannon``         ``scipy.spatial.distance.jensenshannon``    distance     0.1
                          of the shares, base 2 (0..1)
``psi``                   sum((c - r) * ln(c / r)) over shares        index        0.1
                          (floored at 0.0001)
========================  ==========================================  ===========  =========

Numeric columns are binned by the reference's deciles for ``jensenshannon`` and ``psi``.

**Default method** (Evidently's rule, applied to the *smaller* sample): a numeric column
with more than 5 distinct reference values uses ``ks`` when either sample has at most 1,000
values and ``wasserstein`` otherwise; other columns are categorical and use ``z`` (two
categories) or ``chisquare`` (more) up to 1,000 values and ``jensenshannon`` above. Any
column can be given another method. Evidently looks at the reference size only; a distance
between a large reference and a small window is inflated by sampling noise alone (a
100-row window of a 46-vendor column scores a Jensen-Shannon distance of ~0.3 against its
own distribution), so small windows get the test, whose p-value accounts for their size.

**Status**: a test is ``detected`` when p < threshold and ``warning`` when
p < 2 x threshold; a distance or index is ``detected`` at >= threshold and ``warning`` at
>= 0.8 x threshold. Two signals can raise the status on their own, whatever the method:

* *unseen categories*: current values absent from the reference (a reference profile's
  ``__other__`` bucket counts as seen). Any share is a ``warning``; 5% or more is
  ``detected``.
* *rare category shift*: a category below 10% of the reference whose share moved by at least
  25% (relative) and whose two-proportion Z test gives p < 0.05 / k (Bonferroni over the
  column's k categories) is ``detected``: a 5% -> 9% change in a rare class is found at any
  sample size large enough to tell it from noise (about 410 rows per side for two
  categories, 540 for five, 870 for 46: the Bonferroni factor), even where a distance stays
  under 0.1 (it does from 1,000 rows up). Below that it is never hidden:
  every column's ``analysis.shiftedCategories`` lists the most moved categories with both
  shares, the relative change and the p-value (at 300 rows, 5% -> 9% has p = 0.055: a
  binary column shows ``warning``).

The data set drifts when at least half of the compared columns are ``detected``.
Text columns are compared on their number of words per value (a model's check: on the
shares of its training words), and reported as kind ``text`` with what was compared
(``compared``: ``text: word count per value``); date columns are skipped (time always
moves). Every result names its statistic (``scoreName``, e.g. ``KS test p-value``) and the
rule its status comes from (``detectedWhen``, e.g. ``p < 0.05``): see
:mod:`urutiq_ai.ml.drift_scores`.

**Small samples** (:func:`compare`, the ad-hoc comparison of two data sets): a data set with
fewer than ``MIN_SAMPLE_SIZE`` (30) rows is refused (:class:`InputError` naming
``reference`` or ``current`` and the count), and a column with fewer non-null values on
either side is not compared: it is listed in ``skipped`` with the reason, never given a
status, and the data-set verdict is taken over the compared columns only. Below 30 values
a test has little power and a distance is mostly sampling noise: a 3-row window against
5,000 rows scored KS p = 0.43 and chi-square p = 0.22 (expected counts far below 5), a
``normal`` that only meant "cannot tell".
"""

import math
import re
from collections.abc import Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

from urutiq_ai.ml.columns import ColumnKind, infer_column_types, to_bool_float
from urutiq_ai.ml.drift_scores import DISTANCE_WARNING_FACTOR, TEST_WARNING_FACTOR, meaning
from urutiq_ai.ml.errors import InputError
from urutiq_ai.ml.labels import category_label, number_label
from urutiq_ai.ml.profile import OTHER as OTHER  # re-exported: drift results name it
from urutiq_ai.ml.profile import WORD
from urutiq_ai.ml.proportions import pooled_z


class Method(StrEnum):
    ks = "ks"
    chisquare = "chisquare"
    z = "z"
    wasserstein = "wasserstein"
    jensenshannon = "jensenshannon"
    psi = "psi"


class Status(StrEnum):
    detected = "detected"
    warning = "warning"
    normal = "normal"


TESTS = frozenset({Method.ks, Method.chisquare, Method.z})
CATEGORICAL_METHODS = frozenset({Method.chisquare, Method.z, Method.jensenshannon, Method.psi})
DEFAULT_THRESHOLDS = {method: (0.05 if method in TESTS else 0.1) for method in Method}
SMALL_SAMPLE = 1000
"""Up to this many reference values, statistical tests; above, distances (Evidently's rule)."""
NUMERIC_MIN_UNIQUE = 6
"""Numeric columns with fewer distinct reference values are compared as categories."""
UNSEEN_DETECTED_SHARE = 0.05
RARE_SHARE = 0.10
RARE_MIN_RELATIVE_CHANGE = 0.25
RARE_ALPHA = 0.05
DATASET_DRIFT_SHARE = 0.5
PSI_FLOOR = 1e-4
WASSERSTEIN_MIN_NORM = 0.001
BINS = 10
MIN_SAMPLE_SIZE = 30
"""Fewest rows of each data set, and non-null values of each side of a column, that
:func:`compare` accepts; a model's drift check refuses smaller windows too."""
WORKERS = 2
"""Columns are prepared and compared on this many threads (numpy and scipy release the GIL)."""
TOP_SHOWN = 5
NUMERIC = "numeric"
CATEGORICAL = "categorical"
TEXT = "text"
WORD_COUNT = "word count per value"
WORD_SHARES = "word shares"


@dataclass(frozen=True)
class ColumnSample:
    """One side of one column: numeric values, or category counts, plus its null count.

    Numeric values are kept sorted (every statistic here is order-free, and sorted input
    makes quantiles, distinct counts and the Wasserstein distance cheap).
    """

    kind: str
    values: np.ndarray | None = None
    counts: Mapping[str, int] | None = None
    nulls: int = 0
    measure: str | None = None
    """What stands for a text column's values (``WORD_COUNT``, ``WORD_SHARES``); None
    when the values are the column's own."""

    def __post_init__(self) -> None:
        values = self.values
        if values is not None and len(values) > 1 and not np.all(values[:-1] <= values[1:]):
            object.__setattr__(self, "values", np.sort(values))

    @property
    def size(self) -> int:
        if self.values is not None:
            return len(self.values)
        return int(sum((self.counts or {}).values()))


@dataclass(frozen=True)
class TestResult:
    """What one method measured: the score the status reads, and the raw statistic."""

    score: float
    statistic: float | None = None


@dataclass
class ColumnDrift:
    """The drift of one column (the content of one AIDriftDetection row)."""

    column: str
    kind: str
    method: Method
    score: float
    threshold: float
    status: Status
    baseline: dict[str, Any]
    current: dict[str, Any]
    analysis: dict[str, Any]
    recommendations: list[str] = field(default_factory=list)
    compared: str = "values"
    """What was compared: ``values``, ``categories``, ``text: word count per value``, ..."""

    def to_dict(self) -> dict[str, Any]:
        score = meaning(self.method.value, self.threshold)
        return {
            "column": self.column,
            "kind": self.kind,
            "compared": self.compared,
            "method": self.method.value,
            "scoreName": score.name,
            "driftScore": self.score,
            "threshold": self.threshold,
            "detectedWhen": score.rule,
            "status": self.status.value,
            "baselineValue": self.baseline,
            "currentValue": self.current,
            "analysis": self.analysis,
            "recommendations": self.recommendations,
        }


@dataclass
class DriftReport:
    """Every compared column, the skipped ones with the reason, and the data-set verdict."""

    columns: list[ColumnDrift]
    skipped: dict[str, str]
    reference_rows: int
    current_rows: int

    @property
    def drifted(self) -> list[str]:
        return [c.column for c in self.columns if c.status is Status.detected]

    @property
    def drift_share(self) -> float:
        return len(self.drifted) / len(self.columns) if self.columns else 0.0

    @property
    def dataset_drift(self) -> bool:
        return bool(self.columns) and self.drift_share >= DATASET_DRIFT_SHARE

    def to_dict(self) -> dict[str, Any]:
        return {
            "datasetDrift": self.dataset_drift,
            "driftShare": self.drift_share,
            "driftShareThreshold": DATASET_DRIFT_SHARE,
            "driftedColumns": self.drifted,
            "referenceRows": self.reference_rows,
            "currentRows": self.current_rows,
            "columns": [column.to_dict() for column in self.columns],
            "skipped": self.skipped,
        }


# -- samples ------------------------------------------------------------------------------


def numeric_sample(values: Any) -> ColumnSample:
    """The non-null values of a column as floats (unparseable and infinite values count as
    nulls)."""
    series = pd.to_numeric(pd.Series(values), errors="coerce")
    present = series.to_numpy(dtype=float)
    kept = np.sort(present[np.isfinite(present)])
    return ColumnSample(NUMERIC, values=kept, nulls=int(len(present) - len(kept)))


def categorical_sample(values: Any) -> ColumnSample:
    """Category counts of a column (values as strings), nulls apart.

    Whole numbers are labelled alike whatever their type (``1`` and ``1.0`` are both
    ``"1"``): a column of codes read with a gap turns into floats.
    """
    series = pd.Series(values)
    present = series.dropna()
    counts = _labels(present).value_counts(sort=False)
    return ColumnSample(
        CATEGORICAL,
        counts={str(k): int(v) for k, v in counts.items()},
        nulls=int(len(series) - len(present)),
    )


def _labels(present: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(present):
        return present.astype(str)
    if pd.api.types.is_integer_dtype(present):
        return present.astype("int64").astype(str)
    if pd.api.types.is_float_dtype(present):
        return present.map(number_label)
    if present.dtype == object and any(isinstance(v, float) for v in present.head(1000)):
        return present.map(category_label)
    return present.astype(str)


def word_count_sample(values: Any) -> ColumnSample:
    """Text as its number of words per value (a numeric sample).

    Words are counted once per distinct text (ledger memos repeat a lot).
    """
    series = pd.Series(values)
    present = series.dropna()
    codes, texts = pd.factorize(present.astype(str))
    words = np.array([len(str(text).split()) for text in texts], dtype=float)
    counts = np.sort(words[codes])
    return ColumnSample(
        NUMERIC, values=counts, nulls=int(len(series) - len(present)), measure=WORD_COUNT
    )


def word_share_sample(values: Any, vocabulary: Collection[str]) -> ColumnSample:
    """Text as counts of the words in ``vocabulary``; every other word counts as ``OTHER``.

    Words are counted once per distinct text, then weighted by how often it occurs.
    """
    series = pd.Series(values)
    present = series.dropna()
    codes, texts = pd.factorize(present.astype(str))
    repeats = np.bincount(codes, minlength=len(texts))
    known = set(vocabulary)
    counts: dict[str, int] = {}
    for text, times in zip(texts, repeats, strict=True):
        for word in re.findall(WORD, str(text).lower()):
            label = word if word in known else OTHER
            counts[label] = counts.get(label, 0) + int(times)
    return ColumnSample(
        CATEGORICAL, counts=counts, nulls=int(len(series) - len(present)), measure=WORD_SHARES
    )


def boolean_sample(values: Any) -> ColumnSample:
    """Booleans (or 0/1, "true"/"false") as the categories "true" and "false"."""
    flags = to_bool_float(pd.Series(values)).to_numpy(dtype=float)
    trues, falses = int((flags == 1.0).sum()), int((flags == 0.0).sum())
    counts = {label: n for label, n in (("true", trues), ("false", falses)) if n}
    return ColumnSample(CATEGORICAL, counts=counts, nulls=int(len(flags) - trues - falses))


def sample_of(values: Any, kind: ColumnKind) -> ColumnSample | None:
    """The sample drift compares for a column of ``kind`` (None: dates are not compared)."""
    if kind is ColumnKind.NUMERIC:
        return numeric_sample(values)
    if kind is ColumnKind.BOOLEAN:
        return boolean_sample(values)
    if kind is ColumnKind.TEXT:
        return word_count_sample(values)
    if kind is ColumnKind.DATETIME:
        return None
    return categorical_sample(values)


# -- the statistics -------------------------------------------------------------------------


def ks(reference: np.ndarray, current: np.ndarray) -> TestResult:
    result = stats.ks_2samp(reference, current)
    return TestResult(float(result.pvalue), float(result.statistic))


def chisquare(reference: np.ndarray, current: np.ndarray) -> TestResult:
    """Chi-square test of independence on the 2 x k table of both samples' counts."""
    table = np.vstack([reference, current]).astype(float)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return TestResult(1.0, 0.0)
    result = stats.chi2_contingency(table)
    return TestResult(float(result.pvalue), float(result.statistic))


def two_proportion_z(hits_ref: float, n_ref: float, hits_cur: float, n_cur: float) -> TestResult:
    """Pooled two-proportion Z test (:func:`~urutiq_ai.ml.proportions.pooled_z`); score is
    the two-sided p-value."""
    z, p = pooled_z(hits_ref, n_ref, hits_cur, n_cur)
    return TestResult(float(p), float(z))


def z_test(reference: np.ndarray, current: np.ndarray) -> TestResult:
    """Z test on the share of the reference's rarest category (of two)."""
    if len(reference) != 2:
        return chisquare(reference, current)
    index = int(np.argmin(reference))
    return two_proportion_z(reference[index], reference.sum(), current[index], current.sum())


def wasserstein(reference: np.ndarray, current: np.ndarray) -> TestResult:
    """Wasserstein-1 distance normed by the reference's std (ddof 0, at least 0.001)."""
    raw = wasserstein_distance(reference, current)
    norm = max(float(np.std(reference)), WASSERSTEIN_MIN_NORM)
    return TestResult(raw / norm, raw)


def wasserstein_distance(u: np.ndarray, v: np.ndarray) -> float:
    """``scipy.stats.wasserstein_distance(u, v)`` (unweighted), computed as scipy does.

    scipy argsorts both samples and gathers them; sorting the values directly gives the
    same sorted arrays, CDFs and dot product (so the same float, tested) in about 40% of
    the time on a million values.
    """
    u_sorted, v_sorted = np.sort(u), np.sort(v)
    values = np.concatenate((u_sorted, v_sorted))
    values.sort(kind="mergesort")
    deltas = np.diff(values)
    u_cdf = u_sorted.searchsorted(values[:-1], "right") / u_sorted.size
    v_cdf = v_sorted.searchsorted(values[:-1], "right") / v_sorted.size
    gaps = np.abs(u_cdf - v_cdf)
    dot = np.vecdot(gaps, deltas) if hasattr(np, "vecdot") else np.sum(gaps * deltas)
    return float(dot)


def jensen_shannon(reference_shares: np.ndarray, current_shares: np.ndarray) -> TestResult:
    value = float(distance.jensenshannon(reference_shares, current_shares, base=2))
    return TestResult(0.0 if math.isnan(value) else value)


def psi(reference_shares: np.ndarray, current_shares: np.ndarray) -> TestResult:
    ref = np.maximum(reference_shares, PSI_FLOOR)
    cur = np.maximum(current_shares, PSI_FLOOR)
    return TestResult(float(np.sum((cur - ref) * np.log(cur / ref))))


# -- one column -----------------------------------------------------------------------------


def default_method(reference: ColumnSample, current: ColumnSample | None = None) -> Method:
    """Evidently's rule on the smaller of the two samples (see the module docstring)."""
    size = reference.size if current is None else min(reference.size, current.size)
    small = size <= SMALL_SAMPLE
    if reference.kind == NUMERIC:
        return Method.ks if small else Method.wasserstein
    categories = len(reference.counts or {})
    if small:
        return Method.z if categories <= 2 else Method.chisquare
    return Method.jensenshannon


def compare_column(
    name: str,
    reference: ColumnSample,
    current: ColumnSample,
    *,
    method: Method | str | None = None,
    threshold: float | None = None,
) -> ColumnDrift:
    """Compare one column; raises :class:`InputError` on an empty side or a wrong method."""
    if reference.size == 0 or current.size == 0:
        side = "reference" if reference.size == 0 else "current"
        raise InputError([(name, f"no non-null values in the {side} data")])
    measure = reference.measure or current.measure
    compared = _compared(reference.kind, measure)
    if reference.kind == NUMERIC and _distinct(reference) < NUMERIC_MIN_UNIQUE:
        reference, current = _as_categories(reference), _as_categories(current)
        compared += " (few distinct: as categories)"
    chosen = Method(method) if method is not None else default_method(reference, current)
    if reference.kind == CATEGORICAL and chosen not in CATEGORICAL_METHODS:
        raise InputError([(name, f"method {chosen.value!r} needs a numeric column")])
    limit = DEFAULT_THRESHOLDS[chosen] if threshold is None else float(threshold)
    if reference.kind == NUMERIC:
        drift = _numeric_drift(name, reference, current, chosen, limit)
    else:
        drift = _categorical_drift(name, reference, current, chosen, limit)
    return _described(drift, compared, text=measure is not None)


def _compared(kind: str, measure: str | None) -> str:
    if measure is not None:
        return f"{TEXT}: {measure}"
    return "values" if kind == NUMERIC else "categories"


def _described(drift: ColumnDrift, compared: str, *, text: bool) -> ColumnDrift:
    """The column's kind as the user knows it (a text column is ``text``, whatever stands
    for it), what was compared, and the statistic's name and rule, in its analysis too."""
    if text:
        drift.kind = TEXT
    drift.compared = compared
    score = meaning(drift.method.value, drift.threshold)
    drift.analysis.update(
        kind=drift.kind,
        compared=compared,
        scoreName=score.name,
        detectedWhen=score.rule,
        warningWhen=score.warning,
    )
    return drift


def _categories_only(sample: ColumnSample) -> bool:
    """Whether the column is compared as categories (see :func:`compare_column`)."""
    if sample.kind == CATEGORICAL:
        return True
    return sample.size > 0 and _distinct(sample) < NUMERIC_MIN_UNIQUE


def _distinct(sample: ColumnSample) -> int:
    """Distinct values of a numeric sample (sorted, see ColumnSample)."""
    values = sample.values
    assert values is not None
    return int(np.count_nonzero(np.diff(values))) + 1 if len(values) else 0


def _as_categories(sample: ColumnSample) -> ColumnSample:
    categories = categorical_sample(sample.values)
    return ColumnSample(
        CATEGORICAL, counts=categories.counts, nulls=sample.nulls, measure=sample.measure
    )


def status_of(method: Method, score: float, threshold: float) -> Status:
    if method in TESTS:
        if score < threshold:
            return Status.detected
        return Status.warning if score < threshold * TEST_WARNING_FACTOR else Status.normal
    if score >= threshold:
        return Status.detected
    warning = round(threshold * DISTANCE_WARNING_FACTOR, 12)  # 0.8 x 0.1 is 0.08, not 0.0800..2
    return Status.warning if score >= warning else Status.normal


def _base_analysis(
    method: Method, result: TestResult, reference: ColumnSample, current: ColumnSample
) -> dict[str, Any]:
    return {
        "method": method.value,
        "scoreKind": "p_value" if method in TESTS else "distance",
        "statistic": result.statistic,
        "referenceSize": reference.size,
        "currentSize": current.size,
        "referenceNullShare": _share(reference.nulls, reference.size + reference.nulls),
        "currentNullShare": _share(current.nulls, current.size + current.nulls),
        "signals": [],
    }


def _share(part: float, whole: float) -> float:
    return float(part) / float(whole) if whole else 0.0


def _numeric_drift(
    name: str, reference: ColumnSample, current: ColumnSample, method: Method, threshold: float
) -> ColumnDrift:
    ref, cur = reference.values, current.values
    assert ref is not None
    assert cur is not None
    edges = _decile_edges(ref)
    ref_shares, cur_shares = _binned_shares(ref, edges), _binned_shares(cur, edges)
    if method is Method.ks:
        result = ks(ref, cur)
    elif method is Method.wasserstein:
        result = wasserstein(ref, cur)
    elif method is Method.jensenshannon:
        result = jensen_shannon(ref_shares, cur_shares)
    elif method is Method.psi:
        result = psi(ref_shares, cur_shares)
    else:
        counts_ref = np.rint(ref_shares * len(ref))
        counts_cur = np.rint(cur_shares * len(cur))
        result = (chisquare if method is Method.chisquare else z_test)(counts_ref, counts_cur)
    analysis = _base_analysis(method, result, reference, current)
    analysis["shiftedBins"] = _shifted_bins(edges, ref_shares, cur_shares)
    status = status_of(method, result.score, threshold)
    drift = ColumnDrift(
        name,
        NUMERIC,
        method,
        result.score,
        threshold,
        status,
        baseline=_numeric_summary(ref, reference.nulls),
        current=_numeric_summary(cur, current.nulls),
        analysis=analysis,
    )
    drift.recommendations = recommendations(drift)
    return drift


def _decile_edges(values: np.ndarray) -> np.ndarray:
    inner = np.unique(np.quantile(values, np.linspace(0.0, 1.0, BINS + 1))[1:-1])
    return np.concatenate([[-np.inf], inner, [np.inf]])


def _binned_shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    positions = np.searchsorted(edges[1:-1], values, side="right")
    counts = np.bincount(positions, minlength=len(edges) - 1).astype(float)
    return counts / counts.sum() if counts.sum() else counts


def _shifted_bins(
    edges: np.ndarray, ref_shares: np.ndarray, cur_shares: np.ndarray
) -> list[dict[str, Any]]:
    order = np.argsort(-np.abs(cur_shares - ref_shares))[:TOP_SHOWN]
    return [
        {
            "from": None if math.isinf(edges[i]) else float(edges[i]),
            "to": None if math.isinf(edges[i + 1]) else float(edges[i + 1]),
            "referenceShare": float(ref_shares[i]),
            "currentShare": float(cur_shares[i]),
        }
        for i in order
        if ref_shares[i] != cur_shares[i]
    ]


def _numeric_summary(values: np.ndarray, nulls: int) -> dict[str, Any]:
    p05, median, p95 = np.quantile(values, [0.05, 0.5, 0.95])
    return {
        "mean": float(values.mean()),
        "std": float(values.std()),
        "median": float(median),
        "p05": float(p05),
        "p95": float(p95),
        "count": len(values),
        "nullShare": _share(nulls, len(values) + nulls),
    }


def _categorical_drift(
    name: str, reference: ColumnSample, current: ColumnSample, method: Method, threshold: float
) -> ColumnDrift:
    ref_counts, cur_counts, unseen = _aligned_counts(reference, current)
    labels = list(ref_counts)
    ref = np.array([ref_counts[label] for label in labels], dtype=float)
    cur = np.array([cur_counts.get(label, 0) for label in labels], dtype=float)
    unseen_total = float(sum(unseen.values()))
    cur_all = np.append(cur, unseen_total)
    ref_all = np.append(ref, 0.0)
    if method is Method.chisquare:
        result = chisquare(ref_all, cur_all)
    elif method is Method.z:
        result = z_test(ref, cur) if unseen_total == 0 else chisquare(ref_all, cur_all)
    elif method is Method.jensenshannon:
        result = jensen_shannon(ref_all / ref_all.sum(), cur_all / cur_all.sum())
    else:
        result = psi(ref_all / ref_all.sum(), cur_all / cur_all.sum())
    analysis = _base_analysis(method, result, reference, current)
    status = status_of(method, result.score, threshold)
    shifts = _category_shifts(labels, ref, cur, current.size)
    analysis["shiftedCategories"] = shifts[:TOP_SHOWN]
    status = _rare_shift_signal(analysis, shifts, status)
    status = _unseen_signal(analysis, unseen, current.size, status)
    drift = ColumnDrift(
        name,
        CATEGORICAL,
        method,
        result.score,
        threshold,
        status,
        baseline=_category_summary(ref_counts, reference.nulls),
        current=_category_summary({**cur_counts, **unseen}, current.nulls),
        analysis=analysis,
    )
    drift.recommendations = recommendations(drift)
    return drift


def _aligned_counts(
    reference: ColumnSample, current: ColumnSample
) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Reference counts, current counts of seen categories, and current unseen counts.

    A reference holding an ``__other__`` bucket (a profile's long tail) counts every
    unknown current value as ``__other__`` instead of unseen.
    """
    ref = dict(reference.counts or {})
    seen: dict[str, int] = {}
    unseen: dict[str, int] = {}
    for label, count in (current.counts or {}).items():
        if label in ref:
            seen[label] = seen.get(label, 0) + count
        elif OTHER in ref:
            seen[OTHER] = seen.get(OTHER, 0) + count
        else:
            unseen[label] = count
    return ref, seen, unseen


def _category_shifts(
    labels: list[str], ref: np.ndarray, cur: np.ndarray, current_size: int
) -> list[dict[str, Any]]:
    """Per category: shares, relative change and a two-proportion Z test, most shifted first."""
    n_ref, n_cur = float(ref.sum()), float(current_size)
    _, p_values = pooled_z(ref, n_ref, cur, n_cur)
    rows: list[dict[str, Any]] = []
    for label, hits_ref, hits_cur, p_value in zip(labels, ref, cur, p_values, strict=True):
        ref_share, cur_share = float(hits_ref / n_ref), _share(hits_cur, current_size)
        rows.append(
            {
                "category": label,
                "referenceShare": ref_share,
                "currentShare": cur_share,
                "relativeChange": (cur_share - ref_share) / ref_share if ref_share else None,
                "pValue": float(p_value),
            }
        )
    rows.sort(key=lambda row: abs(float(row["currentShare"]) - row["referenceShare"]), reverse=True)
    return rows


def _rare_shift_signal(
    analysis: dict[str, Any], shifts: list[dict[str, Any]], status: Status
) -> Status:
    limit = RARE_ALPHA / max(len(shifts), 1)
    rare = [
        row
        for row in shifts
        if row["referenceShare"] < RARE_SHARE
        and row["relativeChange"] is not None
        and abs(row["relativeChange"]) >= RARE_MIN_RELATIVE_CHANGE
        and row["pValue"] < limit
    ]
    if not rare:
        return status
    analysis["signals"].append(
        {"signal": "rare_category_shift", "pValueLimit": limit, "categories": rare[:TOP_SHOWN]}
    )
    return Status.detected


def _unseen_signal(
    analysis: dict[str, Any], unseen: dict[str, int], current_size: int, status: Status
) -> Status:
    if not unseen:
        return status
    share = _share(sum(unseen.values()), current_size)
    top = sorted(unseen.items(), key=lambda item: item[1], reverse=True)[:TOP_SHOWN]
    analysis["signals"].append(
        {
            "signal": "unseen_categories",
            "share": share,
            "distinct": len(unseen),
            "top": [{"category": label, "count": count} for label, count in top],
        }
    )
    if share >= UNSEEN_DETECTED_SHARE:
        return Status.detected
    return Status.warning if status is Status.normal else status


def _category_summary(counts: Mapping[str, int], nulls: int) -> dict[str, Any]:
    total = sum(counts.values())
    top = sorted(counts.items(), key=lambda item: item[1], reverse=True)[:10]
    return {
        "shares": {label: _share(count, total) for label, count in top},
        "categories": len(counts),
        "count": total,
        "nullShare": _share(nulls, total + nulls),
    }


def recommendations(drift: ColumnDrift) -> list[str]:
    """What to do about one column's result, in plain words (empty when normal)."""
    if drift.status is Status.normal:
        return []
    signals = {signal["signal"] for signal in drift.analysis.get("signals", [])}
    advice = []
    if "unseen_categories" in signals:
        advice.append(
            f"'{drift.column}' holds values never seen in the reference: check the upstream "
            "pipeline for new codes or spellings, and retrain if they are here to stay"
        )
    if "rare_category_shift" in signals:
        advice.append(
            f"a rare category of '{drift.column}' changed its share: check whether the "
            "business changed (new policy, new vendor) before trusting the model's rates"
        )
    if drift.status is Status.detected:
        advice.append(
            f"check the upstream pipeline and source data of '{drift.column}' for a change "
            "in collection or units; if the shift is real, retrain on recent data"
        )
    else:
        advice.append(f"watch '{drift.column}': close to the drift threshold")
    return advice


# -- data sets ------------------------------------------------------------------------------


def compare_samples(
    reference: Mapping[str, ColumnSample],
    current: Mapping[str, ColumnSample],
    *,
    methods: Mapping[str, Method | str] | None = None,
    thresholds: Mapping[str, float] | None = None,
    reference_rows: int = 0,
    current_rows: int = 0,
    workers: int | None = None,
    min_values: int = 1,
) -> DriftReport:
    """Compare prepared samples column by column (columns of ``reference`` that ``current``
    also has); a column that cannot be compared is listed in ``skipped`` with the reason,
    among them a column with fewer than ``min_values`` non-null values on either side."""
    methods, thresholds = methods or {}, thresholds or {}
    _check_overrides(reference, methods, thresholds)
    names = [name for name in reference if name in current]
    skipped = {name: "not in the current data" for name in reference if name not in current}

    def one(name: str) -> ColumnDrift | str:
        too_few = too_few_values(reference[name], current[name], min_values)
        if too_few is not None:
            return too_few
        try:
            return compare_column(
                name,
                reference[name],
                current[name],
                method=methods.get(name),
                threshold=thresholds.get(name),
            )
        except InputError as exc:
            return "; ".join(reason for _, reason in exc.errors)

    with ThreadPoolExecutor(max_workers=max(1, workers or WORKERS)) as pool:
        outcomes = list(pool.map(one, names))
    columns = []
    for name, outcome in zip(names, outcomes, strict=True):
        if isinstance(outcome, str):
            skipped[name] = outcome
        else:
            columns.append(outcome)
    return DriftReport(columns, skipped, reference_rows, current_rows)


def too_few_values(reference: ColumnSample, current: ColumnSample, minimum: int) -> str | None:
    """Why a column cannot be compared for lack of values (None when both sides have
    ``minimum``): an empty side keeps :func:`compare_column`'s reason."""
    for side, sample in (("reference", reference), ("current", current)):
        if 0 < sample.size < minimum:
            return (
                f"only {sample.size} non-null values in the {side} data; "
                f"a drift test needs at least {minimum}"
            )
    return None


def _check_overrides(
    columns: Mapping[str, ColumnSample],
    methods: Mapping[str, Method | str],
    thresholds: Mapping[str, float],
) -> None:
    errors = [(f"methods.{name}", "unknown column") for name in methods if name not in columns]
    errors += [
        (f"thresholds.{name}", "unknown column") for name in thresholds if name not in columns
    ]
    allowed = {m.value for m in Method}
    for name, method in methods.items():
        if str(method) not in allowed:
            choices = ", ".join(sorted(allowed))
            errors.append((f"methods.{name}", f"unknown method {method!r}; use one of {choices}"))
        elif name in columns and _categories_only(columns[name]):
            if Method(str(method)) not in CATEGORICAL_METHODS:
                choices = ", ".join(sorted(m.value for m in CATEGORICAL_METHODS))
                errors.append(
                    (
                        f"methods.{name}",
                        f"{method!s} needs a numeric column (with at least {NUMERIC_MIN_UNIQUE} "
                        f"distinct values); this one is compared as categories: use {choices}",
                    )
                )
    for name, value in thresholds.items():
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not 0 < value < math.inf:
            errors.append((f"thresholds.{name}", "must be a positive, finite number"))
    if errors:
        raise InputError(errors)


def _checked_types(
    column_types: Mapping[str, ColumnKind | str], columns: list[str]
) -> dict[str, ColumnKind]:
    kinds = {kind.value for kind in ColumnKind}
    errors = [
        (f"columnTypes.{name}", "not a compared column")
        for name in column_types
        if name not in columns
    ]
    errors += [
        (f"columnTypes.{name}", f"unknown kind {kind!r}; use one of {', '.join(sorted(kinds))}")
        for name, kind in column_types.items()
        if str(kind) not in kinds
    ]
    if errors:
        raise InputError(errors)
    return {name: ColumnKind(kind) for name, kind in column_types.items()}


def compare(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    column_types: Mapping[str, ColumnKind | str] | None = None,
    *,
    columns: list[str] | None = None,
    methods: Mapping[str, Method | str] | None = None,
    thresholds: Mapping[str, float] | None = None,
) -> DriftReport:
    """Compare two data sets without a model, column by column (see the module docstring).

    ``column_types`` (column -> numeric/categorical/boolean/text/datetime) is inferred from
    the reference when not given; ``columns`` limits the comparison (default: the
    reference's columns). Columns missing from the current data are listed as skipped.

    Raises :class:`InputError` when either data set has fewer than ``MIN_SAMPLE_SIZE`` rows;
    a column with fewer non-null values on either side is listed as skipped.
    """
    reference = reference.rename(columns=str)
    current = current.rename(columns=str)
    wanted = [str(c) for c in columns] if columns is not None else list(reference.columns)
    errors = [
        (f"columns.{name}", "not in the reference data")
        for name in wanted
        if name not in reference.columns
    ]
    errors += _too_few_rows(len(reference), len(current))
    if errors:
        raise InputError(errors)
    given = _checked_types(column_types or {}, wanted)

    def prepare(name: str) -> tuple[ColumnSample | None, ColumnSample | None]:
        kind = infer_column_types(reference, [name], given)[name]
        if kind is ColumnKind.DATETIME:
            return None, None
        in_current = name in current.columns
        return sample_of(reference[name], kind), (
            sample_of(current[name], kind) if in_current else None
        )

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        prepared = dict(zip(wanted, pool.map(prepare, wanted), strict=True))
    skipped = {
        name: "date columns are not compared (time always moves)"
        for name, (ref_sample, _) in prepared.items()
        if ref_sample is None
    }
    ref_samples = {name: ref for name, (ref, _) in prepared.items() if ref is not None}
    cur_samples = {name: cur for name, (_, cur) in prepared.items() if cur is not None}
    report = compare_samples(
        ref_samples,
        cur_samples,
        methods=methods,
        thresholds=thresholds,
        reference_rows=len(reference),
        current_rows=len(current),
        min_values=MIN_SAMPLE_SIZE,
    )
    report.skipped.update(skipped)
    return report


def _too_few_rows(reference_rows: int, current_rows: int) -> list[tuple[str, str]]:
    """One error per data set with fewer than ``MIN_SAMPLE_SIZE`` rows."""
    return [
        (side, f"{rows} rows; a drift comparison needs at least {MIN_SAMPLE_SIZE} in each data set")
        for side, rows in (("reference", reference_rows), ("current", current_rows))
        if rows < MIN_SAMPLE_SIZE
    ]
