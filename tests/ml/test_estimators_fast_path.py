"""The tree-by-tree forest path gives scikit-learn's probabilities exactly."""

import numpy as np
from sklearn.ensemble import RandomForestClassifier

from urutiq_ai.ml.estimators import SMALL_BATCH, LabelledClassifier, forest_proba


def test_forest_proba_equals_sklearn() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5))
    y = (X[:, 0] + rng.normal(scale=0.5, size=300) > 0).astype(int) + (X[:, 1] > 1)
    forest = RandomForestClassifier(n_estimators=50, random_state=0).fit(X, y)
    rows = X[:SMALL_BATCH]
    np.testing.assert_allclose(forest_proba(forest, rows), forest.predict_proba(rows))


def test_labelled_classifier_uses_it_for_small_batches() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3))
    labels = np.where(X[:, 0] > 0, "yes", "no")
    model = LabelledClassifier(RandomForestClassifier(n_estimators=20, random_state=0)).fit(
        X, labels
    )
    small, large = X[:3], X[: SMALL_BATCH + 10]
    np.testing.assert_allclose(model.predict_proba(small), model.estimator_.predict_proba(small))
    np.testing.assert_allclose(
        model.predict_proba(large)[:3], model.estimator_.predict_proba(small)
    )
    assert list(model.predict(small)) == list(labels[:3])
