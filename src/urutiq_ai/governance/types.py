"""The governance enumerations, apart from the schemas: the tables map them without loading
the Pydantic models. ``urutiq_ai.governance.schemas`` re-exports them."""

from enum import StrEnum


class PolicyType(StrEnum):
    bias_detection = "bias_detection"
    fairness = "fairness"
    transparency = "transparency"
    privacy = "privacy"
    security = "security"


class PolicyStatus(StrEnum):
    active = "active"
    inactive = "inactive"
    draft = "draft"


class ViolationType(StrEnum):
    bias = "bias"
    fairness = "fairness"
    privacy = "privacy"
    security = "security"
    transparency = "transparency"


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class ViolationStatus(StrEnum):
    open = "open"
    investigating = "investigating"
    resolved = "resolved"
    false_positive = "false_positive"


class EvaluationStatus(StrEnum):
    """An evaluation's verdict: ``insufficient`` when the data cannot decide (e.g. one
    group only); ``error`` when it could not run (e.g. an artifact that does not load)."""

    passed = "pass"
    failed = "fail"
    insufficient = "insufficient"
    error = "error"
