"""The compiled few-rows path computes what the saved pipeline computes, value for value."""

from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from tests.ml.conftest import trained
from urutiq_ai.ml.columns import validate_rows
from urutiq_ai.ml.predict import predict
from urutiq_ai.ml.preprocessing import build_preprocessor
from urutiq_ai.ml.rowpath import RowScorer, compile_scorer

CASES = [
    ("classification", "random_forest"),
    ("classification", "logistic_regression"),
    ("classification", "xgboost"),
    ("regression", "neural_network"),
    ("regression", "linear_regression"),
    ("clustering", "kmeans"),
    ("anomaly_detection", "isolation_forest"),
]
EDGE_VALUES: dict[str, list[Any]] = {
    "amount": [None, 0, 12345.5, -3],
    "noise": [None, 1e-9],
    "vendor": [None, "never seen vendor", "acme", 7],
    "memo": [None, "", "hotel hotel hotel unheard", "OFFICE chairs!"],
    "posted": [None, "2025-02-01", "2025-02-01T23:30:00+02:00", pd.Timestamp("2024-12-28")],
    "recurring": [None, True, False, 1],
}


def records_for(frame: pd.DataFrame, features: list[str]) -> list[dict[str, Any]]:
    """The validation rows as records, then one record per edge value of each feature."""
    records = [dict(zip(features, row, strict=True)) for row in frame[features].itertuples(False)]
    base = records[0]
    for name in features:
        records.extend({**base, name: value} for value in EDGE_VALUES[name])
    return records


def dense(matrix: Any) -> np.ndarray:
    return np.asarray(matrix.toarray() if sp.issparse(matrix) else matrix, dtype=float)


def compiled(pipeline: Any) -> RowScorer:
    scorer = compile_scorer(pipeline)
    assert scorer is not None
    return scorer


@pytest.mark.parametrize(("model_type", "algorithm"), CASES)
def test_features_equal_the_column_transformer(model_type: str, algorithm: str) -> None:
    result = trained(model_type, algorithm)
    records = records_for(result.validation_frame, result.feature_columns)
    frame = validate_rows(records, result.feature_columns, result.column_types)
    expected = result.pipeline[0].transform(frame)
    actual = compiled(result.pipeline).features(records)
    assert sp.issparse(actual) == sp.issparse(expected)
    np.testing.assert_allclose(dense(actual), dense(expected), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("model_type", "algorithm"), CASES)
def test_predictions_equal_the_pipeline(model_type: str, algorithm: str) -> None:
    result = trained(model_type, algorithm)
    records = records_for(result.validation_frame, result.feature_columns)
    frame = validate_rows(records, result.feature_columns, result.column_types)
    slow = predict(result.pipeline, frame, model_type=model_type)
    fast = predict(compiled(result.pipeline), records, model_type=model_type)
    assert [out.prediction for out in fast] == [out.prediction for out in slow]
    for quick, full in zip(fast, slow, strict=True):
        if full.confidence is None:
            assert quick.confidence is None
        else:
            assert quick.confidence == pytest.approx(full.confidence, rel=1e-9)
        if full.probabilities is not None:
            assert quick.probabilities == pytest.approx(full.probabilities, rel=1e-9)


def test_a_column_empty_in_training_is_filled_as_the_imputer_does() -> None:
    train = pd.DataFrame({"amount": [1.0, 2.0, 3.0, 4.0], "unused": [np.nan] * 4})
    types = {"amount": "numeric", "unused": "numeric"}
    pipeline = Pipeline(
        [
            ("preprocess", build_preprocessor(types)),
            ("model", RandomForestClassifier(n_estimators=3, random_state=0)),
        ]
    ).fit(train, [0, 1, 0, 1])
    records = [{"amount": 2.5, "unused": None}, {"amount": None, "unused": 4.0}]
    expected = pipeline[0].transform(validate_rows(records, list(types), types))
    np.testing.assert_allclose(compiled(pipeline).features(records), dense(expected))


def test_unknown_pipelines_are_left_to_scikit_learn() -> None:
    frame = pd.DataFrame({"amount": [1.0, 2.0, 3.0, 4.0]})
    plain = Pipeline([("scale", StandardScaler()), ("model", RandomForestClassifier())])
    assert compile_scorer(plain.fit(frame, [0, 1, 0, 1])) is None
    assert compile_scorer(RandomForestClassifier()) is None


def test_numeric_codes_beside_a_null_agree_with_the_pipeline() -> None:
    train = pd.DataFrame({"code": [1, 2, 3, 1, 2, 3, 1, 2] * 5, "amount": np.arange(40.0)})
    types = {"code": "categorical", "amount": "numeric"}
    pipeline = Pipeline(
        [
            ("preprocess", build_preprocessor(types)),
            ("model", RandomForestClassifier(n_estimators=5, random_state=0)),
        ]
    ).fit(train, train["code"] == 1)
    records = [{"code": 1, "amount": 3.0}, {"code": None, "amount": 4.0}]
    expected = pipeline[0].transform(validate_rows(records, list(types), types))
    np.testing.assert_allclose(dense(compiled(pipeline).features(records)), dense(expected))
    alone = pipeline[0].transform(validate_rows(records[:1], list(types), types))
    np.testing.assert_allclose(dense(alone)[0], dense(expected)[0])
