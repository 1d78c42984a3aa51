"""Bootstrap intervals of the fairness figures, counted here rather than by fairlearn.

Rows are resampled with replacement (not stratified) by :func:`bootstrap_indices` from
``numpy.random.default_rng(seed)``, so a seed gives the same intervals; each replicate's
figure is computed from per-group counts (``numpy.bincount`` over all replicates of a batch
at once) and the interval is the percentile one (``numpy.quantile`` over the replicates
where the figure is defined, :func:`interval`). A group absent from a replicate is left out
of that replicate, as fairlearn would, and each replicate's figures equal fairlearn's on the
resampled rows (``tests/ml/test_fairness.py`` checks it). Note that the figures are extremes
over groups (max - min), so for groups that are truly alike the replicates sit above the
point estimate and the percentile interval need not contain it.

Why not fairlearn's own bootstrap (``MetricFrame(n_boot=..., ci_quantiles=...,
random_state=...)``, which the fairlearn 0.15 we install has): measured, it is three orders
of magnitude slower on a report's usual size (``benchmarks/fairness_bootstrap.py``; the
figures are in docs/benchmarks.md, "The fairness bootstrap"): it draws each replicate with a
pandas ``sample`` of the rows and recomputes every metric per group, one replicate per loop
iteration, where the counts here score all the replicates of a batch in a few numpy calls.
It also gives intervals of each score's aggregates only (``difference_ci``, ``ratio_ci``),
so none for the equalized odds difference (the larger of two differences within each
replicate), and its resamples are not those of :func:`bootstrap_indices`, which the tests
use to check every replicate against fairlearn's figures. On the same data its intervals
agree with these within the resampling noise.
"""

from collections.abc import Iterator

import numpy as np

from urutiq_ai.ml.comparison.checks import Array

BATCH_CELLS = 2_000_000
"""Resampled cells (replicates x rows) per bootstrap batch: bounds the memory."""


def bootstrap_indices(n: int, n_resamples: int, seed: int) -> Iterator[Array]:
    """The row indices of the bootstrap replicates for ``seed``: batches of shape
    ``(replicates, n)`` (at most :data:`BATCH_CELLS` cells each), ``n_resamples`` replicates in
    all, drawn with replacement from ``numpy.random.default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    per_batch = max(1, BATCH_CELLS // max(n, 1))
    done = 0
    while done < n_resamples:
        size = min(per_batch, n_resamples - done)
        yield rng.integers(0, n, size=(size, n))
        done += size


def _replicate_counts(
    codes: Array, n_codes: int, n_resamples: int, seed: int, weights: Array | None = None
) -> tuple[Array, Array | None]:
    """How many resampled rows fall in each code per replicate, shape
    ``(n_resamples, n_codes)``, and with ``weights`` the sum of their weights too."""
    counts = np.zeros((n_resamples, n_codes))
    sums = None if weights is None else np.zeros((n_resamples, n_codes))
    start = 0
    for batch in bootstrap_indices(len(codes), n_resamples, seed):
        reps = batch.shape[0]
        cells = (codes[batch] + (np.arange(reps) * n_codes)[:, None]).ravel()
        stop = start + reps
        counts[start:stop] = np.bincount(cells, minlength=reps * n_codes).reshape(reps, -1)
        if sums is not None and weights is not None:
            weighted = np.bincount(cells, weights=weights[batch].ravel(), minlength=reps * n_codes)
            sums[start:stop] = weighted.reshape(reps, -1)
        start = stop
    return counts, sums


def _ratio(numerator: Array, denominator: Array, empty: float = np.nan) -> Array:
    """``numerator / denominator`` with ``empty`` where the denominator is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / np.maximum(denominator, 1e-300), empty)


def _group_min(values: Array) -> Array:
    valid = ~np.isnan(values)
    low = np.where(valid, values, np.inf).min(axis=1)
    return np.where(valid.any(axis=1), low, np.nan)


def _group_max(values: Array) -> Array:
    valid = ~np.isnan(values)
    high = np.where(valid, values, -np.inf).max(axis=1)
    return np.where(valid.any(axis=1), high, np.nan)


def _spread(values: Array) -> Array:
    """max - min over the groups present in each replicate (fairlearn's difference)."""
    return _group_max(values) - _group_min(values)


def interval(replicates: Array, confidence: float) -> tuple[float | None, float | None]:
    finite = replicates[~np.isnan(replicates)]
    if finite.size == 0:
        return None, None
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(finite, [tail, 1.0 - tail])
    return float(low), float(high)


def classification_replicates(
    group_codes: Array,
    n_groups: int,
    truth: Array | None,
    pred: Array | None,
    hits: Array,
    n_resamples: int,
    seed: int,
) -> dict[str, Array]:
    """Each headline metric of each replicate, from the per-group counts of the
    (truth, prediction, correct) cells of the resampled rows."""
    binary = truth is not None and pred is not None
    t = truth.astype(np.int64) if truth is not None else np.zeros_like(group_codes)
    p = pred.astype(np.int64) if pred is not None else np.zeros_like(group_codes)
    codes = group_codes * 8 + t * 4 + p * 2 + hits.astype(np.int64)
    counts, _ = _replicate_counts(codes, n_groups * 8, n_resamples, seed)
    cells = counts.reshape(n_resamples, n_groups, 2, 2, 2)  # group, truth, pred, hit
    size = cells.sum(axis=(2, 3, 4))
    present = size > 0
    accuracy = np.where(present, _ratio(cells[..., 1].sum(axis=(2, 3)), size), np.nan)
    out = {"accuracyDifference": _spread(accuracy)}
    if not binary:
        return out
    by_outcome = cells.sum(axis=4)  # group, truth, pred
    selected = by_outcome[:, :, :, 1].sum(axis=2)
    rate = np.where(present, _ratio(selected, size), np.nan)
    positives, negatives = by_outcome[:, :, 1].sum(axis=2), by_outcome[:, :, 0].sum(axis=2)
    # scikit-learn's normalised confusion matrix (fairlearn's rates) gives 0 for 0/0
    tpr = np.where(present, _ratio(by_outcome[:, :, 1, 1], positives, 0.0), np.nan)
    fpr = np.where(present, _ratio(by_outcome[:, :, 0, 1], negatives, 0.0), np.nan)
    overall = _ratio(selected.sum(axis=1), size.sum(axis=1))
    to_overall = _ratio(rate, overall[:, None])
    with np.errstate(divide="ignore"):
        to_overall = np.where(to_overall > 1.0, 1.0 / to_overall, to_overall)
    out.update(
        demographicParityDifference=_spread(rate),
        demographicParityRatio=_ratio(_group_min(rate), _group_max(rate)),
        demographicParityRatioToOverall=_group_min(to_overall),
        equalizedOddsDifference=np.maximum(_spread(tpr), _spread(fpr)),
    )
    return out


def regression_replicates(
    group_codes: Array,
    n_groups: int,
    errors: Array,
    n_resamples: int,
    seed: int,
) -> dict[str, Array]:
    sizes, sums = _replicate_counts(group_codes, n_groups, n_resamples, seed, weights=errors)
    assert sums is not None
    mae = _ratio(sums, sizes)
    worst, best = _group_max(mae), _group_min(mae)
    return {"errorRatio": error_ratio(worst, best), "maeDifference": worst - best}


def error_ratio(worst: Array, best: Array) -> Array:
    """worst / best group MAE: 1 when both are 0, infinite when only the best is."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(best > 0, worst / np.where(best > 0, best, 1.0), np.inf)
    return np.where((worst == 0) & (best == 0), 1.0, ratio)
