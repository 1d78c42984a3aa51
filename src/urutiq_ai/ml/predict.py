"""Batch predictions from a saved pipeline, vectorized (10,000 rows take well under a second).

What each model type returns:

* classification: ``prediction`` the class label, ``confidence`` the highest class
  probability, ``probabilities`` ``{str(label): p}`` summing to 1.
* regression: ``prediction`` a float; ``confidence`` None (no calibrated score exists).
* clustering: ``prediction`` the cluster id; ``confidence`` ``1 - d1 / d2`` where ``d1`` and
  ``d2`` are the distances to the nearest and second-nearest centroid (0 = on the border,
  1 = on the centroid).
* anomaly_detection: ``prediction`` True for an anomaly; ``confidence`` the isolation-forest
  anomaly score ``-score_samples`` in [0, 1] (about 0.5 or less is normal, near 1 anomalous).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.ensemble import IsolationForest
from sklearn.pipeline import Pipeline

from urutiq_ai.ml.errors import MLError

Rows: TypeAlias = pd.DataFrame | Sequence[Mapping[str, Any]]
"""A frame from ``validate_rows`` for a pipeline; checked records for a ``RowScorer``."""


@dataclass(frozen=True)
class PredictionOut:
    """One prediction; see the module docstring for each model type's meaning."""

    prediction: Any
    confidence: float | None
    probabilities: dict[str, float] | None = None


def infer_model_type(pipeline: Pipeline) -> str:
    """The model type a fitted pipeline was trained for, read from its final step."""
    final = pipeline[-1]
    if isinstance(final, KMeans):
        return "clustering"
    if isinstance(final, IsolationForest):
        return "anomaly_detection"
    return "classification" if hasattr(final, "predict_proba") else "regression"


def anomaly_scores(pipeline: Any, rows: Rows) -> np.ndarray:
    """Isolation-forest anomaly scores in [0, 1]; higher is more anomalous."""
    return np.clip(-np.asarray(pipeline.score_samples(rows), dtype=float), 0.0, 1.0)


def model_output(pipeline: Pipeline, rows: pd.DataFrame, model_type: str) -> np.ndarray:
    """The numeric output explanations are about.

    Class probabilities ``(n, K)`` for classifiers, the prediction for regressors, the
    anomaly score for anomaly detection and the distance to the nearest centroid for
    clustering (all ``(n,)``).
    """
    if model_type == "classification":
        return np.asarray(pipeline.predict_proba(rows), dtype=float)
    if model_type == "regression":
        return np.asarray(pipeline.predict(rows), dtype=float)
    if model_type == "anomaly_detection":
        return anomaly_scores(pipeline, rows)
    if model_type == "clustering":
        return np.asarray(pipeline.transform(rows), dtype=float).min(axis=1)
    raise MLError(f"unknown model type {model_type!r}")


def to_jsonable(value: Any) -> Any:
    """numpy/pandas scalars as plain Python values (timestamps as ISO strings, NaN as None)."""
    if isinstance(value, pd.Timestamp | np.datetime64):
        stamp = pd.Timestamp(value)
        return None if pd.isna(stamp) else stamp.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def predict(pipeline: Any, rows: Rows, *, model_type: str) -> list[PredictionOut]:
    """Predict every row of ``rows`` with a fitted pipeline or its compiled ``RowScorer``.

    A pipeline takes raw feature columns as a frame (``validate_rows``); a
    :class:`~urutiq_ai.ml.rowpath.RowScorer` takes the checked records themselves.
    """
    if len(rows) == 0:
        return []
    if model_type == "classification":
        return _classify(pipeline, rows)
    if model_type == "regression":
        values = np.asarray(pipeline.predict(rows), dtype=float).tolist()
        return [PredictionOut(value, None) for value in values]
    if model_type == "clustering":
        return _cluster(pipeline, rows)
    if model_type == "anomaly_detection":
        flags = (np.asarray(pipeline.predict(rows)) == -1).tolist()
        scores = anomaly_scores(pipeline, rows).tolist()
        return [PredictionOut(flag, score) for flag, score in zip(flags, scores, strict=True)]
    raise MLError(f"unknown model type {model_type!r}")


def _classify(pipeline: Any, rows: Rows) -> list[PredictionOut]:
    proba = np.asarray(pipeline.predict_proba(rows), dtype=float)
    classes = np.asarray(pipeline.classes_)
    best = proba.argmax(axis=1)
    labels = [to_jsonable(label) for label in classes[best]]
    confidence = proba[np.arange(len(proba)), best].tolist()
    keys = [str(to_jsonable(label)) for label in classes]
    return [
        PredictionOut(label, conf, dict(zip(keys, row, strict=True)))
        for label, conf, row in zip(labels, confidence, proba.tolist(), strict=True)
    ]


def _cluster(pipeline: Any, rows: Rows) -> list[PredictionOut]:
    distances = np.asarray(pipeline.transform(rows), dtype=float)
    nearest = distances.argmin(axis=1)
    ordered = np.sort(distances, axis=1)
    second = ordered[:, 1] if ordered.shape[1] > 1 else ordered[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        margin = np.where(second > 0, 1.0 - ordered[:, 0] / second, 0.0)
    return [
        PredictionOut(int(cluster), float(conf))
        for cluster, conf in zip(nearest.tolist(), margin.tolist(), strict=True)
    ]
