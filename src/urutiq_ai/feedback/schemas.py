"""AILearningFeedback on the wire, and the verbs that put feedback to use.

``feedbackData`` per ``feedbackType`` (checked on create, 422 naming ``feedbackData.<key>``):

* ``correction``: ``{"correctValue": <label or number>}``, the right answer to one
  prediction (``predictionId`` is required; a regression or forecast wants a number);
* ``rating``: ``{"stars": 1..5}``;
* ``comment``: ``{"text": "..."}``;
* ``flag``: ``{"reason": "..."}``.

Other keys are kept as written, except the ones the system writes: ``applied`` (what
processing did to the prediction), ``usedBy`` (the retrainings a correction fed) and
``ignored`` (why it was set aside).
"""

from datetime import datetime

from pydantic import Field, JsonValue

from urutiq_ai.core.schemas import (
    CompanyOwnedRead,
    Json,
    LongText,
    ReadSchema,
    Ref,
    RequestSchema,
    Score,
    ShortText,
)
from urutiq_ai.feedback.types import DEFAULT_RETRAIN_THRESHOLD as DEFAULT_RETRAIN_THRESHOLD
from urutiq_ai.feedback.types import FeedbackStatus as FeedbackStatus
from urutiq_ai.feedback.types import FeedbackType as FeedbackType
from urutiq_ai.feedback.types import Impact as Impact

# The key of feedbackData each type must carry.
CORRECT_VALUE = "correctValue"
STARS = "stars"
TEXT = "text"
REASON = "reason"
REQUIRED_KEY: dict[FeedbackType, str] = {
    FeedbackType.correction: CORRECT_VALUE,
    FeedbackType.rating: STARS,
    FeedbackType.comment: TEXT,
    FeedbackType.flag: REASON,
}
# Keys of feedbackData only the system writes.
APPLIED = "applied"
USED_BY = "usedBy"
IGNORED = "ignored"
SYSTEM_KEYS = (APPLIED, USED_BY, IGNORED)

MAX_PROCESS = 10_000


class AILearningFeedbackCreate(RequestSchema):
    user_id: ShortText | None = None
    model_id: Ref | None = None
    prediction_id: Ref | None = None
    feedback_type: FeedbackType
    feedback_data: Json | None = None
    is_positive: bool | None = None
    confidence: Score | None = None
    impact: Impact | None = None
    status: FeedbackStatus = FeedbackStatus.pending


class AILearningFeedbackUpdate(RequestSchema):
    status: FeedbackStatus | None = None
    impact: Impact | None = None
    is_positive: bool | None = None
    confidence: Score | None = None


class AILearningFeedbackRead(CompanyOwnedRead):
    user_id: str | None
    model_id: str | None
    prediction_id: str | None
    feedback_type: FeedbackType
    feedback_data: JsonValue | None
    is_positive: bool | None
    confidence: float | None
    impact: Impact | None
    status: FeedbackStatus


class FeedbackProcess(RequestSchema):
    """Process the company's pending feedback (the oldest ``MAX_PROCESS`` of it), or only
    ``ids`` (each must be pending). Corrections become their predictions' actual values;
    with ``retrain``, each model whose unused processed corrections reach ``threshold``
    gets a retrained challenger and an experiment against it. Left out, ``retrain`` and
    ``threshold`` come from the company's active ``behavior`` configuration
    (``autoRetrain``, ``correctionThreshold``); without one: true and 20."""

    ids: list[Ref] | None = Field(default=None, min_length=1, max_length=MAX_PROCESS)
    retrain: bool | None = None
    threshold: int | None = Field(default=None, ge=1, le=1_000_000)


class FeedbackIgnore(RequestSchema):
    """Set a pending feedback aside (final); ``reason`` is kept in ``feedbackData.ignored``."""

    reason: LongText | None = None


class RetrainRequest(RequestSchema):
    """Retrain a model on its training data plus its users' corrections, once at least
    ``threshold`` processed corrections have not fed a retraining yet."""

    threshold: int = Field(default=DEFAULT_RETRAIN_THRESHOLD, ge=1, le=1_000_000)


class RatingSummary(ReadSchema):
    count: int = 0
    mean: float | None = None
    distribution: dict[str, int] = Field(default_factory=dict)


class FlagSummary(ReadSchema):
    count: int = 0
    reasons: dict[str, int] = Field(default_factory=dict)


class CorrectionSummary(ReadSchema):
    """Processed corrections; ``changed``: those whose right answer differed from the
    prediction (``changedShare`` of them); ``unused``: not yet fed to a retraining."""

    count: int = 0
    changed: int = 0
    changed_share: float | None = None
    unused: int = 0


class RetrainingInfo(ReadSchema):
    challenger_model_id: str
    experiment_id: str
    run_id: str | None = None
    at: datetime | None = None


class FeedbackSummary(ReadSchema):
    """A model's feedback: counts by status, and aggregates of the processed feedback."""

    model_id: str
    total: int = 0
    pending: int = 0
    processed: int = 0
    ignored: int = 0
    positive: int = 0
    negative: int = 0
    ratings: RatingSummary = Field(default_factory=RatingSummary)
    flags: FlagSummary = Field(default_factory=FlagSummary)
    comments: int = 0
    corrections: CorrectionSummary = Field(default_factory=CorrectionSummary)
    last_retraining: RetrainingInfo | None = None


class RetrainStarted(ReadSchema):
    """A challenger in training on the model's data plus ``corrections`` corrections
    (``newCorrections`` of them never used before), and the experiment that will judge it."""

    model_id: str
    challenger_model_id: str
    challenger_version: str
    run_id: str
    experiment_id: str
    source: str
    rows: int
    corrections: int
    new_corrections: int


class RetrainSkipped(ReadSchema):
    model_id: str
    reason: str


class IgnoredFeedback(ReadSchema):
    id: str
    reason: str


class ProcessResult(ReadSchema):
    """What processing did: rows processed, set aside (``ignored``, each with its reason),
    corrections applied as actual values, per-model aggregates, the retrainings started
    (or why a due one was not) and how many pending rows are left for another call."""

    processed: int = 0
    ignored: list[IgnoredFeedback] = Field(default_factory=list)
    corrections_applied: int = 0
    models: list[FeedbackSummary] = Field(default_factory=list)
    retrained: list[RetrainStarted] = Field(default_factory=list)
    retrain_skipped: list[RetrainSkipped] = Field(default_factory=list)
    remaining: int = 0
