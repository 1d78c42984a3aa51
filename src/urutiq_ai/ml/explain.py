"""Per-prediction explanations: the input columns that moved one prediction the most.

The explained output is the probability of the predicted class (classification), the
predicted value (regression), the anomaly score (anomaly detection) or the distance to the
assigned centroid (clustering). A positive contribution pushed that output up.

* Tree models (random forest, xgboost, isolation forest): shap's TreeExplainer on the
  transformed features (interventional on up to 100 ``background`` rows when given,
  tree-path-dependent otherwise), summed (signed) per input column. For classifiers the values are
  in the model's own units for the predicted class (probability for random forest, log-odds
  for xgboost).
* Other models: occlusion. Each column in turn is replaced by a reference value and the
  contribution is ``output(row) - output(row with that column replaced)``. The reference is
  the median (numeric, datetime) or most frequent value (other kinds) of ``background``
  when given; otherwise the column is set to null, which the pipeline's imputers turn into
  the training median / most frequent value (and text into an empty string).
"""

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from urutiq_ai.ml.estimators import is_tree_model, unwrap
from urutiq_ai.ml.importance import tree_shap_values
from urutiq_ai.ml.predict import infer_model_type, model_output, to_jsonable
from urutiq_ai.ml.preprocessing import feature_sources

BACKGROUND_ROWS = 100
"""Tree explanations use at most this many background rows (interventional SHAP)."""


def explain_row(
    pipeline: Pipeline,
    row: Mapping[str, Any],
    *,
    top_k: int = 5,
    background: pd.DataFrame | None = None,
    model_type: str | None = None,
) -> list[dict[str, Any]]:
    """The ``top_k`` input columns by absolute contribution to this row's prediction.

    Returns ``[{"feature": column, "value": raw value, "contribution": float}, ...]``
    sorted by ``|contribution|`` (see the module docstring for the method).
    """
    model_type = model_type or infer_model_type(pipeline)
    columns = [str(c) for c in pipeline[0].feature_names_in_]
    frame = pd.DataFrame([{c: row.get(c) for c in columns}], columns=columns)
    if is_tree_model(unwrap(pipeline[-1])):
        contributions = _tree_contributions(pipeline, frame, model_type, background)
    else:
        contributions = _occlusion(pipeline, frame, model_type, background)
    ordered = sorted(contributions.items(), key=lambda item: -abs(item[1]))[: max(top_k, 0)]
    return [
        {"feature": name, "value": to_jsonable(frame.at[0, name]), "contribution": float(value)}
        for name, value in ordered
    ]


def _tree_contributions(
    pipeline: Pipeline, frame: pd.DataFrame, model_type: str, background: pd.DataFrame | None
) -> dict[str, float]:
    if background is not None:
        background = background[list(frame.columns)].iloc[:BACKGROUND_ROWS]
    values = tree_shap_values(pipeline, frame, background)[0]
    if values.ndim == 2:  # (features, classes): keep the predicted class
        values = values[:, int(np.argmax(pipeline.predict_proba(frame)[0]))]
    elif model_type == "classification" and np.argmax(pipeline.predict_proba(frame)[0]) == 0:
        values = -values  # binary xgboost explains the positive class's log-odds
    if model_type == "anomaly_detection":
        values = -values  # isolation-forest SHAP explains path length (normality)
    totals: dict[str, float] = {}
    for source, value in zip(feature_sources(pipeline[0]), values.tolist(), strict=True):
        totals[source] = totals.get(source, 0.0) + value
    return totals


def _scalar_output(
    pipeline: Pipeline, rows: pd.DataFrame, model_type: str, pick: int | None
) -> np.ndarray:
    if model_type == "classification":
        return model_output(pipeline, rows, model_type)[:, pick]
    if model_type == "clustering":
        return np.asarray(pipeline.transform(rows), dtype=float)[:, pick]
    return model_output(pipeline, rows, model_type)


def _occlusion(
    pipeline: Pipeline, frame: pd.DataFrame, model_type: str, background: pd.DataFrame | None
) -> dict[str, float]:
    pick: int | None = None
    if model_type == "classification":
        pick = int(np.argmax(pipeline.predict_proba(frame)[0]))
    elif model_type == "clustering":
        pick = int(np.asarray(pipeline.predict(frame))[0])
    columns = list(frame.columns)
    variants = pd.concat([frame] * len(columns), ignore_index=True).astype(object)
    for i, column in enumerate(columns):
        variants.at[i, column] = _reference(background, column)
    variants = variants.infer_objects()
    base = _scalar_output(pipeline, frame, model_type, pick)[0]
    changed = _scalar_output(pipeline, variants, model_type, pick)
    return {column: float(base - changed[i]) for i, column in enumerate(columns)}


def _reference(background: pd.DataFrame | None, column: str) -> Any:
    """Median (numbers, dates) or most frequent value of ``column``; None without data."""
    if background is None or column not in background.columns:
        return None
    values = background[column].dropna()
    if len(values) == 0:
        return None
    is_bool = pd.api.types.is_bool_dtype(values)
    numeric = pd.api.types.is_numeric_dtype(values) and not is_bool
    if numeric or pd.api.types.is_datetime64_any_dtype(values):
        return values.median()
    return values.mode().iloc[0]
