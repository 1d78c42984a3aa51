"""Feedback's enumerations and the default retraining threshold, apart from the schemas: the
command line offers them and the tables map them without loading Pydantic.
``urutiq_ai.feedback.schemas`` re-exports them."""

from enum import StrEnum


class Impact(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"


# Corrections of a model that start its retraining, unless its behavior config says otherwise.
DEFAULT_RETRAIN_THRESHOLD = 20


class FeedbackType(StrEnum):
    correction = "correction"
    rating = "rating"
    comment = "comment"
    flag = "flag"


class FeedbackStatus(StrEnum):
    pending = "pending"
    processed = "processed"
    ignored = "ignored"
