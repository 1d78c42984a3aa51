"""Small sklearn-compatible wrappers used as the final step of saved pipelines.

They live in a module of their own so that pickled pipelines find them again.
"""

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.ensemble import IsolationForest, RandomForestClassifier, RandomForestRegressor
from sklearn.preprocessing import LabelEncoder
from xgboost import XGBModel

TREE_MODELS = (RandomForestClassifier, RandomForestRegressor, IsolationForest, XGBModel)
SMALL_BATCH = 64
"""Up to this many rows, forests are evaluated tree by tree in this thread (see below)."""


def forest_proba(forest: RandomForestClassifier, X: Any) -> np.ndarray:
    """The forest's class probabilities, summed tree by tree without joblib.

    scikit-learn dispatches every tree through ``joblib.Parallel`` even with ``n_jobs=1``,
    about 45 µs per tree: for one row that is most of the forest's cost (8.8 of 11.5 ms for
    200 trees). The result is the same average of the trees' probabilities (a test checks
    it equals ``forest.predict_proba``).
    """
    checked = forest._validate_X_predict(X)
    total = np.zeros((checked.shape[0], forest.n_classes_), dtype=float)
    for tree in forest.estimators_:
        total += tree.predict_proba(checked, check_input=False)
    return total / len(forest.estimators_)


class LabelledClassifier(ClassifierMixin, BaseEstimator):
    """A classifier trained on class codes 0..K-1 that reports the original labels.

    xgboost only accepts integer codes, and one encoding for every algorithm keeps losses,
    probabilities and ``classes_`` aligned.
    """

    def __init__(self, estimator: Any = None) -> None:
        self.estimator = estimator

    @classmethod
    def from_fitted(cls, estimator: Any, classes: np.ndarray) -> "LabelledClassifier":
        """Wrap an estimator already fitted on the codes of ``classes``."""
        wrapper = cls(estimator)
        wrapper.estimator_ = estimator
        wrapper.classes_ = np.asarray(classes)
        return wrapper

    def fit(self, X: Any, y: Any) -> "LabelledClassifier":
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        self.estimator_ = clone(self.estimator).fit(X, encoder.transform(y))
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        if isinstance(self.estimator_, RandomForestClassifier) and X.shape[0] <= SMALL_BATCH:
            return forest_proba(self.estimator_, X)
        return np.asarray(self.estimator_.predict_proba(X), dtype=float)

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self.classes_[np.argmax(self.predict_proba(X), axis=1)])

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "estimator_")


class ScaledRegressor(RegressorMixin, BaseEstimator):
    """A regressor trained on a standardized target (MLPs need it), predicting in real units."""

    def __init__(self, estimator: Any = None) -> None:
        self.estimator = estimator

    @classmethod
    def from_fitted(cls, estimator: Any, mean: float, scale: float) -> "ScaledRegressor":
        """Wrap an estimator already fitted on ``(y - mean) / scale``."""
        wrapper = cls(estimator)
        wrapper.estimator_ = estimator
        wrapper.mean_, wrapper.scale_ = float(mean), float(scale)
        return wrapper

    def fit(self, X: Any, y: Any) -> "ScaledRegressor":
        target = np.asarray(y, dtype=float)
        self.mean_ = float(target.mean())
        self.scale_ = float(target.std()) or 1.0
        self.estimator_ = clone(self.estimator).fit(X, (target - self.mean_) / self.scale_)
        return self

    def predict(self, X: Any) -> np.ndarray:
        raw = np.asarray(self.estimator_.predict(X), dtype=float)
        return raw * self.scale_ + self.mean_

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "estimator_")


def unwrap(estimator: Any) -> Any:
    """The fitted estimator inside our wrappers (or the estimator itself)."""
    if isinstance(estimator, LabelledClassifier | ScaledRegressor):
        return estimator.estimator_
    return estimator


def is_tree_model(estimator: Any) -> bool:
    """Whether shap's TreeExplainer handles this (unwrapped) estimator."""
    return isinstance(estimator, TREE_MODELS)
