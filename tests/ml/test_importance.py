import pytest

from tests.ml.conftest import ANOMALY_FEATURES, FEATURES, trained
from urutiq_ai.ml.errors import MLError
from urutiq_ai.ml.importance import FeatureScore, feature_importance

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
