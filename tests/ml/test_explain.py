import pytest

from tests.ml.conftest import ledger, trained
from urutiq_ai.ml.explain import explain_row

CASES = [
    ("classification", "random_forest"),
    ("classification", "xgboost"),
    ("regression", "xgboost"),
    ("classification", "logistic_regression"),
    ("regression", "neural_network"),
    ("regression", "linear_regression"),
    ("anomaly_detection", "isolation_forest"),
]


class TestExplainRow:
    @pytest.mark.parametrize(("model_type", "algorithm"), CASES)
    def test_driving_feature_first(self, model_type: str, algorithm: str) -> None:
        result = trained(model_type, algorithm)
        frame = ledger()
        # an extreme amount: far from the median, so it dominates every explanation
        row = frame[result.feature_columns].iloc[0].to_dict() | {"amount": 950.0}
        out = explain_row(result.pipeline, row, top_k=3)
        assert len(out) == 3
        assert out[0]["feature"] == "amount"
        assert out[0]["value"] == 950.0
        magnitudes = [abs(item["contribution"]) for item in out]
        assert magnitudes == sorted(magnitudes, reverse=True)

    def test_background_reference_and_json_values(self) -> None:
        result = trained("classification", "neural_network")
        row = ledger()[result.feature_columns].iloc[3].to_dict() | {"amount": 950.0}
        out = explain_row(result.pipeline, row, top_k=10, background=result.validation_frame)
        assert {item["feature"] for item in out} == set(result.feature_columns)
        assert out[0]["feature"] == "amount"
        posted = next(item for item in out if item["feature"] == "posted")
        assert isinstance(posted["value"], str)

    def test_tree_with_background(self) -> None:
        result = trained("regression", "random_forest")
        row = ledger()[result.feature_columns].iloc[0].to_dict() | {"amount": 950.0}
        out = explain_row(result.pipeline, row, top_k=2, background=result.validation_frame)
        assert out[0]["feature"] == "amount"
        assert out[0]["contribution"] > 0
