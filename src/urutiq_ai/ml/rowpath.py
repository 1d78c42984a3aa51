"""A fast path for scoring a few raw rows: the saved preprocessing, without its framework.

A fitted :func:`~urutiq_ai.ml.preprocessing.build_preprocessor` ``ColumnTransformer`` costs
several milliseconds for one row: pandas column selection, per-step input validation and
output wrapping, sparse stacking. The numbers it computes are simple, so
:func:`compile_scorer` reads them out of the fitted steps once (imputer fill values, scaler
means and scales, one-hot output per known category, TF-IDF vocabulary and idf weights)
and :class:`RowScorer` applies them to plain Python records with numpy.

The result equals the ``ColumnTransformer``'s output (tests compare both for every column
kind, missing values, unseen categories and words); anything the compiler does not
recognise makes :func:`compile_scorer` return None, and callers keep the pipeline.
Categorical one-hot rows are computed by the fitted encoder itself at compile time.

The speed that justifies this hand-written path is measured by
``benchmarks/predict_serving.py`` (``RowScorer.features`` against the ``ColumnTransformer``,
and the whole row path); the figures are in ``docs/benchmarks.md``, "Single-row predict".
"""

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from urutiq_ai.ml.columns import bool_float, is_missing, to_datetime
from urutiq_ai.ml.labels import category_label
from urutiq_ai.ml.preprocessing import DateParts

SMALL_BATCH = 64
"""Up to this many rows the compiled path is used; larger batches go through pandas."""
_UNSEEN = "\x00urutiq-unseen-category\x00"
"""A value no training data holds: how the encoder treats categories it never saw."""

Encoder = Callable[[list[Any]], np.ndarray]
"""One input column's raw values -> its block of the transformed matrix, ``(n, width)``."""


class Unsupported(Exception):
    """A fitted step the compiler does not know; the caller keeps the full pipeline."""


@dataclass(frozen=True)
class _Block:
    column: str
    start: int
    stop: int
    encode: Encoder


class RowScorer:
    """Scores raw records (dicts of feature values) like ``pipeline`` does, for few rows.

    Offers the pipeline methods :mod:`urutiq_ai.ml.predict` calls (``predict``,
    ``predict_proba``, ``score_samples``, ``transform`` and ``classes_``), taking records
    already checked by :func:`~urutiq_ai.ml.columns.check_records`.
    """

    def __init__(self, pipeline: Pipeline, blocks: list[_Block], width: int, sparse: bool):
        self.pipeline = pipeline
        self.final = pipeline[-1]
        self._blocks = blocks
        self._width = width
        self._sparse = sparse

    @property
    def classes_(self) -> np.ndarray:
        return np.asarray(self.pipeline.classes_)

    def features(self, records: Sequence[Mapping[str, Any]]) -> Any:
        """The preprocessed matrix of ``records`` (sparse exactly when the pipeline's is)."""
        matrix = np.zeros((len(records), self._width), dtype=float)
        for block in self._blocks:
            values = [record.get(block.column) for record in records]
            matrix[:, block.start : block.stop] = block.encode(values)
        return sp.csr_matrix(matrix) if self._sparse else matrix

    def predict(self, records: Sequence[Mapping[str, Any]]) -> np.ndarray:
        return np.asarray(self.final.predict(self.features(records)))

    def predict_proba(self, records: Sequence[Mapping[str, Any]]) -> np.ndarray:
        return np.asarray(self.final.predict_proba(self.features(records)))

    def score_samples(self, records: Sequence[Mapping[str, Any]]) -> np.ndarray:
        return np.asarray(self.final.score_samples(self.features(records)))

    def transform(self, records: Sequence[Mapping[str, Any]]) -> np.ndarray:
        return np.asarray(self.final.transform(self.features(records)))


def compile_scorer(pipeline: Any) -> RowScorer | None:
    """A :class:`RowScorer` for a ``[preprocess, model]`` pipeline, or None if unsupported."""
    if not isinstance(pipeline, Pipeline) or len(pipeline.steps) != 2:
        return None
    preprocessor = pipeline[0]
    if not isinstance(preprocessor, ColumnTransformer):
        return None
    try:
        blocks = [_compile_block(preprocessor, name) for name in _fitted_names(preprocessor)]
    except Unsupported:
        return None
    width = max((block.stop for block in blocks), default=0)
    return RowScorer(pipeline, blocks, width, bool(preprocessor.sparse_output_))


def _fitted_names(preprocessor: ColumnTransformer) -> list[str]:
    names = []
    for name, transformer, _selector in preprocessor.transformers_:
        if name == "remainder":
            if transformer != "drop":
                raise Unsupported("remainder columns are passed through")
            continue
        names.append(name)
    return names


def _compile_block(preprocessor: ColumnTransformer, name: str) -> _Block:
    transformer = preprocessor.named_transformers_[name]
    selector = next(s for n, _t, s in preprocessor.transformers_ if n == name)
    column = selector if isinstance(selector, str) else _single(selector)
    indices = preprocessor.output_indices_[name]
    if not isinstance(transformer, Pipeline):
        raise Unsupported(f"{name}: not a pipeline")
    encode = _compile_column(transformer, column, indices.stop - indices.start)
    return _Block(column, indices.start, indices.stop, encode)


def _single(selector: Any) -> str:
    if isinstance(selector, list) and len(selector) == 1 and isinstance(selector[0], str):
        return selector[0]
    raise Unsupported(f"selector {selector!r}")


def _compile_column(steps: Pipeline, column: str, width: int) -> Encoder:
    kinds = [type(step).__name__ for _name, step in steps.steps]
    first = steps[0]
    if kinds == ["FunctionTransformer", "SimpleImputer", "StandardScaler"]:
        _require_function(first, "_as_float")
        return _numeric(steps[1], steps[2], width)
    if kinds == ["FunctionTransformer", "SimpleImputer"]:
        _require_function(first, "_as_bool")
        fill = _fill_values(steps[1], 1)
        return lambda values: _impute(_floats(values, bool_float), fill)
    if kinds == ["FunctionTransformer", "SimpleImputer", "OneHotEncoder"]:
        _require_function(first, "_as_category")
        return _categorical(steps, column, width)
    if kinds == ["FunctionTransformer", "TfidfVectorizer"]:
        _require_function(first, "_as_text")
        return _text(steps[1], width)
    if kinds == ["DateParts", "SimpleImputer", "StandardScaler"]:
        assert isinstance(first, DateParts)
        return _dates(steps[1], steps[2], width)
    raise Unsupported(f"{column}: steps {kinds}")


def _require_function(step: Any, name: str) -> None:
    if not isinstance(step, FunctionTransformer) or getattr(step.func, "__name__", "") != name:
        raise Unsupported(f"function step {step!r}")


# -- per column kind --------------------------------------------------------------------


def _as_number(value: Any) -> float:
    return math.nan if is_missing(value) else float(value)


def _floats(values: list[Any], convert: Callable[[Any], float]) -> np.ndarray:
    return np.array([convert(value) for value in values], dtype=float).reshape(-1, 1)


def _fill_values(imputer: Any, width: int) -> np.ndarray:
    """What the fitted imputer writes into an all-missing row (its own transform decides)."""
    if not isinstance(imputer, SimpleImputer) or imputer.add_indicator:
        raise Unsupported("imputer")
    filled = np.asarray(imputer.transform(np.full((1, width), np.nan)), dtype=float)
    if filled.shape != (1, width):
        raise Unsupported("imputer drops empty features")
    return filled[0]


def _impute(matrix: np.ndarray, fill: np.ndarray) -> np.ndarray:
    missing = np.isnan(matrix)
    if missing.any():
        matrix = np.where(missing, fill, matrix)
    return matrix


def _scaler(scaler: Any) -> Callable[[np.ndarray], np.ndarray]:
    if not isinstance(scaler, StandardScaler):
        raise Unsupported("scaler")
    mean = scaler.mean_ if scaler.with_mean else None
    scale = scaler.scale_ if scaler.with_std else None

    def apply(matrix: np.ndarray) -> np.ndarray:
        if mean is not None:
            matrix = matrix - mean
        if scale is not None:
            matrix = matrix / scale
        return matrix

    return apply


def _numeric(imputer: Any, scaler: Any, width: int) -> Encoder:
    if width != 1:
        raise Unsupported("numeric width")
    fill, scale = _fill_values(imputer, 1), _scaler(scaler)
    return lambda values: scale(_impute(_floats(values, _as_number), fill))


def _dates(imputer: Any, scaler: Any, width: int) -> Encoder:
    fill, scale = _fill_values(imputer, width), _scaler(scaler)

    def encode(values: list[Any]) -> np.ndarray:
        stamps = to_datetime(pd.Series(values, dtype=object))
        return scale(_impute(DateParts._parts(stamps), fill))

    return encode


def _category_key(value: Any) -> Any:
    """The string the pipeline's ``_as_category`` step makes of one value (None if missing)."""
    return None if is_missing(value) else category_label(value)


def _categorical(steps: Pipeline, column: str, width: int) -> Encoder:
    """Each known category's one-hot row, computed by the fitted steps themselves."""
    encoder = steps[-1]
    if not isinstance(encoder, OneHotEncoder) or len(encoder.categories_) != 1:
        raise Unsupported("encoder")
    known = [str(c) for c in encoder.categories_[0] if not is_missing(c)]
    probe = pd.DataFrame({column: [*known, _UNSEEN, None]}, dtype=object)
    rows = steps.transform(probe)
    dense = np.asarray(rows.toarray() if sp.issparse(rows) else rows, dtype=float)
    if dense.shape != (len(known) + 2, width):
        raise Unsupported("encoder width")
    table: dict[Any, np.ndarray] = dict(zip(known, dense[: len(known)], strict=True))
    unseen, missing = dense[-2], dense[-1]
    table[None] = missing

    def encode(values: list[Any]) -> np.ndarray:
        return np.vstack([table.get(_category_key(value), unseen) for value in values])

    return encode


def _text(vectorizer: Any, width: int) -> Encoder:
    """TF-IDF as scikit-learn computes it: counts x idf, then each row divided by its L2 norm."""
    if not isinstance(vectorizer, TfidfVectorizer) or not _plain_tfidf(vectorizer):
        raise Unsupported("tfidf settings")
    analyze = vectorizer.build_analyzer()
    vocabulary: dict[str, int] = vectorizer.vocabulary_
    idf = np.asarray(vectorizer.idf_, dtype=float)
    if len(vocabulary) != width or len(idf) != width:
        raise Unsupported("tfidf width")

    def encode(values: list[Any]) -> np.ndarray:
        block = np.zeros((len(values), width), dtype=float)
        for row, value in enumerate(values):
            text = "" if is_missing(value) else str(value)
            counts = Counter(vocabulary[t] for t in analyze(text) if t in vocabulary)
            _tfidf_row(block[row], counts, idf)
        return block

    return encode


def _plain_tfidf(vectorizer: TfidfVectorizer) -> bool:
    return (
        vectorizer.norm == "l2"
        and vectorizer.use_idf
        and not vectorizer.sublinear_tf
        and not vectorizer.binary
        and np.dtype(vectorizer.dtype) == np.float64
    )


def _tfidf_row(out: np.ndarray, counts: Counter[int], idf: np.ndarray) -> None:
    """Fill one row in place, summing squares in column order as scikit-learn's normalizer."""
    squares = 0.0
    for index in sorted(counts):
        value = float(counts[index]) * float(idf[index])
        out[index] = value
        squares += value * value
    if squares == 0.0:
        return
    norm = math.sqrt(squares)
    for index in counts:
        out[index] /= norm
