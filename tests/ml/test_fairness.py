"""Group fairness metrics: equal to fairlearn's on the same data, judged against thresholds,
with bootstrap intervals that match fairlearn's figures on the resampled rows."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score, mean_absolute_error

from urutiq_ai.ml.fairness.bootstrap import bootstrap_indices
from urutiq_ai.ml.fairness.classification import CLASSIFICATION_METRICS, classification_fairness
from urutiq_ai.ml.fairness.inputs import MISSING_GROUP, default_positive_label
from urutiq_ai.ml.fairness.regression import regression_fairness
from urutiq_ai.ml.fairness.settings import FairnessConfigError, FairnessThresholds, thresholds_from

SEGMENTS = np.array(["smb", "mid", "enterprise"])


def make_classifier_data(
    n: int, seed: int = 0, enterprise_rate: float = 0.3, base_rate: float = 0.3
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segments, true labels and predictions; predictions select ``enterprise`` rows at
    ``enterprise_rate`` and the others at ``base_rate`` (0/1 labels)."""
    rng = np.random.default_rng(seed)
    segment = rng.choice(SEGMENTS, n, p=[0.5, 0.3, 0.2])
    rate = np.where(segment == "enterprise", enterprise_rate, base_rate)
    y_pred = (rng.random(n) < rate).astype(int)
    # truth agrees with the prediction 85% of the time, in every segment
    y_true = np.where(rng.random(n) < 0.85, y_pred, 1 - y_pred)
    return segment, y_true, y_pred


def make_regression_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Errors twice as large for ``enterprise`` as for the other segments."""
    rng = np.random.default_rng(seed)
    segment = rng.choice(SEGMENTS, n, p=[0.5, 0.3, 0.2])
    y_true = rng.normal(100.0, 20.0, n)
    noise = rng.normal(0.0, np.where(segment == "enterprise", 10.0, 5.0))
    return segment, y_true, y_true + noise


def fairlearn_figures(y_true, y_pred, groups) -> dict[str, float]:
    """The headline classification figures computed by fairlearn itself."""
    return {
        "demographicParityDifference": demographic_parity_difference(
            y_true, y_pred, sensitive_features=groups
        ),
        "demographicParityRatio": demographic_parity_ratio(
            y_true, y_pred, sensitive_features=groups
        ),
        "demographicParityRatioToOverall": MetricFrame(
            metrics=selection_rate, y_true=y_true, y_pred=y_pred, sensitive_features=groups
        ).ratio(method="to_overall"),
        "equalizedOddsDifference": equalized_odds_difference(
            y_true, y_pred, sensitive_features=groups
        ),
        "accuracyDifference": MetricFrame(
            metrics=accuracy_score, y_true=y_true, y_pred=y_pred, sensitive_features=groups
        ).difference(),
    }


# --- values equal fairlearn's ----------------------------------------------------------------


def test_classification_figures_equal_fairlearn():
    segment, y_true, y_pred = make_classifier_data(2000, enterprise_rate=0.2)
    report = classification_fairness(y_true, y_pred, segment, n_resamples=0)
    expected = fairlearn_figures(y_true, y_pred, segment)
    assert list(report.metrics) == list(CLASSIFICATION_METRICS)
    for name, value in expected.items():
        assert np.isclose(report.metrics[name].value, value), name
    frame = MetricFrame(
        metrics={
            "selectionRate": selection_rate,
            "falsePositiveRate": false_positive_rate,
            "truePositiveRate": true_positive_rate,
            "accuracy": accuracy_score,
        },
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=segment,
    )
    by_group = frame.by_group
    assert [g.name for g in report.groups] == sorted(SEGMENTS.tolist())
    for group in report.groups:
        assert group.size == int((segment == group.name).sum())
        for key in by_group.columns:
            assert np.isclose(group[key], by_group.loc[group.name, key]), (group.name, key)
        ratio = by_group.loc[group.name, "selectionRate"] / frame.overall["selectionRate"]
        assert np.isclose(group["selectionRateRatio"], ratio)
    assert report.positive_label == 1
    assert report.n == report.n_judged == 2000


def test_string_labels_use_positive_label_as_one_vs_rest():
    segment, y_true, y_pred = make_classifier_data(1500, enterprise_rate=0.15, seed=3)
    words = np.array(["reject", "approve"])
    report = classification_fairness(
        words[y_true], words[y_pred], segment, positive_label="approve", n_resamples=0
    )
    expected = fairlearn_figures(y_true, y_pred, segment)  # approve == 1
    for name, value in expected.items():
        assert np.isclose(report.metrics[name].value, value), name
    assert report.positive_label == "approve"


def test_multiclass_without_positive_label_compares_accuracy_only():
    rng = np.random.default_rng(5)
    segment = rng.choice(SEGMENTS, 900)
    y_true = rng.choice(["a", "b", "c"], 900)
    y_pred = np.where(rng.random(900) < 0.7, y_true, rng.choice(["a", "b", "c"], 900))
    report = classification_fairness(y_true, y_pred, segment, n_resamples=50)
    assert report.positive_label is None
    assert list(report.metrics) == ["accuracyDifference"]
    expected = MetricFrame(
        metrics=accuracy_score, y_true=y_true, y_pred=y_pred, sensitive_features=segment
    ).difference()
    assert np.isclose(report.metrics["accuracyDifference"].value, expected)
    assert set(report.groups[0].as_dict()) == {"group", "size", "judged", "accuracy"}

    one_vs_rest = classification_fairness(
        y_true, y_pred, segment, positive_label="b", n_resamples=0
    )
    binarized = fairlearn_figures((y_true == "b").astype(int), (y_pred == "b").astype(int), segment)
    for name in ("demographicParityRatio", "equalizedOddsDifference"):
        assert np.isclose(one_vs_rest.metrics[name].value, binarized[name])
    # accuracy stays that of the multiclass labels
    assert np.isclose(one_vs_rest.metrics["accuracyDifference"].value, expected)


def test_default_positive_label():
    assert default_positive_label(np.array([True, False]), np.array([False, False])) is True
    assert default_positive_label([0, 1, 1], [1, 1, 1]) == 1
    assert default_positive_label([-1, 1, 1], [1, -1, 1]) == 1
    assert default_positive_label(["ok", "ok", "fraud"], ["ok", "ok", "ok"]) == "fraud"
    assert default_positive_label(["a", "b"], ["a", "b"]) == "b"  # tie: the larger label
    assert default_positive_label(["a", "b", "c"], ["a", "b", "c"]) is None
    report = classification_fairness(
        np.array([True, False] * 40), np.array([True, True] * 40), ["x", "y"] * 40, n_resamples=0
    )
    assert report.positive_label is True


# --- bootstrap -----------------------------------------------------------------------------


def test_bootstrap_intervals_equal_fairlearn_on_the_resampled_rows():
    segment, y_true, y_pred = make_classifier_data(300, seed=7, enterprise_rate=0.2)
    segment[:3] = "tiny"  # often missing from a resample: left out, as fairlearn does
    thresholds = FairnessThresholds(min_group_size=1)
    n_resamples, confidence = 20, 0.9
    report = classification_fairness(
        y_true,
        y_pred,
        segment,
        thresholds=thresholds,
        n_resamples=n_resamples,
        confidence=confidence,
        seed=11,
    )
    replicates: dict[str, list[float]] = {name: [] for name in CLASSIFICATION_METRICS}
    for batch in bootstrap_indices(300, n_resamples, 11):
        for rows in batch:
            for name, value in fairlearn_figures(y_true[rows], y_pred[rows], segment[rows]).items():
                replicates[name].append(value)
    assert any(
        len(set(segment[rows])) == 3 for rows in next(bootstrap_indices(300, n_resamples, 11))
    )
    for name, values in replicates.items():
        low, high = np.quantile(values, [0.05, 0.95])
        result = report.metrics[name]
        assert np.isclose(result.ci_low, low), name
        assert np.isclose(result.ci_high, high), name


def test_regression_bootstrap_equals_fairlearn_on_the_resampled_rows():
    segment, y_true, y_pred = make_regression_data(400, seed=2)
    report = regression_fairness(y_true, y_pred, segment, n_resamples=30, seed=4)
    ratios, differences = [], []
    for batch in bootstrap_indices(400, 30, 4):
        for rows in batch:
            frame = MetricFrame(
                metrics=mean_absolute_error,
                y_true=y_true[rows],
                y_pred=y_pred[rows],
                sensitive_features=segment[rows],
            )
            ratios.append(1.0 / frame.ratio())
            differences.append(frame.difference())
    for name, values in (("errorRatio", ratios), ("maeDifference", differences)):
        low, high = np.quantile(values, [0.025, 0.975])
        assert np.isclose(report.metrics[name].ci_low, low), name
        assert np.isclose(report.metrics[name].ci_high, high), name


def test_interval_contains_the_estimate_and_shrinks_with_more_data():
    widths = {}
    for n in (600, 6000):
        segment, y_true, y_pred = make_classifier_data(n, enterprise_rate=0.15, seed=1)
        report = classification_fairness(y_true, y_pred, segment, n_resamples=200)
        for name in ("demographicParityRatio", "demographicParityDifference"):
            result = report.metrics[name]
            assert result.ci_low <= result.value <= result.ci_high, (n, name)
        ratio = report.metrics["demographicParityRatio"]
        widths[n] = ratio.ci_high - ratio.ci_low
    assert widths[6000] < widths[600] / 2


def test_same_seed_same_report_other_seed_other_interval():
    segment, y_true, y_pred = make_classifier_data(800, enterprise_rate=0.2, seed=9)
    first = classification_fairness(y_true, y_pred, segment, n_resamples=100, seed=3)
    again = classification_fairness(y_true, y_pred, segment, n_resamples=100, seed=3)
    other = classification_fairness(y_true, y_pred, segment, n_resamples=100, seed=4)
    assert first.as_dict() == again.as_dict()
    ci = first.metrics["demographicParityRatio"]
    other_ci = other.metrics["demographicParityRatio"]
    assert (ci.ci_low, ci.ci_high) != (other_ci.ci_low, other_ci.ci_high)
    assert ci.value == other_ci.value
    batches = [b.copy() for b in bootstrap_indices(50, 7, 1)]
    assert sum(b.shape[0] for b in batches) == 7
    assert all(b.shape[1] == 50 for b in batches)
    assert np.array_equal(np.vstack(batches), np.vstack(list(bootstrap_indices(50, 7, 1))))


def test_no_resamples_means_no_interval():
    segment, y_true, y_pred = make_classifier_data(300)
    report = classification_fairness(y_true, y_pred, segment, n_resamples=0)
    assert all(m.ci_low is None and m.ci_high is None for m in report.metrics.values())
    assert "CI" not in report.summary


# --- judging -------------------------------------------------------------------------------


def test_biased_model_fails_the_ratio_band():
    segment, y_true, y_pred = make_classifier_data(5000, enterprise_rate=0.12, base_rate=0.3)
    report = classification_fairness(y_true, y_pred, segment, n_resamples=200)
    ratio = report.metrics["demographicParityRatio"]
    assert report.status == "fail"
    assert ratio.status == "fail"
    assert ratio.value < 0.8
    assert ratio.threshold == (0.8, 1.25)
    assert ratio.worst_groups[0] == "enterprise"
    assert report.metrics["demographicParityRatioToOverall"].status == "fail"
    assert "enterprise" in report.metrics["demographicParityRatioToOverall"].worst_groups
    assert report.summary.startswith("demographic parity ratio 0.")
    assert "outside 0.80-1.25" in report.summary
    assert "'enterprise' selected at 0.1" in report.summary


def test_unbiased_model_passes():
    segment, y_true, y_pred = make_classifier_data(5000, enterprise_rate=0.3, base_rate=0.3)
    report = classification_fairness(y_true, y_pred, segment, n_resamples=200)
    assert report.status == "pass", report.summary
    assert all(m.status == "pass" for m in report.metrics.values())
    assert report.summary.startswith("no disparity beyond the thresholds across 3 groups")


def test_tighter_thresholds_fail_what_defaults_pass():
    segment, y_true, y_pred = make_classifier_data(3000, enterprise_rate=0.26, base_rate=0.3)
    default = classification_fairness(y_true, y_pred, segment, n_resamples=0)
    strict = classification_fairness(
        y_true,
        y_pred,
        segment,
        thresholds=thresholds_from({"ratioBand": [0.95, 1.05], "maxParityDifference": 0.01}),
        n_resamples=0,
    )
    assert default.metrics["demographicParityRatio"].status == "pass"
    assert strict.metrics["demographicParityRatio"].status == "fail"
    assert strict.metrics["demographicParityDifference"].status == "fail"
    assert strict.status == "fail"


def test_no_positive_prediction_leaves_the_ratio_undefined():
    segment, y_true, _ = make_classifier_data(600)
    report = classification_fairness(y_true, np.zeros(600, dtype=int), segment, n_resamples=50)
    ratio = report.metrics["demographicParityRatio"]
    assert math.isnan(ratio.value)
    assert ratio.status == "insufficient"
    assert report.metrics["demographicParityDifference"].status == "pass"
    assert report.status in ("insufficient", "fail")
    payload = report.as_dict()
    assert payload["metrics"]["demographicParityRatio"]["value"] is None
    json.dumps(payload, allow_nan=False)


def test_regression_error_ratio():
    segment, y_true, y_pred = make_regression_data(3000)
    report = regression_fairness(y_true, y_pred, segment, n_resamples=200)
    frame = MetricFrame(
        metrics=mean_absolute_error, y_true=y_true, y_pred=y_pred, sensitive_features=segment
    )
    error_ratio = report.metrics["errorRatio"]
    assert np.isclose(error_ratio.value, frame.group_max() / frame.group_min())
    assert np.isclose(error_ratio.value, 1.0 / frame.ratio())
    assert 1.7 < error_ratio.value < 2.3
    assert error_ratio.status == "fail"
    assert error_ratio.worst_groups[0] == "enterprise"
    assert error_ratio.ci_low <= error_ratio.value <= error_ratio.ci_high
    difference = report.metrics["maeDifference"]
    assert np.isclose(difference.value, frame.difference())
    assert difference.status == "info"
    assert difference.threshold is None
    assert report.status == "fail"
    assert "'enterprise' MAE" in report.summary
    for group in report.groups:
        assert np.isclose(group["mae"], frame.by_group[group.name])
        rows = segment == group.name
        assert np.isclose(group["meanPrediction"], y_pred[rows].mean())

    fair = regression_fairness(
        y_true, y_true + np.random.default_rng(1).normal(0, 5, 3000), segment, n_resamples=50
    )
    assert fair.status == "pass"


def test_regression_rejects_non_numbers():
    with pytest.raises(ValueError, match="finite"):
        regression_fairness([1.0, np.nan], [1.0, 2.0], ["a", "b"], n_resamples=0)


# --- groups --------------------------------------------------------------------------------


def test_small_groups_are_reported_but_not_judged():
    segment, y_true, y_pred = make_classifier_data(1000, enterprise_rate=0.2, seed=4)
    segment = segment.astype(object)
    segment[:12] = "startup"  # 12 rows, under the default 30
    report = classification_fairness(y_true, y_pred, segment, n_resamples=50)
    startup = next(g for g in report.groups if g.name == "startup")
    assert startup.size == 12
    assert not startup.judged
    assert all(g.judged for g in report.groups if g.name != "startup")
    big = segment != "startup"
    expected = fairlearn_figures(y_true[big], y_pred[big], segment[big])
    for name, value in expected.items():
        assert np.isclose(report.metrics[name].value, value), name
    assert report.n == 1000
    assert report.n_judged == 988
    assert "1 group under 30 rows not judged" in report.summary


def test_fewer_than_two_large_groups_is_insufficient():
    segment, y_true, y_pred = make_classifier_data(200, seed=2)
    segment = np.where(np.arange(200) < 20, "small", "big")
    report = classification_fairness(y_true, y_pred, segment, n_resamples=20)
    assert report.status == "insufficient"
    assert all(m.status == "insufficient" for m in report.metrics.values())
    expected = fairlearn_figures(y_true, y_pred, segment)  # all rows, for information
    assert np.isclose(
        report.metrics["demographicParityRatio"].value, expected["demographicParityRatio"]
    )
    assert report.summary.startswith("only 1 of 2 groups in 'sensitive' have at least 30 rows")


def test_a_single_group_is_insufficient_not_an_error():
    report = classification_fairness([0, 1, 1, 0], [0, 1, 0, 0], ["a"] * 4, n_resamples=20)
    assert report.status == "insufficient"
    assert report.metrics == {}
    assert "only one group ('a')" in report.summary
    assert report.groups[0].size == 4
    regression = regression_fairness([1.0, 2.0], [1.5, 2.5], ["a", "a"], n_resamples=5)
    assert regression.status == "insufficient"


def test_missing_sensitive_values_form_their_own_group():
    segment, y_true, y_pred = make_classifier_data(600, seed=6)
    series = pd.Series(segment, name="segment", dtype=object)
    series[:40] = None
    series[40:80] = np.nan
    report = classification_fairness(y_true, y_pred, series, n_resamples=0)
    assert report.sensitive_column == "segment"
    missing = next(g for g in report.groups if g.name == MISSING_GROUP)
    assert missing.size == 80
    named = classification_fairness(
        y_true, y_pred, series.to_numpy(), n_resamples=0, sensitive_column="customerSegment"
    )
    assert named.sensitive_column == "customerSegment"


def test_group_names_are_strings():
    segment = np.array([1, 2] * 50)
    y = np.array([0, 1, 1, 0] * 25)
    report = classification_fairness(y, y, segment, n_resamples=0)
    assert [g.name for g in report.groups] == ["1", "2"]
    assert report.metrics["accuracyDifference"].worst_groups == ["1"]


# --- bad inputs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (([0, 1], [0, 1, 1], ["a", "b"]), "same length"),
        (([], [], []), "no rows"),
        (([0, None], [0, 1], ["a", "b"]), "missing"),
    ],
)
def test_bad_classification_inputs(args, match):
    with pytest.raises(ValueError, match=match):
        classification_fairness(*args, n_resamples=0)


def test_bad_options():
    with pytest.raises(ValueError, match="positive_label"):
        classification_fairness([0, 1], [0, 1], ["a", "b"], positive_label=2, n_resamples=0)
    with pytest.raises(ValueError, match="confidence"):
        classification_fairness([0, 1], [0, 1], ["a", "b"], confidence=1.0)
    with pytest.raises(ValueError, match="n_resamples"):
        regression_fairness([0.0, 1.0], [0.0, 1.0], ["a", "b"], n_resamples=-1)


# --- thresholds ----------------------------------------------------------------------------


def test_threshold_defaults_and_round_trip():
    defaults = FairnessThresholds()
    assert defaults.ratio_band == (0.8, 1.25)
    assert defaults.max_parity_difference == 0.1
    assert defaults.max_equalized_odds_difference == 0.1
    assert defaults.max_accuracy_difference == 0.1
    assert defaults.max_error_ratio == 1.25
    assert defaults.min_group_size == 30
    assert thresholds_from(None) == defaults
    assert thresholds_from({}) == defaults
    custom = thresholds_from({"ratioBand": [0.9, 1.1], "minGroupSize": 50, "maxErrorRatio": 2})
    assert custom.ratio_band == (0.9, 1.1)
    assert custom.min_group_size == 50
    assert custom.max_error_ratio == 2.0
    assert thresholds_from(custom.as_dict()) == custom
    json.dumps(custom.as_dict(), allow_nan=False)


def test_threshold_errors_name_their_paths():
    with pytest.raises(FairnessConfigError) as caught:
        thresholds_from(
            {
                "ratioBand": [1.5, 0.9],
                "maxParityDifference": 1.5,
                "maxEqualizedOddsDifference": "0.1",
                "maxAccuracyDifference": True,
                "maxErrorRatio": 0.5,
                "minGroupSize": 0,
                "maxRatio": 0.8,
            }
        )
    paths = [path for path, _ in caught.value.errors]
    assert paths == [
        "thresholds.maxRatio",
        "thresholds.maxParityDifference",
        "thresholds.maxEqualizedOddsDifference",
        "thresholds.maxAccuracyDifference",
        "thresholds.ratioBand",
        "thresholds.maxErrorRatio",
        "thresholds.minGroupSize",
    ]
    reasons = dict(caught.value.errors)
    assert "unknown field; allowed: maxParityDifference" in reasons["thresholds.maxRatio"]
    assert reasons["thresholds.ratioBand"] == (
        "low must lie in (0, 1], got 1.5; high must be at least 1, got 0.9"
    )
    assert "[0, 1]" in reasons["thresholds.maxParityDifference"]
    assert isinstance(caught.value, ValueError)
    assert "thresholds.ratioBand: low must lie in (0, 1]" in str(caught.value)


@pytest.mark.parametrize(
    ("mapping", "path", "reason"),
    [
        ({"ratioBand": [0.8]}, "policy.ratioBand", "two numbers"),
        ({"ratioBand": "0.8-1.25"}, "policy.ratioBand", "two numbers"),
        ({"ratioBand": [0, 1.25]}, "policy.ratioBand", "low"),
        ({"ratioBand": [0.8, float("inf")]}, "policy.ratioBand", "finite"),
        ({"minGroupSize": 2.5}, "policy.minGroupSize", "whole number"),
        ({"minGroupSize": True}, "policy.minGroupSize", "whole number"),
        ({"maxErrorRatio": float("nan")}, "policy.maxErrorRatio", "finite"),
    ],
)
def test_threshold_error_cases(mapping, path, reason):
    with pytest.raises(FairnessConfigError) as caught:
        thresholds_from(mapping, path="policy")
    assert len(caught.value.errors) == 1
    assert caught.value.errors[0][0] == path
    assert reason in caught.value.errors[0][1]


def test_thresholds_must_be_an_object_and_valid_when_built():
    with pytest.raises(FairnessConfigError) as caught:
        thresholds_from([0.8, 1.25])  # type: ignore[arg-type]
    assert caught.value.errors[0][0] == "thresholds"
    with pytest.raises(FairnessConfigError, match=r"thresholds\.ratioBand"):
        FairnessThresholds(ratio_band=(1.2, 1.5))


def test_thresholds_read_only_their_camel_case_keys() -> None:
    with pytest.raises(FairnessConfigError) as caught:
        thresholds_from({"min_group_size": 5})
    assert caught.value.errors == [
        (
            "thresholds.min_group_size",
            "unknown field; allowed: maxParityDifference, ratioBand, "
            "maxEqualizedOddsDifference, maxAccuracyDifference, maxErrorRatio, minGroupSize",
        )
    ]


@pytest.mark.parametrize(
    ("mapping", "path", "reason"),
    [
        ({"maxParityDifference": None}, "policy.maxParityDifference", "Input should be a valid"),
        ({"maxAccuracyDifference": -0.1}, "policy.maxAccuracyDifference", "must lie in [0, 1]"),
        ({"maxEqualizedOddsDifference": "0.1"}, "policy.maxEqualizedOddsDifference", "valid"),
        ({"maxErrorRatio": 0.9}, "policy.maxErrorRatio", "must be at least 1, got 0.9"),
        ({"minGroupSize": 0}, "policy.minGroupSize", "must be at least 1, got 0"),
        ({"minGroupSize": "30"}, "policy.minGroupSize", "must be a whole number"),
        ({"ratioBand": [0.8, 0.9]}, "policy.ratioBand", "high must be at least 1, got 0.9"),
        ({"ratioBand": [0.8, "1.25"]}, "policy.ratioBand", "must hold two finite numbers"),
    ],
)
def test_each_bad_threshold_has_one_error_naming_it(
    mapping: dict[str, object], path: str, reason: str
) -> None:
    with pytest.raises(FairnessConfigError) as caught:
        thresholds_from(mapping, path="policy")
    [(named, said)] = caught.value.errors
    assert named == path
    assert reason in said


def test_thresholds_take_numpy_and_integer_numbers() -> None:
    thresholds = thresholds_from({"minGroupSize": np.int64(12), "maxErrorRatio": 2})
    assert thresholds.min_group_size == 12
    assert type(thresholds.min_group_size) is int
    assert type(thresholds.max_error_ratio) is float
    built = FairnessThresholds(ratio_band=(1, 2), min_group_size=np.int64(3))  # type: ignore[arg-type]
    assert built.ratio_band == (1.0, 2.0)
    assert type(built.min_group_size) is int


# --- serialisation -------------------------------------------------------------------------


def test_report_as_dict_is_json_with_camel_case_keys():
    segment, y_true, y_pred = make_classifier_data(400, enterprise_rate=0.1)
    report = classification_fairness(
        np.array([False, True])[y_true],
        np.array([False, True])[y_pred],
        pd.Series(segment, name="segment"),
        n_resamples=50,
    )
    payload = json.loads(json.dumps(report.as_dict(), allow_nan=False))
    assert {"status", "summary", "sensitiveColumn", "nJudged", "positiveLabel", "metrics"} <= set(
        payload
    )
    assert payload["positiveLabel"] is True
    assert payload["sensitiveColumn"] == "segment"
    metric = payload["metrics"]["demographicParityRatio"]
    assert set(metric) == {
        "name",
        "value",
        "ciLow",
        "ciHigh",
        "threshold",
        "status",
        "worstGroups",
    }
    assert metric["threshold"] == [0.8, 1.25]
    assert payload["metrics"]["equalizedOddsDifference"]["threshold"] == 0.1
    group = payload["groups"][0]
    assert set(group) == {
        "group",
        "size",
        "judged",
        "accuracy",
        "selectionRate",
        "falsePositiveRate",
        "truePositiveRate",
        "selectionRateRatio",
    }
    regression = regression_fairness(*make_regression_data(300)[1:], make_regression_data(300)[0])
    json.dumps(regression.as_dict(), allow_nan=False)
    assert set(regression.as_dict()["groups"][0]) == {
        "group",
        "size",
        "judged",
        "mae",
        "meanPrediction",
        "meanTarget",
    }
