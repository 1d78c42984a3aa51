import time

import numpy as np
import pytest

from tests.ml.conftest import make_ledger, trained
from urutiq_ai.ml.columns import validate_rows
from urutiq_ai.ml.predict import PredictionOut, infer_model_type, predict


class TestPredict:
    @pytest.mark.parametrize("algorithm", ["random_forest", "xgboost", "neural_network"])
    def test_classification_probabilities(self, algorithm: str) -> None:
        result = trained("classification", algorithm)
        out = predict(result.pipeline, result.validation_frame, model_type="classification")
        assert len(out) == result.validation_rows
        for item in out:
            assert item.probabilities is not None
            assert set(item.probabilities) == {"high", "low"}
            assert sum(item.probabilities.values()) == pytest.approx(1.0)
            assert item.confidence == max(item.probabilities.values())
            assert item.prediction == max(item.probabilities, key=item.probabilities.__getitem__)

    def test_regression(self) -> None:
        result = trained("regression", "neural_network")
        out = predict(result.pipeline, result.validation_frame, model_type="regression")
        assert all(isinstance(p.prediction, float) and p.confidence is None for p in out)

    def test_clustering(self) -> None:
        result = trained("clustering", "kmeans")
        out = predict(result.pipeline, result.validation_frame, model_type="clustering")
        assert {p.prediction for p in out} <= {0, 1, 2}
        assert all(p.confidence is not None and 0.0 <= p.confidence <= 1.0 for p in out)

    def test_anomaly(self) -> None:
        result = trained("anomaly_detection", "isolation_forest")
        rows = result.validation_frame.copy()
        rows.loc[0, "amount"] = 5000.0
        out = predict(result.pipeline, rows, model_type="anomaly_detection")
        assert out[0].prediction is True
        scores = [p.confidence or 0.0 for p in out]
        assert all(p.confidence is not None and 0.0 <= p.confidence <= 1.0 for p in out)
        assert out[0].confidence == max(scores)

    def test_raw_rows_from_validate_rows(self) -> None:
        result = trained("classification", "logistic_regression")
        row = {
            "amount": 180.0,
            "noise": 0.1,
            "vendor": "brand-new vendor",
            "memo": "unheard of words",
            "posted": "2025-02-01T09:30:00",
            "recurring": False,
        }
        rows = validate_rows([row], result.feature_columns, result.column_types)
        [out] = predict(result.pipeline, rows, model_type="classification")
        assert out == PredictionOut("high", out.confidence, out.probabilities)

    def test_infer_model_type(self) -> None:
        assert infer_model_type(trained("classification", "xgboost").pipeline) == "classification"
        assert infer_model_type(trained("regression", "xgboost").pipeline) == "regression"
        assert infer_model_type(trained("clustering", "kmeans").pipeline) == "clustering"

    def test_batch_of_ten_thousand(self) -> None:
        result = trained("classification", "xgboost")
        rows = make_ledger(10_000, seed=3)[result.feature_columns]
        started = time.perf_counter()
        out = predict(result.pipeline, rows, model_type="classification")
        assert len(out) == 10_000
        assert time.perf_counter() - started < 10.0
        assert np.isclose(sum(out[0].probabilities.values()), 1.0)  # type: ignore[union-attr]
