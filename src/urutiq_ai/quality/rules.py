"""The data-quality rule language: checks declared in JSON.

One list of checks, each an object with a ``check`` kind, is what ``urutiq-ai quality run
--checks checks.json`` reads, what ``POST /quality-checks`` takes, and what a pipeline's
``validationRules`` hold. See docs/quality.md for every kind with an example.

| check             | dimension    | metricValue                          | passes when          |
|-------------------|--------------|--------------------------------------|----------------------|
| ``not_null``      | completeness | share of rows with a value           | >= threshold (1.0)   |
| ``type``          | validity     | share of present values of the type  | >= threshold         |
| ``range``         | validity     | share of present values in range     | >= threshold         |
| ``pattern``       | validity     | share of present values matching     | >= threshold         |
| ``allowed_values``| validity     | share of present values in the list  | >= threshold         |
| ``expression``    | consistency  | share of rows where the rule holds   | >= threshold         |
| ``unique``        | consistency  | distinct keys / rows                 | >= threshold         |
| ``group_balance`` | consistency  | share of groups whose sums agree     | >= threshold         |
| ``reference_sum`` | consistency  | share of keys equal to the ref. sum  | >= threshold         |
| ``reference_match``| accuracy    | share of rows agreeing with the ref. | >= threshold         |
| ``control_total`` | accuracy     | |sum - expected|                     | <= tolerance         |
| ``freshness``     | timeliness   | hours since the newest value         | <= maxAgeHours       |

Share checks give ``warning`` instead of ``fail`` when the share is at least
``warningThreshold``; ``freshness`` when the age is at most ``warningAgeHours``.
"""

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from urutiq_ai.core.schemas import LongText, Name, RequestSchema, ShortText
from urutiq_ai.ml.expressions import ExpressionError
from urutiq_ai.ml.expressions import parse as parse_expression
from urutiq_ai.quality.schemas import QualityMetric
from urutiq_ai.sources.schemas import SourceSpec

MAX_CHECKS = 200
MAX_PATTERN_CHARS = 500
MAX_ALLOWED_VALUES = 10_000


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Columns = Annotated[list[ShortText], BeforeValidator(_as_list), Field(min_length=1, max_length=10)]
"""One column name or a list of them (a compound key)."""


def _valid_expression(value: str) -> str:
    try:
        parse_expression(value)
    except ExpressionError as exc:
        raise ValueError(str(exc)) from exc
    return value


Expression = Annotated[LongText, Field(min_length=1), AfterValidator(_valid_expression)]


class _Check(RequestSchema):
    name: ShortText | None = Field(default=None, description="Default: made from the check.")
    source: SourceSpec | None = Field(default=None, description="Default: the run's source.")
    dimension: QualityMetric | None = Field(default=None, description="Default: per kind.")
    sample_columns: list[ShortText] | None = Field(
        default=None,
        max_length=10,
        description="Shown with offending rows. Default: the source's first ...Id column.",
    )
    blocking: bool = Field(
        default=True,
        description="Pipelines: rows failing a blocking row check go to the rejects table.",
    )


class _Share(_Check):
    threshold: float = Field(default=1.0, ge=0.0, le=1.0)
    warning_threshold: float | None = Field(default=None, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _warning_below_threshold(self) -> "_Share":
        if self.warning_threshold is not None and self.warning_threshold > self.threshold:
            raise ValueError("warningThreshold must not be above threshold")
        return self


class NotNullCheck(_Share):
    check: Literal["not_null"]
    column: ShortText


class TypeCheck(_Share):
    check: Literal["type"]
    column: ShortText
    type: Literal["integer", "number", "string", "boolean", "date"]


class RangeCheck(_Share):
    check: Literal["range"]
    column: ShortText
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _bounds(self) -> "RangeCheck":
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        return self


def _valid_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from exc
    return value


Regex = Annotated[
    str, Field(min_length=1, max_length=MAX_PATTERN_CHARS), AfterValidator(_valid_regex)
]


class PatternCheck(_Share):
    check: Literal["pattern"]
    column: ShortText
    regex: Regex


class AllowedValuesCheck(_Share):
    check: Literal["allowed_values"]
    column: ShortText
    values: list[str | int | float | bool] = Field(min_length=1, max_length=MAX_ALLOWED_VALUES)


class ExpressionCheck(_Share):
    check: Literal["expression"]
    expression: Expression


class UniqueCheck(_Share):
    check: Literal["unique"]
    columns: Columns


class GroupBalanceCheck(_Share):
    check: Literal["group_balance"]
    group_by: Columns
    left: ShortText
    right: ShortText
    tolerance: float = Field(default=0.005, ge=0.0)


class Reference(RequestSchema):
    """The other side of a reference check: a source, its column, and its key columns
    (default: the check's key)."""

    source: SourceSpec
    column: ShortText
    key: Columns | None = None


class ReferenceSumCheck(_Share):
    check: Literal["reference_sum"]
    key: Columns
    column: ShortText
    reference: Reference
    tolerance: float = Field(default=0.005, ge=0.0)


class ReferenceMatchCheck(_Share):
    check: Literal["reference_match"]
    key: Columns
    column: ShortText
    reference: Reference
    tolerance: float = Field(default=0.0, ge=0.0)


class ControlTotalCheck(_Check):
    check: Literal["control_total"]
    column: ShortText
    expected: float
    tolerance: float = Field(default=0.005, ge=0.0)
    where: Expression | None = None


class FreshnessCheck(_Check):
    check: Literal["freshness"]
    column: ShortText
    max_age_hours: float = Field(gt=0.0)
    warning_age_hours: float | None = Field(default=None, gt=0.0)
    as_of: datetime | None = Field(default=None, description="Default: now.")

    @model_validator(mode="after")
    def _warning_after_max(self) -> "FreshnessCheck":
        if self.warning_age_hours is not None and self.warning_age_hours < self.max_age_hours:
            raise ValueError("warningAgeHours must not be below maxAgeHours")
        return self


QualityCheck = Annotated[
    NotNullCheck
    | TypeCheck
    | RangeCheck
    | PatternCheck
    | AllowedValuesCheck
    | ExpressionCheck
    | UniqueCheck
    | GroupBalanceCheck
    | ReferenceSumCheck
    | ReferenceMatchCheck
    | ControlTotalCheck
    | FreshnessCheck,
    Field(discriminator="check"),
]

DIMENSIONS: dict[str, QualityMetric] = {
    "not_null": QualityMetric.completeness,
    "type": QualityMetric.validity,
    "range": QualityMetric.validity,
    "pattern": QualityMetric.validity,
    "allowed_values": QualityMetric.validity,
    "expression": QualityMetric.consistency,
    "unique": QualityMetric.consistency,
    "group_balance": QualityMetric.consistency,
    "reference_sum": QualityMetric.consistency,
    "reference_match": QualityMetric.accuracy,
    "control_total": QualityMetric.accuracy,
    "freshness": QualityMetric.timeliness,
}
ROW_CHECKS = frozenset({"not_null", "type", "range", "pattern", "allowed_values", "expression"})
"""Kinds that judge each row on its own (a pipeline can reject the rows that fail them)."""


class QualityRunRequest(RequestSchema):
    """Run checks now. ``source`` is the default source of checks that name none (each
    check needs one or the other)."""

    source: SourceSpec | None = None
    checks: list[QualityCheck] = Field(min_length=1, max_length=MAX_CHECKS)
    store: bool = Field(default=True, description="Keep the results as AIDataQuality rows.")
    name: Name | None = Field(default=None, description="A label for the run (in each issue).")


def named_columns(rule: Any) -> list[tuple[str, list[str]]]:
    """(wire field, column names) for every column the rule names in its own source."""
    named: list[tuple[str, list[str]]] = []
    for field, wire in (
        ("column", "column"),
        ("columns", "columns"),
        ("group_by", "groupBy"),
        ("key", "key"),
        ("left", "left"),
        ("right", "right"),
        ("sample_columns", "sampleColumns"),
    ):
        value = getattr(rule, field, None)
        if value:
            named.append((wire, [value] if isinstance(value, str) else list(value)))
    for field in ("expression", "where"):
        text = getattr(rule, field, None)
        if text:
            named.append((field, sorted(parse_expression(text).columns)))
    return named
