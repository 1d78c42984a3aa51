"""Train one model from a spec: check, split, fit with progress, evaluate."""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from urutiq_ai.ml import metrics
from urutiq_ai.ml.columns import ColumnKind
from urutiq_ai.ml.errors import SpecError, TrainingCancelled
from urutiq_ai.ml.estimators import LabelledClassifier, ScaledRegressor
from urutiq_ai.ml.fitting import FITTERS, FitContext
from urutiq_ai.ml.preprocessing import build_preprocessor
from urutiq_ai.ml.spec import CheckedSpec, TrainSpec, anomaly_flags, as_labels, check_spec

__all__ = [
    "CheckedSpec",
    "CurvePoint",
    "Progress",
    "TrainResult",
    "TrainSpec",
    "check_spec",
    "train",
]


@dataclass(frozen=True)
class Progress:
    """One progress point, passed to ``on_progress`` after each epoch, round or step."""

    epoch: int
    total_epochs: int
    loss: float
    validation_loss: float | None
    message: str


class CurvePoint(TypedDict):
    epoch: int
    loss: float


@dataclass
class TrainResult:
    """A fitted pipeline (raw feature columns in, predictions out) and what was measured.

    ``metrics`` are computed on the validation split: classification ``accuracy``,
    ``precision``/``recall``/``f1Score`` (macro) plus ``precisionMacro``, ``recallMacro``,
    ``f1Macro``, ``precisionWeighted``, ``recallWeighted``, ``f1Weighted``; regression
    ``mae``, ``rmse``, ``r2``; clustering ``silhouette`` (absent when fewer than two
    clusters occur) and ``inertia``; anomaly_detection ``anomalyRate`` and, with a label
    column, ``precision``/``recall``/``f1Score`` on the anomalies. Curves hold one
    ``{"epoch", "loss"}`` point per epoch/round/step. ``validation_frame`` holds the raw
    feature columns of the validation split and ``validation_target`` its labels (class
    labels, floats or anomaly flags), ready for :mod:`urutiq_ai.ml.importance`.
    """

    pipeline: Pipeline
    model_type: str
    algorithm: str
    metrics: dict[str, float]
    training_curve: list[CurvePoint]
    validation_curve: list[CurvePoint]
    hyperparameters: dict[str, Any]
    feature_columns: list[str]
    column_types: dict[str, ColumnKind]
    classes: list[Any] | None
    validation_frame: pd.DataFrame
    validation_target: pd.Series | None
    training_rows: int
    validation_rows: int
    epochs: int | None
    batch_size: int | None
    learning_rate: float | None
    duration_seconds: float


def _split(checked: CheckedSpec) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of the training and validation splits (stratified when possible)."""
    spec, n = checked.spec, len(checked.rows)
    positions = np.arange(n)
    stratify = None
    if spec.model_type == "classification" and checked.target is not None:
        labels = as_labels(checked.target)
        counts = labels.value_counts()
        if counts.min() >= 2 and math.ceil(n * spec.validation_split) >= len(counts):
            stratify = labels.to_numpy()
    train, val = train_test_split(
        positions,
        test_size=spec.validation_split,
        random_state=spec.random_state,
        stratify=stratify,
    )
    return np.sort(train), np.sort(val)


def train(
    frame: pd.DataFrame,
    spec: TrainSpec,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    """Check ``spec`` against ``frame`` and fit one pipeline, reporting progress.

    ``on_progress`` receives a :class:`Progress` after every epoch (MLP), boosting round
    (xgboost), growth step (random forest) or the single fit (other algorithms);
    ``should_stop`` is polled before fitting and after each point, and a True answer raises
    :class:`TrainingCancelled`. The same data, spec and ``random_state`` give the same
    metrics. Raises SpecError before fitting when the spec or data are unusable.
    """
    started = time.perf_counter()
    checked = check_spec(frame, spec)
    train_pos, val_pos = _split(checked)
    runner = _Runner(checked, on_progress, should_stop)
    runner.check_stop()
    pipeline, metrics_out, classes = runner.fit(train_pos, val_pos)
    return _result(checked, runner, pipeline, metrics_out, classes, val_pos, started)


@dataclass
class _Targets:
    """Targets as the estimator sees them (codes, floats, standardized floats or none)."""

    train: np.ndarray | None = None
    val: np.ndarray | None = None
    raw_val: pd.Series | None = None
    classes: np.ndarray | None = None
    mean: float = 0.0
    scale: float = 1.0

    @property
    def n_classes(self) -> int:
        return 0 if self.classes is None else len(self.classes)


def _targets(checked: CheckedSpec, train_pos: np.ndarray, val_pos: np.ndarray) -> _Targets:
    spec, target = checked.spec, checked.target
    if target is None:
        return _Targets()
    if spec.model_type == "anomaly_detection":
        return _Targets(raw_val=anomaly_flags(target.iloc[val_pos]).reset_index(drop=True))
    if spec.model_type == "classification":
        labels = as_labels(target)
        classes = np.unique(labels.iloc[train_pos].to_numpy())
        if len(classes) < 2:
            raise SpecError([("targetColumn", "the training split holds a single class")])
        lookup = {label: code for code, label in enumerate(classes.tolist())}
        codes = labels.map(lambda v: lookup.get(v, -1)).to_numpy(dtype=int)
        raw_val = labels.iloc[val_pos].reset_index(drop=True)
        return _Targets(codes[train_pos], codes[val_pos], raw_val, classes)
    values = pd.to_numeric(target, errors="coerce").to_numpy(dtype=float)
    out = _Targets(values[train_pos], values[val_pos], pd.Series(values[val_pos]))
    if checked.algorithm.scales_target:
        out.mean = float(out.train.mean()) if out.train is not None else 0.0
        out.scale = float(np.std(values[train_pos])) or 1.0
        out.train = (values[train_pos] - out.mean) / out.scale
        out.val = (values[val_pos] - out.mean) / out.scale
    return out


def _wrap(estimator: Any, model_type: str, targets: _Targets, scales: bool) -> Any:
    if model_type == "classification" and targets.classes is not None:
        return LabelledClassifier.from_fitted(estimator, targets.classes)
    if model_type == "regression" and scales:
        return ScaledRegressor.from_fitted(estimator, targets.mean, targets.scale)
    return estimator


class _Runner:
    """Holds the curves and callbacks of one training run."""

    def __init__(
        self,
        checked: CheckedSpec,
        on_progress: Callable[[Progress], None] | None,
        should_stop: Callable[[], bool] | None,
    ) -> None:
        self.checked, self.on_progress, self.should_stop = checked, on_progress, should_stop
        self.training_curve: list[CurvePoint] = []
        self.validation_curve: list[CurvePoint] = []
        self.targets = _Targets()

    def check_stop(self) -> None:
        if self.should_stop is not None and self.should_stop():
            raise TrainingCancelled("training was cancelled")

    def report(self, epoch: int, total: int, loss: float, validation_loss: float | None) -> None:
        self.training_curve.append({"epoch": epoch, "loss": float(loss)})
        if validation_loss is not None:
            self.validation_curve.append({"epoch": epoch, "loss": float(validation_loss)})
        if self.on_progress is not None:
            unit = {"epochs": "epoch", "rounds": "round", "trees": "step"}.get(
                self.checked.algorithm.progress, "fit"
            )
            message = f"{unit} {epoch}/{total}: loss {loss:.6g}"
            self.on_progress(Progress(epoch, total, float(loss), validation_loss, message))
        self.check_stop()

    def fit(
        self, train_pos: np.ndarray, val_pos: np.ndarray
    ) -> tuple[Pipeline, dict[str, float], np.ndarray | None]:
        checked, spec = self.checked, self.checked.spec
        X = checked.rows[list(spec.feature_columns)]
        preprocessor = build_preprocessor(
            checked.column_types, dense=checked.algorithm.uses_dense_input
        )
        X_train = preprocessor.fit_transform(X.iloc[train_pos])
        X_val = preprocessor.transform(X.iloc[val_pos])
        targets = self.targets = _targets(checked, train_pos, val_pos)
        estimator = checked.algorithm.build(
            spec.model_type, checked.hyperparameters, spec.random_state
        )
        ctx = FitContext(
            estimator, spec.model_type, X_train, targets.train, X_val, targets.val,
            targets.n_classes, self.report,
        )  # fmt: skip
        FITTERS[checked.algorithm.progress](ctx)
        final = _wrap(estimator, spec.model_type, targets, checked.algorithm.scales_target)
        pipeline = Pipeline([("preprocess", preprocessor), ("model", final)])
        scores = evaluate(final, spec.model_type, X_val, targets.raw_val, spec.random_state)
        return pipeline, scores, targets.classes


def evaluate(
    final: Any, model_type: str, X_val: Any, y_val: pd.Series | None, random_state: int
) -> dict[str, float]:
    """Metrics of a fitted final estimator on transformed validation data (see TrainResult)."""
    if model_type == "classification":
        return metrics.classification_metrics(y_val, final.predict(X_val))
    if model_type == "regression":
        return metrics.regression_metrics(y_val, final.predict(X_val))
    if model_type == "clustering":
        labels = final.predict(X_val)
        out = metrics.clustering_metrics(X_val, labels, random_state=random_state)
        return {**out, "inertia": float(final.inertia_)}
    flags = final.predict(X_val) == -1
    if y_val is None:
        return metrics.anomaly_metrics(flags)
    known = y_val.notna().to_numpy()
    scores = metrics.anomaly_metrics(flags)
    if known.any():
        labelled = metrics.anomaly_metrics(flags[known], y_val[known].astype(bool).to_numpy())
        scores.update({k: v for k, v in labelled.items() if k != "anomalyRate"})
    return scores


def _result(
    checked: CheckedSpec,
    runner: _Runner,
    pipeline: Pipeline,
    scores: dict[str, float],
    classes: np.ndarray | None,
    val_pos: np.ndarray,
    started: float,
) -> TrainResult:
    spec, params = checked.spec, checked.hyperparameters
    features = list(spec.feature_columns)
    learning_rate = params.get("learning_rate", params.get("learning_rate_init"))
    return TrainResult(
        pipeline=pipeline,
        model_type=spec.model_type,
        algorithm=spec.algorithm,
        metrics=scores,
        training_curve=runner.training_curve,
        validation_curve=runner.validation_curve,
        hyperparameters=dict(params),
        feature_columns=features,
        column_types=dict(checked.column_types),
        classes=None if classes is None else classes.tolist(),
        validation_frame=checked.rows[features].iloc[val_pos].reset_index(drop=True),
        validation_target=runner.targets.raw_val,
        training_rows=len(checked.rows) - len(val_pos),
        validation_rows=len(val_pos),
        epochs=len(runner.training_curve) if checked.algorithm.iterative else None,
        batch_size=params.get("batch_size"),
        learning_rate=None if learning_rate is None else float(learning_rate),
        duration_seconds=time.perf_counter() - started,
    )
