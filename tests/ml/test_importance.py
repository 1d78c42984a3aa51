from typing import Any

import numpy as np
import pytest
from sklearn.inspection import permutation_importance
from sklearn.metrics import average_precision_score

from tests.ml.conftest import ANOMALY_FEATURES, FEATURES, ledger, spec_for, trained
from urutiq_ai.ml.errors import MLError
from urutiq_ai.ml.importance import (
    FeatureScore,
    feature_importance,
    permutation_drops,
    scorer_for,
)
from urutiq_ai.ml.training import train

DRIVEN = [
    ("classification", "random_forest", "built_in"),
    ("classification", "xgboost", "built_in"),
    ("classification", "logistic_regression", "built_in"),
    ("regression", "linear_regression", "built_in"),
    ("regression", "random_forest", "permutation"),
    ("classification", "neural_network", "permutation"),
    ("anomaly_detection", "isolation_forest", "permutation"),
    ("classification", "random_forest", "shap"),
    ("regression", "xgboost", "shap"),
    ("classification", "logistic_regression", "shap"),
    ("regression", "neural_network", "shap"),
    ("anomaly_detection", "isolation_forest", "shap"),
]


def _check_ranked(scores: list[FeatureScore], columns: list[str]) -> None:
    assert sorted(s.feature for s in scores) == sorted(columns)
    assert [s.rank for s in scores] == list(range(1, len(columns) + 1))
    values = [s.importance for s in scores]
    assert values == sorted(values, reverse=True)
    assert all(v >= 0 for v in values)


class TestFeatureImportance:
    @pytest.mark.parametrize(("model_type", "algorithm", "method"), DRIVEN)
    def test_driving_column_ranks_first(self, model_type: str, algorithm: str, method: str) -> None:
        result = trained(model_type, algorithm)
        scores = feature_importance(result, method, random_state=0, max_samples=200)
        _check_ranked(scores, ANOMALY_FEATURES if model_type == "anomaly_detection" else FEATURES)
        assert scores[0].feature == "amount"
        assert scores[0].importance > 0

    def test_clustering_supports_permutation_and_shap(self) -> None:
        result = trained("clustering", "kmeans")
        for method in ("permutation", "shap"):
            _check_ranked(feature_importance(result, method, max_samples=100), FEATURES)

    def test_pipeline_with_explicit_data(self) -> None:
        result = trained("regression", "random_forest")
        scores = feature_importance(
            result.pipeline,
            "permutation",
            X=result.validation_frame,
            y=result.validation_target,
            model_type="regression",
        )
        assert scores[0].feature == "amount"

    @pytest.mark.parametrize(
        ("model_type", "algorithm"),
        [("classification", "neural_network"), ("clustering", "kmeans")],
    )
    def test_built_in_refused_where_it_does_not_apply(
        self, model_type: str, algorithm: str
    ) -> None:
        with pytest.raises(MLError, match="built_in importance is not available"):
            feature_importance(trained(model_type, algorithm), "built_in")

    def test_unknown_method(self) -> None:
        with pytest.raises(MLError, match="unknown importance method"):
            feature_importance(trained("regression", "xgboost"), "gain")


def _anomaly_score(estimator: Any, X: Any, y: Any) -> float:
    """The anomaly score as a scikit-learn scorer: average precision of the abnormality
    against the labels, or the mean normality without labels."""
    normality = np.asarray(estimator.score_samples(X), dtype=float)
    if y is None:
        return float(normality.mean())
    return float(average_precision_score(np.asarray(y, dtype=bool), -normality))


class TestPermutationMatchesScikitLearn:
    """The batched permutation drops are scikit-learn's ``permutation_importance``, shuffle
    for shuffle, whatever the batch size."""

    @pytest.mark.parametrize(
        ("model_type", "algorithm"),
        [
            ("classification", "random_forest"),
            ("classification", "logistic_regression"),
            ("regression", "random_forest"),
            ("clustering", "kmeans"),
        ],
    )
    @pytest.mark.parametrize("batch_rows", [1, 450, 100_000])
    def test_same_drops(self, model_type: str, algorithm: str, batch_rows: int) -> None:
        result = trained(model_type, algorithm)
        X = result.validation_frame.reset_index(drop=True)
        y = None if model_type == "clustering" else np.asarray(result.validation_target)
        if model_type == "regression":
            y = y.astype(float)
        expected = permutation_importance(result.pipeline, X, y, n_repeats=3, random_state=4)

        scorer = scorer_for(result.pipeline[-1], model_type, y)
        drops = permutation_drops(result.pipeline[:-1], X, scorer, 3, 4, batch_rows=batch_rows)
        np.testing.assert_allclose(drops, expected.importances, rtol=1e-9, atol=1e-12)

    @pytest.mark.parametrize("labelled", [True, False])
    def test_same_drops_for_anomaly_detection(self, labelled: bool) -> None:
        result = trained("anomaly_detection", "isolation_forest")
        X = result.validation_frame.reset_index(drop=True)
        y = np.asarray(result.validation_target, dtype=bool) if labelled else None
        if labelled:
            assert 0 < y.sum() < len(y)
        expected = permutation_importance(
            result.pipeline, X, y, scoring=_anomaly_score, n_repeats=3, random_state=2
        )
        scorer = scorer_for(result.pipeline[-1], "anomaly_detection", y)
        drops = permutation_drops(result.pipeline[:-1], X, scorer, 3, 2, batch_rows=700)
        np.testing.assert_allclose(drops, expected.importances, rtol=1e-9, atol=1e-12)

    def test_feature_importance_reports_the_clipped_means(self) -> None:
        result = trained("classification", "random_forest")
        X = result.validation_frame.reset_index(drop=True)
        y = np.asarray(result.validation_target)
        expected = permutation_importance(result.pipeline, X, y, n_repeats=5, random_state=0)
        scores = {
            s.feature: s.importance
            for s in feature_importance(result, "permutation", max_samples=len(X))
        }
        means = np.clip(expected.importances_mean, 0.0, None)
        assert scores == pytest.approx(dict(zip(X.columns, means, strict=True)))


class TestNonTextClassLabels:
    """Integer, whole-float and boolean targets: the validation target reaches the metric in
    the classifier's label type, whatever container it arrives in."""

    @pytest.mark.parametrize(
        "encode",
        [
            lambda high: high.astype(int),
            lambda high: high.astype(float),
            lambda high: high,
        ],
        ids=["int", "float", "bool"],
    )
    def test_permutation_importance(self, encode: Any) -> None:
        frame = ledger().copy()
        frame["label"] = encode(frame["label"].eq("high").to_numpy())
        result = train(frame, spec_for("classification", "random_forest"))
        scores = feature_importance(result, "permutation", max_samples=100)
        assert scores[0].feature == "amount"
        assert scores[0].importance > 0
        as_objects = np.asarray(result.validation_target, dtype=object)  # the stored sample's
        explicit = feature_importance(
            result.pipeline,
            "permutation",
            X=result.validation_frame,
            y=as_objects,
            model_type="classification",
            max_samples=100,
        )
        assert explicit == scores
