"""Evaluation metrics, all computed by scikit-learn (nothing re-derived by hand)."""

from typing import Any

import numpy as np
from sklearn import metrics as skm


def classification_metrics(y_true: Any, y_pred: Any) -> dict[str, float]:
    """accuracy; precision, recall and f1Score (macro); their macro and weighted variants."""
    out = {"accuracy": float(skm.accuracy_score(y_true, y_pred))}
    for average in ("macro", "weighted"):
        precision, recall, f1, _ = skm.precision_recall_fscore_support(
            y_true, y_pred, average=average, zero_division=0
        )
        suffix = average.capitalize()
        out[f"precision{suffix}"] = float(precision)
        out[f"recall{suffix}"] = float(recall)
        out[f"f1{suffix}"] = float(f1)
    out["precision"] = out["precisionMacro"]
    out["recall"] = out["recallMacro"]
    out["f1Score"] = out["f1Macro"]
    return out


def regression_metrics(y_true: Any, y_pred: Any) -> dict[str, float]:
    """mae, rmse and r2."""
    return {
        "mae": float(skm.mean_absolute_error(y_true, y_pred)),
        "rmse": float(skm.root_mean_squared_error(y_true, y_pred)),
        "r2": float(skm.r2_score(y_true, y_pred)),
    }


def clustering_metrics(
    X: Any, labels: Any, *, random_state: int, sample_size: int = 2000
) -> dict[str, float]:
    """silhouette (on at most ``sample_size`` rows); empty when fewer than two clusters."""
    labels = np.asarray(labels)
    n_labels = len(np.unique(labels))
    if n_labels < 2 or n_labels >= len(labels):
        return {}
    size = min(sample_size, len(labels))
    score = skm.silhouette_score(X, labels, sample_size=size, random_state=random_state)
    return {"silhouette": float(score)}


def anomaly_metrics(is_anomaly: Any, labels: Any | None = None) -> dict[str, float]:
    """anomalyRate; with ground-truth ``labels``, precision, recall and f1Score on anomalies."""
    flags = np.asarray(is_anomaly, dtype=bool)
    out = {"anomalyRate": float(flags.mean()) if len(flags) else 0.0}
    if labels is not None:
        truth = np.asarray(labels, dtype=bool)
        precision, recall, f1, _ = skm.precision_recall_fscore_support(
            truth, flags, average="binary", pos_label=True, zero_division=0
        )
        out.update(precision=float(precision), recall=float(recall), f1Score=float(f1))
    return out


def log_loss(y_codes: Any, proba: Any, n_classes: int) -> float:
    """Cross-entropy of class probabilities against codes 0..n_classes-1."""
    return float(skm.log_loss(y_codes, proba, labels=list(range(n_classes))))


def mse(y_true: Any, y_pred: Any) -> float:
    """Mean squared error."""
    return float(skm.mean_squared_error(y_true, y_pred))
