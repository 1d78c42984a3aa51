"""The quality enumerations, apart from the schemas: the tables map them without loading
the Pydantic models. ``urutiq_ai.quality.schemas`` re-exports them."""

from enum import StrEnum


class QualityMetric(StrEnum):
    completeness = "completeness"
    accuracy = "accuracy"
    consistency = "consistency"
    timeliness = "timeliness"
    validity = "validity"


class QualityStatus(StrEnum):
    passed = "pass"
    fail = "fail"
    warning = "warning"
