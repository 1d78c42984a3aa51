"""Evaluating an experiment: the baseline and the current model, offline and online.

* Offline: both models score the same holdout rows (``methodology.holdout``, or the current
  model's held-out validation rows); every metric of the model type is compared with a
  paired bootstrap (``methodology.nResamples`` resamples, ``confidence``, ``seed``).
* Online: the outcomes a deployment served with each model (an A/B split, or a shadow
  whose predictions get the answered prediction's actual value). Classification compares
  the correctness rates (two-proportion z-test, and a bootstrap interval for the verdict);
  regression the mean absolute errors (bootstrap). The sample size each arm needs to detect
  ``minImprovement`` (else ``methodology.minDetectableDifference``) at 80% power is given,
  and how many outcomes are still missing.

The verdict judges ``successMetrics`` (``ml.comparison.verdict.judge``) on the online comparison
once both arms have the sample they need, otherwise on the offline one.

Both read what they compare first, then end the read-only transaction
(``end_read_only_transaction``) before scoring and resampling: on SQLite every transaction
holds the database's write lock, which the server's other requests and the processes
beside it (a CLI, a scheduler) would otherwise wait for the whole computation.

Imported lazily (it loads the ML stack).
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import end_read_only_transaction
from urutiq_ai.core.errors import FieldError, ValidationError
from urutiq_ai.experiments.schemas import Methodology
from urutiq_ai.ml.columns import typed_frame
from urutiq_ai.ml.comparison import bootstrap
from urutiq_ai.ml.comparison.bootstrap import MetricComparison
from urutiq_ai.ml.comparison.criteria import SuccessMetric
from urutiq_ai.ml.comparison.metrics import CLASSIFICATION_METRICS, REGRESSION_METRICS
from urutiq_ai.ml.comparison.proportion_test import (
    ProportionTest,
    required_sample_size,
    two_proportion_test,
)
from urutiq_ai.ml.comparison.verdict import judge
from urutiq_ai.ml.errors import ArtifactTampered
from urutiq_ai.ml.predict import predict, to_jsonable
from urutiq_ai.predictions import service as predictions_service
from urutiq_ai.registry import service as registry_service
from urutiq_ai.registry.artifacts import VALIDATION_TARGET, ArtifactStore
from urutiq_ai.registry.models import AIModel, ModelArtifact
from urutiq_ai.sources.repository import SourceRepository

OFFLINE_METRICS = {
    "classification": CLASSIFICATION_METRICS,
    "regression": REGRESSION_METRICS,
}


@dataclass(frozen=True)
class Arm:
    model: AIModel
    artifact: ModelArtifact


def offline(
    session: Session,
    ctx: TenantContext,
    *,
    baseline: Arm,
    current: Arm,
    methodology: Methodology,
    criteria: list[SuccessMetric],
    store: ArtifactStore,
    sources_dir: str,
) -> dict[str, Any]:
    """Both models on the same holdout rows, each metric with a paired bootstrap."""
    model_type = current.model.model_type.value
    metrics = OFFLINE_METRICS.get(model_type)
    if metrics is None:
        raise ValidationError(
            f"offline comparison covers classification and regression, not {model_type}",
            fields=[FieldError("currentModel", f"a {model_type} model")],
        )
    frame, target, label = _holdout(session, ctx, current, methodology, store, sources_dir)
    end_read_only_transaction(session)  # no database lock while both models score
    predictions = [_predict(arm, frame, store) for arm in (baseline, current)]
    truth = _as_labels(target, model_type)
    comparisons = {
        metric: bootstrap.paired_bootstrap(
            truth,
            predictions[0],
            predictions[1],
            metric=metric,
            n_resamples=methodology.n_resamples,
            confidence=methodology.confidence,
            seed=methodology.seed,
        )
        for metric in metrics
    }
    verdict = judge(comparisons, criteria)
    return {
        "holdout": label,
        "rows": len(frame),
        "metrics": {name: result.as_dict() for name, result in comparisons.items()},
        "verdict": verdict.as_dict(),
    }


def online(
    session: Session,
    ctx: TenantContext,
    *,
    deployment_id: str,
    baseline: Arm,
    current: Arm,
    methodology: Methodology,
    criteria: list[SuccessMetric],
) -> dict[str, Any]:
    """The deployment's served outcomes of both models, compared."""
    ids = [baseline.model.id, current.model.id]
    outcomes = predictions_service.served_outcomes(
        session, ctx, deployment_id=deployment_id, model_ids=ids
    )
    end_read_only_transaction(session)  # no database lock while the bootstrap resamples
    by_model: dict[str, list[predictions_service.ServedOutcome]] = {i: [] for i in ids}
    for item in outcomes:
        by_model[item.model_id].append(item)
    a, b = by_model[baseline.model.id], by_model[current.model.id]
    detectable = _detectable(criteria, methodology)
    result: dict[str, Any] = {
        "deploymentId": deployment_id,
        "arms": {"baseline": _arm(baseline, a), "current": _arm(current, b)},
        "minDetectableDifference": detectable,
    }
    if not a or not b:
        result["verdict"] = _waiting("no outcomes yet for " + ("baseline" if not a else "current"))
        return result
    if current.model.model_type.value == "regression":
        comparisons = _regression_online(a, b, methodology)
        needed = None
    else:
        comparisons, test, needed = _classification_online(a, b, methodology, detectable)
        result["test"] = test.as_dict()
        result["requiredPerArm"] = needed
        result["moreNeeded"] = max(0, needed - min(len(a), len(b)))
    result["metrics"] = {name: c.as_dict() for name, c in comparisons.items()}
    result["verdict"] = judge(comparisons, criteria).as_dict()
    result["enough"] = needed is None or min(len(a), len(b)) >= needed
    return result


def conclude(
    offline_result: dict[str, Any] | None, online_result: dict[str, Any] | None
) -> dict[str, Any]:
    """The experiment's verdict: online once it has the sample it needs, else offline."""
    basis, chosen = "offline", offline_result
    if online_result is not None and online_result.get("enough") and "metrics" in online_result:
        basis, chosen = "online", online_result
    if chosen is None and online_result is not None:
        basis, chosen = "online", online_result
    verdict = (chosen or {}).get("verdict") or _waiting("nothing to evaluate yet")
    status = verdict["status"]
    recommendation = {
        "passed": "promote the current model",
        "failed": "keep the baseline",
    }.get(status, "collect more data")
    if status == "inconclusive" and online_result and online_result.get("moreNeeded"):
        recommendation += f" ({online_result['moreNeeded']} more outcomes per arm)"
    return {
        "status": status,
        "basis": basis,
        "summary": verdict.get("summary", ""),
        "recommendation": recommendation,
        "criteria": verdict.get("criteria", []),
    }


# --- offline -----------------------------------------------------------------------------


def _holdout(
    session: Session,
    ctx: TenantContext,
    current: Arm,
    methodology: Methodology,
    store: ArtifactStore,
    sources_dir: str,
) -> tuple[pd.DataFrame, pd.Series, str]:
    target_column = current.model.target_column
    if methodology.holdout is not None:
        frame = SourceRepository(session, ctx, sources_dir=sources_dir).load(methodology.holdout)
        if not target_column or target_column not in frame.columns:
            raise ValidationError(
                "the holdout lacks the models' target column",
                fields=[FieldError("methodology.holdout", f"no column {target_column!r}")],
            )
        frame = frame[frame[target_column].notna()]
        if len(frame) > methodology.holdout_rows:
            frame = frame.sample(methodology.holdout_rows, random_state=methodology.seed)
        frame = frame.reset_index(drop=True)
        return frame, frame[target_column], methodology.holdout.label()
    try:
        sample = registry_service.load_validation_sample(current.artifact, store)
    except ArtifactTampered as exc:
        raise ValidationError(
            str(exc), fields=[FieldError("currentModel", "its stored rows do not verify")]
        ) from exc
    if sample is None or VALIDATION_TARGET not in sample:
        raise ValidationError(
            "the current model kept no held-out rows: give methodology.holdout",
            fields=[FieldError("methodology.holdout", "required for this model")],
        )
    return sample, sample[VALIDATION_TARGET], "validation rows of the current model"


def _predict(arm: Arm, frame: pd.DataFrame, store: ArtifactStore) -> list[Any]:
    features = list(arm.model.feature_columns or [])
    missing = [name for name in features if name not in frame.columns]
    if missing:
        raise ValidationError(
            "the holdout lacks feature columns of a model",
            fields=[FieldError("methodology.holdout", f"{arm.model.id} needs {missing}")],
        )
    try:
        pipeline = registry_service.load_pipeline(arm.artifact, store)
    except ArtifactTampered as exc:
        raise ValidationError(
            str(exc), fields=[FieldError("baselineModel", f"{arm.model.id} does not verify")]
        ) from exc
    rows = typed_frame(frame, features, arm.artifact.column_types)
    outs = predict(pipeline, rows, model_type=arm.model.model_type.value)
    return [to_jsonable(out.prediction) for out in outs]


def _as_labels(target: pd.Series, model_type: str) -> list[Any]:
    values = [to_jsonable(value) for value in target]
    return [float(v) for v in values] if model_type == "regression" else values


# --- online ------------------------------------------------------------------------------


def _arm(arm: Arm, outcomes: list[predictions_service.ServedOutcome]) -> dict[str, Any]:
    variants = sorted({o.variant or "" for o in outcomes})
    summary: dict[str, Any] = {
        "modelId": arm.model.id,
        "modelVersion": arm.model.model_version,
        "outcomes": len(outcomes),
        "variants": variants,
    }
    if arm.model.model_type.value == "regression":
        errors = [o.error for o in outcomes if o.error is not None]
        summary["mae"] = float(np.mean(errors)) if errors else None
    else:
        hits = [bool(o.is_correct) for o in outcomes if o.is_correct is not None]
        summary["accuracy"] = float(np.mean(hits)) if hits else None
    return summary


def _classification_online(
    a: list[predictions_service.ServedOutcome],
    b: list[predictions_service.ServedOutcome],
    methodology: Methodology,
    detectable: float,
) -> tuple[dict[str, MetricComparison], ProportionTest, int]:
    hits_a = [1.0 if o.is_correct else 0.0 for o in a if o.is_correct is not None]
    hits_b = [1.0 if o.is_correct else 0.0 for o in b if o.is_correct is not None]
    test = two_proportion_test(
        int(sum(hits_a)),
        len(hits_a),
        int(sum(hits_b)),
        len(hits_b),
        confidence=methodology.confidence,
    )
    accuracy = bootstrap.unpaired_bootstrap(
        hits_a,
        hits_b,
        metric="accuracy",
        n_resamples=methodology.n_resamples,
        confidence=methodology.confidence,
        seed=methodology.seed,
    )
    p_baseline = min(max(test.p_a, 0.01), 0.99 - detectable)
    needed = required_sample_size(p_baseline, detectable)
    return {"accuracy": accuracy}, test, needed


def _regression_online(
    a: list[predictions_service.ServedOutcome],
    b: list[predictions_service.ServedOutcome],
    methodology: Methodology,
) -> dict[str, MetricComparison]:
    errors_a = [o.error for o in a if o.error is not None]
    errors_b = [o.error for o in b if o.error is not None]
    mae = bootstrap.unpaired_bootstrap(
        errors_a,
        errors_b,
        metric="mae",
        n_resamples=methodology.n_resamples,
        confidence=methodology.confidence,
        seed=methodology.seed,
    )
    return {"mae": mae}


def _detectable(criteria: list[SuccessMetric], methodology: Methodology) -> float:
    for criterion in criteria:
        if criterion.min_improvement:
            return float(criterion.min_improvement)
    return methodology.min_detectable_difference


def _waiting(reason: str) -> dict[str, Any]:
    return {"status": "inconclusive", "summary": reason, "criteria": []}
