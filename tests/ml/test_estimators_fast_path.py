"""The packed forest gives scikit-learn's probabilities exactly."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.ensemble import RandomForestClassifier

from urutiq_ai.ml.estimators import SMALL_BATCH, LabelledClassifier, PackedForest


def fitted_forest(classes: int, seed: int = 0) -> tuple[RandomForestClassifier, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(400, 6))
    X[:, 5] = rng.integers(0, 3, 400)  # ties at thresholds
    y = np.digitize(X[:, 0] + rng.normal(scale=0.7, size=400), np.linspace(-1, 1, classes - 1))
    forest = RandomForestClassifier(n_estimators=40, random_state=seed).fit(X, y)
    return forest, X


@pytest.mark.parametrize("classes", [2, 5])
def test_packed_forest_equals_sklearn_exactly(classes: int) -> None:
    forest, X = fitted_forest(classes)
    rng = np.random.default_rng(9)
    fresh = rng.normal(scale=2.0, size=(SMALL_BATCH, X.shape[1]))
    packed = PackedForest(forest)
    for rows in (X[:1], X[:SMALL_BATCH], fresh, fresh[:1]):
        np.testing.assert_array_equal(packed.predict_proba(rows), forest.predict_proba(rows))


def test_sparse_rows_and_rows_with_nan() -> None:
    forest, X = fitted_forest(3)
    packed = PackedForest(forest)
    rows = X[:10].copy()
    rows[rows < 0.2] = 0.0
    np.testing.assert_array_equal(
        packed.predict_proba(sp.csr_matrix(rows)), forest.predict_proba(rows)
    )
    rows[3, 1] = np.nan
    np.testing.assert_array_equal(packed.predict_proba(rows), forest.predict_proba(rows))


def test_labelled_classifier_uses_it_for_small_batches_only() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3))
    labels = np.where(X[:, 0] > 0, "yes", "no")
    model = LabelledClassifier(RandomForestClassifier(n_estimators=20, random_state=0)).fit(
        X, labels
    )
    small, large = X[:3], X[: SMALL_BATCH + 10]
    np.testing.assert_array_equal(model.predict_proba(small), model.estimator_.predict_proba(small))
    assert "_packed_forest" in model.__dict__
    np.testing.assert_allclose(model.predict_proba(large)[:3], model.predict_proba(small))
    assert list(model.predict(small)) == list(labels[:3])
    restored = pickle.loads(pickle.dumps(model))
    assert "_packed_forest" not in restored.__dict__
    np.testing.assert_array_equal(restored.predict_proba(small), model.predict_proba(small))
