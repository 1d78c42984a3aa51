"""The preprocessing half of every saved pipeline, so that models take raw rows.

One transformer per input column (named ``c0``, ``c1``, ...), which makes it cheap to map
each transformed feature back to the input column it came from (:func:`feature_sources`).
Every estimator in the registry accepts sparse input (random forest, logistic/ridge, MLP,
k-means, isolation forest), so the output stays sparse when TF-IDF is present; callers pass
``dense=True`` where sparse zeros would change meaning (xgboost reads them as missing).
"""

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from urutiq_ai.ml.columns import ColumnKind, to_bool_float, to_datetime
from urutiq_ai.ml.labels import category_label

MAX_CATEGORIES = 50
"""One-hot width per categorical column; rarer values share one "infrequent" column."""
TEXT_MAX_FEATURES = 200
"""TF-IDF vocabulary bound per text column."""
DATE_PARTS = ("month", "weekday", "hour", "day", "is_weekend")


class DateParts(TransformerMixin, BaseEstimator):
    """Turn each date column into month, weekday, hour, day-of-month and is_weekend.

    Accepts datetimes or ISO strings; missing or unparseable values become NaN so that a
    following imputer fills them.
    """

    def fit(self, X: Any, y: Any = None) -> "DateParts":  # noqa: ARG002 - sklearn API
        frame = pd.DataFrame(X)
        self.columns_ = [str(c) for c in frame.columns]
        self.n_features_in_ = frame.shape[1]
        return self

    def transform(self, X: Any) -> np.ndarray:
        frame = pd.DataFrame(X)
        parts = [self._parts(to_datetime(frame[column])) for column in frame.columns]
        return np.hstack(parts) if parts else np.empty((len(frame), 0))

    @staticmethod
    def _parts(stamps: pd.Series) -> np.ndarray:
        weekday = stamps.dt.day_of_week.astype(float)
        columns = [
            stamps.dt.month.astype(float),
            weekday,
            stamps.dt.hour.astype(float),
            stamps.dt.day.astype(float),
            (weekday >= 5).astype(float).where(weekday.notna()),
        ]
        return np.column_stack([c.to_numpy(dtype=float) for c in columns])

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        names = list(input_features) if input_features is not None else self.columns_
        return np.array([f"{name}_{part}" for name in names for part in DATE_PARTS], dtype=object)


def _as_float(values: Any) -> np.ndarray:
    frame = pd.DataFrame(values)
    return frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)


def _as_bool(values: Any) -> np.ndarray:
    frame = pd.DataFrame(values)
    return np.column_stack([to_bool_float(frame[c]).to_numpy() for c in frame.columns])


def _as_category(values: Any) -> np.ndarray:
    frame = pd.DataFrame(values).astype(object)
    return (
        frame.where(frame.notna(), np.nan)
        .map(lambda v: v if isinstance(v, float) and np.isnan(v) else category_label(v))
        .to_numpy(dtype=object)
    )


def _as_text(values: Any) -> list[str]:
    series = pd.Series(np.asarray(values, dtype=object).ravel())
    return series.where(series.notna(), "").astype(str).tolist()


def _column_pipeline(kind: ColumnKind, dense: bool) -> Pipeline:
    fn = FunctionTransformer
    if kind is ColumnKind.NUMERIC:
        steps: list[tuple[str, Any]] = [("coerce", fn(_as_float, feature_names_out="one-to-one"))]
        steps += [("impute", SimpleImputer(strategy="median", keep_empty_features=True))]
        steps += [("scale", StandardScaler())]
    elif kind is ColumnKind.BOOLEAN:
        steps = [("coerce", fn(_as_bool, feature_names_out="one-to-one"))]
        steps += [("impute", SimpleImputer(strategy="most_frequent", keep_empty_features=True))]
    elif kind is ColumnKind.CATEGORICAL:
        steps = [("coerce", fn(_as_category, feature_names_out="one-to-one"))]
        steps += [("impute", SimpleImputer(strategy="most_frequent", keep_empty_features=True))]
        encoder = OneHotEncoder(
            handle_unknown="infrequent_if_exist",
            max_categories=MAX_CATEGORIES,
            sparse_output=not dense,
        )
        steps += [("encode", encoder)]
    elif kind is ColumnKind.TEXT:
        steps = [("fill", fn(_as_text))]
        steps += [("tfidf", TfidfVectorizer(ngram_range=(1, 2), max_features=TEXT_MAX_FEATURES))]
    else:
        steps = [("parts", DateParts())]
        steps += [("impute", SimpleImputer(strategy="median", keep_empty_features=True))]
        steps += [("scale", StandardScaler())]
    return Pipeline(steps)


def build_preprocessor(
    column_types: Mapping[str, ColumnKind | str], *, dense: bool = False
) -> ColumnTransformer:
    """Build the (unfitted) preprocessing step for ``column_types`` (column -> kind).

    numeric: median impute + standard scaling; boolean: 0/1 with most-frequent impute;
    categorical: most-frequent impute + one-hot (at most ``MAX_CATEGORIES`` columns, unseen
    values map to the infrequent column or to zeros); text: TF-IDF on 1-2 grams of the
    filled string; datetime: :class:`DateParts`, imputed and scaled. The output is sparse
    only when a text column is present and ``dense`` is False.
    """
    transformers = []
    for index, (name, kind) in enumerate(column_types.items()):
        kind = ColumnKind(kind)
        selector: str | list[str] = name if kind is ColumnKind.TEXT else [name]
        transformers.append((f"c{index}", _column_pipeline(kind, dense), selector))
    return ColumnTransformer(
        transformers,
        remainder="drop",
        sparse_threshold=0.0 if dense else 1.0,
    )


def feature_sources(preprocessor: ColumnTransformer) -> list[str]:
    """For a fitted preprocessor, the input column of each transformed feature, in order."""
    sources: list[str] = []
    for name, _transformer, selector in preprocessor.transformers_:
        if name == "remainder":
            continue
        block = preprocessor.output_indices_[name]
        column = selector if isinstance(selector, str) else selector[0]
        sources.extend([column] * (block.stop - block.start))
    return sources


def feature_names_out(preprocessor: ColumnTransformer) -> list[tuple[str, str]]:
    """For a fitted preprocessor, ``(feature name, source column)`` per transformed feature.

    Names are readable (``"amount"``, ``"vendor_acme"``, ``"posted_at_month"``,
    ``"memo:office chairs"``); several share a source column when it was expanded.
    """
    pairs: list[tuple[str, str]] = []
    for name, transformer, selector in preprocessor.transformers_:
        if name == "remainder":
            continue
        if isinstance(selector, str):
            words = transformer[-1].get_feature_names_out()
            pairs.extend((f"{selector}:{word}", selector) for word in words)
        else:
            names = transformer.get_feature_names_out(selector)
            pairs.extend((str(feature), selector[0]) for feature in names)
    return pairs
