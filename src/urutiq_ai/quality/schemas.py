"""AIDataQuality on the wire."""

from enum import StrEnum

from pydantic import JsonValue

from urutiq_ai.core.schemas import CompanyOwnedRead, Json, Name, RequestSchema, ShortText


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
