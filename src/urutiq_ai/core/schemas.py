"""Pydantic building blocks shared by every domain's ``schemas.py``.

Field names are snake_case in Python and camelCase (the seed's names) on the
wire. Request schemas forbid unknown fields. This module must not import
SQLAlchemy: the SDK imports it.
"""

import json
import math
import re
from datetime import UTC, datetime
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
    field_validator,
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

    Every field, at any depth (texts, JSON keys and values, lists), holds only what every
    database stores: no NUL character (PostgreSQL's text and JSONB cannot hold ``\\u0000``)
    nor lone surrogate, no infinite number (``1e400`` parses to infinity), no integer past
    64 bits, no time whose UTC time falls outside the calendar.
    """

    model_config = ConfigDict(**_COMMON, extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        problem = unstorable(value)
        if problem is not None:
            raise ValueError(problem)
        return value


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_DEPTH = 64
# What no database text holds: NUL (PostgreSQL's text and JSONB refuse it) and the halves of
# a surrogate pair alone (JSON may write "\\ud800"; UTF-8 cannot encode it).
_UNSTORABLE_CHARACTER = re.compile("[\x00\ud800-\udfff]")


def _text_problem(text: str) -> str | None:
    found = _UNSTORABLE_CHARACTER.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "must not contain the NUL character (\\u0000)"
    return f"must not contain a lone surrogate ({_shown(found.group())}): it is not Unicode text"


def _shown(text: str) -> str:
    """``text`` as an error may quote it: NUL and lone surrogates escaped."""
    return text.encode("utf-8", "backslashreplace").decode().replace("\x00", "\\u0000")


def unstorable(value: Any) -> str | None:
    """Why ``value`` (a text, number, time or JSON structure, or a schema of them) cannot be
    stored, naming where inside it (``rows.2.amount``); None when every part can."""
    found = _problem(value, 0)
    if found is None:
        return None
    reason, where = found
    return f"{reason} (at {'.'.join(reversed(where))})" if where else reason


def _problem(value: Any, depth: int) -> tuple[str, list[str]] | None:
    """(the reason, the path to the value from the inside out); the path is built only for
    the value that is refused, so a large accepted batch costs one look at each value."""
    kind = type(value)
    if kind is str:
        problem = _text_problem(value)
        return (problem, []) if problem else None
    if value is None or kind is bool:
        return None
    if kind is float or isinstance(value, float):
        return None if math.isfinite(value) else ("must be a finite number", [])
    if isinstance(value, int):
        if INT64_MIN <= value <= INT64_MAX:
            return None
        return (f"integer out of range: from {INT64_MIN} to {INT64_MAX}", [])
    if isinstance(value, str):  # a str subclass (an enum member)
        problem = _text_problem(value)
        return (problem, []) if problem else None
    if isinstance(value, datetime):
        try:
            (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
        except OverflowError:
            return ("a time whose UTC time is before year 1 or after year 9999", [])
        return None
    if depth > MAX_DEPTH:
        return (f"nested more than {MAX_DEPTH} levels deep", [])
    if isinstance(value, BaseModel):  # a nested schema: its fields, by their wire names
        items: Any = ((to_camel(k), v) for k, v in value.__dict__.items())
    elif isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list | tuple | set | frozenset):
        items = enumerate(value)
    else:  # enums of other types, decimals: validated by their own types
        return None
    for key, item in items:
        if type(key) is str and _UNSTORABLE_CHARACTER.search(key):
            return (f"a key {_text_problem(key)}", [_shown(key)])
        if type(item) is str and not _UNSTORABLE_CHARACTER.search(item):
            continue  # the common case, without a call
        found = _problem(item, depth + 1)
        if found is not None:
            found[1].append(_shown(str(key)))
            return found
    return None


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
