"""Feedback's impact levels and the default retraining threshold, apart from the schemas: the
command line offers them without loading Pydantic. ``urutiq_ai.feedback.schemas`` re-exports
them."""

from enum import StrEnum


class Impact(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"


# Corrections of a model that start its retraining, unless its behavior config says otherwise.
DEFAULT_RETRAIN_THRESHOLD = 20
