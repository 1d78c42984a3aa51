"""Bulk inserts of many rows into a tenant-owned table, fast on PostgreSQL.

PostgreSQL refuses ``COPY FROM`` into a table with row-level security ("COPY FROM not
supported with row-level security"), and an ``executemany`` of INSERTs pays a protocol
round of bind/execute per row (about 14,000 rows/s for prediction rows on this 2-core
machine). Large batches therefore go through a session-private temporary table:

1. ``CREATE TEMP TABLE ... (LIKE <table>) ON COMMIT DROP`` (no RLS, no indexes, no WAL);
2. ``COPY`` the rows into it, text format written here in chunks, so that Python formats
   the next chunk while the server parses the last one (psycopg's queued writer);
3. ``INSERT INTO <table> SELECT ... FROM <stage>``: an ordinary INSERT, so row-level
   security's ``WITH CHECK``, the foreign keys, CHECK constraints and indexes all apply as
   for any insert, and it belongs to the caller's transaction (a failure leaves nothing).

Rows are dictionaries keyed by attribute name (what ``insert(Model)`` takes); a missing
key gets the column's Python default (``id``, ``createdAt``, ...), else NULL. SQLite and
small batches are left to the caller's one ``executemany`` insert, as fast there.
"""

import enum
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Boolean, Connection, Enum, String, Table, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from urutiq_ai.core.db import UTCDateTime

COPY_MIN_ROWS = 500
"""Below this many rows one INSERT executemany is as quick as the temporary-table copy."""

COPY_CHUNK_ROWS = 250
"""Rows formatted per write: small enough that the server parses while Python formats."""

Format = Callable[[Any], str]

_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_JSON_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_PASSTHROUGH_DATETIME
)


def copy_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> bool:
    """Insert ``rows`` into ``table`` through a COPY in the session's transaction, when
    that is the faster way (PostgreSQL, at least ``COPY_MIN_ROWS`` rows); False when the
    caller should insert them itself (``TenantRepository.add_many`` does)."""
    if len(rows) < COPY_MIN_ROWS:
        return False
    connection = session.connection()
    if not _copy_allowed(connection):
        return False
    _copy_through_stage(connection, table, rows)
    return True


def _copy_allowed(connection: Connection) -> bool:
    """PostgreSQL, and the current role may create temporary tables (a default right that
    an administrator can revoke; then the plain insert is used)."""
    if connection.dialect.name != "postgresql":
        return False
    allowed = connection.execute(
        text("SELECT has_database_privilege(current_database(), 'TEMPORARY')")
    ).scalar_one()
    return bool(allowed)


def _copy_through_stage(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    quote = connection.dialect.identifier_preparer.quote
    target = quote(table.name)
    stage = quote(f"{table.name}_stage")
    names = ", ".join(quote(column.name) for column in table.columns)
    formats = [(column.key, _default_of(column), _format_for(column)) for column in table.columns]
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    from psycopg import Error as DriverError
    from psycopg.copy import QueuedLibpqWriter

    connection.exec_driver_sql(f"CREATE TEMP TABLE {stage} (LIKE {target}) ON COMMIT DROP")
    statement = f"COPY {stage} ({names}) FROM STDIN"
    try:
        with (
            dbapi.cursor() as cursor,  # type: ignore[attr-defined]
            cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy,
        ):
            for start in range(0, len(rows), COPY_CHUNK_ROWS):
                chunk = rows[start : start + COPY_CHUNK_ROWS]
                copy.write("".join(_line(row, formats) for row in chunk).encode())
    except DriverError as error:  # as SQLAlchemy reports its own statements' errors
        raise DBAPIError.instance(statement, None, error, DriverError) from error
    connection.exec_driver_sql(f"INSERT INTO {target} ({names}) SELECT {names} FROM {stage}")
    connection.exec_driver_sql(f"DROP TABLE {stage}")


def _line(row: dict[str, Any], formats: list[tuple[str, Callable[[], Any] | None, Format]]) -> str:
    fields = []
    for key, default, format_value in formats:
        if key in row:
            value = row[key]
        elif default is not None:
            value = default()
        else:
            value = None
        fields.append("\\N" if value is None else format_value(value))
    return "\t".join(fields) + "\n"


def _default_of(column: Any) -> Callable[[], Any] | None:
    """The column's Python-side default as a no-argument function, if it has one."""
    default = column.default
    if default is None:
        return None
    if default.is_callable:
        function = default.arg
        return lambda: function(None)
    if default.is_scalar:
        value = default.arg
        return lambda: value
    return None


def _format_for(column: Any) -> Format:
    """How one value of ``column`` is written in COPY's text format."""
    column_type = column.type
    if isinstance(column_type, JSON):
        return _json_text
    if isinstance(column_type, UTCDateTime):
        return _utc_text
    if isinstance(column_type, Enum):
        return _enum_text
    if isinstance(column_type, Boolean):
        return _bool_text
    if isinstance(column_type, String):
        return _str_text
    return str  # numbers: str() is the shortest repr PostgreSQL reads back exactly


def _json_text(value: Any) -> str:
    # JSON text holds no raw tab or line break (JSON escapes them): only backslashes.
    return orjson.dumps(value, default=str, option=_JSON_OPTIONS).decode().replace("\\", "\\\\")


def _utc_text(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def _enum_text(value: Any) -> str:
    return _str_text(value.value if isinstance(value, enum.Enum) else value)


def _bool_text(value: Any) -> str:
    return "t" if value else "f"


def _str_text(value: str) -> str:
    return value.translate(_ESCAPES) if _NEEDS_ESCAPE.search(value) else value
