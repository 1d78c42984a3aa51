"""Fitting loops that report a training and validation loss per epoch, round or step.

Each fitter receives a :class:`FitContext` holding already-transformed data and a ``report``
function (which records the curves, calls ``on_progress`` and raises ``TrainingCancelled``
when asked to stop). Losses: log loss for classifiers, mean squared error for regressors
(for the MLP in standardized target units, its own scale), inertia for k-means and the
mean anomaly score (``-score_samples``) for isolation forests.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from xgboost.callback import TrainingCallback

from urutiq_ai.ml import metrics

RF_STEPS = 10
"""A random forest is grown in this many warm-start steps, one progress point each."""

Report = Callable[[int, int, float, float | None], None]


@dataclass
class FitContext:
    """Transformed training and validation data for one fit (targets as codes or floats)."""

    estimator: Any
    model_type: str
    X_train: Any
    y_train: np.ndarray | None
    X_val: Any
    y_val: np.ndarray | None
    n_classes: int
    report: Report


def loss(ctx: FitContext, X: Any, y: np.ndarray | None) -> float | None:
    """The loss of ``ctx.estimator`` on ``(X, y)`` for supervised model types."""
    if y is None or len(y) == 0:
        return None
    est = ctx.estimator
    if ctx.model_type == "classification":
        known = y >= 0  # validation rows whose class never occurred in training are -1
        if not known.any():
            return None
        return metrics.log_loss(y[known], est.predict_proba(X[known]), ctx.n_classes)
    return metrics.mse(y, est.predict(X))


def fit_single(ctx: FitContext) -> None:
    """One fit, one progress point."""
    est = ctx.estimator
    est.fit(ctx.X_train, ctx.y_train)
    val_loss: float | None
    if ctx.model_type == "clustering":
        train_loss, val_loss = float(est.inertia_), float(-est.score(ctx.X_val))
    elif ctx.model_type == "anomaly_detection":
        train_loss = float(-np.mean(est.score_samples(ctx.X_train)))
        val_loss = float(-np.mean(est.score_samples(ctx.X_val)))
    else:
        train_loss = loss(ctx, ctx.X_train, ctx.y_train) or 0.0
        val_loss = loss(ctx, ctx.X_val, ctx.y_val)
    ctx.report(1, 1, train_loss, val_loss)


def fit_epochs(ctx: FitContext) -> None:
    """MLP: one ``partial_fit`` pass per epoch; training loss is the MLP's own ``loss_``."""
    est = ctx.estimator
    total = int(est.max_iter)
    extra = {"classes": np.arange(ctx.n_classes)} if ctx.model_type == "classification" else {}
    for epoch in range(1, total + 1):
        est.partial_fit(ctx.X_train, ctx.y_train, **extra)
        ctx.report(epoch, total, float(est.loss_), loss(ctx, ctx.X_val, ctx.y_val))


def fit_trees(ctx: FitContext) -> None:
    """Random forest: grow with ``warm_start`` in up to ``RF_STEPS`` steps.

    Warm-started forests draw the same tree seeds as one full fit, so results do not
    depend on the number of steps.
    """
    est = ctx.estimator
    total = int(est.n_estimators)
    steps = min(RF_STEPS, total)
    train, validation = (
        ForestLoss(ctx, ctx.X_train, ctx.y_train),
        ForestLoss(ctx, ctx.X_val, ctx.y_val),
    )
    est.set_params(warm_start=True)
    for step in range(1, steps + 1):
        est.set_params(n_estimators=max(1, round(total * step / steps)))
        est.fit(ctx.X_train, ctx.y_train)
        ctx.report(step, steps, train.of(est) or 0.0, validation.of(est))
    est.set_params(warm_start=False)


class ForestLoss:
    """:func:`loss` of a forest that grows step by step, on one split.

    The forest's prediction is the mean of its trees' predictions; the per-tree sums are
    kept between steps, so each step predicts with its new trees only (not with every tree
    grown so far, which made the curve cost as much as 5.5 full predictions over 10 steps).
    The sums are added in tree order from zero, as the forest's own ``predict_proba`` and
    ``predict`` do, so the losses are the same numbers.
    """

    def __init__(self, ctx: FitContext, X: Any, y: np.ndarray | None) -> None:
        self.classifier, self.n_classes = ctx.model_type == "classification", ctx.n_classes
        if y is not None and self.classifier:
            known = y >= 0  # validation rows whose class never occurred in training are -1
            X, y = X[known], y[known]
        self.X, self.y = X, y
        self.sums: np.ndarray | None = None
        self.trees = 0

    def of(self, forest: Any) -> float | None:
        """The loss of ``forest`` (the same forest each call, with more trees)."""
        if self.y is None or len(self.y) == 0:
            return None
        for tree in forest.estimators_[self.trees :]:
            part = tree.predict_proba(self.X) if self.classifier else tree.predict(self.X)
            if self.sums is None:
                self.sums = np.zeros(np.shape(part), dtype=np.float64)
            self.sums += part
        self.trees = len(forest.estimators_)
        assert self.sums is not None
        mean = self.sums / self.trees
        if self.classifier:
            return metrics.log_loss(self.y, mean, self.n_classes)
        return metrics.mse(self.y, mean)


class _RoundCallback(TrainingCallback):
    """Forwards xgboost's per-round train/validation metric to ``report``."""

    def __init__(self, report: Report, total: int) -> None:
        super().__init__()
        self.report, self.total = report, total

    def after_iteration(self, model: Any, epoch: int, evals_log: dict[str, Any]) -> bool:  # noqa: ARG002
        train = _last(evals_log.get("validation_0"))
        validation = _last(evals_log.get("validation_1"))
        self.report(epoch + 1, self.total, train if train is not None else 0.0, validation)
        return False


def _last(log: dict[str, Any] | None) -> float | None:
    if not log:
        return None
    values = next(iter(log.values()))
    return float(values[-1]) if len(values) else None


def fit_rounds(ctx: FitContext) -> None:
    """xgboost: one progress point per boosting round (its eval metric on both splits).

    The callback is removed after fitting so that the saved estimator pickles.
    """
    est = ctx.estimator
    if ctx.model_type == "classification":
        est.set_params(eval_metric="logloss" if ctx.n_classes == 2 else "mlogloss")
    evals = [(ctx.X_train, ctx.y_train)]
    if ctx.y_val is not None:
        keep = (
            ctx.y_val >= 0 if ctx.model_type == "classification" else np.ones(len(ctx.y_val), bool)
        )
        if keep.any():
            evals.append((ctx.X_val[keep], ctx.y_val[keep]))
    est.set_params(callbacks=[_RoundCallback(ctx.report, int(est.n_estimators))])
    try:
        est.fit(ctx.X_train, ctx.y_train, eval_set=evals, verbose=False)
    finally:
        est.set_params(callbacks=None)


FITTERS: dict[str, Callable[[FitContext], None]] = {
    "single": fit_single,
    "epochs": fit_epochs,
    "trees": fit_trees,
    "rounds": fit_rounds,
}
