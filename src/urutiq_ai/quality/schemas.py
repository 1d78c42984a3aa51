"""AIDataQuality on the wire."""

from pydantic import JsonValue

from urutiq_ai.core.schemas import (
    CompanyOwnedRead,
    Json,
    Name,
    ReadSchema,
    RequestSchema,
    ShortText,
)
from urutiq_ai.quality.types import QualityMetric as QualityMetric
from urutiq_ai.quality.types import QualityStatus as QualityStatus


class AIDataQualityCreate(RequestSchema):
    table_name: Name
    column_name: ShortText | None = None
    quality_metric: QualityMetric
    metric_value: float
    threshold: float | None = None
    status: QualityStatus
    issues: Json | None = None
    recommendations: Json | None = None


class AIDataQualityUpdate(RequestSchema):
    status: QualityStatus | None = None
    issues: Json | None = None
    recommendations: Json | None = None


class AIDataQualityRead(CompanyOwnedRead):
    table_name: str
    column_name: str | None
    quality_metric: QualityMetric
    metric_value: float
    threshold: float | None
    status: QualityStatus
    issues: JsonValue | None
    recommendations: JsonValue | None


class QualityCheckResult(ReadSchema):
    """One check's verdict; ``id`` is its stored AIDataQuality row (None when not stored)."""

    id: str | None
    name: str
    check: str
    quality_metric: QualityMetric
    table_name: str
    column_name: str | None
    metric_value: float
    threshold: float
    status: QualityStatus
    rows_checked: int
    rows_failed: int
    issues: JsonValue
    recommendations: list[str]


class QualityRunResult(ReadSchema):
    """A run of checks: the worst status, counts per status and each check's result."""

    name: str | None
    status: QualityStatus
    checks: int
    passed: int
    warnings: int
    failed: int
    rows_read: int
    duration: float
    results: list[QualityCheckResult]
