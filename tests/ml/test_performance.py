"""Live performance per calendar window: UTC window alignment, the previous window, the
classification / anomaly / regression metrics against scikit-learn and numpy, grouping by
window and the trend rule."""

import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

from urutiq_ai.ml.errors import MLError
from urutiq_ai.ml.labels import label_text
from urutiq_ai.ml.performance import (
    LOWER_IS_BETTER,
    TREND_TOLERANCE,
    Outcome,
    WindowMetrics,
    classification_metrics,
    metrics_by_window,
    previous_window_start,
    regression_metrics,
    trend,
    window_start,
)

PLUS5 = timezone(timedelta(hours=5))
MINUS8 = timezone(timedelta(hours=-8))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def sklearn_metrics(
    predicted: list[Any], actual: list[Any], labels: list[str] | None = None
) -> dict[str, float]:
    """The reference: scikit-learn on the text labels."""
    y_pred = [label_text(v) for v in predicted]
    y_true = [label_text(v) for v in actual]
    precision, recall, f1, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, average="macro", zero_division=0
    )
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
    }


def assert_metrics_equal(got: dict[str, float], expected: dict[str, float]) -> None:
    assert set(got) == set(expected)
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, abs=1e-12), name
        assert isinstance(got[name], float), name


# --- window_start ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "window", "expected"),
    [
        # daily: 00:00 UTC of the same day
        (utc(2026, 3, 4, 15, 42, 7, 123456), "daily", utc(2026, 3, 4)),
        (utc(2026, 3, 4), "daily", utc(2026, 3, 4)),
        (utc(2026, 3, 4, 23, 59, 59, 999999), "daily", utc(2026, 3, 4)),
        (utc(2024, 2, 29, 12), "daily", utc(2024, 2, 29)),
        # weekly: Monday 00:00 (ISO weeks); 2026-03-02 is a Monday
        (utc(2026, 3, 2), "weekly", utc(2026, 3, 2)),
        (utc(2026, 3, 2, 0, 0, 0, 1), "weekly", utc(2026, 3, 2)),
        (utc(2026, 3, 4, 10), "weekly", utc(2026, 3, 2)),
        (utc(2026, 3, 8, 23, 59), "weekly", utc(2026, 3, 2)),  # Sunday 23:59
        (utc(2026, 3, 8, 23, 59, 59, 999999), "weekly", utc(2026, 3, 2)),
        (utc(2026, 3, 9), "weekly", utc(2026, 3, 9)),  # Monday 00:00 opens a new week
        (utc(2026, 1, 1, 12), "weekly", utc(2025, 12, 29)),  # a Thursday: week in 2025
        (utc(2026, 1, 4, 23, 59), "weekly", utc(2025, 12, 29)),  # Sunday of that week
        (utc(2026, 1, 5), "weekly", utc(2026, 1, 5)),
        (utc(2026, 3, 1, 12), "weekly", utc(2026, 2, 23)),  # across a month boundary
        # monthly: the first day, 00:00
        (utc(2026, 3, 17, 8), "monthly", utc(2026, 3, 1)),
        (utc(2026, 3, 1), "monthly", utc(2026, 3, 1)),
        (utc(2026, 3, 31, 23, 59, 59, 999999), "monthly", utc(2026, 3, 1)),
        (utc(2025, 12, 31, 23, 59), "monthly", utc(2025, 12, 1)),
        (utc(2026, 1, 1), "monthly", utc(2026, 1, 1)),
        (utc(2024, 2, 29, 23), "monthly", utc(2024, 2, 1)),
    ],
)
def test_window_start_aligns_to_the_utc_calendar(
    moment: datetime, window: str, expected: datetime
) -> None:
    start = window_start(moment, window)
    assert start == expected
    assert start.tzinfo is not None
    assert start.utcoffset() == timedelta(0)
    assert start <= moment < start + timedelta(days=32)


def test_weekly_start_is_always_a_monday_at_midnight() -> None:
    base = utc(2025, 12, 20)
    for hours in range(0, 24 * 21, 5):
        moment = base + timedelta(hours=hours, minutes=17)
        start = window_start(moment, "weekly")
        assert start.weekday() == 0
        assert (start.hour, start.minute, start.second, start.microsecond) == (0, 0, 0, 0)
        assert start <= moment < start + timedelta(days=7)
        assert start.isocalendar()[:2] == moment.isocalendar()[:2]


@pytest.mark.parametrize(
    ("moment", "window", "expected"),
    [
        # 2026-03-02T01:30+05:00 is 2026-03-01T20:30Z
        (datetime(2026, 3, 2, 1, 30, tzinfo=PLUS5), "daily", utc(2026, 3, 1)),
        (datetime(2026, 3, 2, 1, 30, tzinfo=PLUS5), "weekly", utc(2026, 2, 23)),
        (datetime(2026, 3, 2, 1, 30, tzinfo=PLUS5), "monthly", utc(2026, 3, 1)),
        (datetime(2026, 3, 1, 2, 0, tzinfo=PLUS5), "monthly", utc(2026, 2, 1)),  # 02-28 21:00Z
        (datetime(2026, 3, 2, 5, 0, tzinfo=PLUS5), "daily", utc(2026, 3, 2)),  # 00:00Z
        # 2025-12-31T20:00-08:00 is 2026-01-01T04:00Z
        (datetime(2025, 12, 31, 20, 0, tzinfo=MINUS8), "daily", utc(2026, 1, 1)),
        (datetime(2025, 12, 31, 20, 0, tzinfo=MINUS8), "monthly", utc(2026, 1, 1)),
        (datetime(2025, 12, 31, 20, 0, tzinfo=MINUS8), "weekly", utc(2025, 12, 29)),
        # Sunday 2026-03-08T18:00-08:00 is Monday 2026-03-09T02:00Z
        (datetime(2026, 3, 8, 18, 0, tzinfo=MINUS8), "weekly", utc(2026, 3, 9)),
    ],
)
def test_window_start_converts_aware_moments_to_utc(
    moment: datetime, window: str, expected: datetime
) -> None:
    start = window_start(moment, window)
    assert start == expected
    assert start.utcoffset() == timedelta(0)
    assert start.tzinfo == UTC


@pytest.mark.parametrize("window", ["daily", "weekly", "monthly"])
@pytest.mark.parametrize(
    "naive",
    [
        datetime(2026, 3, 2, 1, 30),
        datetime(2026, 1, 1, 0, 0),
        datetime(2026, 3, 8, 23, 59),
        datetime(2025, 12, 31, 23, 59, 59),
    ],
)
def test_window_start_treats_naive_moments_as_utc(naive: datetime, window: str) -> None:
    start = window_start(naive, window)
    assert start == window_start(naive.replace(tzinfo=UTC), window)
    assert start.tzinfo is not None
    assert start.utcoffset() == timedelta(0)


def test_naive_moment_is_not_shifted_by_the_local_zone() -> None:
    assert window_start(datetime(2026, 3, 2, 1, 30), "daily") == utc(2026, 3, 2)
    assert window_start(datetime(2026, 3, 1, 23, 30), "daily") == utc(2026, 3, 1)


@pytest.mark.parametrize("window", ["hourly", "yearly", "Daily", "", "week", "month"])
def test_window_start_rejects_unknown_windows(window: str) -> None:
    with pytest.raises(MLError, match="unknown time window"):
        window_start(utc(2026, 3, 2), window)


# --- previous_window_start ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "window", "expected"),
    [
        (utc(2026, 3, 2), "daily", utc(2026, 3, 1)),
        (utc(2026, 3, 1), "daily", utc(2026, 2, 28)),
        (utc(2024, 3, 1), "daily", utc(2024, 2, 29)),
        (utc(2026, 1, 1), "daily", utc(2025, 12, 31)),
        (utc(2026, 3, 9), "weekly", utc(2026, 3, 2)),
        (utc(2026, 3, 2), "weekly", utc(2026, 2, 23)),
        (utc(2026, 1, 5), "weekly", utc(2025, 12, 29)),
        (utc(2025, 12, 29), "weekly", utc(2025, 12, 22)),
        (utc(2026, 3, 1), "monthly", utc(2026, 2, 1)),  # February has 28 days
        (utc(2024, 3, 1), "monthly", utc(2024, 2, 1)),  # leap February
        (utc(2026, 2, 1), "monthly", utc(2026, 1, 1)),  # January has 31 days
        (utc(2026, 5, 1), "monthly", utc(2026, 4, 1)),  # April has 30 days
        (utc(2026, 1, 1), "monthly", utc(2025, 12, 1)),  # across the year
        (utc(2026, 8, 1), "monthly", utc(2026, 7, 1)),
    ],
)
def test_previous_window_start(start: datetime, window: str, expected: datetime) -> None:
    previous = previous_window_start(start, window)
    assert previous == expected
    assert previous.utcoffset() == timedelta(0)
    # the previous window ends exactly where this one starts
    assert window_start(start - timedelta(microseconds=1), window) == previous
    assert window_start(previous, window) == previous


@pytest.mark.parametrize("window", ["daily", "weekly", "monthly"])
def test_previous_window_start_walks_back_contiguous_windows(window: str) -> None:
    start = window_start(utc(2026, 4, 15, 9), window)
    for _ in range(30):
        previous = previous_window_start(start, window)
        assert previous < start
        # every moment between the two starts belongs to the previous window
        assert window_start(previous, window) == previous
        assert window_start(start - timedelta(seconds=1), window) == previous
        if window == "daily":
            assert start - previous == timedelta(days=1)
        elif window == "weekly":
            assert start - previous == timedelta(days=7)
        else:
            assert previous.day == 1
            assert (previous.month % 12) + 1 == start.month
            assert timedelta(days=28) <= start - previous <= timedelta(days=31)
        start = previous


def test_previous_window_start_accepts_aware_non_utc_starts() -> None:
    # 2026-03-01T05:00+05:00 is 2026-03-01T00:00Z, the start of a UTC day and month
    start = datetime(2026, 3, 1, 5, 0, tzinfo=PLUS5)
    assert previous_window_start(start, "daily") == utc(2026, 2, 28)
    assert previous_window_start(start, "monthly") == utc(2026, 2, 1)


def test_previous_window_start_rejects_unknown_windows() -> None:
    with pytest.raises(MLError):
        previous_window_start(utc(2026, 3, 2), "quarterly")


# --- classification_metrics --------------------------------------------------------------

CLASSIFICATION_CASES = [
    (["a", "b", "a", "c"], ["a", "b", "b", "c"]),
    (["a", "a", "a", "a"], ["a", "b", "c", "a"]),  # never predicts b or c
    (["x", "y", "z"], ["x", "y", "z"]),  # perfect
    (["x", "y", "z"], ["y", "z", "x"]),  # all wrong
    (["a"], ["a"]),
    (["a"], ["b"]),
    (["cat", "dog", "dog", "bird", "cat", "bird"], ["cat", "cat", "dog", "bird", "dog", "cat"]),
    (["spam", "ham", "new"], ["spam", "ham", "ham"]),  # a label only predicted
]


@pytest.mark.parametrize(("predicted", "actual"), CLASSIFICATION_CASES)
def test_classification_metrics_match_sklearn_macro(
    predicted: list[Any], actual: list[Any]
) -> None:
    assert_metrics_equal(
        classification_metrics(predicted, actual), sklearn_metrics(predicted, actual)
    )


@pytest.mark.parametrize("seed", range(5))
def test_classification_metrics_match_sklearn_on_random_labels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    classes = ["alpha", "beta", "gamma", "delta"]
    n = int(rng.integers(5, 60))
    actual = list(rng.choice(classes, n))
    predicted = [a if rng.random() < 0.6 else str(rng.choice(classes)) for a in actual]
    got = classification_metrics(predicted, actual)
    assert_metrics_equal(got, sklearn_metrics(predicted, actual))
    assert got["accuracy"] == pytest.approx(np.mean(np.array(predicted) == np.array(actual)))


def test_classification_metrics_known_values() -> None:
    # a: P=1/2 R=1 ; b: P=1 R=1/2 ; c: P=1 R=1
    got = classification_metrics(["a", "b", "a", "c"], ["a", "b", "b", "c"])
    assert got["accuracy"] == pytest.approx(0.75)
    assert got["precision"] == pytest.approx((0.5 + 1 + 1) / 3)
    assert got["recall"] == pytest.approx((1 + 0.5 + 1) / 3)
    assert got["f1"] == pytest.approx((2 / 3 + 2 / 3 + 1) / 3)


def test_classification_metrics_zero_division_gives_zero_without_warning() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = classification_metrics(["a", "a", "a"], ["a", "b", "c"])
    # b and c are never predicted: their precision counts as 0
    assert got["precision"] == pytest.approx(1 / 9)
    assert got["recall"] == pytest.approx(1 / 3)


ANOMALY_CASES = [
    ([True, False, True, False], [True, True, False, False]),
    ([False, False, False], [False, False, False]),  # no anomaly anywhere
    ([True, True], [False, False]),  # only false alarms
    ([False, False], [True, True]),  # only misses
    ([True, True, False], [True, True, False]),
    ([True, False, False, False, True, False], [True, False, True, False, False, False]),
]


@pytest.mark.parametrize(("predicted", "actual"), ANOMALY_CASES)
def test_anomaly_metrics_use_the_true_class_only(predicted: list[Any], actual: list[Any]) -> None:
    got = classification_metrics(predicted, actual, anomaly=True)
    assert_metrics_equal(got, sklearn_metrics(predicted, actual, labels=["true"]))
    # accuracy is over every row, not just the anomalies
    assert got["accuracy"] == pytest.approx(
        float(np.mean([p == a for p, a in zip(predicted, actual, strict=True)]))
    )


def test_anomaly_metrics_differ_from_macro_average() -> None:
    predicted = [True, False, False, False, True, False]
    actual = [True, False, True, False, False, False]
    anomaly = classification_metrics(predicted, actual, anomaly=True)
    macro = classification_metrics(predicted, actual)
    # true class: tp=1, fp=1, fn=1
    assert anomaly["precision"] == pytest.approx(0.5)
    assert anomaly["recall"] == pytest.approx(0.5)
    assert anomaly["f1"] == pytest.approx(0.5)
    assert macro["precision"] == pytest.approx((0.5 + 0.75) / 2)
    assert anomaly["accuracy"] == macro["accuracy"] == pytest.approx(4 / 6)


def test_anomaly_metrics_without_any_anomaly_are_zero() -> None:
    got = classification_metrics([False, False], [False, False], anomaly=True)
    assert got == {"accuracy": 1.0, "precision": 0.0, "recall": 0.0, "f1": 0.0}


@pytest.mark.parametrize("anomaly_value", [True, "true", "True", "TRUE", " true "], ids=repr)
def test_anomaly_class_is_matched_as_text(anomaly_value: Any) -> None:
    got = classification_metrics(
        [anomaly_value, False, anomaly_value], [True, "false", "False"], anomaly=True
    )
    assert got["accuracy"] == pytest.approx(2 / 3)
    assert got["precision"] == pytest.approx(0.5)
    assert got["recall"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("predicted", "actual"),
    [
        ([True, False], ["true", "false"]),
        ([True, False], ["True", "False"]),
        (["true", "FALSE"], [True, False]),
        ([1, 0], [1.0, 0.0]),
        ([1, 0], ["1", "0"]),
        ([1.0, 0.0], ["1", "0"]),
        ([2.0, 3], [2, "3"]),
        (["Cat", " dog "], ["cat", "DOG"]),
    ],
    ids=repr,
)
def test_labels_are_compared_as_text(predicted: list[Any], actual: list[Any]) -> None:
    assert classification_metrics(predicted, actual) == {
        "accuracy": 1.0,
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
    }


def test_mixed_label_types_match_sklearn_on_text() -> None:
    predicted = [True, "True", 1, 1.0, "1", "yes", 0.5]
    actual = ["true", False, "1", 1, 2, "YES", "0.5"]
    got = classification_metrics(predicted, actual)
    assert_metrics_equal(got, sklearn_metrics(predicted, actual))
    assert got["accuracy"] == pytest.approx(5 / 7)


# --- regression_metrics ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("predicted", "actual"),
    [
        ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]),
        ([1.0, 2.0, 3.0], [2.0, 2.0, 5.0]),
        ([10, -4, 0], [7, 4, 0]),
        ([2.5], [-1.5]),
        (["1.5", "2"], [1, 2.5]),  # numeric strings are numbers
        ([100.0, 200.0, 300.0, 400.0], [110.0, 190.0, 330.0, 360.0]),
    ],
)
def test_regression_metrics_match_numpy(predicted: list[Any], actual: list[Any]) -> None:
    errors = np.asarray(predicted, dtype=float) - np.asarray(actual, dtype=float)
    got = regression_metrics(predicted, actual)
    assert set(got) == {"mae", "rmse"}
    assert got["mae"] == pytest.approx(float(np.mean(np.abs(errors))))
    assert got["rmse"] == pytest.approx(float(np.sqrt(np.mean(errors**2))))
    assert all(isinstance(v, float) for v in got.values())
    assert got["mae"] <= got["rmse"] + 1e-12


def test_regression_metrics_known_values() -> None:
    got = regression_metrics([1.0, 2.0, 3.0], [2.0, 2.0, 5.0])  # errors -1, 0, -2
    assert got["mae"] == pytest.approx(1.0)
    assert got["rmse"] == pytest.approx(math.sqrt(5 / 3))


@pytest.mark.parametrize("seed", range(3))
def test_regression_metrics_match_numpy_on_random_values(seed: int) -> None:
    rng = np.random.default_rng(seed)
    actual = rng.normal(100, 25, 200)
    predicted = actual + rng.normal(0, 5, 200)
    got = regression_metrics(list(predicted), list(actual))
    assert got["mae"] == pytest.approx(np.mean(np.abs(predicted - actual)))
    assert got["rmse"] == pytest.approx(np.sqrt(np.mean((predicted - actual) ** 2)))


@pytest.mark.parametrize(
    ("predicted", "actual"),
    [
        (["abc", 2.0], [1.0, 2.0]),
        ([1.0, 2.0], [1.0, "n/a"]),
        ([{"value": 1}], [1.0]),
        ([[1.0, 2.0], 3.0], [1.0, 2.0]),
    ],
    ids=repr,
)
def test_regression_metrics_reject_non_numbers(predicted: list[Any], actual: list[Any]) -> None:
    with pytest.raises(MLError, match="must be numbers"):
        regression_metrics(predicted, actual)


# --- metrics_by_window -------------------------------------------------------------------


def test_metrics_by_window_groups_daily_oldest_first() -> None:
    outcomes = [
        Outcome(utc(2026, 3, 3, 9), "b", "b"),
        Outcome(utc(2026, 3, 1, 12), "a", "a"),
        Outcome(utc(2026, 3, 3, 23, 59), "a", "b"),
        Outcome(utc(2026, 3, 1, 0), "a", "b"),
        Outcome(datetime(2026, 3, 2, 1, 30, tzinfo=PLUS5), "c", "c"),  # 2026-03-01 20:30Z
        Outcome(datetime(2026, 3, 2, 10), "a", "a"),  # naive: UTC
    ]
    result = metrics_by_window(outcomes, kind="classification", window="daily")
    assert [w.start for w in result] == [utc(2026, 3, 1), utc(2026, 3, 2), utc(2026, 3, 3)]
    assert [w.count for w in result] == [3, 1, 2]
    assert all(isinstance(w, WindowMetrics) for w in result)
    assert_metrics_equal(result[0].values, classification_metrics(["a", "a", "c"], ["a", "b", "c"]))
    assert result[1].values == {"accuracy": 1.0, "precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert_metrics_equal(result[2].values, classification_metrics(["b", "a"], ["b", "b"]))


@pytest.mark.parametrize("window", ["daily", "weekly", "monthly"])
@pytest.mark.parametrize("kind", ["classification", "anomaly_detection"])
def test_metrics_by_window_equals_metrics_of_each_window(window: str, kind: str) -> None:
    rng = np.random.default_rng(7)
    base = utc(2025, 12, 1)
    values: list[Any] = [True, False] if kind == "anomaly_detection" else ["red", "green", "blue"]
    span_days = {"daily": 6, "weekly": 30, "monthly": 75}[window]
    outcomes = []
    for _ in range(120):
        at = base + timedelta(minutes=int(rng.integers(0, 60 * 24 * span_days)))
        actual = values[int(rng.integers(len(values)))]
        predicted = actual if rng.random() < 0.7 else values[int(rng.integers(len(values)))]
        outcomes.append(Outcome(at, predicted, actual))

    result = metrics_by_window(iter(outcomes), kind=kind, window=window)

    starts = [w.start for w in result]
    assert starts == sorted(starts)
    assert len(set(starts)) == len(starts)
    assert sum(w.count for w in result) == len(outcomes)
    for w in result:
        items = [o for o in outcomes if window_start(o.at, window) == w.start]
        assert w.count == len(items) > 0
        expected = classification_metrics(
            [o.predicted for o in items],
            [o.actual for o in items],
            anomaly=kind == "anomaly_detection",
        )
        assert w.values == expected
        labels = ["true"] if kind == "anomaly_detection" else None
        assert_metrics_equal(
            w.values,
            sklearn_metrics([o.predicted for o in items], [o.actual for o in items], labels),
        )
    expected_windows = {window_start(o.at, window) for o in outcomes}
    assert set(starts) == expected_windows


def test_metrics_by_window_anomaly_kind_scores_the_true_class() -> None:
    outcomes = [
        Outcome(utc(2026, 3, 2, 1), True, True),
        Outcome(utc(2026, 3, 2, 2), True, False),
        Outcome(utc(2026, 3, 2, 3), False, False),
        Outcome(utc(2026, 3, 2, 4), False, False),
    ]
    [only] = metrics_by_window(outcomes, kind="anomaly_detection", window="daily")
    assert only.count == 4
    assert only.values["precision"] == pytest.approx(0.5)
    assert only.values["recall"] == pytest.approx(1.0)
    assert only.values["accuracy"] == pytest.approx(0.75)
    [macro] = metrics_by_window(outcomes, kind="classification", window="daily")
    assert macro.values["precision"] != pytest.approx(0.5)


def test_metrics_by_window_weekly_and_monthly_boundaries() -> None:
    outcomes = [
        Outcome(utc(2026, 3, 8, 23, 59), 1.0, 2.0),  # Sunday: week of 2026-03-02
        Outcome(utc(2026, 3, 9, 0, 0), 5.0, 1.0),  # Monday: week of 2026-03-09
        Outcome(utc(2025, 12, 31, 23, 0), 3.0, 3.0),  # week of 2025-12-29, December
        Outcome(utc(2026, 1, 1, 1, 0), 4.0, 2.0),  # week of 2025-12-29, January
    ]
    weekly = metrics_by_window(outcomes, kind="regression", window="weekly")
    assert [(w.start, w.count) for w in weekly] == [
        (utc(2025, 12, 29), 2),
        (utc(2026, 3, 2), 1),
        (utc(2026, 3, 9), 1),
    ]
    assert weekly[0].values == regression_metrics([3.0, 4.0], [3.0, 2.0])
    assert weekly[1].values == {"mae": 1.0, "rmse": 1.0}
    assert weekly[2].values == {"mae": 4.0, "rmse": 4.0}

    monthly = metrics_by_window(outcomes, kind="regression", window="monthly")
    assert [(w.start, w.count) for w in monthly] == [
        (utc(2025, 12, 1), 1),
        (utc(2026, 1, 1), 1),
        (utc(2026, 3, 1), 2),
    ]
    assert monthly[2].values == regression_metrics([1.0, 5.0], [2.0, 1.0])


def test_metrics_by_window_regression_matches_numpy_per_window() -> None:
    rng = np.random.default_rng(3)
    base = utc(2026, 2, 25)
    outcomes = [
        Outcome(base + timedelta(hours=int(h)), float(p), float(a))
        for h, p, a in zip(
            rng.integers(0, 24 * 10, 80),
            rng.normal(50, 10, 80),
            rng.normal(50, 10, 80),
            strict=True,
        )
    ]
    result = metrics_by_window(outcomes, kind="regression", window="daily")
    assert sum(w.count for w in result) == 80
    for w in result:
        items = [o for o in outcomes if w.start <= o.at < w.start + timedelta(days=1)]
        errors = np.array([o.predicted - o.actual for o in items])
        assert w.count == len(items)
        assert set(w.values) == {"mae", "rmse"}
        assert w.values["mae"] == pytest.approx(np.mean(np.abs(errors)))
        assert w.values["rmse"] == pytest.approx(np.sqrt(np.mean(errors**2)))


def test_metrics_by_window_regression_rejects_non_numbers() -> None:
    outcomes = [Outcome(utc(2026, 3, 2), "high", 1.0)]
    with pytest.raises(MLError):
        metrics_by_window(outcomes, kind="regression", window="daily")


@pytest.mark.parametrize("kind", ["clustering", "unknown", ""])
def test_metrics_by_window_rejects_kinds_without_outcome_metrics(kind: str) -> None:
    outcomes = [Outcome(utc(2026, 3, 2), "a", "a")]
    with pytest.raises(MLError, match="no outcome metrics"):
        metrics_by_window(outcomes, kind=kind, window="daily")


def test_metrics_by_window_rejects_unknown_windows() -> None:
    with pytest.raises(MLError, match="unknown time window"):
        metrics_by_window([Outcome(utc(2026, 3, 2), "a", "a")], kind="classification", window="x")


@pytest.mark.parametrize("kind", ["classification", "anomaly_detection", "regression"])
@pytest.mark.parametrize("window", ["daily", "weekly", "monthly"])
def test_metrics_by_window_empty_input(kind: str, window: str) -> None:
    assert metrics_by_window([], kind=kind, window=window) == []
    assert metrics_by_window(iter(()), kind=kind, window=window) == []


def test_metrics_by_window_starts_are_utc_and_previous_windows_chain() -> None:
    outcomes = [
        Outcome(datetime(2026, 3, 1, 2, tzinfo=PLUS5), "a", "a"),  # 2026-02-28 21:00Z
        Outcome(utc(2026, 3, 1, 12), "a", "b"),
    ]
    result = metrics_by_window(outcomes, kind="classification", window="monthly")
    assert [w.start for w in result] == [utc(2026, 2, 1), utc(2026, 3, 1)]
    assert all(w.start.utcoffset() == timedelta(0) for w in result)
    assert previous_window_start(result[1].start, "monthly") == result[0].start


# --- trend -------------------------------------------------------------------------------


def test_trend_constants() -> None:
    assert TREND_TOLERANCE == 0.02
    assert {"mae", "rmse"} <= LOWER_IS_BETTER
    assert not {"accuracy", "precision", "recall", "f1"} & LOWER_IS_BETTER


@pytest.mark.parametrize("metric", ["accuracy", "f1", "mae", "rmse"])
def test_trend_is_none_without_previous(metric: str) -> None:
    assert trend(metric, 0.9, None) is None
    assert trend(metric, 0.0, None) is None


@pytest.mark.parametrize(
    ("metric", "value", "previous", "expected"),
    [
        # higher is better
        ("accuracy", 0.9, 0.8, "improving"),
        ("accuracy", 0.7, 0.8, "declining"),
        ("precision", 0.6, 0.5, "improving"),
        ("recall", 0.4, 0.5, "declining"),
        ("f1", 1.0, 0.5, "improving"),
        # lower is better
        ("mae", 8.0, 10.0, "improving"),
        ("mae", 12.0, 10.0, "declining"),
        ("rmse", 12.0, 10.0, "declining"),
        ("rmse", 8.0, 10.0, "improving"),
        ("latency", 70.0, 100.0, "improving"),
        ("latency", 130.0, 100.0, "declining"),
        ("latency", 120.0, 100.0, "stable"),  # latency jitters: 25% tolerance
        # within 2% of the previous value
        ("accuracy", 0.8, 0.8, "stable"),
        ("accuracy", 0.81, 0.8, "stable"),
        ("accuracy", 0.79, 0.8, "stable"),
        ("mae", 10.1, 10.0, "stable"),
        ("rmse", 9.9, 10.0, "stable"),
        # exactly 2% (exactly representable values) is still stable
        ("accuracy", 51.0, 50.0, "stable"),
        ("accuracy", 49.0, 50.0, "stable"),
        ("accuracy", 102.0, 100.0, "stable"),
        ("mae", 51.0, 50.0, "stable"),
        ("mae", 98.0, 100.0, "stable"),
        # just past 2% is not
        ("accuracy", 51.01, 50.0, "improving"),
        ("accuracy", 48.99, 50.0, "declining"),
        ("mae", 51.01, 50.0, "declining"),
        ("mae", 48.99, 50.0, "improving"),
        # zeros
        ("accuracy", 0.0, 0.0, "stable"),
        ("mae", 0.0, 0.0, "stable"),
        ("accuracy", 0.1, 0.0, "improving"),
        ("mae", 0.1, 0.0, "declining"),
        ("mae", 0.0, 0.5, "improving"),
        ("accuracy", 0.0, 0.5, "declining"),
    ],
)
def test_trend(metric: str, value: float, previous: float, expected: str) -> None:
    assert trend(metric, value, previous) == expected


def test_trend_tolerance_is_relative_to_the_previous_value() -> None:
    # the same absolute change of 0.015 is stable at 1.0 and a move at 0.5
    assert trend("accuracy", 1.015, 1.0) == "stable"
    assert trend("accuracy", 0.515, 0.5) == "improving"
    assert trend("mae", 1000.0 + 19.0, 1000.0) == "stable"
    assert trend("mae", 10.0 + 0.3, 10.0) == "declining"


@pytest.mark.parametrize(
    ("metric", "value", "previous"),
    [("accuracy", 0.918, 0.9), ("accuracy", 0.882, 0.9), ("mae", 1.02, 1.0)],
)
def test_trend_exact_two_percent_in_decimal_values_is_stable(
    metric: str, value: float, previous: float
) -> None:
    assert trend(metric, value, previous) == "stable"


def test_regression_metrics_reject_missing_values() -> None:
    with pytest.raises(MLError):
        regression_metrics([None, 2.0], [1.0, 2.0])


def test_anomaly_outcomes_are_read_as_flags() -> None:
    from urutiq_ai.ml.performance import classification_metrics

    metrics = classification_metrics([True, False, True, False], [1, 0, "yes", "no"], anomaly=True)
    assert metrics == {"accuracy": 1.0, "precision": 1.0, "recall": 1.0, "f1": 1.0}


def test_ranges_are_widened_to_whole_windows() -> None:
    from urutiq_ai.ml.performance import widen

    start, end = widen(
        datetime(2026, 11, 11, 15, tzinfo=UTC), datetime(2026, 11, 12, 5, tzinfo=UTC), "weekly"
    )
    assert (start, end) == (datetime(2026, 11, 9, tzinfo=UTC), datetime(2026, 11, 16, tzinfo=UTC))
    aligned = datetime(2026, 12, 1, tzinfo=UTC)
    assert widen(None, aligned, "monthly") == (None, aligned)
    assert widen(None, aligned + timedelta(hours=1), "monthly")[1] == datetime(
        2027, 1, 1, tzinfo=UTC
    )
