"""Label and concept drift of a model, against its stored validation sample.

Imported lazily (numpy, pandas, scipy, river and the model's pipeline).

The reference is the validation split kept with the model version (up to 2,000 rows of
features and target): the pipeline's predictions on it, its true labels or values, and the
metric measured on it (accuracy for labels, MAE for numbers).

* ``label_drift`` / ``prediction``: the predictions made in the window against the
  pipeline's predictions on the validation rows;
* ``label_drift`` / ``actualValue``: the actual values recorded for the window's predictions
  against the validation target;
* ``concept_drift``: the window's outcomes in time order, their error stream watched by ADWIN
  and the live metric's drop against the validation metric (:mod:`urutiq_ai.ml.concept`).

Outcome-based results need at least ``MIN_OUTCOMES`` predictions with an actual value in the
window; with fewer, or for clustering models (no outcome), they are listed as skipped with
the reason, never stored as ``normal``.
"""

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.ml import concept
from urutiq_ai.ml import drift as ml_drift
from urutiq_ai.ml.errors import InputError
from urutiq_ai.ml.labels import is_missing_label, outcome_label
from urutiq_ai.ml.predict import predict
from urutiq_ai.monitoring.models import AIDriftDetection
from urutiq_ai.monitoring.schemas import STATUS_ORDER, DriftStatus, DriftType
from urutiq_ai.predictions import service as predictions_service
from urutiq_ai.predictions import serving
from urutiq_ai.predictions.outcomes import stored_value
from urutiq_ai.registry.artifacts import VALIDATION_TARGET, ArtifactStore
from urutiq_ai.registry.models import AIModel, ModelArtifact

MIN_OUTCOMES = 30
NUMERIC_MODELS = frozenset({"regression"})
NO_OUTCOMES = frozenset({"clustering"})


def check(
    session: Session,
    ctx: TenantContext,
    *,
    model: AIModel,
    artifact: ModelArtifact,
    store: ArtifactStore,
    start: datetime,
    end: datetime,
    types: Collection[DriftType],
) -> tuple[list[AIDriftDetection], dict[str, str]]:
    """The label- and concept-drift rows of one check (not yet added), and what was skipped.

    What will be skipped is decided first: the validation sample is only loaded (and the
    pipeline run on it) when some row needs it.
    """
    skipped: dict[str, str] = {}
    outcomes = _usable_outcomes(session, ctx, model, start, end, types, skipped)
    if DriftType.label_drift not in types and not outcomes:
        return [], skipped
    sample = serving.validation_sample(artifact, store)
    if sample is None:
        reason = "this model version has no stored validation sample (retrain it)"
        return [], {kind.value: reason for kind in types}
    reference = _Reference(model, artifact, store, sample)
    window: dict[str, Any] = {"from": start.isoformat(), "to": end.isoformat()}
    rows: list[AIDriftDetection] = []
    if DriftType.label_drift in types:
        stored = predictions_service.predictions_between(session, ctx, model.id, start, end)
        predicted = [stored_value(p) for p in stored]
        _add_label_row(rows, skipped, model, "prediction", reference.predictions, predicted, window)
    if not outcomes:
        return rows, skipped
    if not reference.target:
        reason = "the validation sample has no labels (e.g. an anomaly model trained unlabelled)"
        skipped.update({_outcome_key(k): reason for k in types})
        return rows, skipped
    window["outcomes"] = len(outcomes)
    if DriftType.label_drift in types:
        actual = [value for _, _, value in outcomes]
        _add_label_row(rows, skipped, model, "actualValue", reference.target, actual, window)
    if DriftType.concept_drift in types:
        rows.append(_concept_row(model, reference, outcomes, window))
    return rows, skipped


def _usable_outcomes(
    session: Session,
    ctx: TenantContext,
    model: AIModel,
    start: datetime,
    end: datetime,
    types: Collection[DriftType],
    skipped: dict[str, str],
) -> list[tuple[datetime, Any, Any]]:
    """The window's outcomes, or [] with the reason in ``skipped`` (clustering, too few)."""
    if model.model_type.value in NO_OUTCOMES:
        skipped.update({_outcome_key(k): "clustering models have no outcomes" for k in types})
        return []
    outcomes = list(predictions_service.outcomes_between(session, ctx, model.id, start, end))
    if len(outcomes) < MIN_OUTCOMES:
        reason = (
            f"{len(outcomes)} predictions in the window have an actual value; "
            f"at least {MIN_OUTCOMES} are needed"
        )
        skipped.update({_outcome_key(k): reason for k in types})
        return []
    return outcomes


def _add_label_row(
    rows: list[AIDriftDetection],
    skipped: dict[str, str],
    model: AIModel,
    subject: str,
    reference_values: list[Any],
    current_values: list[Any],
    window: dict[str, Any],
) -> None:
    try:
        rows.append(_label_row(model, subject, reference_values, current_values, window))
    except InputError as exc:
        skipped[f"label_drift.{subject}"] = "; ".join(reason for _, reason in exc.errors)


def _outcome_key(kind: DriftType) -> str:
    return "label_drift.actualValue" if kind is DriftType.label_drift else kind.value


class _Reference:
    """The validation sample's predictions, target and metric."""

    def __init__(
        self, model: AIModel, artifact: ModelArtifact, store: ArtifactStore, sample: Any
    ) -> None:
        features = list(model.feature_columns or [])
        pipeline = serving.load_verified(artifact, store).pipeline
        outputs = predict(pipeline, sample[features], model_type=model.model_type.value)
        self.numeric = model.model_type.value in NUMERIC_MODELS
        self.anomaly = model.model_type.value == "anomaly_detection"
        self.predictions = [out.prediction for out in outputs]
        target = list(sample[VALIDATION_TARGET]) if VALIDATION_TARGET in sample else []
        labelled = [
            (predicted, actual)
            for predicted, actual in zip(self.predictions, target, strict=False)
            if not is_missing_label(actual)
        ]
        self.target = [actual for _, actual in labelled]
        self.rows = len(sample)
        self.metric_name = "mae" if self.numeric else "accuracy"
        self.metric = (
            _metric(
                [p for p, _ in labelled], self.target, numeric=self.numeric, anomaly=self.anomaly
            )
            if labelled
            else None
        )


def _metric(predicted: list[Any], actual: list[Any], *, numeric: bool, anomaly: bool) -> float:
    errors = _errors(predicted, actual, numeric=numeric, anomaly=anomaly)
    return float(sum(errors) / len(errors)) if numeric else 1.0 - sum(errors) / len(errors)


def _errors(
    predicted: list[Any], actual: list[Any], *, numeric: bool, anomaly: bool
) -> list[float]:
    if numeric:
        return [abs(float(p) - float(a)) for p, a in zip(predicted, actual, strict=True)]
    return [
        0.0 if outcome_label(p, anomaly=anomaly) == outcome_label(a, anomaly=anomaly) else 1.0
        for p, a in zip(predicted, actual, strict=True)
    ]


def _label_row(
    model: AIModel,
    subject: str,
    reference_values: list[Any],
    current_values: list[Any],
    window: dict[str, Any],
) -> AIDriftDetection:
    """Raises InputError when a side has no values (the caller lists it as skipped)."""
    numeric = model.model_type.value in NUMERIC_MODELS
    anomaly = model.model_type.value == "anomaly_detection"
    if numeric:
        reference = ml_drift.numeric_sample(reference_values)
        current = ml_drift.numeric_sample(current_values)
    else:
        reference = ml_drift.categorical_sample(_labels(reference_values, anomaly))
        current = ml_drift.categorical_sample(_labels(current_values, anomaly))
    result = ml_drift.compare_column(subject, reference, current)
    return AIDriftDetection(
        model_id=model.id,
        drift_type=DriftType.label_drift,
        feature_name=subject,
        baseline_value=result.baseline,
        current_value=result.current,
        drift_score=result.score,
        threshold=result.threshold,
        status=DriftStatus(result.status.value),
        analysis={
            **result.analysis,
            "window": window,
            "reference": {"source": "validation sample", "values": len(reference_values)},
        },
        recommendations=_label_advice(subject, result.status.value),
    )


def _labels(values: list[Any], anomaly: bool) -> list[str | None]:
    return [outcome_label(value, anomaly=anomaly) for value in values]


def _label_advice(subject: str, status: str) -> list[str]:
    if status == "normal":
        return []
    if subject == "prediction":
        return [
            "the model predicts a different mix than on its validation data: check the "
            "inputs' drift rows, then whether the business changed"
        ]
    return [
        "the real outcomes changed their mix: retrain on recent outcomes so the model "
        "learns the new base rates"
    ]


def _concept_row(
    model: AIModel,
    reference: _Reference,
    outcomes: list[tuple[datetime, Any, Any]],
    window: dict[str, Any],
) -> AIDriftDetection:
    predicted = [stored_value(p) for _, p, _ in outcomes]
    actual = [a for _, _, a in outcomes]
    flags = {"numeric": reference.numeric, "anomaly": reference.anomaly}
    errors = _errors(predicted, actual, **flags)
    stream = concept.error_stream(errors)
    live = _metric(predicted, actual, **flags)
    drop = (
        concept.metric_drop(live, reference.metric, lower_is_better=reference.numeric)
        if reference.metric is not None
        else 0.0
    )
    status = max(
        (DriftStatus.detected if stream.detected else DriftStatus.normal),
        DriftStatus(concept.drop_status(drop)),
        key=STATUS_ORDER.__getitem__,
    )
    return AIDriftDetection(
        model_id=model.id,
        drift_type=DriftType.concept_drift,
        feature_name=None,
        baseline_value={"metric": reference.metric_name, "value": reference.metric},
        current_value={"metric": reference.metric_name, "value": live, "outcomes": len(errors)},
        drift_score=drop,
        threshold=concept.DROP_THRESHOLD,
        status=DriftStatus(status),
        analysis={
            "scope": "concept",
            "metric": reference.metric_name,
            "metricDrop": drop,
            "errorStream": stream.to_dict(),
            "window": window,
            "reference": {"source": "validation sample", "rows": reference.rows},
        },
        recommendations=_concept_advice(status, stream.detected, drop),
    )


def _concept_advice(status: str, stream_cut: bool, drop: float) -> list[str]:
    if status == "normal":
        return []
    advice = []
    if stream_cut:
        advice.append(
            "the error rate rose during the window: the relation between inputs and outcome "
            "changed; retrain on the recent period with its outcomes"
        )
    if drop >= concept.DROP_WARNING:
        advice.append(
            f"the live metric is {drop:.0%} worse than on the validation data: compare "
            "recent errors by segment before trusting the model's output"
        )
    return advice
