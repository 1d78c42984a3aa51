"""Drift between two data sets: scipy's statistics, the default-method rule, status bands,
overrides, the rare-category and unseen-category signals and the data-set verdict."""

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial import distance

from urutiq_ai.ml import drift
from urutiq_ai.ml.drift import ColumnSample, Method, Status
from urutiq_ai.ml.errors import InputError

SIZES = (300, 1000, 5000, 200_000)
# 5% -> 9% in a rare class is detected once the samples can tell it from noise (about 410
# rows per side for two categories, with Bonferroni); at 300 rows (pooled Z: p = 0.055) it
# stays visible: a
# warning for a binary column, listed first among the shifted categories otherwise.
RARE_SIZES = (1000, 5000, 200_000)


def exact(n: int, shares: dict[str, float], seed: int) -> np.ndarray:
    """``n`` labels holding exactly ``shares`` (the first label takes the rounding), shuffled."""
    counts = {label: round(n * share) for label, share in shares.items()}
    first = next(iter(counts))
    counts[first] += n - sum(counts.values())
    labels = np.repeat(np.array(list(counts), dtype=object), list(counts.values()))
    np.random.default_rng(seed).shuffle(labels)
    return labels


def one_column(reference: Any, current: Any, **options: Any) -> drift.ColumnDrift:
    report = drift.compare(pd.DataFrame({"x": reference}), pd.DataFrame({"x": current}), **options)
    assert not report.skipped, report.skipped
    (column,) = report.columns
    return column


def counts(**values: int) -> ColumnSample:
    return ColumnSample(drift.CATEGORICAL, counts=values)


def signals(column: drift.ColumnDrift) -> dict[str, dict[str, Any]]:
    return {signal["signal"]: signal for signal in column.analysis["signals"]}


def lognormal(n: int, mean: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).lognormal(mean, 0.5, n)


# -- statistics -----------------------------------------------------------------------------


class TestStatistics:
    def test_ks_is_scipys(self) -> None:
        ref, cur = lognormal(400, 0.0, 1), lognormal(300, 0.1, 2)
        result = drift.ks(ref, cur)
        expected = stats.ks_2samp(ref, cur)
        assert result.score == float(expected.pvalue)
        assert result.statistic == float(expected.statistic)

    def test_chisquare_is_scipys_contingency_test(self) -> None:
        ref, cur = np.array([50.0, 30.0, 20.0]), np.array([40.0, 35.0, 25.0])
        result = drift.chisquare(ref, cur)
        expected = stats.chi2_contingency(np.vstack([ref, cur]))
        assert result.score == float(expected.pvalue)
        assert result.statistic == float(expected.statistic)

    def test_chisquare_drops_empty_categories_and_needs_two(self) -> None:
        ref, cur = np.array([50.0, 0.0, 20.0]), np.array([40.0, 0.0, 25.0])
        expected = stats.chi2_contingency(np.array([[50.0, 20.0], [40.0, 25.0]]))
        assert drift.chisquare(ref, cur).score == float(expected.pvalue)
        assert drift.chisquare(np.array([5.0, 0.0]), np.array([7.0, 0.0])).score == 1.0

    def test_two_proportion_z_by_hand(self) -> None:
        hits_ref, n_ref, hits_cur, n_cur = 15.0, 300.0, 27.0, 300.0
        pooled = (hits_ref + hits_cur) / (n_ref + n_cur)
        z = (hits_cur / n_cur - hits_ref / n_ref) / math.sqrt(
            pooled * (1 - pooled) * (1 / n_ref + 1 / n_cur)
        )
        result = drift.two_proportion_z(hits_ref, n_ref, hits_cur, n_cur)
        assert result.statistic == pytest.approx(z, rel=1e-12)
        assert result.score == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-12)
        assert result.score == pytest.approx(0.0549, abs=1e-4)

    @pytest.mark.parametrize(
        "args", [(0.0, 0.0, 3.0, 10.0), (3.0, 10.0, 0.0, 0.0), (0.0, 10.0, 0.0, 10.0)]
    )
    def test_two_proportion_z_degenerate(self, args: tuple[float, ...]) -> None:
        assert drift.two_proportion_z(*args).score == 1.0

    def test_z_test_uses_the_rarer_reference_category(self) -> None:
        ref, cur = np.array([280.0, 20.0]), np.array([250.0, 50.0])
        expected = drift.two_proportion_z(20.0, 300.0, 50.0, 300.0)
        assert drift.z_test(ref, cur) == expected
        assert drift.z_test(ref[::-1], cur[::-1]) == expected

    def test_z_test_on_more_categories_is_chisquare(self) -> None:
        ref, cur = np.array([50.0, 30.0, 20.0]), np.array([40.0, 35.0, 25.0])
        assert drift.z_test(ref, cur) == drift.chisquare(ref, cur)

    def test_wasserstein_is_scipys_over_the_reference_std(self) -> None:
        ref, cur = lognormal(2000, 0.0, 3), lognormal(1500, 0.2, 4)
        result = drift.wasserstein(ref, cur)
        raw = stats.wasserstein_distance(ref, cur)
        assert result.score == float(raw) / float(np.std(ref))
        assert result.statistic == float(raw)

    def test_wasserstein_of_a_constant_reference_is_floored(self) -> None:
        result = drift.wasserstein(np.full(10, 2.0), np.full(10, 2.5))
        assert result.score == pytest.approx(0.5 / drift.WASSERSTEIN_MIN_NORM)

    def test_jensen_shannon_is_scipys_base_2(self) -> None:
        ref, cur = np.array([0.5, 0.3, 0.2, 0.0]), np.array([0.4, 0.3, 0.2, 0.1])
        result = drift.jensen_shannon(ref, cur)
        assert result.score == float(distance.jensenshannon(ref, cur, base=2))
        assert 0.0 < result.score < 1.0
        assert drift.jensen_shannon(ref, ref).score == 0.0
        disjoint = drift.jensen_shannon(np.array([1.0, 0.0]), np.array([0.0, 1.0]))
        assert disjoint.score == pytest.approx(1.0)

    def test_psi_by_hand_with_the_floor(self) -> None:
        ref, cur = np.array([0.5, 0.3, 0.2, 0.0]), np.array([0.4, 0.3, 0.2, 0.1])
        floored = [(0.5, 0.4), (0.3, 0.3), (0.2, 0.2), (1e-4, 0.1)]
        expected = sum((c - r) * math.log(c / r) for r, c in floored)
        assert drift.psi(ref, cur).score == pytest.approx(expected, rel=1e-12)
        assert drift.psi(ref, ref).score == 0.0


class TestScoresThroughCompare:
    """The score ``compare`` reports is scipy's statistic on the column's own values."""

    def test_ks(self) -> None:
        ref, cur = lognormal(500, 0.0, 5), lognormal(400, 0.05, 6)
        column = one_column(ref, cur)
        assert column.method is Method.ks
        assert column.score == float(stats.ks_2samp(ref, cur).pvalue)

    def test_wasserstein(self) -> None:
        ref, cur = lognormal(1500, 0.0, 5), lognormal(1200, 0.05, 6)
        column = one_column(ref, cur)
        assert column.method is Method.wasserstein
        assert column.score == stats.wasserstein_distance(ref, cur) / np.std(ref)

    def test_chisquare_on_the_2_by_k_table(self) -> None:
        ref = exact(600, {"a": 0.5, "b": 0.3, "c": 0.2}, 1)
        cur = exact(500, {"a": 0.44, "b": 0.32, "c": 0.24}, 2)
        column = one_column(ref, cur)
        assert column.method is Method.chisquare
        table = np.array([[300, 180, 120], [220, 160, 120]])
        assert column.score == float(stats.chi2_contingency(table).pvalue)

    def test_chisquare_counts_unseen_values_as_one_more_category(self) -> None:
        ref = exact(600, {"a": 0.5, "b": 0.3, "c": 0.2}, 1)
        cur = exact(500, {"a": 0.44, "b": 0.3, "c": 0.2, "new": 0.06}, 2)
        column = one_column(ref, cur)
        table = np.array([[300, 180, 120, 0], [220, 150, 100, 30]])
        assert column.score == float(stats.chi2_contingency(table).pvalue)

    def test_z_on_the_rare_category(self) -> None:
        column = one_column(
            exact(400, {"no": 0.9, "yes": 0.1}, 1), exact(500, {"no": 0.86, "yes": 0.14}, 2)
        )
        assert column.method is Method.z
        assert column.score == drift.two_proportion_z(40, 400, 70, 500).score

    def test_z_with_unseen_values_is_chisquare(self) -> None:
        ref = exact(400, {"no": 0.9, "yes": 0.1}, 1)
        cur = exact(500, {"no": 0.88, "yes": 0.1, "new": 0.02}, 2)
        column = one_column(ref, cur)
        assert column.method is Method.z
        table = np.array([[360, 40, 0], [440, 50, 10]])
        assert column.score == float(stats.chi2_contingency(table).pvalue)

    def test_jensenshannon_on_shares(self) -> None:
        ref = exact(2000, {"a": 0.5, "b": 0.3, "c": 0.2}, 1)
        cur = exact(2000, {"a": 0.45, "b": 0.3, "c": 0.25}, 2)
        column = one_column(ref, cur)
        assert column.method is Method.jensenshannon
        expected = distance.jensenshannon([0.5, 0.3, 0.2, 0.0], [0.45, 0.3, 0.25, 0.0], base=2)
        assert column.score == pytest.approx(float(expected), rel=1e-12)

    def test_psi_on_shares(self) -> None:
        ref = exact(2000, {"a": 0.5, "b": 0.3, "c": 0.2}, 1)
        cur = exact(1000, {"a": 0.45, "b": 0.3, "c": 0.25}, 2)
        column = one_column(ref, cur, methods={"x": "psi"})
        expected = (0.45 - 0.5) * math.log(0.45 / 0.5) + (0.25 - 0.2) * math.log(0.25 / 0.2)
        assert column.method is Method.psi
        assert column.score == pytest.approx(expected, rel=1e-12)

    @pytest.mark.parametrize("method", ["jensenshannon", "psi"])
    def test_numeric_binned_by_reference_deciles(self, method: str) -> None:
        ref, cur = lognormal(800, 0.0, 7), lognormal(700, 0.2, 8)
        inner = np.unique(np.quantile(ref, np.linspace(0, 1, 11))[1:-1])
        bins = [-np.inf, *inner, np.inf]

        def shares(values: np.ndarray) -> np.ndarray:
            binned = pd.cut(values, bins, right=False)
            return pd.Series(binned).value_counts(sort=False, normalize=True).to_numpy()

        ref_shares, cur_shares = shares(ref), shares(cur)
        assert ref_shares == pytest.approx(np.full(10, 0.1))
        column = one_column(ref, cur, methods={"x": method})
        if method == "jensenshannon":
            expected = distance.jensenshannon(ref_shares, cur_shares, base=2)
        else:
            expected = np.sum((cur_shares - ref_shares) * np.log(cur_shares / ref_shares))
        assert column.kind == "numeric"
        assert column.score == pytest.approx(float(expected), rel=1e-9)
        assert column.analysis["shiftedBins"]


# -- samples and the default method ---------------------------------------------------------


class TestSamples:
    def test_numeric_sample_counts_unparseable_values_as_nulls(self) -> None:
        sample = drift.numeric_sample([1, "2.5", None, "abc", float("nan")])
        assert sample.kind == drift.NUMERIC
        assert sample.values is not None
        assert sample.values.tolist() == [1.0, 2.5]
        assert (sample.nulls, sample.size) == (3, 2)

    def test_categorical_sample_counts_strings(self) -> None:
        sample = drift.categorical_sample(["a", "b", "a", None, 3])
        assert sample.counts == {"a": 2, "b": 1, "3": 1}
        assert (sample.nulls, sample.size) == (1, 4)


def _numeric(n: int, distinct: int) -> np.ndarray:
    return np.arange(n, dtype=float) % distinct


class TestDefaultMethod:
    @pytest.mark.parametrize(
        ("values", "method", "kind"),
        [
            (_numeric(1000, 50), Method.ks, "numeric"),
            (_numeric(1001, 50), Method.wasserstein, "numeric"),
            (_numeric(1000, 6), Method.ks, "numeric"),
            (_numeric(1001, 6), Method.wasserstein, "numeric"),
            (_numeric(1000, 5), Method.chisquare, "categorical"),
            (_numeric(1000, 2), Method.z, "categorical"),
            (_numeric(1001, 5), Method.jensenshannon, "categorical"),
            (_numeric(1001, 2), Method.jensenshannon, "categorical"),
            (exact(1000, {"a": 0.6, "b": 0.4}, 0), Method.z, "categorical"),
            (exact(1000, {"a": 0.6, "b": 0.3, "c": 0.1}, 0), Method.chisquare, "categorical"),
            (exact(1001, {"a": 0.6, "b": 0.4}, 0), Method.jensenshannon, "categorical"),
            (exact(1001, {"a": 0.6, "b": 0.3, "c": 0.1}, 0), Method.jensenshannon, "categorical"),
            (np.arange(1000) % 2 == 0, Method.z, "categorical"),
            (np.arange(1001) % 2 == 0, Method.jensenshannon, "categorical"),
        ],
    )
    def test_rule(self, values: np.ndarray, method: Method, kind: str) -> None:
        column = one_column(values, values)
        assert (column.method, column.kind) == (method, kind)
        assert column.threshold == drift.DEFAULT_THRESHOLDS[method]
        assert column.status is Status.normal

    @pytest.mark.parametrize(
        ("values", "small", "large"),
        [
            (_numeric(5000, 50), Method.ks, Method.wasserstein),
            (
                exact(5000, {"a": 0.6, "b": 0.3, "c": 0.1}, 0),
                Method.chisquare,
                Method.jensenshannon,
            ),
        ],
    )
    def test_a_small_current_window_gets_the_test(
        self, values: np.ndarray, small: Method, large: Method
    ) -> None:
        # a distance from a small window is inflated by sampling noise alone
        assert one_column(values, values[:1000]).method is small
        assert one_column(values, values[:1001]).method is large

    def test_counts_non_null_reference_values_only(self) -> None:
        ref = np.concatenate([_numeric(1000, 50), np.full(500, np.nan)])
        assert one_column(ref, ref).method is Method.ks

    def test_default_thresholds(self) -> None:
        assert drift.DEFAULT_THRESHOLDS == {
            Method.ks: 0.05,
            Method.chisquare: 0.05,
            Method.z: 0.05,
            Method.wasserstein: 0.1,
            Method.jensenshannon: 0.1,
            Method.psi: 0.1,
        }

    def test_small_numbers_become_category_labels(self) -> None:
        column = one_column(_numeric(300, 3), np.arange(300, dtype=float) % 4)
        assert column.kind == "categorical"
        assert set(column.baseline["shares"]) == {"0", "1", "2"}
        assert signals(column)["unseen_categories"]["top"] == [{"category": "3", "count": 75}]


# -- status ---------------------------------------------------------------------------------


class TestStatus:
    @pytest.mark.parametrize(
        ("score", "status"),
        [
            (0.0, Status.detected),
            (0.0499, Status.detected),
            (0.05, Status.warning),
            (0.0999, Status.warning),
            (0.1, Status.normal),
            (0.9, Status.normal),
        ],
    )
    @pytest.mark.parametrize("method", [Method.ks, Method.chisquare, Method.z])
    def test_tests(self, method: Method, score: float, status: Status) -> None:
        assert drift.status_of(method, score, 0.05) is status

    @pytest.mark.parametrize(
        ("score", "status"),
        [
            (0.5, Status.detected),
            (0.1, Status.detected),
            (0.0999, Status.warning),
            (0.081, Status.warning),
            (0.079, Status.normal),
            (0.0, Status.normal),
        ],
    )
    @pytest.mark.parametrize("method", [Method.wasserstein, Method.jensenshannon, Method.psi])
    def test_distances(self, method: Method, score: float, status: Status) -> None:
        assert drift.status_of(method, score, 0.1) is status

    def test_bands_follow_the_threshold(self) -> None:
        assert drift.status_of(Method.ks, 0.15, 0.1) is Status.warning
        assert drift.status_of(Method.ks, 0.09, 0.1) is Status.detected
        assert drift.status_of(Method.psi, 0.17, 0.2) is Status.warning
        assert drift.status_of(Method.psi, 0.15, 0.2) is Status.normal

    def test_a_warning_through_compare(self) -> None:
        # 5% -> 9% with 300 rows: p = 0.055, between the threshold and twice it
        column = one_column(
            exact(300, {"no": 0.95, "yes": 0.05}, 1), exact(300, {"no": 0.91, "yes": 0.09}, 2)
        )
        assert column.status is Status.warning
        assert column.recommendations == ["watch 'x': close to the drift threshold"]

    def test_normal_has_no_recommendations(self) -> None:
        values = lognormal(300, 0.0, 1)
        column = one_column(values, values)
        assert column.status is Status.normal
        assert column.score == 1.0
        assert column.recommendations == []


# -- overrides and input errors -------------------------------------------------------------


class TestOverrides:
    def test_method_and_threshold_per_column(self) -> None:
        ref = pd.DataFrame({"a": lognormal(500, 0.0, 1), "b": lognormal(500, 0.0, 2)})
        cur = pd.DataFrame({"a": lognormal(500, 0.3, 3), "b": lognormal(500, 0.3, 4)})
        report = drift.compare(
            ref, cur, methods={"a": "psi", "b": Method.wasserstein}, thresholds={"a": 5.0}
        )
        by_name = {column.column: column for column in report.columns}
        assert by_name["a"].method is Method.psi
        assert by_name["a"].threshold == 5.0
        assert by_name["a"].status is Status.normal
        assert by_name["b"].method is Method.wasserstein
        assert by_name["b"].threshold == 0.1
        assert by_name["b"].status is Status.detected
        assert report.to_dict()["columns"][0]["method"] == "psi"

    def test_a_tight_threshold_clears_a_shift(self) -> None:
        ref, cur = lognormal(500, 0.0, 1), lognormal(500, 0.3, 2)
        assert one_column(ref, cur).status is Status.detected
        p_value = one_column(ref, cur).score
        relaxed = one_column(ref, cur, thresholds={"x": p_value / 10})
        assert relaxed.status is Status.normal
        assert relaxed.threshold == p_value / 10

    @pytest.mark.parametrize("method", ["chisquare", "z", "jensenshannon", "psi"])
    def test_numeric_columns_take_every_method(self, method: str) -> None:
        ref, cur = lognormal(500, 0.0, 1), lognormal(500, 0.4, 2)
        column = one_column(ref, cur, methods={"x": method})
        assert column.method == method
        assert column.status is Status.detected

    @pytest.mark.parametrize(
        ("methods", "thresholds", "errors"),
        [
            ({"x": "ttest"}, {}, ["methods.x"]),
            ({}, {"x": 0}, ["thresholds.x"]),
            ({}, {"x": -0.1}, ["thresholds.x"]),
            ({}, {"x": float("nan")}, ["thresholds.x"]),
            ({}, {"x": "0.1"}, ["thresholds.x"]),
            ({"nope": "ks"}, {}, ["methods.nope"]),
            ({}, {"nope": 0.1}, ["thresholds.nope"]),
            ({"x": "bad", "y": "ks"}, {"x": -1}, ["methods.x", "methods.y", "thresholds.x"]),
        ],
    )
    def test_invalid_overrides(
        self, methods: dict[str, Any], thresholds: dict[str, Any], errors: list[str]
    ) -> None:
        frame = pd.DataFrame({"x": lognormal(50, 0.0, 1)})
        with pytest.raises(InputError) as caught:
            drift.compare(frame, frame, methods=methods, thresholds=thresholds)
        assert sorted(field for field, _ in caught.value.errors) == sorted(errors)

    def test_unknown_method_names_the_choices(self) -> None:
        frame = pd.DataFrame({"x": lognormal(50, 0.0, 1)})
        with pytest.raises(InputError) as caught:
            drift.compare(frame, frame, methods={"x": "ttest"})
        ((field, reason),) = caught.value.errors
        assert field == "methods.x"
        assert "ttest" in reason
        assert "wasserstein" in reason

    def test_a_numeric_method_on_a_categorical_column_is_refused(self) -> None:
        frame = pd.DataFrame({"x": ["a", "b", "c"] * 10, "n": [1.0, 2.0] * 15})
        for column in ("x", "n"):  # n has 2 distinct values: compared as categories
            with pytest.raises(InputError) as caught:
                drift.compare(frame, frame, methods={column: "ks"})
            ((field, reason),) = caught.value.errors
            assert field == f"methods.{column}"
            assert "needs a numeric column" in reason

    def test_compare_column_raises_on_a_wrong_method(self) -> None:
        with pytest.raises(InputError, match="needs a numeric column"):
            drift.compare_column("v", counts(a=3, b=4), counts(a=3, b=4), method="wasserstein")
        with pytest.raises(ValueError, match="ttest"):
            drift.compare_column("v", counts(a=3, b=4), counts(a=3, b=4), method="ttest")

    def test_unknown_column_in_columns(self) -> None:
        frame = pd.DataFrame({"x": lognormal(50, 0.0, 1)})
        with pytest.raises(InputError) as caught:
            drift.compare(frame, frame, columns=["x", "nope"])
        assert [field for field, _ in caught.value.errors] == ["columns.nope"]
        assert "not in the reference data" in caught.value.errors[0][1]

    def test_columns_limits_the_comparison(self) -> None:
        ref = pd.DataFrame({"a": lognormal(50, 0.0, 1), "b": ["x", "y"] * 25})
        report = drift.compare(ref, ref, columns=["b"])
        assert [column.column for column in report.columns] == ["b"]
        assert report.skipped == {}

    def test_column_types_override_inference(self) -> None:
        ref = pd.DataFrame({"code": np.arange(300) % 20})
        report = drift.compare(ref, ref, {"code": "categorical"})
        assert report.columns[0].kind == "categorical"
        assert report.columns[0].method is Method.chisquare


class TestSkipped:
    @pytest.mark.parametrize(
        ("reference", "current", "reason"),
        [
            ([None] * 40, [1.0, 2.0] * 20, "no non-null values in the reference data"),
            ([1.0, 2.0, 3.0] * 20, [None] * 40, "no non-null values in the current data"),
            (["a", "b"] * 20, [None] * 40, "no non-null values in the current data"),
        ],
    )
    def test_empty_side(self, reference: list[Any], current: list[Any], reason: str) -> None:
        ref = pd.DataFrame({"x": reference, "ok": 1.0})
        cur = pd.DataFrame({"x": current, "ok": 1.0})
        report = drift.compare(ref, cur)
        assert report.skipped == {"x": reason}
        assert [column.column for column in report.columns] == ["ok"]

    def test_missing_from_the_current_data(self) -> None:
        ref = pd.DataFrame({"x": [1.0, 2.0] * 20, "y": [1.0, 2.0] * 20})
        report = drift.compare(ref, pd.DataFrame({"y": [1.0, 2.0] * 20, "extra": 3.0}))
        assert report.skipped == {"x": "not in the current data"}
        assert [column.column for column in report.columns] == ["y"]

    def test_date_columns(self) -> None:
        ref = pd.DataFrame(
            {
                "posted": pd.date_range("2024-01-01", periods=30),
                "iso": [f"2024-02-{day:02d}" for day in range(1, 31)],
                "as_date": ["a", "b", "c"] * 10,
                "amount": lognormal(30, 0.0, 1),
            }
        )
        cur = ref.assign(posted=pd.date_range("2025-01-01", periods=30))
        report = drift.compare(ref, cur, {"as_date": "datetime"})
        reason = "date columns are not compared (time always moves)"
        assert report.skipped == {"posted": reason, "iso": reason, "as_date": reason}
        assert [column.column for column in report.columns] == ["amount"]
        assert not report.dataset_drift

    def test_compare_column_raises_on_an_empty_side(self) -> None:
        with pytest.raises(InputError) as caught:
            drift.compare_column("v", counts(a=1), counts())
        assert caught.value.errors == [("v", "no non-null values in the current data")]


class TestSmallSamples:
    """Too few rows refuse the comparison; too few values in a column skip it (never
    ``normal``)."""

    @staticmethod
    def _ledger(n: int, seed: int) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        return pd.DataFrame(
            {
                "amount": rng.lognormal(0.0, 0.5, n),
                "vendor": rng.choice(["acme", "globex", "hooli", "initech"], n),
                "approved": rng.choice([True, False], n),
            }
        )

    def test_a_tiny_current_data_set_is_refused(self) -> None:
        # 5,000 rows against 3: KS p = 0.43 and chi-square p = 0.22 said "normal"
        with pytest.raises(InputError) as caught:
            drift.compare(self._ledger(5000, 1), self._ledger(3, 2))
        assert caught.value.errors == [
            ("current", "3 rows; a drift comparison needs at least 30 in each data set")
        ]

    def test_an_empty_current_data_set_is_refused(self) -> None:
        with pytest.raises(InputError) as caught:
            drift.compare(self._ledger(5000, 1), self._ledger(0, 2))
        assert caught.value.errors == [
            ("current", "0 rows; a drift comparison needs at least 30 in each data set")
        ]

    def test_both_sides_are_named(self) -> None:
        with pytest.raises(InputError) as caught:
            drift.compare(self._ledger(12, 1), self._ledger(29, 2), columns=["amount", "nope"])
        assert [field for field, _ in caught.value.errors] == [
            "columns.nope",
            "reference",
            "current",
        ]
        assert caught.value.errors[1][1].startswith("12 rows;")
        assert "current: 29 rows; a drift comparison needs at least 30" in str(caught.value)

    def test_the_minimum_itself_is_compared(self) -> None:
        report = drift.compare(self._ledger(5000, 1), self._ledger(drift.MIN_SAMPLE_SIZE, 2))
        assert [column.column for column in report.columns] == ["amount", "vendor", "approved"]
        assert report.skipped == {}

    def test_a_mostly_null_current_column_is_skipped_not_normal(self) -> None:
        reference = self._ledger(2000, 1)
        current = self._ledger(500, 2)
        current["amount"] = current["amount"] * 3.0  # the compared columns drift
        current["vendor"] = "acme"
        current["approved"] = current["approved"].astype(object)
        current.loc[10:, "approved"] = None  # 10 non-null values left
        report = drift.compare(reference, current)
        assert report.skipped == {
            "approved": "only 10 non-null values in the current data; a drift test needs at "
            "least 30"
        }
        assert [column.column for column in report.columns] == ["amount", "vendor"]
        # the verdict is taken over the compared columns only; the skipped one is listed
        assert (report.drift_share, report.dataset_drift) == (1.0, True)
        document = report.to_dict()
        assert "approved" in document["skipped"]
        assert "approved" not in {column["column"] for column in document["columns"]}

    def test_a_mostly_null_reference_column_is_skipped(self) -> None:
        reference = self._ledger(2000, 1)
        reference.loc[29:, "amount"] = None
        report = drift.compare(reference, self._ledger(2000, 2))
        assert report.skipped == {
            "amount": "only 29 non-null values in the reference data; a drift test needs at "
            "least 30"
        }
        assert all(column.status is Status.normal for column in report.columns)
        assert report.drift_share == 0.0

    def test_prepared_samples_keep_no_minimum_by_default(self) -> None:
        # a model's drift check compares profiles of models trained on 20 rows; it refuses
        # small windows itself (with the same number)
        few = ColumnSample(drift.NUMERIC, values=np.arange(8.0))
        report = drift.compare_samples({"x": few}, {"x": few})
        assert [column.column for column in report.columns] == ["x"]
        skipped = drift.compare_samples({"x": few}, {"x": few}, min_values=30).skipped
        assert skipped == {
            "x": "only 8 non-null values in the reference data; a drift test needs at least 30"
        }


# -- the rare-category signal ---------------------------------------------------------------


BINARY_BEFORE = {"no": 0.95, "yes": 0.05}
BINARY_AFTER = {"no": 0.91, "yes": 0.09}
MULTI_BEFORE = {"a": 0.6, "b": 0.35, "c": 0.05}
MULTI_AFTER = {"a": 0.58, "b": 0.33, "c": 0.09}


class TestRareCategoryShift:
    @pytest.mark.parametrize("n", RARE_SIZES)
    def test_binary_5_to_9_percent_is_detected(self, n: int) -> None:
        column = one_column(exact(n, BINARY_BEFORE, 1), exact(n, BINARY_AFTER, 2))
        assert column.status is Status.detected
        if n > drift.SMALL_SAMPLE:
            # a distance alone would miss it: the rare-category signal finds it
            assert column.method is Method.jensenshannon
            assert column.score < 0.1
            rare = signals(column)["rare_category_shift"]
            assert rare["pValueLimit"] == pytest.approx(0.05 / 2)
            (category,) = rare["categories"]
            assert category["category"] == "yes"
            assert category["referenceShare"] == pytest.approx(0.05)
            assert category["currentShare"] == pytest.approx(0.09)
            assert category["relativeChange"] == pytest.approx(0.8)
            assert any("rare category" in line for line in column.recommendations)

    @pytest.mark.parametrize("n", RARE_SIZES)
    def test_categorical_5_to_9_percent_is_detected(self, n: int) -> None:
        column = one_column(exact(n, MULTI_BEFORE, 3), exact(n, MULTI_AFTER, 4))
        assert column.status is Status.detected
        if n > drift.SMALL_SAMPLE:
            assert column.method is Method.jensenshannon
            assert column.score < 0.1
            rare = signals(column)["rare_category_shift"]
            assert rare["pValueLimit"] == pytest.approx(0.05 / 3)
            assert [c["category"] for c in rare["categories"]] == ["c"]

    @pytest.mark.parametrize(
        ("before", "after", "status"),
        [
            (BINARY_BEFORE, BINARY_AFTER, Status.warning),
            (MULTI_BEFORE, MULTI_AFTER, Status.normal),
        ],
    )
    def test_5_to_9_percent_at_300_rows_stays_visible(
        self, before: dict[str, float], after: dict[str, float], status: Status
    ) -> None:
        column = one_column(exact(300, before, 1), exact(300, after, 2))
        assert column.status is status
        shifted = {row["category"]: row for row in column.analysis["shiftedCategories"]}
        rare = "yes" if "yes" in before else "c"
        assert shifted[rare]["referenceShare"] == pytest.approx(0.05)
        assert shifted[rare]["currentShare"] == pytest.approx(0.09)
        assert shifted[rare]["relativeChange"] == pytest.approx(0.8)
        assert 0.05 < shifted[rare]["pValue"] < 0.06

    @pytest.mark.parametrize("n", SIZES)
    @pytest.mark.parametrize("shares", [BINARY_BEFORE, MULTI_BEFORE])
    def test_a_stable_column_stays_normal(self, n: int, shares: dict[str, float]) -> None:
        column = one_column(exact(n, shares, 5), exact(n, shares, 6))
        assert column.status is Status.normal
        assert column.analysis["signals"] == []
        assert column.recommendations == []

    def test_a_small_relative_change_is_not_a_rare_shift(self) -> None:
        # 5% -> 6% (+20%) at 200,000 rows is significant but under the 25% relative bar
        column = one_column(
            exact(200_000, BINARY_BEFORE, 7), exact(200_000, {"no": 0.94, "yes": 0.06}, 8)
        )
        assert "rare_category_shift" not in signals(column)
        assert column.status is Status.normal

    def test_a_common_category_is_not_rare(self) -> None:
        ref = counts(a=8000, b=2000)
        cur = counts(a=7300, b=2700)  # 20% -> 27%: JS 0.06, not a rare category
        column = drift.compare_samples({"v": ref}, {"v": cur}).columns[0]
        assert column.score < 0.08
        assert "rare_category_shift" not in signals(column)
        assert column.status is Status.normal


# -- the unseen-category signal -------------------------------------------------------------


REFERENCE = {"v": counts(a=1500, b=1000, c=500)}


def _with_new(new: int) -> dict[str, ColumnSample]:
    """The reference's shares over ``3000 - new`` rows plus ``new`` unseen values."""
    kept = 3000 - new
    return {"v": counts(a=kept // 2, b=kept // 3, c=kept - kept // 2 - kept // 3, zz=new)}


class TestUnseenCategories:
    def test_a_small_share_is_a_warning(self) -> None:
        report = drift.compare_samples(REFERENCE, _with_new(30))
        (column,) = report.columns
        assert column.score < 0.08  # normal on its own
        assert column.status is Status.warning
        unseen = signals(column)["unseen_categories"]
        assert unseen == {
            "signal": "unseen_categories",
            "share": 0.01,
            "distinct": 1,
            "top": [{"category": "zz", "count": 30}],
        }
        assert column.current["shares"]["zz"] == pytest.approx(0.01)
        assert any("never seen" in line for line in column.recommendations)

    def test_a_few_unseen_values_with_a_test(self) -> None:
        ref = {"v": counts(a=150, b=100, c=50)}
        cur = {"v": counts(a=149, b=100, c=49, d=2)}
        (column,) = drift.compare_samples(ref, cur).columns
        assert column.method is Method.chisquare
        assert column.score > 0.1
        assert column.status is Status.warning

    @pytest.mark.parametrize(
        ("new", "status"), [(147, Status.warning), (150, Status.detected), (600, Status.detected)]
    )
    def test_five_percent_is_detected(self, new: int, status: Status) -> None:
        # a loose threshold keeps the distance itself normal: the signal decides
        report = drift.compare_samples(REFERENCE, _with_new(new), thresholds={"v": 0.9})
        (column,) = report.columns
        assert drift.status_of(column.method, column.score, 0.9) is Status.normal
        assert column.status is status
        assert signals(column)["unseen_categories"]["share"] == pytest.approx(new / 3000)

    def test_top_unseen_values_are_listed(self) -> None:
        cur = {"v": counts(a=1400, b=900, c=400, **{f"n{i}": 10 + i for i in range(7)})}
        (column,) = drift.compare_samples(REFERENCE, cur).columns
        unseen = signals(column)["unseen_categories"]
        assert unseen["distinct"] == 7
        assert [row["category"] for row in unseen["top"]] == ["n6", "n5", "n4", "n3", "n2"]

    def test_through_compare(self) -> None:
        ref = pd.DataFrame({"vendor": exact(400, {"acme": 0.5, "globex": 0.5}, 1)})
        cur = pd.DataFrame({"vendor": exact(400, {"acme": 0.47, "globex": 0.47, "hooli": 0.06}, 2)})
        column = drift.compare(ref, cur).columns[0]
        assert column.status is Status.detected
        assert signals(column)["unseen_categories"]["top"] == [{"category": "hooli", "count": 24}]

    def test_the_other_bucket_holds_unknown_values(self) -> None:
        ref = {"v": counts(a=1500, b=1000, **{drift.OTHER: 500})}
        cur = {"v": counts(a=1500, b=1000, x=300, y=200)}
        (column,) = drift.compare_samples(ref, cur).columns
        assert "unseen_categories" not in signals(column)
        assert column.status is Status.normal
        assert column.score == 0.0
        assert column.current["shares"] == pytest.approx({"a": 0.5, "b": 1 / 3, drift.OTHER: 1 / 6})

    def test_the_other_bucket_still_sees_a_shift(self) -> None:
        ref = {"v": counts(a=1500, b=1000, **{drift.OTHER: 500})}
        cur = {"v": counts(a=1000, b=1000, **{drift.OTHER: 300}, x=400, y=300)}
        (column,) = drift.compare_samples(ref, cur).columns
        assert "unseen_categories" not in signals(column)
        assert column.status is Status.detected
        assert column.current["shares"][drift.OTHER] == pytest.approx(1000 / 3000)


# -- data sets ------------------------------------------------------------------------------


class TestDataSet:
    def test_a_lognormal_mean_shift_is_detected(self) -> None:
        for n, method in ((500, Method.ks), (3000, Method.wasserstein)):
            column = one_column(lognormal(n, 0.0, 1), lognormal(n, 0.3, 2))
            assert column.method is method
            assert column.status is Status.detected
            assert column.baseline["mean"] < column.current["mean"]
            assert column.analysis["shiftedBins"]

    @pytest.mark.parametrize(
        ("shifted", "total", "expected"), [(1, 2, True), (1, 3, False), (2, 3, True), (0, 2, False)]
    )
    def test_dataset_drift_at_half_the_columns(
        self, shifted: int, total: int, expected: bool
    ) -> None:
        ref = pd.DataFrame({f"c{i}": lognormal(400, 0.0, i) for i in range(total)})
        cur = ref.copy()
        for i in range(shifted):
            cur[f"c{i}"] = lognormal(400, 0.5, 100 + i)
        report = drift.compare(ref, cur)
        assert report.drifted == [f"c{i}" for i in range(shifted)]
        assert report.drift_share == pytest.approx(shifted / total)
        assert report.dataset_drift is expected

    def test_no_columns_is_no_drift(self) -> None:
        report = drift.compare(
            pd.DataFrame({"d": pd.date_range("2024-01-01", periods=30)}),
            pd.DataFrame({"d": pd.date_range("2024-01-01", periods=30)}),
        )
        assert report.columns == []
        assert (report.drift_share, report.dataset_drift) == (0.0, False)

    def test_text_is_compared_by_word_count(self) -> None:
        words = np.array(["office", "chairs", "travel", "hotel", "fuel", "lunch"])

        def memos(n: int, low: int, high: int, seed: int) -> list[str]:
            rng = np.random.default_rng(seed)
            return [" ".join(rng.choice(words, rng.integers(low, high))) for _ in range(n)]

        ref = pd.DataFrame({"memo": memos(300, 3, 15, 1)})
        longer = drift.compare(ref, pd.DataFrame({"memo": memos(300, 8, 25, 2)})).columns[0]
        same = drift.compare(ref, pd.DataFrame({"memo": memos(300, 3, 15, 3)})).columns[0]
        assert (longer.kind, longer.method) == ("text", Method.ks)
        assert longer.compared == "text: word count per value"
        assert longer.to_dict()["compared"] == "text: word count per value"
        expected = np.mean([len(memo.split()) for memo in ref["memo"]])
        assert longer.baseline["mean"] == pytest.approx(expected)
        assert longer.status is Status.detected
        assert same.status is Status.normal

    def test_report_rows_and_nulls(self) -> None:
        ref = pd.DataFrame({"x": [*lognormal(90, 0.0, 1), *[None] * 10]})
        cur = pd.DataFrame({"x": lognormal(50, 0.0, 2)})
        report = drift.compare(ref, cur)
        assert (report.reference_rows, report.current_rows) == (100, 50)
        column = report.columns[0]
        assert column.analysis["referenceNullShare"] == pytest.approx(0.1)
        assert column.analysis["currentNullShare"] == 0.0
        assert (column.analysis["referenceSize"], column.analysis["currentSize"]) == (90, 50)


class TestToDict:
    def _report(self) -> drift.DriftReport:
        n = 2000
        ref = pd.DataFrame(
            {
                "amount": lognormal(n, 0.0, 1),
                "flag": exact(n, BINARY_BEFORE, 2),
                "vendor": exact(n, {"acme": 0.5, "globex": 0.5}, 3),
                "posted": pd.date_range("2024-01-01", periods=n, freq="h"),
                "small": _numeric(n, 3),
            }
        )
        cur = pd.DataFrame(
            {
                "amount": lognormal(n, 0.3, 4),
                "flag": exact(n, BINARY_AFTER, 5),
                "vendor": exact(n, {"acme": 0.45, "globex": 0.45, "new": 0.1}, 6),
                "posted": pd.date_range("2025-01-01", periods=n, freq="h"),
                "small": np.arange(n, dtype=float) % 4,
            }
        )
        return drift.compare(ref, cur)

    def test_json_serializable_with_documented_keys(self) -> None:
        document = self._report().to_dict()
        assert json.loads(json.dumps(document, allow_nan=False)) == document
        assert set(document) == {
            "datasetDrift",
            "driftShare",
            "driftShareThreshold",
            "driftedColumns",
            "referenceRows",
            "currentRows",
            "columns",
            "skipped",
        }
        assert document["datasetDrift"] is True
        assert document["driftShareThreshold"] == 0.5
        assert document["driftedColumns"] == ["amount", "flag", "vendor", "small"]
        assert document["skipped"] == {
            "posted": "date columns are not compared (time always moves)"
        }
        assert (document["referenceRows"], document["currentRows"]) == (2000, 2000)
        for column in document["columns"]:
            assert set(column) == {
                "column",
                "kind",
                "compared",
                "method",
                "scoreName",
                "driftScore",
                "threshold",
                "detectedWhen",
                "status",
                "baselineValue",
                "currentValue",
                "analysis",
                "recommendations",
            }
            assert column["status"] in {"detected", "warning", "normal"}
            assert {"method", "scoreKind", "statistic", "signals"} <= set(column["analysis"])
        by_name = {column["column"]: column for column in document["columns"]}
        assert by_name["amount"]["analysis"]["scoreKind"] == "distance"
        assert {"mean", "std", "median", "p05", "p95", "count", "nullShare"} == set(
            by_name["amount"]["baselineValue"]
        )
        assert {"shares", "categories", "count", "nullShare"} == set(
            by_name["vendor"]["currentValue"]
        )
        signal_names = {
            signal["signal"]
            for column in document["columns"]
            for signal in column["analysis"]["signals"]
        }
        assert signal_names == {"unseen_categories", "rare_category_shift"}

    def test_p_value_score_kind(self) -> None:
        column = one_column(lognormal(100, 0.0, 1), lognormal(100, 0.0, 2))
        assert column.to_dict()["analysis"]["scoreKind"] == "p_value"
        json.dumps(column.to_dict(), allow_nan=False)


class TestInputShapes:
    def test_whole_numbers_are_one_category_whatever_their_type(self) -> None:
        reference = pd.DataFrame({"code": [1, 2, 3] * 100})
        current = pd.DataFrame({"code": [1, 2, 3] * 99 + [None, 1, 2]})
        report = drift.compare(reference, current, {"code": "categorical"})
        (column,) = report.columns
        assert column.status is Status.normal
        assert column.analysis["signals"] == []

    def test_integer_column_names(self) -> None:
        frame = pd.DataFrame(np.arange(80.0).reshape(40, 2))
        report = drift.compare(frame, frame)
        assert [column.column for column in report.columns] == ["0", "1"]

    @pytest.mark.parametrize("value", [True, float("inf"), 0, -1.0])
    def test_thresholds_must_be_positive_finite_numbers(self, value: Any) -> None:
        frame = pd.DataFrame({"x": lognormal(50, 0.0, 1)})
        with pytest.raises(InputError) as caught:
            drift.compare(frame, frame, thresholds={"x": value})
        assert caught.value.errors[0][0] == "thresholds.x"

    def test_the_distance_warning_band_starts_at_exactly_80_percent(self) -> None:
        assert drift.status_of(Method.psi, 0.08, 0.1) is Status.warning
        assert drift.status_of(Method.psi, 0.0799, 0.1) is Status.normal


def test_the_api_offers_exactly_the_engine_methods() -> None:
    from urutiq_ai.monitoring.schemas import DriftMethod

    assert {m.value for m in DriftMethod} == {m.value for m in Method}


class TestWordShares:
    def test_words_outside_the_vocabulary_count_as_other(self) -> None:
        sample = drift.word_share_sample(
            ["Cloud hosting, cloud!", "Taxi to airport", None, "cloud hosting"],
            ["cloud", "hosting"],
        )
        assert sample.counts == {"cloud": 3, "hosting": 2, drift.OTHER: 3}
        assert sample.nulls == 1

    def test_a_new_vocabulary_drifts(self) -> None:
        vocabulary = ["cloud", "hosting", "taxi"]
        reference = ColumnSample(
            drift.CATEGORICAL, counts={"cloud": 400, "hosting": 400, "taxi": 200, drift.OTHER: 10}
        )
        same = drift.word_share_sample(["cloud hosting"] * 200 + ["taxi"] * 100, vocabulary)
        new = drift.word_share_sample(["video call licence"] * 150 + ["taxi"] * 150, vocabulary)
        assert drift.compare_column("memo", reference, same).status is Status.normal
        result = drift.compare_column("memo", reference, new)
        assert result.status is Status.detected
        assert (result.kind, result.compared) == ("text", "text: word shares")
        assert result.analysis["compared"] == "text: word shares"


class TestScoreNames:
    """A score says which statistic it is and the rule that judges it (issue 18): a p-value
    is drift when low, a distance when high."""

    def test_a_p_value_names_its_test_and_rule(self) -> None:
        column = one_column(lognormal(100, 0.0, 1), lognormal(100, 0.0, 2))
        document = column.to_dict()
        assert (document["scoreName"], document["detectedWhen"]) == ("KS test p-value", "p < 0.05")
        assert column.analysis["scoreName"] == "KS test p-value"
        assert column.analysis["warningWhen"] == "p < 0.1"
        assert (column.kind, column.compared) == ("numeric", "values")

    def test_a_distance_names_itself_and_its_rule(self) -> None:
        column = one_column(lognormal(2000, 0.0, 1), lognormal(2000, 0.0, 2))
        assert column.method is Method.wasserstein
        assert column.to_dict()["scoreName"] == "Wasserstein distance (in reference std)"
        assert column.to_dict()["detectedWhen"] == "≥ 0.1"

    def test_a_given_threshold_is_the_rule(self) -> None:
        report = drift.compare(
            pd.DataFrame({"v": ["a", "b"] * 100}),
            pd.DataFrame({"v": ["a", "b"] * 100}),
            methods={"v": "psi"},
            thresholds={"v": 0.25},
        )
        (column,) = report.to_dict()["columns"]
        assert (column["scoreName"], column["detectedWhen"]) == (
            "population stability index",
            "≥ 0.25",
        )
        assert (column["kind"], column["compared"]) == ("categorical", "categories")

    def test_stored_rows_without_names_are_named_from_their_method(self) -> None:
        from urutiq_ai.ml.drift_scores import format_score, meaning_of

        assert meaning_of({"method": "chisquare"}, 0.05).rule == "p < 0.05"
        assert meaning_of({"method": "jensenshannon"}, 0.1).short == "JS distance"
        assert meaning_of({"scope": "dataset"}, 0.5).name == "share of features drifted"
        assert meaning_of({"scope": "concept", "metric": "accuracy"}, 0.1).short == (
            "accuracy drop"
        )
        assert format_score(1.2e-173, "chisquare") == "< 0.0001"
        assert format_score(0.2107, "jensenshannon") == "0.2107"


class TestReviewFixes:
    def test_float_coded_profile_categories_match_integer_inputs(self) -> None:
        from urutiq_ai.ml.profile import reference_profile

        profile = reference_profile(
            pd.DataFrame({"code": [1, 2, 3, None] * 50}), {"code": "categorical"}
        )
        counts = profile["features"]["code"]["categories"]
        assert set(counts) == {"1", "2", "3"}
        current = drift.categorical_sample([1, 2, 3] * 50)
        result = drift.compare_column(
            "code", ColumnSample(drift.CATEGORICAL, counts=counts), current
        )
        assert result.status is Status.normal

    def test_infinite_values_count_as_nulls(self) -> None:
        sample = drift.numeric_sample([1.0, float("inf"), 2.0, float("-inf"), None])
        assert list(sample.values) == [1.0, 2.0]
        assert sample.nulls == 3

    def test_many_categories_use_one_vectorized_test(self) -> None:
        labels = [f"c{i}" for i in range(5000)]
        frame = pd.DataFrame({"x": labels * 4})
        column = one_column(frame["x"], frame["x"])
        assert column.status is Status.normal
        assert len(column.analysis["shiftedCategories"]) <= drift.TOP_SHOWN
