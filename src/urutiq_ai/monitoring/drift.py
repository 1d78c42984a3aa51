"""Drift of a model: data drift here, label and concept drift in ``outcome_drift``.

Imported lazily (it loads numpy, pandas and scipy through ``urutiq_ai.ml.drift``).

One check reads the predictions the model made in a window (streamed from the database,
kept only as per-feature values). **Data drift** compares every feature with the reference
profile saved at training (``ModelArtifact.referenceProfile``: a sample of up to 1,000 values
per numeric feature, full category counts per categorical or boolean feature) and stores one
AIDriftDetection row per compared feature plus one data-set row (``featureName`` null:
``driftScore`` is the share of drifted features, ``threshold`` the share that makes the data
set drift). Text features are compared on their word shares (the profile's 50 most
frequent training words, every other word as ``__other__``); date features are skipped.
**Label** and **concept drift** compare the window's predictions and outcomes with the
stored validation sample (see :mod:`urutiq_ai.monitoring.outcome_drift`). All rows of one
check are written in one transaction; a check that cannot run (no predictions in the
window, too few to test) answers 422 and writes nothing.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import end_read_only_transaction, utcnow
from urutiq_ai.core.errors import FieldError, ValidationError
from urutiq_ai.feedback.schemas import RetrainStarted
from urutiq_ai.ml import drift as ml_drift
from urutiq_ai.ml.columns import ColumnKind
from urutiq_ai.ml.errors import InputError
from urutiq_ai.monitoring import alerting
from urutiq_ai.monitoring import retraining as retraining_hooks
from urutiq_ai.monitoring.errors import NoReferenceProfile
from urutiq_ai.monitoring.models import AIDriftDetection
from urutiq_ai.monitoring.repository import DriftRepository
from urutiq_ai.monitoring.schemas import STATUS_ORDER, DriftStatus, DriftType
from urutiq_ai.predictions import service as predictions_service
from urutiq_ai.registry import service as registry_service
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.registry.models import AIModel, ModelArtifact
from urutiq_ai.tenancy import service as tenancy_service

MIN_CURRENT_ROWS = ml_drift.MIN_SAMPLE_SIZE
"""A window with fewer predictions is refused: no test or distance is meaningful below it
(the floor ad-hoc comparisons use too)."""
DATE_SKIPPED = "date features are not compared (time always moves)"


ALL_TYPES = (DriftType.data_drift, DriftType.label_drift, DriftType.concept_drift)


@dataclass
class DriftCheck:
    """What one check found and stored."""

    model: AIModel
    window_start: datetime
    window_end: datetime
    predictions: int
    report: ml_drift.DriftReport
    rows: list[AIDriftDetection]
    retraining: RetrainStarted | None = None  # started because of this check's drift

    def statuses(self) -> dict[str, DriftStatus]:
        """The worst status of each drift type the check stored."""
        worst: dict[str, DriftStatus] = {}
        for row in self.rows:
            key = row.drift_type.value
            if key not in worst or STATUS_ORDER[row.status] > STATUS_ORDER[worst[key]]:
                worst[key] = row.status
        return worst


def check_drift(
    session: Session,
    ctx: TenantContext,
    *,
    model_id: str,
    window: timedelta,
    store: ArtifactStore,
    end: datetime | None = None,
    methods: Mapping[str, str] | None = None,
    thresholds: Mapping[str, float] | None = None,
    types: Collection[DriftType] = ALL_TYPES,
) -> DriftCheck:
    """Run one drift check of ``model_id`` over ``[end - window, end)`` and store it.

    ``types``: data drift (inputs vs the training profile), label drift and concept drift
    (predictions and outcomes vs the validation sample, see ``outcome_drift``).
    """
    model, stored = registry_service.get_model_with_artifact(session, ctx, model_id)
    artifact = registry_service.require_artifact(model, stored)
    window_end = end or utcnow()
    window_start = window_end - window
    features = list(model.feature_columns or [])
    _check_overrides(features, methods or {}, thresholds or {})
    inputs = predictions_service.inputs_between(session, ctx, model.id, window_start, window_end)
    values, count = _collect(inputs, features)
    _require_enough(count, model.id, window_start, window_end)
    report = ml_drift.DriftReport([], {}, 0, count)
    rows: list[AIDriftDetection] = []
    if DriftType.data_drift in types:
        end_read_only_transaction(session)  # no database lock while the statistics run
        report = _data_drift(model, artifact, values, count, methods, thresholds)
        rows += _data_rows(model, report, window_start, window_end)
    outcome_types = [kind for kind in types if kind is not DriftType.data_drift]
    if outcome_types:
        from urutiq_ai.monitoring import outcome_drift

        more, skipped = outcome_drift.check(
            session,
            ctx,
            model=model,
            artifact=artifact,
            store=store,
            start=window_start,
            end=window_end,
            types=outcome_types,
        )
        rows += more
        report.skipped.update(skipped)
    repository = DriftRepository(session, ctx)
    for row in rows:
        repository.add(row, company_id=model.company_id)
    session.flush()
    alerting.after_drift_check(session, ctx, model, rows)
    retraining = retraining_hooks.after_drift(session, ctx, model, rows)
    check = DriftCheck(model, window_start, window_end, count, report, rows, retraining)
    tenancy_service.record_audit(
        session,
        ctx,
        action="drift_check",
        row=model,
        company_id=model.company_id,
        after={
            "modelId": model.id,
            "predictions": count,
            "statuses": {kind: status.value for kind, status in check.statuses().items()},
        },
    )
    return check


def _data_drift(
    model: AIModel,
    artifact: ModelArtifact,
    values: Mapping[str, list[Any]],
    count: int,
    methods: Mapping[str, str] | None,
    thresholds: Mapping[str, float] | None,
) -> ml_drift.DriftReport:
    profile = artifact.reference_profile
    if not profile or not profile.get("features"):
        raise NoReferenceProfile(f"model {model.id!r} has no reference profile to compare with")
    reference, current, skipped = _samples(profile["features"], artifact.column_types, values)
    try:
        report = ml_drift.compare_samples(
            reference,
            current,
            methods=methods,
            thresholds=thresholds,
            reference_rows=int(profile.get("rowCount", 0)),
            current_rows=count,
            min_values=ml_drift.MIN_SAMPLE_SIZE,
        )
    except InputError as exc:
        raise ValidationError(
            "the drift check's options do not fit the model",
            fields=[FieldError(name, reason) for name, reason in exc.errors],
        ) from exc
    report.skipped.update(skipped)
    return report


def _check_overrides(
    features: list[str], methods: Mapping[str, str], thresholds: Mapping[str, float]
) -> None:
    unknown = [("methods", name) for name in methods if name not in features]
    unknown += [("thresholds", name) for name in thresholds if name not in features]
    if unknown:
        raise ValidationError(
            "unknown feature in the drift check's options",
            fields=[
                FieldError(f"{field}.{name}", "not a feature of this model")
                for field, name in unknown
            ],
        )


def _collect(inputs: Iterable[Any], features: list[str]) -> tuple[dict[str, list[Any]], int]:
    """Per-feature values of the stored inputs (a feature absent from a row counts as null)."""
    values: dict[str, list[Any]] = {name: [] for name in features}
    count = 0
    for row in inputs:
        count += 1
        data = row if isinstance(row, dict) else {}
        for name in features:
            values[name].append(data.get(name))
    return values, count


def _require_enough(count: int, model_id: str, start: datetime, end: datetime) -> None:
    span = f"between {start.isoformat()} and {end.isoformat()}"
    if count == 0:
        raise ValidationError(
            f"model {model_id!r} made no predictions {span}",
            fields=[FieldError("window", "no predictions in this window; widen it")],
        )
    if count < MIN_CURRENT_ROWS:
        raise ValidationError(
            f"model {model_id!r} made only {count} predictions {span}",
            fields=[
                FieldError(
                    "window",
                    f"{count} predictions; a drift check needs at least {MIN_CURRENT_ROWS}",
                )
            ],
        )


def _samples(
    profile: Mapping[str, Any],
    column_types: Mapping[str, str],
    values: Mapping[str, list[Any]],
) -> tuple[dict[str, ml_drift.ColumnSample], dict[str, ml_drift.ColumnSample], dict[str, str]]:
    reference: dict[str, ml_drift.ColumnSample] = {}
    current: dict[str, ml_drift.ColumnSample] = {}
    skipped: dict[str, str] = {}
    for name, column in values.items():
        kind = ColumnKind(column_types.get(name, ColumnKind.CATEGORICAL))
        summary = profile.get(name)
        if summary is None:
            skipped[name] = "not in the training profile"
        elif kind is ColumnKind.TEXT:
            reference[name] = _profile_words(summary)
            current[name] = ml_drift.word_share_sample(column, summary.get("topTokens") or {})
        elif kind is ColumnKind.DATETIME:
            skipped[name] = DATE_SKIPPED
        elif kind is ColumnKind.NUMERIC:
            reference[name] = _profile_numeric(summary)
            current[name] = ml_drift.numeric_sample(column)
        elif kind is ColumnKind.BOOLEAN:
            reference[name] = _profile_categories(summary)
            current[name] = ml_drift.boolean_sample(column)
        else:
            reference[name] = _profile_categories(summary)
            current[name] = ml_drift.categorical_sample(column)
    return reference, current, skipped


def _profile_numeric(summary: Mapping[str, Any]) -> ml_drift.ColumnSample:
    """The profile's value sample; its null count scaled to the sample's size."""
    import numpy as np

    sample = np.asarray(summary.get("sample") or [], dtype=float)
    present = int(summary.get("count") or 0)
    nulls = round(int(summary.get("nulls") or 0) * len(sample) / present) if present else 0
    return ml_drift.ColumnSample(ml_drift.NUMERIC, values=sample, nulls=nulls)


def _profile_words(summary: Mapping[str, Any]) -> ml_drift.ColumnSample:
    """The profile's top training words, and every other word as ``__other__``: the total
    is the mean words per value times the values (the profile keeps no exact total)."""
    top = {str(k): int(v) for k, v in (summary.get("topTokens") or {}).items() if v}
    tokens = summary.get("tokens") or {}
    total = round(float(tokens.get("mean") or 0.0) * int(summary.get("count") or 0))
    other = max(total - sum(top.values()), 0)
    counts = {**top, ml_drift.OTHER: other} if other else top
    return ml_drift.ColumnSample(
        ml_drift.CATEGORICAL,
        counts=counts,
        nulls=int(summary.get("nulls") or 0),
        measure=ml_drift.WORD_SHARES,
    )


def _profile_categories(summary: Mapping[str, Any]) -> ml_drift.ColumnSample:
    counts = {str(k): int(v) for k, v in (summary.get("categories") or {}).items() if v}
    return ml_drift.ColumnSample(
        ml_drift.CATEGORICAL, counts=counts, nulls=int(summary.get("nulls") or 0)
    )


def _data_rows(
    model: AIModel, report: ml_drift.DriftReport, start: datetime, end: datetime
) -> list[AIDriftDetection]:
    window = {"from": start.isoformat(), "to": end.isoformat(), "predictions": report.current_rows}
    reference = {"source": "training profile", "modelVersion": model.model_version}
    rows = [
        AIDriftDetection(
            model_id=model.id,
            drift_type=DriftType.data_drift,
            feature_name=column.column,
            baseline_value=column.baseline,
            current_value=column.current,
            drift_score=column.score,
            threshold=column.threshold,
            status=DriftStatus(column.status.value),
            analysis={**column.analysis, "window": window, "reference": reference},
            recommendations=column.recommendations,
        )
        for column in report.columns
    ]
    rows.append(_dataset_row(model, report, window, reference))
    return rows


def _dataset_row(
    model: AIModel,
    report: ml_drift.DriftReport,
    window: dict[str, Any],
    reference: dict[str, Any],
) -> AIDriftDetection:
    """The data-set verdict: detected at >= half the features drifted, warning at any."""
    if report.dataset_drift:
        status = DriftStatus.detected
    elif report.drifted:
        status = DriftStatus.warning
    else:
        status = DriftStatus.normal
    advice = []
    if report.dataset_drift:
        advice.append(
            f"most features of {model.model_name} {model.model_version} moved: check the "
            "upstream pipeline, then retrain on recent data"
        )
    elif report.drifted:
        advice.append(f"features {', '.join(report.drifted)} drifted: see their rows")
    return AIDriftDetection(
        model_id=model.id,
        drift_type=DriftType.data_drift,
        feature_name=None,
        baseline_value={"rows": report.reference_rows},
        current_value={"rows": report.current_rows},
        drift_score=report.drift_share,
        threshold=ml_drift.DATASET_DRIFT_SHARE,
        status=status,
        analysis={
            "scope": "dataset",
            "driftedFeatures": report.drifted,
            "comparedFeatures": [column.column for column in report.columns],
            "skipped": report.skipped,
            "window": window,
            "reference": reference,
        },
        recommendations=advice,
    )
