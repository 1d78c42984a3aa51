"""Evaluation metrics, computed by scikit-learn, except the two a training computes dozens of
times (the loss curve's cross-entropy, permutation importance's accuracy).

Those two are one line of numpy each, the formula scikit-learn uses (1.9: probabilities
clipped to ``[eps, 1 - eps]``, no renormalising; accuracy the share of equal labels):
scikit-learn's input validation of each call (type of target, label binarising, array
checks) costs far more than the arithmetic, dozens of times per training (the figures:
``docs/benchmarks.md``, "What a training job does besides fitting"; no benchmark script
measures it). ``tests/ml/test_metrics.py`` keeps them equal to scikit-learn's.
"""

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
    """Cross-entropy of class probabilities (one column per class) against codes
    0..n_classes-1: ``sklearn.metrics.log_loss(y_codes, proba, labels=range(n_classes))``."""
    probabilities = np.asarray(proba, dtype=np.float64)
    codes = np.asarray(y_codes, dtype=np.intp)
    if probabilities.ndim != 2 or probabilities.shape != (len(codes), n_classes):
        raise ValueError(
            f"log_loss needs one probability per class and row: {probabilities.shape} for "
            f"{len(codes)} rows of {n_classes} classes"
        )
    if len(codes) == 0 or codes.min() < 0 or codes.max() >= n_classes:
        raise ValueError(f"log_loss needs class codes in 0..{n_classes - 1}")
    eps = np.finfo(np.float64).eps
    chosen = np.clip(probabilities[np.arange(len(codes)), codes], eps, 1 - eps)
    return float(-np.mean(np.log(chosen)))


def accuracy(y_true: Any, y_pred: Any) -> float:
    """The share of rows whose labels are equal: ``sklearn.metrics.accuracy_score`` of two
    label sequences of one type (e.g. both :func:`~urutiq_ai.ml.labels.class_texts`)."""
    truth, predicted = np.asarray(y_true), np.asarray(y_pred)
    if truth.shape != predicted.shape or truth.ndim != 1:
        raise ValueError(
            f"accuracy needs two label lists of one length: {truth.shape}, {predicted.shape}"
        )
    if len(truth) == 0:
        raise ValueError("accuracy of no rows")
    return float(np.mean(truth == predicted))


def mse(y_true: Any, y_pred: Any) -> float:
    """Mean squared error."""
    return float(skm.mean_squared_error(y_true, y_pred))
