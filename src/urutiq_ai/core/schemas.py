"""Pydantic building blocks shared by every domain's ``schemas.py``.

Field names are snake_case in Python and camelCase (the seed's names) on the
wire. Request schemas forbid unknown fields. This module must not import
SQLAlchemy: the SDK imports it.
"""

import json
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
)

from urutiq_ai.core.cron import check_cron
from urutiq_ai.core.naming import to_camel

_COMMON = ConfigDict(
    alias_generator=to_camel,
    validate_by_name=True,
    validate_by_alias=True,
    serialize_by_alias=True,
    protected_namespaces=(),
    allow_inf_nan=False,
)


class RequestSchema(BaseModel):
    """A create or update payload: camelCase keys, unknown keys rejected.

    Python callers (the SDK) may also use the snake_case names. Names and short texts are
    stripped of surrounding whitespace; JSON values are kept exactly as sent.
    """

    model_config = ConfigDict(**_COMMON, extra="forbid")


class SystemWritten(RequestSchema):
    """The create schema of resources only the system writes (no create route is offered)."""


class ReadSchema(BaseModel):
    """What the API returns; built from ORM rows."""

    model_config = ConfigDict(**_COMMON, from_attributes=True)


class TimestampedRead(ReadSchema):
    id: str
    created_at: datetime
    updated_at: datetime


class CompanyOwnedRead(TimestampedRead):
    tenant_id: str
    company_id: str


def _parse_json_text(value: Any) -> Any:
    """Accept JSON as a structure, or as a string holding JSON (the seed's 'JSON string')."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"malformed JSON: {exc.msg} at position {exc.pos}") from exc
    return value


def _check_size(value: Any) -> Any:
    if len(json.dumps(value)) > MAX_JSON_CHARS:
        raise ValueError(f"JSON value longer than {MAX_JSON_CHARS} characters")
    return value


def _string_list(value: Any) -> Any:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("must be a JSON array of strings")
    return value


MAX_JSON_CHARS = 1_000_000

Json = Annotated[JsonValue, BeforeValidator(_parse_json_text), AfterValidator(_check_size)]
# A JSON value taken as given: a string stays a string (for values such as a label).
PlainJson = Annotated[JsonValue, AfterValidator(_check_size)]
JsonStringList = Annotated[Json, AfterValidator(_string_list)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]
LongText = Annotated[str, StringConstraints(max_length=100_000)]
LogText = Annotated[str, StringConstraints(max_length=5_000_000)]
Ref = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Cron = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=255), AfterValidator(check_cron)
]
"""A cron expression that fires: 5 fields or an alias such as ``@daily`` (core/cron.py)."""
Score = Annotated[float, Field(ge=0.0, le=1.0)]
Count = Annotated[int, Field(ge=0)]

T = TypeVar("T")


class RunStatus(StrEnum):
    """The lifecycle of a run (training runs, pipeline runs)."""

    running = "running"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"


class Page(BaseModel, Generic[T]):
    """One page of a list: ``nextCursor`` is null on the last page."""

    model_config = ConfigDict(**_COMMON)

    items: list[T]
    next_cursor: str | None = None
