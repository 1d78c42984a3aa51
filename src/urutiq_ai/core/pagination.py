"""Keyset (cursor) pagination over a sort column plus ``id`` as tie-breaker.

A cursor is opaque to clients: base64url of ``[sortKey, lastValue, lastId]``.
Keyset pages stay correct while rows are inserted, and cost the same at page
1,000 as at page 1, unlike OFFSET.
"""

import base64
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from urutiq_ai.core.errors import field_error

T = TypeVar("T")


@dataclass(frozen=True)
class SortSpec:
    field: str  # the camelCase name clients send
    descending: bool


@dataclass(frozen=True)
class PageResult(Generic[T]):
    items: list[T]
    next_cursor: str | None


def parse_sort(value: str, allowed: dict[str, str]) -> SortSpec:
    """``-createdAt`` -> createdAt descending. ``allowed`` maps camelCase to attributes."""
    descending = value.startswith("-")
    name = value.lstrip("-+")
    if name not in allowed:
        raise field_error("sort", f"cannot sort by {name!r}; use one of {sorted(allowed)}")
    return SortSpec(field=name, descending=descending)


def encode_cursor(sort: SortSpec, value: Any, row_id: str) -> str:
    if isinstance(value, datetime):
        value = {"dt": value.isoformat()}
    raw = json.dumps([sort.field, sort.descending, value, row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Identified(Protocol):
    @property
    def id(self) -> str: ...


R = TypeVar("R", bound=Identified)


def page_of(rows: Sequence[R], *, limit: int, sort: SortSpec, attr: str) -> PageResult[R]:
    """The page of the ``limit + 1`` rows :func:`paginate_statement` fetched: the first
    ``limit``, and when there were more, a cursor after the last (by ``attr``, its sort
    column's attribute, then its id)."""
    items = list(rows[:limit])
    if len(rows) <= limit:
        return PageResult(items=items, next_cursor=None)
    last = items[-1]
    return PageResult(items=items, next_cursor=encode_cursor(sort, getattr(last, attr), last.id))


NOT_A_CURSOR = "not a cursor of this list"


def decode_cursor(cursor: str, sort: SortSpec) -> tuple[Any, str]:
    """The position a cursor of this list (and sort order) stands for; anything else (junk,
    base64 of other JSON, another sort order's cursor) is a 422 naming ``cursor``."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, TypeError) as exc:  # binascii.Error and bad UTF-8 are ValueErrors
        raise field_error("cursor", NOT_A_CURSOR) from exc
    if not isinstance(decoded, list) or len(decoded) != 4:
        raise field_error("cursor", NOT_A_CURSOR)
    field, descending, value, row_id = decoded
    if field != sort.field or descending is not sort.descending or not _text(row_id):
        raise field_error("cursor", NOT_A_CURSOR)
    if isinstance(value, dict):
        try:
            (moment,) = value.values()
            value = datetime.fromisoformat(moment) if list(value) == ["dt"] else None
        except (TypeError, ValueError):
            value = None
        if value is None:
            raise field_error("cursor", NOT_A_CURSOR)
    return value, row_id


def _text(value: Any) -> bool:
    """Text a database can compare with (PostgreSQL's text holds no NUL)."""
    return isinstance(value, str) and "\x00" not in value


def _fits(value: Any, column: InstrumentedAttribute[Any]) -> bool:
    """Whether a cursor's last value is one the sort column holds (a time for a time
    column...): comparing a column with another type fails on PostgreSQL."""
    column_type = column.type
    try:  # a TypeDecorator (UTC times) holds what its implementation holds
        kind = getattr(column_type, "impl_instance", column_type).python_type
    except NotImplementedError:
        return False
    if value is None:
        return True
    if issubclass(kind, datetime):
        return isinstance(value, datetime)
    if issubclass(kind, bool):
        return isinstance(value, bool)
    if issubclass(kind, int | float):
        return (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and abs(value) < 2**63
        )
    if issubclass(kind, str):
        return _text(value)
    return False


def paginate_statement(
    stmt: Select[Any],
    *,
    column: InstrumentedAttribute[Any],
    id_column: InstrumentedAttribute[Any],
    sort: SortSpec,
    cursor: str | None,
    limit: int,
) -> Select[Any]:
    """Order ``stmt`` by (column, id) and start after ``cursor``; fetch one extra row."""
    if cursor:
        value, row_id = decode_cursor(cursor, sort)
        if not _fits(value, column):
            raise field_error("cursor", NOT_A_CURSOR)
        if sort.descending:
            after = or_(column < value, and_(column == value, id_column < row_id))
        else:
            after = or_(column > value, and_(column == value, id_column > row_id))
        stmt = stmt.where(after)
    if sort.descending:
        stmt = stmt.order_by(column.desc(), id_column.desc())
    else:
        stmt = stmt.order_by(column.asc(), id_column.asc())
    return stmt.limit(limit + 1)
