"""Feedback: ``pending`` -> ``processed`` | ``ignored`` (both final).

Feedback on a prediction belongs to that prediction's model: ``modelId`` is filled in
from the prediction, and a different ``modelId`` is refused. ``feedbackData`` is checked
per type on create (see :mod:`urutiq_ai.feedback.schemas`); a correction names its
prediction, and a regression or forecast correction is a number.

Processing (:func:`process`, or a correction set ``processed`` by hand) applies each
correction as its prediction's actual value (``record_actuals``: ``isCorrect`` or
``error``, so performance metrics and drift use it) and notes in ``feedbackData.applied``
what the prediction said and whether the correction changed it; ratings, comments and
flags are counted into the model's aggregates (:func:`summary`). A pending row that
cannot be used (its data is malformed, its prediction is gone) is set ``ignored`` with
the reason in ``feedbackData.ignored``. Processing ends with the retraining loop
(:mod:`urutiq_ai.feedback.learning`) for each model that got corrections.
"""

import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictStr,
    StringConstraints,
    create_model,
)
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session

from urutiq_ai.config import service as config_service
from urutiq_ai.config.schemas import BehaviorConfig, ConfigType
from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import utcnow
from urutiq_ai.core.errors import (
    AppError,
    FieldError,
    InvalidStatusTransition,
    NotFound,
    ValidationError,
    field_error,
    pydantic_fields,
)
from urutiq_ai.crud import service as crud_service
from urutiq_ai.crud.resource import Resource, transitions
from urutiq_ai.feedback.models import AILearningFeedback
from urutiq_ai.feedback.repository import FeedbackRepository
from urutiq_ai.feedback.schemas import (
    APPLIED,
    CORRECT_VALUE,
    DEFAULT_RETRAIN_THRESHOLD,
    IGNORED,
    MAX_PROCESS,
    REASON,
    REQUIRED_KEY,
    STARS,
    SYSTEM_KEYS,
    TEXT,
    USED_BY,
    AILearningFeedbackCreate,
    AILearningFeedbackRead,
    AILearningFeedbackUpdate,
    CorrectionSummary,
    FeedbackIgnore,
    FeedbackProcess,
    FeedbackStatus,
    FeedbackSummary,
    FeedbackType,
    IgnoredFeedback,
    ProcessResult,
    RatingSummary,
    RetrainingInfo,
    RetrainSkipped,
)
from urutiq_ai.predictions import service as predictions_service
from urutiq_ai.predictions.models import AIModelPrediction
from urutiq_ai.predictions.outcomes import outcome, predicted_value, record_actuals
from urutiq_ai.registry import service as registry_service
from urutiq_ai.tenancy import service as tenancy_service

FIELD = "feedbackData"
MAX_LABEL = 255
MAX_REASON = 1_000
MAX_TEXT = 100_000
TOP_REASONS = 20


# --- feedbackData -------------------------------------------------------------------------


def _written_by_the_system(_value: Any) -> Any:
    raise ValueError("written by the system, not by a request")


_SystemKey = Annotated[Any, BeforeValidator(_written_by_the_system)]

_SYSTEM_FIELDS: dict[str, Any] = dict.fromkeys(SYSTEM_KEYS, (_SystemKey, None))
_FeedbackData = create_model("FeedbackData", __config__=ConfigDict(extra="allow"), **_SYSTEM_FIELDS)
"""``feedbackData`` as a request may write it: any keys but the system's."""


def _label_or_number(value: Any) -> Any:
    if isinstance(value, dict | list):
        raise ValueError("the right answer: a label or a number, not an object or a list")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    if isinstance(value, str) and not value.strip():
        raise ValueError("may not be empty")
    if isinstance(value, str) and len(value) > MAX_LABEL:
        raise ValueError(f"at most {MAX_LABEL} characters")
    return value


def _stars(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("a whole number of stars from 1 to 5")
    if not (math.isfinite(value) and value == int(value) and 1 <= value <= 5):
        raise ValueError(f"a whole number of stars from 1 to 5, got {value!r}")
    return value


def _is_stars(value: Any) -> bool:
    try:
        _stars(value)
    except ValueError:
        return False
    return True


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("a non-empty text")
    return value


def _required(kind: FeedbackType) -> BeforeValidator:
    """The required key of a ``kind`` feedback: missing or null, the same reason."""

    def check(value: Any) -> Any:
        if value is None:
            raise ValueError(f"required for a {kind.value} feedback")
        return value

    return BeforeValidator(check)


def _text(limit: int, kind: FeedbackType) -> Any:
    return Annotated[
        StrictStr, StringConstraints(max_length=limit), AfterValidator(_not_blank), _required(kind)
    ]


_VALUE_TYPES: dict[FeedbackType, Any] = {
    FeedbackType.correction: Annotated[
        Any, AfterValidator(_label_or_number), _required(FeedbackType.correction)
    ],
    FeedbackType.rating: Annotated[Any, AfterValidator(_stars), _required(FeedbackType.rating)],
    FeedbackType.comment: _text(MAX_TEXT, FeedbackType.comment),
    FeedbackType.flag: _text(MAX_REASON, FeedbackType.flag),
}


def _data_model(feedback_type: FeedbackType) -> type[BaseModel]:
    """The ``feedbackData`` of a ``feedback_type`` row: its required key (null counts as
    missing) and the value's check, beside the rules of every ``feedbackData``."""
    value = (_VALUE_TYPES[feedback_type], Field(None, validate_default=True))
    fields: dict[str, Any] = {REQUIRED_KEY[feedback_type]: value}
    return create_model(f"{feedback_type.value}_feedback_data", __base__=_FeedbackData, **fields)


_DATA_MODELS = {feedback_type: _data_model(feedback_type) for feedback_type in FeedbackType}


def data_errors(feedback_type: FeedbackType, data: Any) -> list[FieldError]:
    """What is wrong with ``data`` as the ``feedbackData`` of a ``feedback_type`` row."""
    kind = FeedbackType(feedback_type)
    key = REQUIRED_KEY[kind]
    if data is None:
        return [FieldError(f"{FIELD}.{key}", f"required for a {kind.value} feedback")]
    if not isinstance(data, dict):
        return [FieldError(FIELD, f"must be a JSON object with {key!r}")]
    try:
        _DATA_MODELS[kind].model_validate(data)
    except PydanticValidationError as exc:
        return pydantic_fields(exc, prefix=FIELD)
    return []


def _check_feedback(
    session: Session, ctx: TenantContext, row: Any, changes: Mapping[str, Any]
) -> None:
    """On create: the data fits the type; a correction names its prediction and suits its
    type; isPositive is derived where not given. A correction set ``processed`` (on
    create or by PATCH) is applied to its prediction at once."""
    if "feedback_type" in changes:
        errors = data_errors(row.feedback_type, row.feedback_data)
        if row.feedback_type == FeedbackType.correction and row.prediction_id is None:
            errors.append(FieldError("predictionId", "a correction answers one prediction"))
        if errors:
            raise ValidationError(f"this {row.feedback_type} feedback is not valid", fields=errors)
        _derive_positive(session, ctx, row)
    if (
        changes.get("status") == FeedbackStatus.processed
        and row.feedback_type == FeedbackType.correction
        and APPLIED not in (row.feedback_data or {})
    ):
        problems = apply_corrections(session, ctx, [row])
        if problems:
            raise field_error(f"{FIELD}.{CORRECT_VALUE}", next(iter(problems.values())))


def _derive_positive(session: Session, ctx: TenantContext, row: AILearningFeedback) -> None:
    """A rating of 4-5 stars is positive, 1-2 negative; a correction that confirms the
    prediction is positive, one that changes it negative (422 when it does not suit the
    prediction, e.g. text for a regression)."""
    data = row.feedback_data
    if row.feedback_type == FeedbackType.correction:
        prediction = predictions_service.get_prediction(session, ctx, str(row.prediction_id))
        changed = _changed(prediction, data[CORRECT_VALUE], field=f"{FIELD}.{CORRECT_VALUE}")
        if row.is_positive is None:
            row.is_positive = not changed
    elif row.feedback_type == FeedbackType.rating and row.is_positive is None:
        stars = int(data[STARS])
        row.is_positive = True if stars >= 4 else False if stars <= 2 else None


def _changed(prediction: AIModelPrediction, value: Any, *, field: str) -> bool:
    """Whether ``value`` differs from what the prediction said (422 naming ``field`` if
    it cannot be its outcome)."""
    result = outcome(prediction, value, field=field)
    if result["error"] is not None:
        return bool(result["error"] > 1e-9)
    return result["is_correct"] is False


def _model_of_prediction(
    session: Session,
    ctx: TenantContext,
    row: Any,
    _changes: Mapping[str, Any],
) -> None:
    if row.prediction_id is None:
        return
    prediction = predictions_service.get_prediction(session, ctx, row.prediction_id)
    if row.model_id is None:
        row.model_id = prediction.model_id
    elif row.model_id != prediction.model_id:
        raise field_error(
            "modelId",
            f"prediction {row.prediction_id!r} was made by model "
            f"{prediction.model_id!r}, not {row.model_id!r}",
        )


FEEDBACK = Resource(
    path="feedback",
    model=AILearningFeedback,
    create_schema=AILearningFeedbackCreate,
    update_schema=AILearningFeedbackUpdate,
    read_schema=AILearningFeedbackRead,
    filters=(
        "feedback_type",
        "status",
        "impact",
        "model_id",
        "prediction_id",
        "user_id",
        "is_positive",
    ),
    refs={"model_id": "AIModel", "prediction_id": "AIModelPrediction"},
    transitions=transitions(pending=("processed", "ignored")),
    validators=(_model_of_prediction, _check_feedback),
)


# --- processing ---------------------------------------------------------------------------


def apply_corrections(
    session: Session, ctx: TenantContext, rows: Sequence[AILearningFeedback]
) -> dict[str, str]:
    """Record each correction as its prediction's actual value (the later of two on one
    prediction wins) and note ``feedbackData.applied``; returns id -> reason for the rows
    that could not be applied (nothing is written for them)."""
    ids = sorted({str(row.prediction_id) for row in rows})
    predictions = predictions_service.predictions_by_id(session, ctx, ids)
    problems: dict[str, str] = {}
    items: list[tuple[str, Any]] = []
    now = utcnow().isoformat()
    for row in rows:
        prediction = predictions.get(str(row.prediction_id))
        if prediction is None:
            problems[row.id] = f"prediction {row.prediction_id!r} is not in this company"
            continue
        value = row.feedback_data[CORRECT_VALUE]
        try:
            changed = _changed(prediction, value, field=f"{FIELD}.{CORRECT_VALUE}")
        except ValidationError as exc:
            problems[row.id] = "; ".join(f.reason for f in exc.fields) or exc.detail
            continue
        applied = {"predicted": predicted_value(prediction), "changed": changed, "at": now}
        row.feedback_data = {**row.feedback_data, APPLIED: applied}
        items.append((prediction.id, value))
    if items:
        record_actuals(session, ctx, items)
    return problems


def process(
    session: Session, ctx: TenantContext, *, data: FeedbackProcess, sources_dir: str
) -> ProcessResult:
    """Process pending feedback (module docstring), then run the retraining loop for each
    model that got corrections (when ``data.retrain``)."""
    repo = FeedbackRepository(session, ctx)
    rows = _rows_to_process(repo, data.ids) if data.ids else repo.pending(MAX_PROCESS)
    befores = {row.id: _snapshot(row) for row in rows}
    result = ProcessResult()
    usable: list[AILearningFeedback] = []
    for row in rows:
        errors = data_errors(row.feedback_type, row.feedback_data)
        if row.feedback_type == FeedbackType.correction and row.prediction_id is None:
            errors.append(FieldError("predictionId", "a correction answers one prediction"))
        if errors:
            reason = "; ".join(f"{e.field}: {e.reason}" for e in errors)
            _set_aside(session, ctx, row, reason, action="process", before=befores[row.id])
            result.ignored.append(IgnoredFeedback(id=row.id, reason=reason))
        else:
            usable.append(row)
    corrections = [row for row in usable if row.feedback_type == FeedbackType.correction]
    problems = apply_corrections(session, ctx, corrections)
    for row in usable:
        if row.id in problems:
            reason = problems[row.id]
            _set_aside(session, ctx, row, reason, action="process", before=befores[row.id])
            result.ignored.append(IgnoredFeedback(id=row.id, reason=reason))
        else:
            _mark(
                session,
                ctx,
                row,
                FeedbackStatus.processed,
                action="process",
                before=befores[row.id],
            )
            result.processed += 1
    result.corrections_applied = len(corrections) - len(problems)
    session.flush()
    touched = sorted({row.model_id for row in usable if row.model_id and row.id not in problems})
    corrected = sorted(
        {row.model_id for row in corrections if row.model_id and row.id not in problems}
    )
    retrain, threshold = _retraining_policy(session, ctx, data)
    if retrain:
        _retrain_due(session, ctx, corrected, threshold, sources_dir, result)
    result.models = [summary(session, ctx, model_id) for model_id in touched]
    result.remaining = repo.count_pending()
    return result


def _retraining_policy(
    session: Session, ctx: TenantContext, data: FeedbackProcess
) -> tuple[bool, int]:
    """(retrain?, threshold): the request's, else the active behavior config's, else the
    defaults (true, 20)."""
    behavior = config_service.active_settings(session, ctx, ConfigType.behavior)
    configured = behavior if isinstance(behavior, BehaviorConfig) else None
    retrain = data.retrain
    if retrain is None:
        retrain = configured.auto_retrain if configured else True
    threshold = data.threshold
    if threshold is None:
        threshold = configured.correction_threshold if configured else DEFAULT_RETRAIN_THRESHOLD
    return retrain, threshold


def _rows_to_process(repo: FeedbackRepository, ids: Sequence[str]) -> list[AILearningFeedback]:
    """The named rows, oldest first: each must be in the company (404) and pending (409)."""
    wanted = list(dict.fromkeys(ids))
    found = {row.id: row for row in repo.by_ids(wanted, for_update=True)}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound(
            f"no feedback {missing[:10]} in this company",
            fields=[FieldError(f"ids.{ids.index(i)}", "not found") for i in missing[:10]],
        )
    final = [(position, found[i]) for position, i in enumerate(ids) if i in found]
    done = [(p, row) for p, row in final if row.status != FeedbackStatus.pending]
    if done:
        raise InvalidStatusTransition(
            "only pending feedback is processed",
            fields=[
                FieldError(f"ids.{p}", f"feedback {row.id!r} is {row.status.value}, not pending")
                for p, row in done[:10]
            ],
        )
    return sorted(found.values(), key=lambda row: (row.created_at, row.id))


def _retrain_due(
    session: Session,
    ctx: TenantContext,
    model_ids: Sequence[str],
    threshold: int,
    sources_dir: str,
    result: ProcessResult,
) -> None:
    """The retraining loop for each model; one that cannot be retrained is reported and
    leaves nothing behind (its writes are rolled back to a savepoint)."""
    from urutiq_ai.feedback import learning

    for model_id in model_ids:
        try:
            with learning.undo_on_error(session):
                started = learning.retrain_if_due(
                    session, ctx, model_id, threshold=threshold, sources_dir=sources_dir
                )
        except AppError as exc:
            detail = exc.detail
            if exc.fields:
                detail += " (" + "; ".join(f"{f.field}: {f.reason}" for f in exc.fields) + ")"
            result.retrain_skipped.append(RetrainSkipped(model_id=model_id, reason=detail))
            continue
        if started is not None:
            result.retrained.append(started)


def ignore(
    session: Session, ctx: TenantContext, *, feedback_id: str, data: FeedbackIgnore
) -> AILearningFeedback:
    """Set a pending feedback aside (409 once it is processed or ignored)."""
    row: AILearningFeedback = crud_service.get_row(session, ctx, FEEDBACK, feedback_id)
    _require_pending(row)
    _set_aside(session, ctx, row, data.reason, action="ignore", before=_snapshot(row))
    session.flush()
    return row


def _require_pending(row: AILearningFeedback) -> None:
    if row.status != FeedbackStatus.pending:
        reason = f"cannot move from {row.status.value!r} to 'ignored'; it is final"
        raise InvalidStatusTransition(
            f"{FEEDBACK.title}: {reason}", fields=[FieldError("status", reason)]
        )


def _set_aside(
    session: Session,
    ctx: TenantContext,
    row: AILearningFeedback,
    reason: str | None,
    *,
    action: str,
    before: dict[str, Any],
) -> None:
    data = row.feedback_data
    note = {"reason": reason, "at": utcnow().isoformat(), "by": ctx.principal_id}
    row.feedback_data = (
        {**data, IGNORED: note} if isinstance(data, dict) else {"original": data, IGNORED: note}
    )
    _mark(session, ctx, row, FeedbackStatus.ignored, action=action, before=before)


def _mark(
    session: Session,
    ctx: TenantContext,
    row: AILearningFeedback,
    status: FeedbackStatus,
    *,
    action: str,
    before: dict[str, Any],
) -> None:
    """Set the status (the caller checked the move) and audit the change."""
    row.status = status
    tenancy_service.record_audit(
        session,
        ctx,
        action=action,
        row=row,
        company_id=row.company_id,
        before=before,
        after=_snapshot(row),
    )


def _snapshot(row: AILearningFeedback) -> dict[str, Any]:
    return AILearningFeedbackRead.model_validate(row).model_dump(mode="json", by_alias=True)


# --- aggregates ---------------------------------------------------------------------------


def summary(session: Session, ctx: TenantContext, model_id: str) -> FeedbackSummary:
    """A model's feedback (404 if the model is not the company's): counts by status and,
    over processed feedback, ratings, flags, comments and corrections."""
    registry_service.get_model(session, ctx, model_id)
    out = FeedbackSummary(model_id=model_id)
    statuses: Counter[str] = Counter()
    stars: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    corrections = CorrectionSummary()
    last: RetrainingInfo | None = None
    for feedback_type, status, data, is_positive in FeedbackRepository(session, ctx).of_model(
        model_id
    ):
        statuses[FeedbackStatus(status).value] += 1
        if status != FeedbackStatus.processed:
            continue
        out.positive += is_positive is True
        out.negative += is_positive is False
        data = data if isinstance(data, dict) else {}
        if feedback_type == FeedbackType.rating and _is_stars(data.get(STARS)):
            stars[str(int(data[STARS]))] += 1
        elif feedback_type == FeedbackType.flag:
            out.flags.count += 1
            reasons[_reason_key(data.get(REASON))] += 1
        elif feedback_type == FeedbackType.comment and data.get(TEXT):
            out.comments += 1
        elif feedback_type == FeedbackType.correction:
            corrections.count += 1
            corrections.changed += bool((data.get(APPLIED) or {}).get("changed"))
            uses = [use for use in data.get(USED_BY) or [] if isinstance(use, dict)]
            corrections.unused += not uses
            for use in uses:
                last = _later(last, use)
    out.total = sum(statuses.values())
    out.pending = statuses[FeedbackStatus.pending.value]
    out.processed = statuses[FeedbackStatus.processed.value]
    out.ignored = statuses[FeedbackStatus.ignored.value]
    count = sum(stars.values())
    mean = sum(int(k) * n for k, n in stars.items()) / count if count else None
    out.ratings = RatingSummary(
        count=count,
        mean=None if mean is None else round(mean, 4),
        distribution={str(k): stars[str(k)] for k in range(1, 6)},
    )
    out.flags.reasons = dict(reasons.most_common(TOP_REASONS))
    if corrections.count:
        corrections.changed_share = round(corrections.changed / corrections.count, 4)
    out.corrections = corrections
    out.last_retraining = last
    return out


def _reason_key(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text.strip()[:MAX_LABEL]


def _later(current: RetrainingInfo | None, use: dict[str, Any]) -> RetrainingInfo | None:
    try:
        info = RetrainingInfo(
            challenger_model_id=str(use["modelId"]),
            experiment_id=str(use["experimentId"]),
            run_id=use.get("runId"),
            at=use.get("at"),
        )
    except (KeyError, ValueError):
        return current
    if current is None or (info.at and (current.at is None or info.at > current.at)):
        return info
    return current
