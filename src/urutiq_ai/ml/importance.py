"""Global feature importance, aggregated to the model's input columns.

Methods:

* ``built_in``: tree models' ``feature_importances_``; linear models' ``|coef|`` times the
  standard deviation of the transformed feature (on ``X`` when given). Not available for
  MLP, k-means or isolation forest.
* ``permutation``: scikit-learn's ``permutation_importance`` on raw rows through the whole
  pipeline (score: accuracy / R² / k-means score; for anomaly detection the average
  precision against labels when given, else the mean normality score), 5 repeats. Mean
  drops below zero are reported as 0. The same shuffles and scores as scikit-learn's, but
  the permuted copies go through the preprocessing in batches (one pass per batch instead
  of one per copy, which was most of a training job's time).
* ``shap``: TreeExplainer (interventional, 50 background rows) on the transformed
  features of at most 200 rows for random forest, xgboost and isolation forest; otherwise
  a permutation SHAP explainer played over the raw input columns (each column is one
  player) with a 20-row background, on at most 50 rows.

Transformed features are summed per input column (absolute values), then ranked (1 = most
important).
"""

import itertools
import re
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, TextIO

import numpy as np
import pandas as pd
import shap
from scipy import sparse
from sklearn.metrics import average_precision_score, r2_score
from sklearn.pipeline import Pipeline

from urutiq_ai.ml import metrics
from urutiq_ai.ml.errors import MLError
from urutiq_ai.ml.estimators import is_tree_model, unwrap
from urutiq_ai.ml.labels import class_texts
from urutiq_ai.ml.predict import infer_model_type
from urutiq_ai.ml.preprocessing import feature_sources
from urutiq_ai.ml.training import TrainResult

Method = Literal["built_in", "permutation", "shap"]
METHODS: tuple[str, ...] = ("built_in", "permutation", "shap")
SHAP_TREE_ROWS = 200
SHAP_TREE_BACKGROUND_ROWS = 50
SHAP_RAW_ROWS = 50
SHAP_BACKGROUND_ROWS = 20
PERMUTATION_REPEATS = 5
PERMUTATION_BATCH_ROWS = 10_000
"""Rows of permuted copies preprocessed in one pass (bounds the memory of a dense pass)."""


@dataclass(frozen=True)
class FeatureScore:
    """One input column's importance and rank (1 = most important)."""

    feature: str
    importance: float
    rank: int


def feature_importance(
    model: TrainResult | Pipeline,
    method: str,
    *,
    X: pd.DataFrame | None = None,
    y: Any = None,
    model_type: str | None = None,
    random_state: int = 0,
    max_samples: int = 500,
) -> list[FeatureScore]:
    """Importance of each input column by ``method`` (see the module docstring).

    With a :class:`TrainResult`, ``X``/``y``/``model_type`` default to its validation split
    and model type. ``X`` holds raw feature columns; at most ``max_samples`` rows are used.
    Raises MLError for an unknown method or one that does not apply to the model.
    """
    if isinstance(model, TrainResult):
        X = model.validation_frame if X is None else X
        y = model.validation_target if y is None else y
        model_type = model_type or model.model_type
        model = model.pipeline
    model_type = model_type or infer_model_type(model)
    if method not in METHODS:
        raise MLError(f"unknown importance method {method!r}; one of {list(METHODS)}")
    if method != "built_in" and (X is None or len(X) == 0):
        raise MLError(f"{method} importance needs sample rows (X)")
    sample, target = _bounded(X, y, max_samples, random_state)
    if method == "built_in":
        scores = _built_in(model, sample)
    elif method == "permutation":
        assert sample is not None
        scores = _permutation(model, sample, target, model_type, random_state)
    else:
        assert sample is not None
        scores = _shap(model, sample, model_type, random_state)
    return rank(scores)


def rank(scores: dict[str, float]) -> list[FeatureScore]:
    """Sort by importance (ties by name) and number the ranks from 1."""
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [FeatureScore(name, float(value), i) for i, (name, value) in enumerate(ordered, 1)]


def _bounded(
    X: pd.DataFrame | None, y: Any, max_samples: int, seed: int
) -> tuple[pd.DataFrame | None, pd.Series | None]:
    if X is None:
        return None, None
    X = X.reset_index(drop=True)
    target = None if y is None else pd.Series(np.asarray(y, dtype=object)).reset_index(drop=True)
    if len(X) > max_samples:
        keep = np.sort(np.random.default_rng(seed).choice(len(X), max_samples, replace=False))
        X = X.iloc[keep].reset_index(drop=True)
        target = None if target is None else target.iloc[keep].reset_index(drop=True)
    return X, target


def aggregate(
    sources: Sequence[str], values: np.ndarray, columns: Sequence[str]
) -> dict[str, float]:
    """Sum ``|values|`` of transformed features per source input column."""
    totals = dict.fromkeys(columns, 0.0)
    for source, value in zip(sources, np.abs(np.asarray(values, dtype=float)), strict=True):
        totals[source] += float(value)
    return totals


def _columns(pipeline: Pipeline) -> list[str]:
    return [str(c) for c in pipeline[0].feature_names_in_]


def _built_in(pipeline: Pipeline, X: pd.DataFrame | None) -> dict[str, float]:
    inner = unwrap(pipeline[-1])
    sources = feature_sources(pipeline[0])
    if _has(inner, "feature_importances_"):
        values = np.asarray(inner.feature_importances_, dtype=float)
    elif _has(inner, "coef_"):
        coef = np.abs(np.asarray(inner.coef_, dtype=float)).reshape(-1, len(sources))
        values = coef.mean(axis=0) * _feature_scale(pipeline, X, len(sources))
    else:
        raise MLError(
            f"built_in importance is not available for {type(inner).__name__}; "
            "use permutation or shap"
        )
    return aggregate(sources, values, _columns(pipeline))


def _has(estimator: Any, attribute: str) -> bool:
    try:
        return getattr(estimator, attribute, None) is not None
    except (AttributeError, ValueError):
        return False


def _feature_scale(pipeline: Pipeline, X: pd.DataFrame | None, width: int) -> np.ndarray:
    """Standard deviation of each transformed feature on ``X`` (ones without ``X``)."""
    if X is None or len(X) < 2:
        return np.ones(width)
    Xt = pipeline[0].transform(X)
    if sparse.issparse(Xt):
        Xt = Xt.toarray()
    return np.asarray(np.std(Xt, axis=0), dtype=float)


@dataclass(frozen=True)
class Scorer:
    """A model's score of some rows in two steps: ``outputs`` of the transformed rows (run
    once per batch of permuted copies), then ``metric`` of one copy's slice of them."""

    outputs: Callable[[Any], Any]
    metric: Callable[[Any], float]


def scorer_for(final: Any, model_type: str, target: Any) -> Scorer:
    """The score scikit-learn's ``permutation_importance`` uses for a pipeline's last step:
    its ``score`` (accuracy for classifiers, R² for regressors, k-means' own), and for
    anomaly detection the average precision against ``target`` or, without it, the mean
    normality."""
    if model_type == "classification":
        truth = class_texts(target)  # the same label type on both sides of the metric
        return Scorer(final.predict, lambda labels: metrics.accuracy(truth, class_texts(labels)))
    if model_type == "regression":
        return Scorer(final.predict, lambda values: float(r2_score(target, values)))
    if model_type == "anomaly_detection":

        def normality(Xt: Any) -> np.ndarray:
            return np.asarray(final.score_samples(Xt), dtype=float)

        if target is None:
            return Scorer(normality, lambda values: float(values.mean()))
        labels = np.asarray(target, dtype=bool)
        return Scorer(normality, lambda values: float(average_precision_score(labels, -values)))
    return Scorer(lambda Xt: Xt, lambda Xt: float(final.score(Xt, target)))


def _permutation(
    pipeline: Pipeline, X: pd.DataFrame, y: pd.Series | None, model_type: str, seed: int
) -> dict[str, float]:
    target: Any = None
    if model_type in ("classification", "regression"):
        if y is None:
            raise MLError(f"permutation importance for {model_type} needs the target (y)")
        known = y.notna().to_numpy()
        X, target = X[known], y[known].to_numpy()
        target = target.astype(float) if model_type == "regression" else target
    elif model_type == "anomaly_detection":
        if y is not None and y.notna().all() and y.astype(bool).nunique() == 2:
            target = y.astype(bool).to_numpy()
    scorer = scorer_for(pipeline[-1], model_type, target)
    drops = permutation_drops(pipeline[:-1], X, scorer, PERMUTATION_REPEATS, seed)
    means = np.clip(drops.mean(axis=1), 0.0, None)
    return dict(zip([str(c) for c in X.columns], means.tolist(), strict=True))


def permutation_drops(
    preprocess: Any,
    X: pd.DataFrame,
    scorer: Scorer,
    n_repeats: int,
    seed: int,
    *,
    batch_rows: int = PERMUTATION_BATCH_ROWS,
) -> np.ndarray:
    """Score drops (shape: columns × repeats) when each column of ``X`` is shuffled.

    The shuffles are scikit-learn's ``permutation_importance`` ones for ``random_state=seed``
    and ``scorer`` is the model's score of rows transformed by ``preprocess``, so the drops
    equal its ``importances``. The copies are transformed and scored ``batch_rows`` at a
    time, which relies on the preprocessing and the model working row by row (every
    transformer and estimator of a pipeline does).
    """
    copies = _permuted_copies(X, n_repeats, seed)
    baseline, *permuted = _scores_in_batches(preprocess, copies, scorer, len(X), batch_rows)
    return baseline - np.asarray(permuted, dtype=float).reshape(X.shape[1], n_repeats)


def _permuted_copies(X: pd.DataFrame, n_repeats: int, seed: int) -> Iterator[pd.DataFrame]:
    """``X``, then each column shuffled ``n_repeats`` times in turn (scikit-learn's order:
    one generator seeded alike per column, each shuffle applied to the previous one)."""
    yield X
    column_seed = np.random.RandomState(seed).randint(np.iinfo(np.int32).max + 1)
    for position, name in enumerate(X.columns):
        generator = np.random.RandomState(column_seed)
        order = np.arange(len(X))
        column = X.iloc[:, position]
        for _ in range(n_repeats):
            generator.shuffle(order)
            column = column.iloc[order].set_axis(X.index)
            copy = X.copy()
            copy[name] = column
            yield copy


def _scores_in_batches(
    preprocess: Any,
    copies: Iterator[pd.DataFrame],
    scorer: Scorer,
    rows: int,
    batch_rows: int,
) -> list[float]:
    scores: list[float] = []
    per_batch = max(1, batch_rows // max(rows, 1))
    while batch := list(itertools.islice(copies, per_batch)):
        outputs = scorer.outputs(preprocess.transform(pd.concat(batch, ignore_index=True)))
        scores += [scorer.metric(outputs[i * rows : (i + 1) * rows]) for i in range(len(batch))]
    return scores


def _shap(pipeline: Pipeline, X: pd.DataFrame, model_type: str, seed: int) -> dict[str, float]:
    inner = unwrap(pipeline[-1])
    columns = _columns(pipeline)
    if is_tree_model(inner):
        rng = np.random.default_rng(seed)
        sample = X.iloc[np.sort(rng.permutation(len(X))[:SHAP_TREE_ROWS])]
        background = X.iloc[np.sort(rng.permutation(len(X))[:SHAP_TREE_BACKGROUND_ROWS])]
        values = tree_shap_values(pipeline, sample, background)
        per_feature = np.abs(values).mean(axis=tuple(i for i in range(values.ndim) if i != 1))
        return aggregate(feature_sources(pipeline[0]), per_feature, columns)
    values = raw_shap_values(pipeline, X, model_type, seed)
    per_column = np.abs(values).mean(axis=tuple(i for i in range(values.ndim) if i != 1))
    return dict(zip(columns, per_column.tolist(), strict=True))


def dense_features(pipeline: Pipeline, rows: pd.DataFrame) -> np.ndarray:
    """The transformed features of ``rows`` as a dense float array."""
    Xt = pipeline[0].transform(rows)
    return np.asarray(Xt.toarray() if sparse.issparse(Xt) else Xt, dtype=float)


def tree_shap_values(
    pipeline: Pipeline, rows: pd.DataFrame, background: pd.DataFrame | None = None
) -> np.ndarray:
    """TreeExplainer SHAP values on transformed features: ``(n, features[, classes])``.

    With ``background`` rows the explainer is interventional (cost grows with trees x
    leaves x background rows); without, tree-path-dependent (trees x leaves x depth², slow
    on deep forests, so use it for a few rows only).
    """
    model = unwrap(pipeline[-1])
    if background is None or len(background) == 0:
        explainer = shap.TreeExplainer(model)
    else:
        data = dense_features(pipeline, background)
        explainer = shap.TreeExplainer(model, data=data, feature_perturbation="interventional")
    with without_shap_progress_bar():
        values = explainer.shap_values(dense_features(pipeline, rows), check_additivity=False)
    if isinstance(values, list):  # older shap: one array per class
        values = np.stack(values, axis=-1)
    return np.asarray(values, dtype=float)


# shap's C extension draws its own bar on ``sys.stderr`` once an interventional TreeExplainer
# has run 10 s (``print_progress_bar`` in shap/cext/tree_shap.h): "\r 97%|===...| 2136/2200
# [02:05<00:03]". Callers show their own progress (the CLI's), and a server's log is no
# place for it; nothing else is held back.
SHAP_PROGRESS_BAR = re.compile(r"\r\s*\d+%\|[= ]*\| \d+/\d+ \[[\d:<]+\]\s*")


class _WithoutShapBar:
    """A ``sys.stderr`` that passes every write but shap's progress bar to ``stream``."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return len(text) if SHAP_PROGRESS_BAR.fullmatch(text) else self.stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


_bar_lock = threading.Lock()
_bar_users = 0
_bar_saved: Any = None


@contextmanager
def without_shap_progress_bar() -> Iterator[None]:
    """Hold back shap's progress bar from ``sys.stderr`` while the block runs; concurrent
    blocks (server threads) share one filter, installed by the first and removed by the
    last."""
    global _bar_users, _bar_saved
    with _bar_lock:
        if _bar_users == 0:
            _bar_saved = sys.stderr
            sys.stderr = _WithoutShapBar(sys.stderr)
        _bar_users += 1
    try:
        yield
    finally:
        with _bar_lock:
            _bar_users -= 1
            if _bar_users == 0:
                sys.stderr = _bar_saved
                _bar_saved = None


def raw_shap_values(pipeline: Pipeline, X: pd.DataFrame, model_type: str, seed: int) -> np.ndarray:
    """Permutation SHAP with the raw input columns as players: ``(n, columns[, outputs])``.

    shap's maskers need numeric matrices, so each player's value is encoded as a row index
    into a table of the explained and background rows; masking a column swaps in the
    background row's value for that column. Each column has its own transformer, so the
    table is transformed once and a masked row is assembled from the columns' blocks.
    """
    rng = np.random.default_rng(seed)
    columns = _columns(pipeline)
    X = X[columns]
    explained = X.iloc[np.sort(rng.permutation(len(X))[:SHAP_RAW_ROWS])]
    background = X.iloc[np.sort(rng.permutation(len(X))[:SHAP_BACKGROUND_ROWS])]
    table = dense_features(pipeline, pd.concat([explained, background], ignore_index=True))
    blocks = _column_blocks(pipeline, columns)
    final = pipeline[-1]

    def output(index: np.ndarray) -> np.ndarray:
        idx = np.asarray(index, dtype=int)
        assembled = np.empty((len(idx), table.shape[1]))
        for j, block in enumerate(blocks):
            assembled[:, block] = table[idx[:, j]][:, block]
        return final_output(final, assembled, model_type)

    n_explained, width = len(explained), len(columns)
    rows = np.repeat(np.arange(n_explained, dtype=float)[:, None], width, axis=1)
    bg = np.repeat(np.arange(n_explained, len(table), dtype=float)[:, None], width, axis=1)
    masker = shap.maskers.Independent(bg, max_samples=len(bg))
    explainer = shap.PermutationExplainer(output, masker, seed=seed)
    result = explainer(
        rows, max_evals=max(2 * (2 * width + 1), min(500, 10 * (2 * width + 1))), silent=True
    )
    return np.asarray(result.values, dtype=float)


def _column_blocks(pipeline: Pipeline, columns: Sequence[str]) -> list[slice]:
    """The slice of transformed features produced by each input column, in ``columns`` order."""
    preprocessor = pipeline[0]
    by_column = {}
    for name, _transformer, selector in preprocessor.transformers_:
        if name != "remainder":
            column = selector if isinstance(selector, str) else selector[0]
            by_column[column] = preprocessor.output_indices_[name]
    return [by_column[c] for c in columns]


def final_output(final: Any, Xt: Any, model_type: str) -> np.ndarray:
    """:func:`~urutiq_ai.ml.predict.model_output` computed from transformed features."""
    if model_type == "classification":
        return np.asarray(final.predict_proba(Xt), dtype=float)
    if model_type == "regression":
        return np.asarray(final.predict(Xt), dtype=float)
    if model_type == "anomaly_detection":
        return np.clip(-np.asarray(final.score_samples(Xt), dtype=float), 0.0, 1.0)
    return np.asarray(final.transform(Xt), dtype=float).min(axis=1)
