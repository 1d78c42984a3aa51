"""Keyset (cursor) pagination over a sort column plus ``id`` as tie-breaker.

A cursor is opaque to clients: base64url of ``[sortKey, lastValue, lastId]``.
Keyset pages stay correct while rows are inserted, and cost the same at page
1,000 as at page 1, unlike OFFSET.
"""

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

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


def decode_cursor(cursor: str, sort: SortSpec) -> tuple[Any, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        field, descending, value, row_id = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, TypeError) as exc:
        raise field_error("cursor", "not a cursor returned by this API") from exc
    if field != sort.field or descending != sort.descending:
        raise field_error("cursor", "the cursor was issued for another sort order")
    if isinstance(value, dict) and "dt" in value:
        value = datetime.fromisoformat(value["dt"])
    return value, str(row_id)


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
