import hashlib
import json
import os
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from tests.ml.conftest import trained
from urutiq_ai.ml import ensemble
from urutiq_ai.ml.ensemble import (
    EnsembleError,
    apply_stacker,
    assign_variant,
    check_ensemble,
    combine,
    fit_stacker,
    uniform_for,
)
from urutiq_ai.ml.errors import MLError
from urutiq_ai.ml.predict import PredictionOut, predict


def cls(label: Any, probabilities: dict[str, float]) -> PredictionOut:
    return PredictionOut(label, max(probabilities.values()), probabilities)


def labels_only(*labels: Any) -> list[PredictionOut]:
    return [PredictionOut(label, None, None) for label in labels]


def regression(*values: float) -> list[PredictionOut]:
    return [PredictionOut(float(value), None) for value in values]


def anomalies(*pairs: tuple[bool, float]) -> list[PredictionOut]:
    return [PredictionOut(flag, score) for flag, score in pairs]


def soft_member(
    y: np.ndarray, classes: list[int], rng: np.random.Generator, *, skill: float
) -> list[PredictionOut]:
    """Probabilities that lean on the true class by ``skill`` (0 = pure noise)."""
    raw = rng.random((len(y), len(classes)))
    raw[np.arange(len(y)), np.searchsorted(classes, y)] += skill
    proba = raw / raw.sum(axis=1, keepdims=True)
    keys = [str(c) for c in classes]
    return [
        PredictionOut(
            classes[int(row.argmax())], float(row.max()), dict(zip(keys, row.tolist(), strict=True))
        )
        for row in proba
    ]


def stacking_features(outputs: list[list[PredictionOut]], classes: list[str]) -> np.ndarray:
    """What the stacker should feed its logistic regression, built independently."""
    return np.array(
        [
            [
                (member[row].probabilities or {}).get(key, 0.0)
                for member in outputs
                for key in classes
            ]
            for row in range(len(outputs[0]))
        ]
    )


class TestAssignVariant:
    def test_uniform_is_the_first_8_bytes_of_the_salted_sha256(self) -> None:
        digest = hashlib.sha256(b"exp-1:customer-42").digest()
        expected = int.from_bytes(digest[:8], "big") / 2**64
        assert uniform_for("customer-42", "exp-1") == expected
        assert 0.0 <= expected < 1.0

    def test_fixed_values(self) -> None:
        # Frozen so a change of byte order, separator or hash shows up as a failure.
        assert uniform_for("order-1", "exp") == 0.5973110244220455
        assert uniform_for("order-3", "exp") == 0.3229103198138845
        assert assign_variant("order-1", [0.5, 0.5], salt="exp") == 1
        assert assign_variant("order-1", [0.6, 0.4], salt="exp") == 0
        assert assign_variant("order-3", [0.3, 0.7], salt="exp") == 1

    def test_same_in_another_process(self) -> None:
        keys = [f"k{i}" for i in range(50)]
        here = [assign_variant(key, [1, 1, 1], salt="salt") for key in keys]
        code = (
            "from urutiq_ai.ml.ensemble import assign_variant\n"
            f"print([assign_variant(k, [1, 1, 1], salt='salt') for k in {keys!r}])"
        )
        env = {**os.environ, "PYTHONHASHSEED": "12345"}
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        assert json.loads(out.stdout) == here
        assert len(set(here)) == 3

    def test_sticky(self) -> None:
        first = [assign_variant(f"user-{i}", [0.3, 0.7], salt="x") for i in range(200)]
        again = [assign_variant(f"user-{i}", [0.3, 0.7], salt="x") for i in range(200)]
        assert first == again

    def test_shares_match_weights(self) -> None:
        picks = np.array([assign_variant(f"key-{i}", [0.9, 0.1], salt="ab") for i in range(20_000)])
        assert abs((picks == 1).mean() - 0.1) <= 0.01
        assert set(picks.tolist()) == {0, 1}

    def test_unnormalised_weights_and_zero_weight(self) -> None:
        picks = np.array([assign_variant(f"k{i}", [2, 0, 6], salt="z") for i in range(20_000)])
        assert (picks == 1).sum() == 0
        assert abs((picks == 0).mean() - 0.25) <= 0.01
        assert abs((picks == 2).mean() - 0.75) <= 0.01

    def test_salt_reshuffles(self) -> None:
        a = [assign_variant(f"k{i}", [0.5, 0.5], salt="one") for i in range(1000)]
        b = [assign_variant(f"k{i}", [0.5, 0.5], salt="two") for i in range(1000)]
        assert 300 < sum(x != y for x, y in zip(a, b, strict=True)) < 700

    @pytest.mark.parametrize(
        ("point", "expected"), [(0.0, 0), (0.8999, 0), (0.9, 1), (0.95, 1), (0.9999999999, 1)]
    )
    def test_interval_bounds(
        self, monkeypatch: pytest.MonkeyPatch, point: float, expected: int
    ) -> None:
        monkeypatch.setattr(ensemble, "uniform_for", lambda _key, _salt: point)
        assert assign_variant("k", [0.9, 0.1], salt="s") == expected

    def test_rounding_past_the_end_goes_to_the_last_weighted_variant(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(ensemble, "uniform_for", lambda _key, _salt: 1.0)
        assert assign_variant("k", [0.1, 0.2, 0.7, 0.0], salt="s") == 2

    @pytest.mark.parametrize("weights", [[], [0, 0], [1, -1], [1, float("nan")], [float("inf")]])
    def test_bad_weights(self, weights: list[float]) -> None:
        with pytest.raises(ValueError, match="weights"):
            assign_variant("k", weights, salt="s")


class TestCheckEnsemble:
    @pytest.mark.parametrize(
        ("method", "types"),
        [
            ("average", ["classification", "classification"]),
            ("vote", ["classification"] * 3),
            ("stacking", ["classification", "classification"]),
            ("average", ["regression", "regression"]),
            ("stacking", ["regression", "regression"]),
            ("average", ["anomaly_detection", "anomaly_detection"]),
            ("vote", ["anomaly_detection", "anomaly_detection"]),
        ],
    )
    def test_allowed(self, method: str, types: list[str]) -> None:
        check_ensemble(method, types)

    @pytest.mark.parametrize(
        ("method", "types", "reason"),
        [
            ("median", ["regression"] * 2, "unknown method"),
            ("average", ["regression"], "at least 2 members"),
            ("average", [], "at least 2 members"),
            ("average", ["regression", "classification"], "share one model type"),
            ("average", ["clustering"] * 2, "cluster ids"),
            ("vote", ["clustering"] * 2, "cluster ids"),
            ("vote", ["regression"] * 2, "vote"),
            ("stacking", ["anomaly_detection"] * 2, "stacking is for classification"),
            ("average", ["forecasting"] * 2, "unknown model type"),
        ],
    )
    def test_refused(self, method: str, types: list[str], reason: str) -> None:
        with pytest.raises(EnsembleError, match=reason):
            check_ensemble(method, types)

    def test_error_is_a_value_error_and_an_ml_error(self) -> None:
        assert issubclass(EnsembleError, ValueError)
        assert issubclass(EnsembleError, MLError)


class TestAverageClassification:
    def test_weighted_average_over_the_union_of_classes(self) -> None:
        a = [cls(1, {"1": 0.6, "2": 0.4}), cls(2, {"1": 0.2, "2": 0.8})]
        b = [cls(3, {"1": 0.1, "3": 0.9}), cls(1, {"1": 0.7, "3": 0.3})]
        out = combine([a, b], [3, 1], method="average", model_type="classification")
        first, second = out
        assert first.probabilities == pytest.approx({"1": 0.475, "2": 0.3, "3": 0.225})
        assert first.prediction == 1
        assert isinstance(first.prediction, int)
        assert first.confidence == pytest.approx(0.475)
        assert second.probabilities == pytest.approx({"1": 0.325, "2": 0.6, "3": 0.075})
        assert second.prediction == 2
        assert second.confidence == pytest.approx(0.6)
        for item in out:
            assert sum((item.probabilities or {}).values()) == pytest.approx(1.0)

    def test_weights_are_normalised(self) -> None:
        a = [cls("x", {"x": 0.9, "y": 0.1})]
        b = [cls("y", {"x": 0.2, "y": 0.8})]
        raw = combine([a, b], [2, 6], method="average", model_type="classification")
        unit = combine([a, b], [0.25, 0.75], method="average", model_type="classification")
        assert raw[0].probabilities == pytest.approx(unit[0].probabilities)
        assert raw[0].prediction == "y"
        assert raw[0].probabilities == pytest.approx({"x": 0.375, "y": 0.625})

    def test_weight_moves_the_decision(self) -> None:
        a = [cls("x", {"x": 0.7, "y": 0.3})]
        b = [cls("y", {"x": 0.4, "y": 0.6})]
        assert (
            combine([a, b], [1, 1], method="average", model_type="classification")[0].prediction
            == "x"
        )
        assert (
            combine([a, b], [1, 4], method="average", model_type="classification")[0].prediction
            == "y"
        )

    def test_class_no_member_predicted_keeps_the_label_type(self) -> None:
        a = [cls(0, {"0": 0.4, "1": 0.25, "2": 0.35})]
        b = [cls(1, {"0": 0.25, "1": 0.4, "2": 0.35})]
        [out] = combine([a, b], [1, 1], method="average", model_type="classification")
        assert out.prediction == 2
        assert isinstance(out.prediction, int)
        assert out.confidence == pytest.approx(0.35)

    def test_bool_labels_stay_bools(self) -> None:
        a = [cls(True, {"False": 0.3, "True": 0.7})]
        b = [cls(True, {"False": 0.4, "True": 0.6})]
        [out] = combine([a, b], [1, 1], method="average", model_type="classification")
        assert out.prediction is True

    def test_missing_probabilities_are_refused(self) -> None:
        with pytest.raises(EnsembleError, match="probabilities"):
            combine(
                [labels_only("x"), labels_only("y")],
                [1, 1],
                method="average",
                model_type="classification",
            )

    def test_matches_a_row_by_row_reference_on_many_rows(self) -> None:
        rng = np.random.default_rng(3)
        y = rng.integers(0, 4, 10_000)
        classes = [0, 1, 2, 3]
        members = [soft_member(y, classes, rng, skill=s) for s in (0.5, 1.0, 0.0)]
        members[2] = [  # a member that never knew class 3
            cls(o.prediction, {k: v for k, v in (o.probabilities or {}).items() if k != "3"})
            for o in members[2]
        ]
        weights = [1.0, 2.0, 0.5]
        out = combine(members, weights, method="average", model_type="classification")
        assert len(out) == 10_000
        w = np.array(weights) / sum(weights)
        for row in rng.choice(10_000, 200, replace=False).tolist():
            expected = {
                str(c): sum(
                    wi * (m[row].probabilities or {}).get(str(c), 0.0)
                    for wi, m in zip(w, members, strict=True)
                )
                for c in classes
            }
            total = sum(expected.values())
            expected = {k: v / total for k, v in expected.items()}
            assert out[row].probabilities == pytest.approx(expected)
            best = max(expected, key=expected.__getitem__)
            assert out[row].prediction == int(best)
            assert out[row].confidence == pytest.approx(expected[best])
        accuracy = np.mean([o.prediction for o in out] == y)
        assert accuracy > 0.6


class TestVote:
    def test_weighted_vote(self) -> None:
        a = labels_only("x", "x", "y")
        b = labels_only("y", "x", "y")
        c = labels_only("y", "z", "x")
        out = combine([a, b, c], [2, 1, 1], method="vote", model_type="classification")
        assert [o.prediction for o in out] == ["x", "x", "y"]
        assert [o.confidence for o in out] == pytest.approx([0.5, 0.75, 0.75])
        assert out[0].probabilities == pytest.approx({"x": 0.5, "y": 0.5})
        assert out[1].probabilities == pytest.approx({"x": 0.75, "z": 0.25})
        assert out[2].probabilities == pytest.approx({"x": 0.25, "y": 0.75})

    def test_tie_goes_to_the_highest_weighted_member_among_the_tied(self) -> None:
        # x: 0.3 + 0.2 = 0.5 and y: 0.5 -- y's voter has the highest single weight.
        a = labels_only("x")
        b = labels_only("x")
        c = labels_only("y")
        [out] = combine([a, b, c], [0.3, 0.2, 0.5], method="vote", model_type="classification")
        assert out.prediction == "y"
        # Shares that tie only up to rounding (0.1 + 0.2 vs 0.3) are still a tie.
        [out] = combine([c, a, b], [0.3, 0.1, 0.2], method="vote", model_type="classification")
        assert out.prediction == "y"
        [out] = combine([a, c, b], [0.3, 0.4, 0.1], method="vote", model_type="classification")
        assert out.prediction == "y"

    def test_tie_between_equal_weights_goes_to_the_first_member(self) -> None:
        out = combine(
            [labels_only("b", "a"), labels_only("a", "b")],
            [1, 1],
            method="vote",
            model_type="classification",
        )
        assert [o.prediction for o in out] == ["b", "a"]
        assert [o.confidence for o in out] == [0.5, 0.5]

    def test_int_labels_and_class_keys_from_probabilities(self) -> None:
        a = [cls(1, {"0": 0.2, "1": 0.7, "2": 0.1})]
        b = [cls(1, {"0": 0.1, "1": 0.6, "2": 0.3})]
        c = [cls(0, {"0": 0.5, "1": 0.4, "2": 0.1})]
        [out] = combine([a, b, c], [1, 1, 1], method="vote", model_type="classification")
        assert out.prediction == 1
        assert isinstance(out.prediction, int)
        assert out.confidence == pytest.approx(2 / 3)
        assert out.probabilities == pytest.approx({"0": 1 / 3, "1": 2 / 3, "2": 0.0})

    def test_many_rows(self) -> None:
        rng = np.random.default_rng(0)
        y = rng.integers(0, 3, 10_000)
        members = [soft_member(y, [0, 1, 2], rng, skill=s) for s in (1.0, 1.0, 1.0)]
        out = combine(members, [1, 1, 1], method="vote", model_type="classification")
        votes = np.array([[o.prediction for o in m] for m in members])
        majority = np.array([np.bincount(col, minlength=3).max() for col in votes.T])
        got = np.array([o.prediction for o in out])
        clear = majority >= 2
        expected = np.array([np.bincount(col, minlength=3).argmax() for col in votes.T])
        assert (got[clear] == expected[clear]).all()
        assert (got[~clear] == votes[0][~clear]).all()  # three-way tie: first member


class TestRegressionAndAnomalies:
    def test_regression_weighted_mean(self) -> None:
        out = combine(
            [regression(1.0, 10.0), regression(3.0, 20.0)],
            [1, 3],
            method="average",
            model_type="regression",
        )
        assert [o.prediction for o in out] == pytest.approx([2.5, 17.5])
        assert all(o.confidence is None and o.probabilities is None for o in out)
        assert all(isinstance(o.prediction, float) for o in out)

    def test_regression_rejects_missing_values(self) -> None:
        with pytest.raises(EnsembleError, match="finite"):
            combine(
                [regression(1.0), [PredictionOut(None, None)]],
                [1, 1],
                method="average",
                model_type="regression",
            )

    @pytest.mark.parametrize("method", ["average", "vote"])
    def test_anomalies(self, method: str) -> None:
        a = anomalies((True, 0.9), (False, 0.3), (True, 0.7))
        b = anomalies((False, 0.4), (False, 0.2), (False, 0.45))
        c = anomalies((True, 0.8), (True, 0.6), (False, 0.5))
        out = combine([a, b, c], [1, 1, 2], method=method, model_type="anomaly_detection")
        # flag shares 0.75, 0.5, 0.25
        assert [o.prediction for o in out] == [True, True, False]
        assert all(isinstance(o.prediction, bool) for o in out)
        assert [o.confidence for o in out] == pytest.approx([0.725, 0.425, 0.5375])

    def test_anomaly_half_the_weight_counts_even_after_rounding(self) -> None:
        out = combine(
            [anomalies((True, 0.6)), anomalies((True, 0.6)), anomalies((False, 0.1))],
            [0.1, 0.2, 0.3],
            method="vote",
            model_type="anomaly_detection",
        )
        assert out[0].prediction is True


class TestCombineChecks:
    def test_different_row_counts(self) -> None:
        with pytest.raises(EnsembleError, match="different numbers of rows"):
            combine(
                [regression(1, 2), regression(1)], [1, 1], method="average", model_type="regression"
            )

    @pytest.mark.parametrize("weights", [[1], [1, 1, 1], [1, 0], [1, -2], [1, float("nan")]])
    def test_bad_weights(self, weights: list[float]) -> None:
        with pytest.raises(EnsembleError, match="weight"):
            combine(
                [regression(1), regression(2)], weights, method="average", model_type="regression"
            )

    def test_stacking_is_not_a_combine_method(self) -> None:
        with pytest.raises(EnsembleError, match="fit_stacker"):
            combine(
                [regression(1), regression(2)], [1, 1], method="stacking", model_type="regression"
            )

    def test_clustering_refused(self) -> None:
        members = [[PredictionOut(0, 0.5)], [PredictionOut(1, 0.5)]]
        with pytest.raises(EnsembleError, match="cluster"):
            combine(members, [1, 1], method="average", model_type="clustering")

    def test_no_rows(self) -> None:
        assert combine([[], []], [1, 1], method="vote", model_type="classification") == []

    def test_outputs_are_json_safe(self) -> None:
        a = [cls(1, {"1": 0.6, "2": 0.4})]
        b = [cls(2, {"1": 0.2, "2": 0.8})]
        for method in ("average", "vote"):
            out = combine([a, b], [1, 2], method=method, model_type="classification")
            json.dumps([o.__dict__ for o in out])
            assert all(type(v) is float for o in out for v in (o.probabilities or {}).values())
            assert all(type(o.confidence) is float for o in out)

    def test_trained_models(self) -> None:
        forest = trained("classification", "random_forest")
        logistic = trained("classification", "logistic_regression")
        assert forest.validation_frame.equals(logistic.validation_frame)
        rows = forest.validation_frame
        members = [
            predict(r.pipeline, rows, model_type="classification") for r in (forest, logistic)
        ]
        out = combine(members, [1, 1], method="average", model_type="classification")
        assert len(out) == len(rows)
        for item, a, b in zip(out, *members, strict=True):
            assert item.prediction in {"high", "low"}
            for key in ("high", "low"):
                expected = ((a.probabilities or {})[key] + (b.probabilities or {})[key]) / 2
                assert (item.probabilities or {})[key] == pytest.approx(expected)
        truth = np.asarray(forest.validation_target)
        assert np.mean(np.array([o.prediction for o in out]) == truth) >= 0.8


class TestStacking:
    @pytest.mark.parametrize("classes", [[0, 1], [3, 5, 7]])
    def test_probabilities_equal_sklearn(self, classes: list[int]) -> None:
        rng = np.random.default_rng(1)
        y = rng.choice(classes, 300)
        outputs = [soft_member(y, classes, rng, skill=s) for s in (0.8, 0.3)]
        stacker = fit_stacker(outputs, y.tolist(), model_type="classification", seed=0)
        keys = [str(c) for c in classes]
        assert stacker["classes"] == keys
        assert stacker["labels"] == dict(zip(keys, classes, strict=True))
        assert stacker["members"] == 2
        X = stacking_features(outputs, keys)
        model = LogisticRegression(max_iter=1000, random_state=0).fit(X, [str(v) for v in y])
        assert np.allclose(stacker["coef"], model.coef_)
        assert np.array(stacker["coef"]).shape == ((1, 4) if len(classes) == 2 else (3, 6))
        out = apply_stacker(json.loads(json.dumps(stacker)), outputs)
        proba = np.array([[(o.probabilities or {})[k] for k in keys] for o in out])
        assert np.allclose(proba, model.predict_proba(X))
        assert [str(o.prediction) for o in out] == model.predict(X).tolist()
        assert all(type(o.prediction) is int for o in out)
        assert [o.confidence for o in out] == pytest.approx(proba.max(axis=1).tolist())

    def test_prefers_the_good_member_over_a_useless_one(self) -> None:
        rng = np.random.default_rng(7)
        classes = ["a", "b", "c"]
        y = rng.choice(classes, 1200)
        codes = np.searchsorted(classes, y)

        def member(skill: float) -> list[PredictionOut]:
            raw = rng.random((len(y), 3))
            raw[np.arange(len(y)), codes] += skill
            proba = raw / raw.sum(axis=1, keepdims=True)
            return [
                PredictionOut(
                    classes[int(r.argmax())],
                    float(r.max()),
                    dict(zip(classes, r.tolist(), strict=True)),
                )
                for r in proba
            ]

        useless, good = member(0.0), member(1.2)
        fit_rows, test_rows = slice(0, 800), slice(800, None)
        stacker = fit_stacker(
            [useless[fit_rows], good[fit_rows]], y[fit_rows].tolist(), model_type="classification"
        )
        coef = np.abs(np.array(stacker["coef"]))
        assert coef[:, 3:].sum() > 3 * coef[:, :3].sum()
        out = apply_stacker(stacker, [useless[test_rows], good[test_rows]])
        truth = y[test_rows]
        stacked = np.mean([o.prediction for o in out] == truth)
        useless_accuracy = np.mean([o.prediction for o in useless[test_rows]] == truth)
        assert stacked > useless_accuracy + 0.2
        assert stacked >= np.mean([o.prediction for o in good[test_rows]] == truth) - 0.03

    def test_regression(self) -> None:
        rng = np.random.default_rng(2)
        truth = rng.normal(50, 10, 400)
        good = truth / 2 + rng.normal(0, 0.5, 400)
        useless = rng.normal(50, 10, 400)
        outputs = [regression(*useless), regression(*good)]
        stacker = fit_stacker(outputs, truth.tolist(), model_type="regression")
        assert stacker["kind"] == "linear"
        assert stacker["members"] == 2
        assert stacker["coef"][1] == pytest.approx(2.0, abs=0.1)
        assert abs(stacker["coef"][0]) < 0.05
        X = np.column_stack([useless, good])
        model = LinearRegression().fit(X, truth)
        out = apply_stacker(json.loads(json.dumps(stacker)), outputs)
        assert np.allclose([o.prediction for o in out], model.predict(X))
        assert all(o.confidence is None for o in out)

    def test_json_safe_with_numpy_labels(self) -> None:
        rng = np.random.default_rng(4)
        y = rng.choice(np.array([10, 20]), 100)  # numpy ints in y_true
        outputs = [soft_member(y, [10, 20], rng, skill=1.0) for _ in range(2)]
        stacker = fit_stacker(outputs, list(y), model_type="classification")
        text = json.dumps(stacker)
        assert json.loads(text)["labels"] == {"10": 10, "20": 20}
        out = apply_stacker(json.loads(text), outputs)
        json.dumps([o.__dict__ for o in out])
        assert {o.prediction for o in out} <= {10, 20}

    def test_feature_order_is_stored(self) -> None:
        # Members whose dicts list classes in another order still line up.
        rng = np.random.default_rng(5)
        y = rng.choice([0, 1], 200)
        outputs = [soft_member(y, [0, 1], rng, skill=1.0) for _ in range(2)]
        stacker = fit_stacker(outputs, y.tolist(), model_type="classification")
        reordered = [
            [
                PredictionOut(
                    o.prediction, o.confidence, dict(reversed((o.probabilities or {}).items()))
                )
                for o in m
            ]
            for m in outputs
        ]
        first = apply_stacker(stacker, outputs)
        assert [o.probabilities for o in apply_stacker(stacker, reordered)] == [
            o.probabilities for o in first
        ]

    @pytest.mark.parametrize("classes", [[0, 1], [0, 1, 2]])
    def test_huge_logits_stay_finite(self, classes: list[int]) -> None:
        rng = np.random.default_rng(8)
        y = rng.choice(classes, 200)
        outputs = [soft_member(y, classes, rng, skill=1.0) for _ in range(2)]
        stacker = fit_stacker(outputs, y.tolist(), model_type="classification")
        stacker["coef"] = (np.array(stacker["coef"]) * 1e4).tolist()
        with np.errstate(over="raise", invalid="raise"):
            out = apply_stacker(stacker, outputs)
        for item in out:
            values = list((item.probabilities or {}).values())
            assert np.isfinite(values).all()
            assert sum(values) == pytest.approx(1.0)

    def test_member_count_must_match(self) -> None:
        rng = np.random.default_rng(6)
        y = rng.choice([0, 1], 50)
        outputs = [soft_member(y, [0, 1], rng, skill=1.0) for _ in range(3)]
        stacker = fit_stacker(outputs, y.tolist(), model_type="classification")
        with pytest.raises(EnsembleError, match="3 members"):
            apply_stacker(stacker, outputs[:2])
        reg = fit_stacker(
            [regression(1, 2, 3), regression(2, 1, 3)], [1, 2, 3], model_type="regression"
        )
        with pytest.raises(EnsembleError, match="members"):
            apply_stacker(reg, [regression(1), regression(2), regression(3)])

    def test_refusals(self) -> None:
        members = [regression(1, 2), regression(2, 3)]
        with pytest.raises(EnsembleError, match="2 predicted rows"):
            fit_stacker(members, [1, 2, 3], model_type="regression")
        with pytest.raises(EnsembleError, match="at least 2 distinct classes"):
            fit_stacker(
                [[cls("a", {"a": 0.9, "b": 0.1})] * 2] * 2, ["a", "a"], model_type="classification"
            )
        with pytest.raises(EnsembleError, match="stacking is for"):
            fit_stacker(
                [anomalies((True, 0.9)), anomalies((False, 0.1))],
                [True],
                model_type="anomaly_detection",
            )
        with pytest.raises(EnsembleError, match="at least 2 members"):
            fit_stacker([regression(1, 2)], [1, 2], model_type="regression")
        with pytest.raises(EnsembleError, match="missing"):
            fit_stacker(members, [1.0, float("nan")], model_type="regression")
        with pytest.raises(EnsembleError, match="unknown stacker kind"):
            apply_stacker({"kind": "forest", "members": 2}, members)

    def test_no_rows(self) -> None:
        stacker = fit_stacker(
            [regression(1, 2, 3), regression(3, 1, 2)], [1, 2, 3], model_type="regression"
        )
        assert apply_stacker(stacker, [[], []]) == []
