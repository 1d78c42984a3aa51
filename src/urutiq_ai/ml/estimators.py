"""Small sklearn-compatible wrappers used as the final step of saved pipelines.

They live in a module of their own so that pickled pipelines find them again.

:class:`PackedForest` is hand-written for speed: ``benchmarks/predict_serving.py`` times it
against scikit-learn's ``predict_proba`` on the same rows (after checking both agree); the
figures are in ``docs/benchmarks.md``, "Single-row predict" (the row path's two halves).
"""

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.ensemble import IsolationForest, RandomForestClassifier, RandomForestRegressor
from sklearn.preprocessing import LabelEncoder
from xgboost import XGBModel

TREE_MODELS = (RandomForestClassifier, RandomForestRegressor, IsolationForest, XGBModel)
SMALL_BATCH = 64
"""Up to this many rows, forests are walked as one :class:`PackedForest` (see below)."""


class PackedForest:
    """A fitted random forest's trees as flat arrays, walked for all trees at once.

    scikit-learn evaluates a forest tree by tree through ``joblib.Parallel`` even with
    ``n_jobs=1``: a dispatch per tree that is most of a 200-tree forest's cost for one row.
    Here every tree's nodes sit in one array (children as global indices, a leaf pointing at
    itself) and each step moves all rows down all trees with a few numpy operations
    (``take``: a gather), so a row costs about ``depth`` steps instead of ``trees`` calls,
    and each further row of a batch costs less than the first. The figures (per-tree
    dispatch, one row and more rows, against ``predict_proba``) are in
    ``docs/benchmarks.md``, "Single-row predict".

    The arithmetic is scikit-learn's: inputs as float32 compared ``<=`` with the float64
    thresholds, each tree's leaf class fractions added in tree order, divided by the number
    of trees (tests check the result equals ``predict_proba`` exactly). Rows holding NaN,
    whose path depends on per-node missing-value rules, go through scikit-learn instead.
    """

    def __init__(self, forest: RandomForestClassifier) -> None:
        trees = [estimator.tree_ for estimator in forest.estimators_]
        sizes = np.array([tree.node_count for tree in trees])
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        own = np.arange(int(sizes.sum()))
        left = np.concatenate([t.children_left + o for t, o in zip(trees, offsets, strict=True)])
        right = np.concatenate([t.children_right + o for t, o in zip(trees, offsets, strict=True)])
        leaf = np.concatenate([t.children_left == -1 for t in trees])
        self.forest = forest
        self.roots = offsets
        self.left = np.where(leaf, own, left)
        self.right = np.where(leaf, own, right)
        self.feature = np.where(leaf, 0, np.concatenate([t.feature for t in trees]))
        self.threshold = np.concatenate([t.threshold for t in trees])
        self.depth = max(int(t.max_depth) for t in trees)
        classes = int(forest.n_classes_)
        self.value = np.concatenate([t.value[:, 0, :classes] for t in trees])

    def predict_proba(self, X: Any) -> np.ndarray:
        rows = np.asarray(X.toarray() if hasattr(X, "toarray") else X, dtype=np.float32)
        if rows.ndim != 2 or np.isnan(rows).any():
            return np.asarray(self.forest.predict_proba(X), dtype=float)
        values = rows.astype(np.float64)
        count, width = values.shape
        flat = values.ravel()
        row_start = (np.arange(count) * width)[:, None]  # each row's offset in ``flat``
        nodes = np.repeat(self.roots[None, :], count, axis=0)
        for _ in range(self.depth):
            goes_left = flat.take(row_start + self.feature.take(nodes)) <= self.threshold.take(
                nodes
            )
            nodes = np.where(goes_left, self.left.take(nodes), self.right.take(nodes))
        # the trees' leaf fractions summed in tree order (cumsum adds sequentially, as
        # scikit-learn's loop over trees does; a plain sum would pair them up)
        leaves = self.value.take(nodes, axis=0)
        return np.cumsum(leaves, axis=1)[:, -1] / nodes.shape[1]


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
            return self._packed().predict_proba(X)
        return np.asarray(self.estimator_.predict_proba(X), dtype=float)

    def _packed(self) -> PackedForest:
        """The packed forest, built on first use (not pickled: artifacts stay sklearn's)."""
        packed = self.__dict__.get("_packed_forest")
        if packed is None or packed.forest is not self.estimator_:
            packed = PackedForest(self.estimator_)
            self.__dict__["_packed_forest"] = packed
        return packed

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("_packed_forest", None)
        return state

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
