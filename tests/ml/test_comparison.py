"""Baseline versus challenger statistics: metrics against scikit-learn, the bootstraps against
``scipy.stats.bootstrap`` called directly, the fast path against the per-replicate one,
interval coverage on synthetic data with a known difference, the two-proportion test against
scipy and the pooled z formula, the sample size against a textbook value, and the success
criteria with their verdicts."""

import json
import math
from typing import Any

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    mean_absolute_error,
    precision_score,
    r2_score,
    recall_score,
    root_mean_squared_error,
)

from urutiq_ai.ml.comparison.bootstrap import (
    MetricComparison,
    bootstrap_p_value,
    paired_bootstrap,
    unpaired_bootstrap,
)
from urutiq_ai.ml.comparison.criteria import (
    DEFAULT_MAX_DEGRADATION,
    CriteriaError,
    SuccessMetric,
    parse_success_metrics,
)
from urutiq_ai.ml.comparison.metrics import (
    CLASSIFICATION_METRICS,
    METRICS,
    REGRESSION_METRICS,
    higher_is_better,
    metric_value,
)
from urutiq_ai.ml.comparison.proportion_test import required_sample_size, two_proportion_test
from urutiq_ai.ml.comparison.verdict import judge

SKLEARN = {
    "accuracy": accuracy_score,
    "precision": lambda t, p: precision_score(t, p, average="macro", zero_division=0),
    "recall": lambda t, p: recall_score(t, p, average="macro", zero_division=0),
    "f1Score": lambda t, p: f1_score(t, p, average="macro", zero_division=0),
    "mae": mean_absolute_error,
    "rmse": root_mean_squared_error,
    "r2": r2_score,
}


def labels_data(n: int = 240, seed: int = 1) -> tuple[Any, Any, Any]:
    """Text labels with a rare class and a label only ever predicted (zero_division paths)."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(["rent", "fuel", "meals", "fees", "rare"], n, p=[0.4, 0.3, 0.2, 0.08, 0.02])
    noise = rng.choice(["rent", "fuel", "meals", "fees", "ghost"], n)
    baseline = np.where(rng.random(n) < 0.70, truth, noise)
    current = np.where(rng.random(n) < 0.78, truth, noise)
    return truth, baseline, current


def numbers_data(n: int = 240, seed: int = 2) -> tuple[Any, Any, Any]:
    rng = np.random.default_rng(seed)
    truth = rng.normal(100.0, 20.0, n)
    return truth, truth + rng.normal(0.0, 10.0, n), truth + rng.normal(0.0, 8.0, n)


def data_for(metric: str, n: int = 240) -> tuple[Any, Any, Any]:
    return labels_data(n) if metric in CLASSIFICATION_METRICS else numbers_data(n)


# --- metrics -------------------------------------------------------------------------------


def test_metric_names_and_directions() -> None:
    assert set(METRICS) == {"accuracy", "precision", "recall", "f1Score", "mae", "rmse", "r2"}
    assert set(CLASSIFICATION_METRICS) | set(REGRESSION_METRICS) == set(METRICS)
    assert [m for m in METRICS if not higher_is_better(m)] == ["mae", "rmse"]


@pytest.mark.parametrize("call", [higher_is_better, lambda m: metric_value(m, [1, 2], [1, 2])])
def test_unknown_metric_names_it_and_the_supported_ones(call: Any) -> None:
    with pytest.raises(ValueError, match="'auc'") as info:
        call("auc")
    assert all(name in str(info.value) for name in METRICS)


@pytest.mark.parametrize("metric", list(METRICS))
def test_metric_value_is_sklearns(metric: str) -> None:
    truth, baseline, _ = data_for(metric)
    got = metric_value(metric, truth, baseline)
    assert isinstance(got, float)
    assert got == pytest.approx(SKLEARN[metric](truth, baseline), abs=1e-12)


# --- paired bootstrap ----------------------------------------------------------------------


def scipy_paired(metric: str, data: tuple[Any, Any, Any], n_resamples: int, seed: int) -> Any:
    """The reference: scipy's paired percentile bootstrap around per-replicate sklearn."""
    score = SKLEARN[metric]

    def statistic(t: Any, b: Any, c: Any) -> float:
        return float(score(t, c) - score(t, b))

    return stats.bootstrap(
        data,
        statistic,
        n_resamples=n_resamples,
        paired=True,
        vectorized=False,
        method="percentile",
        random_state=np.random.default_rng(seed),
    )


@pytest.mark.parametrize("metric", ["f1Score", "accuracy", "mae", "r2"])
def test_paired_bootstrap_matches_scipy_called_directly(metric: str) -> None:
    data = data_for(metric, n=150)
    got = paired_bootstrap(*data, metric=metric, n_resamples=300, seed=7)
    ref = scipy_paired(metric, data, 300, 7)
    assert got.ci_low == pytest.approx(ref.confidence_interval.low, abs=1e-12)
    assert got.ci_high == pytest.approx(ref.confidence_interval.high, abs=1e-12)
    replicates = ref.bootstrap_distribution
    share = min(np.mean(replicates <= 0), np.mean(replicates >= 0))
    assert got.p_value == pytest.approx(min(1.0, 2 * share))


@pytest.mark.parametrize("metric", list(METRICS))
def test_fast_path_agrees_with_per_replicate_path(metric: str) -> None:
    data = data_for(metric, n=90)  # small: some replicates miss the rare class
    fast = paired_bootstrap(*data, metric=metric, n_resamples=200, seed=3)
    slow = paired_bootstrap(*data, metric=metric, n_resamples=200, seed=3, fast=False)
    assert fast.ci_low == pytest.approx(slow.ci_low, abs=1e-12)
    assert fast.ci_high == pytest.approx(slow.ci_high, abs=1e-12)
    assert fast.p_value == slow.p_value
    assert fast.ci_low < fast.ci_high


def test_fast_path_agrees_with_many_labels() -> None:
    """More labels than rows: the sparse way of counting (truth, prediction) cells."""
    rng = np.random.default_rng(5)
    truth = rng.integers(0, 40, 30)
    baseline, current = rng.integers(0, 40, 30), np.where(rng.random(30) < 0.5, truth, 99)
    fast = paired_bootstrap(truth, baseline, current, metric="f1Score", n_resamples=200)
    slow = paired_bootstrap(truth, baseline, current, metric="f1Score", n_resamples=200, fast=False)
    assert (fast.ci_low, fast.ci_high) == pytest.approx((slow.ci_low, slow.ci_high), abs=1e-12)


@pytest.mark.parametrize("metric", list(METRICS))
def test_paired_fields(metric: str) -> None:
    truth, baseline, current = data_for(metric)
    got = paired_bootstrap(truth, baseline, current, metric=metric, n_resamples=200)
    assert got.metric == metric
    assert got.baseline == pytest.approx(SKLEARN[metric](truth, baseline), abs=1e-12)
    assert got.current == pytest.approx(SKLEARN[metric](truth, current), abs=1e-12)
    assert got.difference == pytest.approx(got.current - got.baseline)
    assert (got.n, got.n_baseline, got.n_current, got.paired) == (240, 240, 240, True)
    assert got.confidence == 0.95
    assert got.n_resamples == 200
    assert got.higher_is_better is higher_is_better(metric)
    sign = 1 if got.higher_is_better else -1
    assert got.improvement == pytest.approx(sign * got.difference)
    low, high = sorted((sign * got.ci_low, sign * got.ci_high))
    assert got.improvement_ci == pytest.approx((low, high))
    assert got.improvement > 0  # current is the better model in both data sets


def test_paired_is_deterministic_for_a_seed() -> None:
    data = labels_data()
    first = paired_bootstrap(*data, metric="f1Score", n_resamples=200, seed=11)
    assert paired_bootstrap(*data, metric="f1Score", n_resamples=200, seed=11) == first
    other = paired_bootstrap(*data, metric="f1Score", n_resamples=200, seed=12)
    assert (other.ci_low, other.ci_high) != (first.ci_low, first.ci_high)


def test_higher_confidence_widens_the_interval() -> None:
    data = numbers_data()
    narrow = paired_bootstrap(*data, metric="rmse", confidence=0.8, n_resamples=500)
    wide = paired_bootstrap(*data, metric="rmse", confidence=0.99, n_resamples=500)
    assert wide.ci_low < narrow.ci_low < narrow.ci_high < wide.ci_high


def test_identical_models_show_no_difference() -> None:
    truth, baseline, _ = labels_data()
    got = paired_bootstrap(truth, baseline, baseline.copy(), metric="f1Score", n_resamples=100)
    assert (got.difference, got.ci_low, got.ci_high, got.p_value) == (0.0, 0.0, 0.0, 1.0)


def test_a_clear_win_is_significant() -> None:
    truth, baseline, _ = labels_data(n=2000)
    got = paired_bootstrap(truth, baseline, truth, metric="accuracy", n_resamples=500)
    assert got.ci_low > 0.2
    assert got.p_value == 0.0


def test_paired_interval_covers_a_known_accuracy_difference() -> None:
    """Models right independently with probability 0.80 and 0.85: true difference 0.05."""
    rng = np.random.default_rng(2024)
    covered = 0
    for trial in range(100):
        truth = np.zeros(400, dtype=int)
        baseline = np.where(rng.random(400) < 0.80, 0, 1)
        current = np.where(rng.random(400) < 0.85, 0, 1)
        got = paired_bootstrap(
            truth, baseline, current, metric="accuracy", n_resamples=400, seed=trial
        )
        covered += got.ci_low <= 0.05 <= got.ci_high
    assert 88 <= covered <= 99


def test_paired_p_value_is_roughly_uniform_without_difference() -> None:
    """Under no real difference about 5% of experiments reach p < 0.05."""
    rng = np.random.default_rng(99)
    small = 0
    for trial in range(100):
        truth = rng.normal(size=200)
        baseline, current = truth + rng.normal(size=200), truth + rng.normal(size=200)
        got = paired_bootstrap(truth, baseline, current, metric="mae", n_resamples=300, seed=trial)
        small += got.p_value < 0.05
    assert small <= 12


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([1], [1], [1]), "at least 2 rows"),
        (([], [], []), "at least 2 rows"),
        (([1, 2, 3], [1, 2], [1, 2, 3]), "same length"),
        (([[1, 2], [3, 4]], [[1, 2], [3, 4]], [[1, 2], [3, 4]]), "one-dimensional"),
    ],
)
def test_paired_rejects_bad_rows(args: tuple[Any, Any, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        paired_bootstrap(*args, metric="accuracy")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"metric": "auc"}, "unknown metric"),
        ({"metric": "mae", "confidence": 1.0}, "confidence"),
        ({"metric": "mae", "confidence": 0}, "confidence"),
        ({"metric": "mae", "n_resamples": 0}, "n_resamples"),
    ],
)
def test_paired_rejects_bad_options(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        paired_bootstrap([1.0, 2.0, 3.0], [1.0, 2.0, 2.0], [1.0, 2.5, 3.0], **kwargs)


def test_regression_rejects_missing_values() -> None:
    with pytest.raises(ValueError, match="finite"):
        paired_bootstrap([1.0, np.nan, 3.0], [1.0, 2.0, 2.0], [1.0, 2.5, 3.0], metric="mae")


def test_comparison_as_dict_is_camel_case_json() -> None:
    got = paired_bootstrap(*numbers_data(), metric="mae", n_resamples=100).as_dict()
    assert set(got) == {
        "metric",
        "baseline",
        "current",
        "difference",
        "ciLow",
        "ciHigh",
        "confidence",
        "pValue",
        "n",
        "nBaseline",
        "nCurrent",
        "paired",
        "nResamples",
        "higherIsBetter",
        "improvement",
        "improvementCi",
    }
    assert got["improvementCi"] == [-got["ciHigh"], -got["ciLow"]]
    assert json.loads(json.dumps(got)) == got


def test_bootstrap_p_value() -> None:
    assert bootstrap_p_value([1, 2, 3, -1]) == 0.5
    assert bootstrap_p_value([1, 2, 3]) == 0.0
    assert bootstrap_p_value([0, 0]) == 1.0
    assert bootstrap_p_value([-1, 0, 1, 2]) == 1.0


# --- unpaired bootstrap --------------------------------------------------------------------


@pytest.mark.parametrize(("statistic", "reduce"), [("mean", np.mean), ("median", np.median)])
def test_unpaired_matches_scipy_called_directly(statistic: str, reduce: Any) -> None:
    rng = np.random.default_rng(4)
    a, b = np.abs(rng.normal(0, 10, 150)), np.abs(rng.normal(0, 8, 170))
    got = unpaired_bootstrap(a, b, statistic=statistic, n_resamples=500, seed=9)
    ref = stats.bootstrap(
        (a, b),
        lambda x, y, axis: reduce(y, axis=axis) - reduce(x, axis=axis),
        n_resamples=500,
        paired=False,
        vectorized=True,
        method="percentile",
        random_state=np.random.default_rng(9),
    )
    assert got.ci_low == pytest.approx(ref.confidence_interval.low, abs=1e-12)
    assert got.ci_high == pytest.approx(ref.confidence_interval.high, abs=1e-12)
    assert got.p_value == pytest.approx(bootstrap_p_value(ref.bootstrap_distribution))
    assert (got.baseline, got.current) == pytest.approx((reduce(a), reduce(b)))
    assert (got.n, got.n_baseline, got.n_current, got.paired) == (320, 150, 170, False)


def test_unpaired_orientation_for_errors() -> None:
    rng = np.random.default_rng(6)
    a, b = np.abs(rng.normal(0, 10, 500)), np.abs(rng.normal(0, 5, 500))
    got = unpaired_bootstrap(a, b, n_resamples=500)
    assert got.metric == "mae"
    assert not got.higher_is_better
    assert got.difference < 0 < got.improvement
    assert got.improvement_ci == (-got.ci_high, -got.ci_low)
    assert got.improvement_ci[0] > 0
    assert got.p_value < 0.01
    hits = unpaired_bootstrap([1, 0, 1, 1], [1, 1, 1, 0, 1], metric="accuracy")
    assert hits.higher_is_better
    assert hits.improvement == hits.difference


def test_unpaired_interval_covers_a_known_difference() -> None:
    rng = np.random.default_rng(77)
    covered = 0
    for trial in range(100):
        a, b = rng.exponential(10.0, 300), rng.exponential(8.0, 250)  # true difference -2
        got = unpaired_bootstrap(a, b, n_resamples=400, seed=trial)
        covered += got.ci_low <= -2.0 <= got.ci_high
    assert 88 <= covered <= 99


@pytest.mark.parametrize(
    ("a", "b", "kwargs", "message"),
    [
        ([1.0], [1.0, 2.0], {}, "at least 2"),
        ([1.0, 2.0], [1.0, np.nan], {}, "finite"),
        ([1.0, 2.0], ["x", "y"], {}, "numbers"),
        ([1.0, 2.0], [1.0, 2.0], {"statistic": "mode"}, "unknown statistic"),
        ([1.0, 2.0], [1.0, 2.0], {"metric": "auc"}, "unknown metric"),
    ],
)
def test_unpaired_rejects(a: Any, b: Any, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        unpaired_bootstrap(a, b, **kwargs)


# --- two proportions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sa", "na", "sb", "nb"), [(420, 500, 445, 500), (80, 100, 70, 120), (3, 40, 9, 35)]
)
def test_two_proportion_test_matches_scipy_and_pooled_z(sa: int, na: int, sb: int, nb: int) -> None:
    got = two_proportion_test(sa, na, sb, nb)
    table = [[sa, na - sa], [sb, nb - sb]]
    chi2, p_value, _, _ = stats.chi2_contingency(table, correction=False)
    assert got.p_value == pytest.approx(p_value, rel=1e-12)
    p_a, p_b = sa / na, sb / nb
    pooled = (sa + sb) / (na + nb)
    z = (p_b - p_a) / math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
    assert got.z == pytest.approx(z, rel=1e-9)
    assert got.z**2 == pytest.approx(chi2, rel=1e-9)
    assert got.p_value == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-9)
    margin = 1.959963984540054 * math.sqrt(p_a * (1 - p_a) / na + p_b * (1 - p_b) / nb)
    assert (got.ci_low, got.ci_high) == pytest.approx((p_b - p_a - margin, p_b - p_a + margin))
    assert (got.p_a, got.p_b, got.difference) == pytest.approx((p_a, p_b, p_b - p_a))


@pytest.mark.parametrize(
    ("sa", "na", "sb", "nb"), [(10, 10, 20, 20), (0, 10, 0, 5), (5, 5, 5, 5), (0, 1, 0, 1)]
)
def test_no_variation_gives_p_one(sa: int, na: int, sb: int, nb: int) -> None:
    got = two_proportion_test(sa, na, sb, nb)
    assert (got.z, got.p_value, got.difference) == (0.0, 1.0, 0.0)
    assert got.ci_low == got.ci_high == 0.0


def test_opposite_extremes_are_significant() -> None:
    got = two_proportion_test(0, 50, 50, 50)
    assert got.z > 0
    assert got.p_value < 1e-10
    assert got.difference == 1.0
    assert two_proportion_test(50, 50, 0, 50).z == -got.z


def test_equal_rates_give_z_zero() -> None:
    got = two_proportion_test(30, 60, 15, 30)
    assert got.z == 0.0
    assert got.p_value == pytest.approx(1.0)


def test_wald_interval_coverage() -> None:
    rng = np.random.default_rng(12)
    covered = 0
    for _ in range(400):
        sa, sb = int(rng.binomial(1000, 0.30)), int(rng.binomial(1000, 0.35))
        got = two_proportion_test(sa, 1000, sb, 1000)
        covered += got.ci_low <= 0.05 <= got.ci_high
    assert 0.92 <= covered / 400 <= 0.98


@pytest.mark.parametrize(
    "args", [(1, 0, 1, 1), (5, 4, 1, 2), (-1, 4, 1, 2), (1.5, 4, 1, 2), (True, 4, 1, 2)]
)
def test_two_proportion_rejects_bad_counts(args: tuple[Any, ...]) -> None:
    with pytest.raises(ValueError, match="arm a"):
        two_proportion_test(*args)


def test_proportion_as_dict() -> None:
    got = two_proportion_test(40, 50, 45, 50, confidence=0.9).as_dict()
    assert got["pA"] == 0.8
    assert got["pB"] == 0.9
    assert got["confidence"] == 0.9
    assert {"pValue", "ciLow", "ciHigh", "nA", "nB", "successesA", "successesB", "z"} <= set(got)
    assert json.loads(json.dumps(got)) == got


# --- sample size ---------------------------------------------------------------------------


def test_required_sample_size_textbook_value() -> None:
    z_alpha, z_power = 1.959963984540054, 0.8416212335729143  # alpha 0.05 two-sided, power 0.8
    p1, p2 = 0.5, 0.6
    pbar = (p1 + p2) / 2
    n = (
        z_alpha * math.sqrt(2 * pbar * (1 - pbar))
        + z_power * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    ) ** 2 / 0.1**2
    assert n == pytest.approx(387.3, abs=0.05)
    assert required_sample_size(0.5, 0.1) == math.ceil(n) == 388


def test_required_sample_size_grows_as_expected() -> None:
    base = required_sample_size(0.8, 0.05)
    assert required_sample_size(0.8, 0.05, power=0.9) > base
    assert required_sample_size(0.8, 0.05, alpha=0.01) > base
    assert required_sample_size(0.8, 0.025) > 3 * base


def test_required_sample_size_reaches_its_power() -> None:
    """Simulated experiments of that size reject H0 about 80% of the time."""
    n = required_sample_size(0.5, 0.1)
    rng = np.random.default_rng(8)
    rejected = sum(
        two_proportion_test(int(rng.binomial(n, 0.5)), n, int(rng.binomial(n, 0.6)), n).p_value
        < 0.05
        for _ in range(400)
    )
    assert 0.74 <= rejected / 400 <= 0.86


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((0.0, 0.1), {}, "p_baseline"),
        ((1.0, 0.1), {}, "p_baseline"),
        ((0.5, 0.0), {}, "positive"),
        ((0.5, -0.1), {}, "positive"),
        ((0.95, 0.05), {}, "below 1"),
        ((0.5, 0.1), {"alpha": 0.0}, "alpha"),
        ((0.5, 0.1), {"power": 1.0}, "power"),
    ],
)
def test_required_sample_size_rejects(
    args: tuple[float, float], kwargs: dict[str, float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        required_sample_size(*args, **kwargs)


# --- success criteria ----------------------------------------------------------------------


def test_parse_one_target_and_guards() -> None:
    assert parse_success_metrics({"metric": "f1Score", "minImprovement": 0.02}) == [
        SuccessMetric("f1Score", min_improvement=0.02)
    ]
    parsed = parse_success_metrics(
        [
            {"metric": "accuracy", "maxDegradation": 0.005},
            {"metric": "mae", "guard": True},
            {"metric": "recall", "maxDegradation": 0, "guard": True},
            {"metric": "r2", "minImprovement": 0, "guard": False},
        ]
    )
    assert parsed == [
        SuccessMetric("accuracy", max_degradation=0.005),
        SuccessMetric("mae", max_degradation=DEFAULT_MAX_DEGRADATION),
        SuccessMetric("recall", max_degradation=0.0),
        SuccessMetric("r2", min_improvement=0.0),
    ]
    assert [c.is_guard for c in parsed] == [True, True, True, False]
    assert parse_success_metrics([c.as_dict() for c in parsed]) == parsed
    assert parse_success_metrics([]) == []


def errors_of(value: Any) -> list[tuple[str, str]]:
    with pytest.raises(CriteriaError) as info:
        parse_success_metrics(value)
    assert isinstance(info.value, ValueError)
    assert str(info.value) == "; ".join(f"{p}: {r}" for p, r in info.value.errors)
    return info.value.errors


@pytest.mark.parametrize("value", ["f1Score", 3, None, True])
def test_criteria_must_be_objects(value: Any) -> None:
    assert [p for p, _ in errors_of(value)] == ["successMetrics"]


@pytest.mark.parametrize(
    ("item", "path", "reason"),
    [
        ({"minImprovement": 0.1}, "successMetrics.0.metric", "Field required"),
        ({"metric": "auc", "minImprovement": 0.1}, "successMetrics.0.metric", "unknown metric"),
        ({"metric": 3, "minImprovement": 0.1}, "successMetrics.0.metric", "unknown metric"),
        ({"metric": "mae"}, "successMetrics.0", "give minImprovement"),
        ({"metric": "mae", "guard": False}, "successMetrics.0", "give minImprovement"),
        (
            {"metric": "mae", "minImprovement": 0.1, "maxDegradation": 0.1},
            "successMetrics.0",
            "either",
        ),
        ({"metric": "mae", "minImprovement": 0.1, "guard": True}, "successMetrics.0", "either"),
        ({"metric": "mae", "maxDegradation": 0.1, "guard": False}, "successMetrics.0.guard", ""),
        ({"metric": "mae", "guard": "yes"}, "successMetrics.0.guard", "valid boolean"),
        ({"metric": "mae", "minImprovement": -0.1}, "successMetrics.0.minImprovement", "negative"),
        ({"metric": "mae", "maxDegradation": -1}, "successMetrics.0.maxDegradation", "negative"),
        ({"metric": "mae", "minImprovement": "1"}, "successMetrics.0.minImprovement", "number"),
        ({"metric": "mae", "minImprovement": True}, "successMetrics.0.minImprovement", "number"),
        ({"metric": "mae", "maxDegradation": math.inf}, "successMetrics.0.maxDegradation", "fin"),
        (
            {"metric": "mae", "guard": True, "min": 1},
            "successMetrics.0.min",
            "unknown field; allowed: metric",
        ),
        ("mae", "successMetrics.0", "must be an object"),
    ],
)
def test_criterion_errors(item: Any, path: str, reason: str) -> None:
    errors = errors_of([item])
    assert (path, reason) in [(p, reason) for p, r in errors if reason in r], errors


def test_single_object_paths_and_all_errors_at_once() -> None:
    assert errors_of({"metric": "auc", "minImprovement": 0.1})[0][0] == "successMetrics.metric"
    errors = errors_of(
        [{"metric": "f1Score", "minImprovement": 0.1}, {"metric": "x"}, {"maxDegradation": -1}]
    )
    paths = [p for p, _ in errors]
    assert "successMetrics.1.metric" in paths
    assert "successMetrics.2.metric" in paths
    assert "successMetrics.2.maxDegradation" in paths
    assert not any(p.startswith("successMetrics.0") for p in paths)


def test_criteria_read_only_their_camel_case_keys() -> None:
    """The snake_case names are unknown keys (only the camelCase ones were ever read), and an
    unknown key's reason lists the allowed ones."""
    assert errors_of({"metric": "mae", "min_improvement": 0.1}) == [
        (
            "successMetrics.min_improvement",
            "unknown field; allowed: metric, minImprovement, maxDegradation, guard",
        )
    ]


@pytest.mark.parametrize(
    ("item", "key", "reason"),
    [
        ({"metric": "mae", "minImprovement": -0.1}, "minImprovement", "must not be negative"),
        ({"metric": "mae", "minImprovement": "0.1"}, "minImprovement", "Input should be a valid"),
        ({"metric": "mae", "maxDegradation": math.nan}, "maxDegradation", "Input should be a fin"),
        ({"metric": "auc", "minImprovement": 0.1}, "metric", "unknown metric 'auc'; use one of"),
        ({"metric": "mae", "guard": 1}, "guard", "Input should be a valid boolean"),
        ({"metric": "mae", "maxDegradation": 0.1, "guard": False}, "guard", "is false but max"),
    ],
)
def test_each_bad_key_has_one_error_naming_it(item: dict[str, Any], key: str, reason: str) -> None:
    assert [(path, said[: len(reason)]) for path, said in errors_of(item)] == [
        (f"successMetrics.{key}", reason)
    ]


def test_integer_amounts_are_floats_and_the_default_guard_holds() -> None:
    [target, guard] = parse_success_metrics(
        [{"metric": "mae", "minImprovement": 1}, {"metric": "r2", "guard": True}]
    )
    assert isinstance(target.min_improvement, float)
    assert guard == SuccessMetric("r2", max_degradation=DEFAULT_MAX_DEGRADATION)


# --- verdict -------------------------------------------------------------------------------


def comparison(metric: str, improvement: float, low: float, high: float) -> MetricComparison:
    """A hand-made comparison with the given oriented improvement and interval."""
    better_high = higher_is_better(metric)
    sign = 1 if better_high else -1
    ci = (low, high) if better_high else (-high, -low)
    return MetricComparison(
        metric=metric,
        baseline=0.5,
        current=0.5 + sign * improvement,
        difference=sign * improvement,
        ci_low=ci[0],
        ci_high=ci[1],
        confidence=0.95,
        p_value=0.01,
        n=1000,
        higher_is_better=better_high,
        improvement=improvement,
        improvement_ci=(low, high),
        n_baseline=1000,
        n_current=1000,
        paired=True,
        n_resamples=1000,
    )


TARGET = SuccessMetric("f1Score", min_improvement=0.02)
GUARD = SuccessMetric("accuracy", max_degradation=0.01)


@pytest.mark.parametrize(
    ("improvement", "low", "high", "status"),
    [
        (0.031, 0.012, 0.050, "met"),
        (0.02, 0.001, 0.04, "met"),
        (0.019, 0.001, 0.04, "inconclusive"),  # estimate short of the target
        (0.03, -0.001, 0.06, "inconclusive"),  # interval reaches 0
        (0.03, 0.0, 0.06, "inconclusive"),
        (0.01, 0.002, 0.0199, "not_met"),  # significant but surely below the target
        (-0.02, -0.04, 0.0, "not_met"),
        (0.01, -0.01, 0.02, "inconclusive"),  # interval reaches the target
    ],
)
def test_target_rule(improvement: float, low: float, high: float, status: str) -> None:
    verdict = judge({"f1Score": comparison("f1Score", improvement, low, high)}, [TARGET])
    assert verdict.criteria[0].status == status
    assert verdict.status == {"met": "passed", "not_met": "failed"}.get(status, "inconclusive")


@pytest.mark.parametrize(
    ("improvement", "low", "high", "status"),
    [
        (0.0, -0.01, 0.01, "met"),
        (-0.002, -0.009, 0.005, "met"),
        (0.0, -0.0101, 0.01, "inconclusive"),
        (-0.02, -0.03, -0.0101, "not_met"),
        (-0.02, -0.03, -0.01, "inconclusive"),
    ],
)
def test_guard_rule(improvement: float, low: float, high: float, status: str) -> None:
    verdict = judge({"accuracy": comparison("accuracy", improvement, low, high)}, [GUARD])
    assert verdict.criteria[0].status == status


def test_guard_on_a_lower_is_better_metric_uses_the_oriented_interval() -> None:
    mae = comparison("mae", -0.5, -0.9, -0.2)  # mae grew by 0.2 to 0.9: worse
    assert mae.ci_low == pytest.approx(0.2)
    assert mae.ci_high == pytest.approx(0.9)
    guard = SuccessMetric("mae", max_degradation=0.1)
    assert judge({"mae": mae}, [guard]).criteria[0].status == "not_met"
    loose = SuccessMetric("mae", max_degradation=1.0)
    assert judge({"mae": mae}, [loose]).criteria[0].status == "met"


def test_summary_sentence_and_as_dict() -> None:
    comparisons = {
        "f1Score": comparison("f1Score", 0.031, 0.012, 0.050),
        "accuracy": comparison("accuracy", -0.002, -0.008, 0.004),
    }
    verdict = judge(comparisons, [TARGET, GUARD])
    assert verdict.status == "passed"
    assert verdict.summary == (
        "current beats baseline on f1Score by +0.031 (95% CI +0.012 to +0.050); "
        "guard accuracy held."
    )
    assert all(r.reason.endswith(".") for r in verdict.criteria)
    as_dict = verdict.as_dict()
    assert json.loads(json.dumps(as_dict)) == as_dict
    first = as_dict["criteria"][0]
    assert first["status"] == "met"
    assert first["kind"] == "improvement"
    assert first["minImprovement"] == 0.02
    assert first["improvementCi"] == [0.012, 0.05]
    assert as_dict["criteria"][1]["maxDegradation"] == 0.01


def test_failed_beats_inconclusive_and_missing_metric_is_inconclusive() -> None:
    comparisons = {"accuracy": comparison("accuracy", -0.05, -0.07, -0.03)}
    verdict = judge(comparisons, [TARGET, GUARD])
    assert [r.status for r in verdict.criteria] == ["inconclusive", "not_met"]
    assert "no comparison for f1Score" in verdict.criteria[0].reason
    assert verdict.criteria[0].improvement is None
    assert verdict.status == "failed"
    assert verdict.summary.startswith("no comparison for f1Score; guard accuracy broken")
    assert judge({}, [TARGET]).status == "inconclusive"


def test_no_criteria_is_inconclusive() -> None:
    verdict = judge({"f1Score": comparison("f1Score", 0.1, 0.05, 0.2)}, [])
    assert verdict.status == "inconclusive"
    assert verdict.criteria == ()


def test_end_to_end_on_synthetic_predictions() -> None:
    truth, baseline, current = labels_data(n=3000)
    comparisons = {
        metric: paired_bootstrap(truth, baseline, current, metric=metric, n_resamples=300)
        for metric in ("f1Score", "accuracy")
    }
    criteria = parse_success_metrics(
        [{"metric": "accuracy", "minImprovement": 0.02}, {"metric": "f1Score", "guard": True}]
    )
    verdict = judge(comparisons, criteria)
    assert verdict.status == "passed", verdict.summary
    too_much = parse_success_metrics({"metric": "accuracy", "minImprovement": 0.5})
    assert judge(comparisons, too_much).status == "failed"
