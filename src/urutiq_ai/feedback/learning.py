"""The retraining loop: users' corrections become a challenger and an experiment.

A model is due once at least ``threshold`` of its processed corrections have not fed a
retraining yet (``feedbackData.usedBy`` is empty). Retraining it:

1. reads the rows the model was trained on (its artifact's ``trainingSpec.source``, as
   that source reads now) and adds one row per corrected prediction: the prediction's
   stored inputs and the right answer in the target column (the label column of an
   anomaly model). A corrected input that is also among the original rows replaces
   them, and the later of two corrections of one prediction wins;
2. writes that union as Parquet into the company's sources folder,
   ``<sources>/<tenantId>/<companyId>/feedback-<modelId>-<suffix>.parquet`` (a file per
   retraining, so every challenger keeps the data it was trained on);
3. starts a training of the next version of the model with the model's own spec on that
   file (a job; the challenger is ``training`` until it ends);
4. opens an experiment, baseline the model and current the challenger, guarded on
   accuracy (classification) or r2 (regression); evaluating it and promoting the
   challenger remain decisions (``/experiments/{id}/evaluate``, ``/promote``);
5. records ``{"modelId", "experimentId", "runId", "at"}`` in ``feedbackData.usedBy`` of
   every correction used (all of the model's processed corrections).

Monitoring starts the same retraining when a drift check finds drift or a performance
window declines (:func:`retrain_on_signal`, if the company's behavior configuration asks
for it): the challenger learns from the data as it reads now plus every correction so far,
and the experiment's ``methodology.origin`` says ``drift`` or ``performance`` with the
reason. A model retrained for a signal within ``cooldown`` is not retrained again.
"""

import json
import math
import numbers
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import new_id, utcnow
from urutiq_ai.core.errors import AppError, FieldError
from urutiq_ai.core.jobs import PENDING_KEY
from urutiq_ai.crud import service as crud_service
from urutiq_ai.experiments.schemas import AIExperimentCreate, ExperimentStatus
from urutiq_ai.experiments.service import EXPERIMENTS
from urutiq_ai.feedback.errors import NotEnoughCorrections, NotRetrainable
from urutiq_ai.feedback.models import AILearningFeedback
from urutiq_ai.feedback.repository import FeedbackRepository
from urutiq_ai.feedback.schemas import CORRECT_VALUE, USED_BY, RetrainStarted
from urutiq_ai.predictions import service as predictions_service
from urutiq_ai.registry import service as registry_service
from urutiq_ai.registry.models import AIModel, ModelArtifact
from urutiq_ai.registry.schemas import AIModelUpdate, ModelStatus
from urutiq_ai.sources.repository import SourceRepository
from urutiq_ai.sources.schemas import SourceSpec
from urutiq_ai.tenancy import service as tenancy_service
from urutiq_ai.training import service as training_service
from urutiq_ai.training.schemas import TrainRequest

if TYPE_CHECKING:
    import pandas as pd

FILE_PREFIX = "feedback-"
# Success criteria of the experiment opened against the champion, per model type.
SUCCESS_METRICS: dict[str, list[dict[str, Any]]] = {
    "classification": [{"metric": "accuracy", "maxDegradation": 0.01}],
    "regression": [{"metric": "r2", "maxDegradation": 0.01}],
}
# What may start a retraining (the experiment's methodology.origin).
ORIGINS = frozenset({"feedback", "drift", "performance"})
# Keys of a training spec that are not carried over to the retraining.
NOT_CARRIED = frozenset({"template", "model_version", "run_name", "description", "source"})


def unused(row: AILearningFeedback) -> bool:
    data = row.feedback_data
    return not (isinstance(data, dict) and data.get(USED_BY))


def retrain_if_due(
    session: Session,
    ctx: TenantContext,
    model_id: str,
    *,
    threshold: int,
    sources_dir: str,
) -> RetrainStarted | None:
    """Retrain ``model_id`` on its data plus its corrections if at least ``threshold`` of
    them are unused (module docstring); None when it is not due yet."""
    model, artifact = registry_service.get_model_with_artifact(session, ctx, model_id)
    corrections = FeedbackRepository(session, ctx).processed_corrections(model_id, for_update=True)
    new = [row for row in corrections if unused(row)]
    if len(new) < threshold:
        return None
    return _retrain(session, ctx, model, artifact, corrections, len(new), sources_dir)


def retrain_from_feedback(
    session: Session,
    ctx: TenantContext,
    model_id: str,
    *,
    threshold: int,
    sources_dir: str,
) -> RetrainStarted:
    """:func:`retrain_if_due`, or 409 saying how many corrections are still missing."""
    started = retrain_if_due(session, ctx, model_id, threshold=threshold, sources_dir=sources_dir)
    if started is not None:
        return started
    rows = FeedbackRepository(session, ctx).processed_corrections(model_id)
    have = sum(unused(row) for row in rows)
    raise NotEnoughCorrections(
        f"model {model_id!r} has {have} processed correction(s) not yet used for a "
        f"retraining; {threshold} are needed (process pending feedback, or lower the "
        "threshold)",
        fields=[FieldError("threshold", f"{have} of {threshold} corrections")],
    )


def retrain_on_signal(
    session: Session,
    ctx: TenantContext,
    model: AIModel,
    *,
    origin: str,
    reason: str,
    sources_dir: str,
    cooldown: timedelta,
) -> RetrainStarted | None:
    """Retrain the active ``model`` because monitoring saw ``reason`` (``origin``: ``drift``
    or ``performance``): a challenger on its data plus every correction so far, and an
    experiment against it. None when the model is not the active one, or when a retraining
    of it began less than ``cooldown`` ago (whatever started it)."""
    if model.status != ModelStatus.active or _retrained_since(
        session, ctx, model.id, utcnow() - cooldown
    ):
        return None
    artifact = registry_service.get_artifact(session, ctx, model)
    corrections = FeedbackRepository(session, ctx).processed_corrections(model.id, for_update=True)
    new = sum(unused(row) for row in corrections)
    return _retrain(
        session, ctx, model, artifact, corrections, new, sources_dir, origin=origin, reason=reason
    )


def _retrained_since(session: Session, ctx: TenantContext, model_id: str, since: datetime) -> bool:
    """Whether an experiment of a retraining of ``model_id`` was opened after ``since``."""
    rows = crud_service.newest_rows(
        session, ctx, EXPERIMENTS, limit=50, since=since, baseline_model=model_id
    )
    return any(
        isinstance(row.methodology, dict) and row.methodology.get("origin") in ORIGINS
        for row in rows
    )


@contextmanager
def undo_on_error(session: Session) -> Iterator[None]:
    """A savepoint: on an error, everything written inside it is rolled back, and the jobs
    it queued are not dispatched."""
    pending = list(session.info.get(PENDING_KEY, []))
    try:
        with session.begin_nested():
            yield
    except BaseException:
        session.info[PENDING_KEY] = pending
        raise


def _retrain(
    session: Session,
    ctx: TenantContext,
    model: AIModel,
    artifact: ModelArtifact | None,
    corrections: Sequence[AILearningFeedback],
    new: int,
    sources_dir: str,
    *,
    origin: str = "feedback",
    reason: str | None = None,
) -> RetrainStarted:
    spec = _spec_of(model, artifact)
    answer_column = spec.get("target_column") or spec.get("label_column")
    if not answer_column:
        raise NotRetrainable(
            f"model {model.id!r} has no target or label column to put corrections in",
            fields=[FieldError("modelId", "no targetColumn in its training spec")],
        )
    features = [str(name) for name in spec.get("feature_columns") or []]
    original = _original_rows(session, ctx, model, spec, sources_dir)
    fixes = _corrected_rows(session, ctx, corrections, features, str(answer_column))
    frame = training_frame(original, fixes, features, str(answer_column))
    path = _write(frame, Path(sources_dir), ctx.tenant_id, model)
    try:
        return _start(
            session,
            ctx,
            model,
            spec,
            path.name,
            len(frame),
            corrections,
            new,
            sources_dir,
            origin=origin,
            reason=reason,
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _spec_of(model: AIModel, artifact: ModelArtifact | None) -> dict[str, Any]:
    spec = artifact.training_spec if artifact is not None else None
    if not isinstance(spec, dict) or not spec.get("source"):
        raise NotRetrainable(
            f"model {model.id!r} was not trained here: it has no training spec to retrain with",
            fields=[FieldError("modelId", "no stored training spec")],
        )
    return spec


def _original_rows(
    session: Session, ctx: TenantContext, model: AIModel, spec: dict[str, Any], sources_dir: str
) -> "pd.DataFrame":
    repo = SourceRepository(session, ctx, sources_dir=sources_dir, field="trainingSpec.source")
    try:
        return repo.load(SourceSpec.model_validate(spec["source"]))
    except AppError as exc:
        raise NotRetrainable(
            f"the training data of model {model.id!r} cannot be read: {exc.detail}",
            fields=exc.fields or [FieldError("trainingSpec.source", "cannot be read")],
        ) from exc


def _corrected_rows(
    session: Session,
    ctx: TenantContext,
    corrections: Sequence[AILearningFeedback],
    features: Sequence[str],
    answer_column: str,
) -> list[dict[str, Any]]:
    """One row per corrected prediction (the latest correction wins): its stored inputs
    and the right answer."""
    ids = sorted({str(row.prediction_id) for row in corrections})
    predictions = predictions_service.predictions_by_id(session, ctx, ids)
    rows: dict[str, dict[str, Any]] = {}
    for row in corrections:  # oldest first
        prediction = predictions.get(str(row.prediction_id))
        if prediction is None:
            continue
        inputs = prediction.input_data if isinstance(prediction.input_data, dict) else {}
        fixed = {name: inputs.get(name) for name in features}
        fixed[answer_column] = row.feedback_data[CORRECT_VALUE]
        rows[prediction.id] = fixed
    return list(rows.values())


def training_frame(
    original: "pd.DataFrame",
    fixes: Sequence[dict[str, Any]],
    features: Sequence[str],
    answer_column: str,
) -> "pd.DataFrame":
    """The original rows plus the corrected ones; an original row whose features equal a
    corrected row's is dropped (the correction is the right answer for that input)."""
    import pandas as pd

    columns = list(dict.fromkeys([*features, answer_column]))
    added = pd.DataFrame.from_records(list(fixes), columns=columns)
    for name in columns:
        if name in original.columns:
            added[name] = _like(added[name], original[name])
    marker = "__feedback_correction__"
    union = pd.concat(
        [original.assign(**{marker: False}), added.assign(**{marker: True})], ignore_index=True
    )
    for name in union.columns:
        if union[name].dtype == object:
            union[name] = _uniform(union[name])
    present = [name for name in features if name in union.columns]
    if present and len(added) and len(original):
        keys = pd.util.hash_pandas_object(union[present].astype(str), index=False)
        corrected = set(keys[union[marker]])
        union = union[union[marker] | ~keys.isin(corrected)]
    return union.drop(columns=[marker]).reset_index(drop=True)


def _like(values: "pd.Series", reference: "pd.Series") -> "pd.Series":
    """``values`` in the kind of ``reference`` (numbers, flags, times), where it has one."""
    import pandas as pd

    from urutiq_ai.ml.labels import anomaly_flag

    kind = reference.dtype
    if pd.api.types.is_bool_dtype(kind):
        return values.map(anomaly_flag).astype("boolean")
    if pd.api.types.is_numeric_dtype(kind):
        return pd.to_numeric(values, errors="coerce")
    if pd.api.types.is_datetime64_any_dtype(kind):
        zoned = getattr(kind, "tz", None) is not None
        times = pd.to_datetime(values, errors="coerce", utc=True)
        return times if zoned else times.dt.tz_localize(None)
    present = [v for v in reference.head(1000) if v is not None and not _nan(v)]
    if present and all(_is_date(v) for v in present):  # a SQL date column: date objects
        days = pd.to_datetime(values, errors="coerce")
        return days.map(lambda t: None if pd.isna(t) else t.date())
    return values


def _is_date(value: Any) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _uniform(values: "pd.Series") -> "pd.Series":
    """An object column Parquet can store: numbers (e.g. Decimal) as floats; text as text
    when the column mixes kinds."""
    import pandas as pd

    present = [v for v in values if v is not None and not _nan(v)]
    if not present or all(isinstance(v, str) for v in present):
        return values
    if all(isinstance(v, bool) for v in present):
        return values
    if all(isinstance(v, numbers.Number) and not isinstance(v, bool) for v in present):
        return pd.to_numeric(values, errors="coerce")
    if all(isinstance(v, dict | list) for v in present):
        return values.map(lambda v: None if v is None or _nan(v) else json.dumps(v))
    if all(isinstance(v, date) for v in present):
        return values
    return values.map(lambda v: None if v is None or _nan(v) else str(v))


def _nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _write(frame: "pd.DataFrame", sources: Path, tenant_id: str, model: AIModel) -> Path:
    folder = sources / tenant_id / model.company_id
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{FILE_PREFIX}{model.id}-{new_id()[:12]}.parquet"
    partial = folder / f".{name}.partial"
    try:
        frame.to_parquet(partial, index=False)
        final = folder / name
        partial.replace(final)
    finally:
        partial.unlink(missing_ok=True)
    return final


def _start(
    session: Session,
    ctx: TenantContext,
    model: AIModel,
    spec: dict[str, Any],
    file_name: str,
    rows: int,
    corrections: Sequence[AILearningFeedback],
    new: int,
    sources_dir: str,
    *,
    origin: str = "feedback",
    reason: str | None = None,
) -> RetrainStarted:
    why = reason or f"{len(corrections)} user correction(s)"
    carried = {
        key: value
        for key, value in spec.items()
        if key in TrainRequest.model_fields and key not in NOT_CARRIED
    }
    request = TrainRequest.model_validate(
        {
            **carried,
            "source": {"file": file_name},
            "run_name": f"{model.model_name} {origin} retrain of {model.model_version}"[:255],
            "description": (
                f"Retrained from {model.model_name} {model.model_version} ({why}) on its "
                f"training data plus {len(corrections)} user correction(s) ({file_name})."
            ),
        }
    )
    challenger, run = training_service.start_training(
        session, ctx, data=request, sources_dir=sources_dir
    )
    experiment = crud_service.create_row(
        session,
        ctx,
        EXPERIMENTS,
        AIExperimentCreate(
            experiment_name=(
                f"{origin}: {model.model_name} {model.model_version} vs {challenger.model_version}"
            )[-255:],
            objective=(
                f"Does {model.model_name} improve once it learns from {len(corrections)} "
                "user correction(s)?"
                if origin == "feedback"
                else f"Does {model.model_name} recover from {why} once retrained on the data "
                "as it reads now?"
            ),
            status=ExperimentStatus.active,
            hypothesis=(
                f"{challenger.model_version}, trained on the original data plus the "
                f"corrections, does not do worse than {model.model_version}."
            ),
            methodology={
                "origin": origin,
                "reason": why,
                "corrections": len(corrections),
                "newCorrections": new,
                "source": {"file": file_name},
                "trainingRunId": run.id,
            },
            baseline_model=model.id,
            current_model=challenger.id,
            success_metrics=SUCCESS_METRICS.get(model.model_type.value),
        ),
    )
    crud_service.update_row(
        session,
        ctx,
        registry_service.MODELS,
        challenger.id,
        AIModelUpdate(experiment_id=experiment.id),
    )
    use = {
        "modelId": challenger.id,
        "experimentId": experiment.id,
        "runId": run.id,
        "at": utcnow().isoformat(),
    }
    for row in corrections:
        data = dict(row.feedback_data)
        data[USED_BY] = [*(data.get(USED_BY) or []), use]
        row.feedback_data = data
    session.flush()
    tenancy_service.record_audit(
        session,
        ctx,
        action="retrain_from_feedback" if origin == "feedback" else f"retrain_on_{origin}",
        row=model,
        company_id=model.company_id,
        after={
            **use,
            "source": file_name,
            "corrections": len(corrections),
            "new": new,
            "reason": why,
        },
    )
    return RetrainStarted(
        model_id=model.id,
        challenger_model_id=challenger.id,
        challenger_version=challenger.model_version,
        run_id=run.id,
        experiment_id=experiment.id,
        source=file_name,
        rows=rows,
        corrections=len(corrections),
        new_corrections=new,
    )
