"""AILearningFeedback on the wire."""

from enum import StrEnum

from pydantic import JsonValue

from urutiq_ai.core.schemas import CompanyOwnedRead, Json, Ref, RequestSchema, Score, ShortText


class FeedbackType(StrEnum):
    correction = "correction"
    rating = "rating"
    comment = "comment"
    flag = "flag"


class Impact(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"


class FeedbackStatus(StrEnum):
    pending = "pending"
    processed = "processed"
    ignored = "ignored"


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
