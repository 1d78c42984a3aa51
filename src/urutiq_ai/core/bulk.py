"""Bulk inserts of many rows into a tenant-owned table, fast on PostgreSQL.

PostgreSQL refuses ``COPY FROM`` into a table with row-level security ("COPY FROM not
supported with row-level security"), and an ``executemany`` of INSERTs pays a protocol
round of bind/execute per row (the figures of both, and of this path, are in
``docs/benchmarks.md``, "Bulk prediction logging"). Large batches therefore go through a
session-private temporary table:

1. ``CREATE TEMP TABLE IF NOT EXISTS ... (LIKE <table>) ON COMMIT DROP`` (no RLS, no
   indexes, no WAL; emptied with TRUNCATE after use, never dropped by hand: a ``DROP`` would
   make psycopg forget every statement it prepared on the connection);
2. ``COPY`` the rows into it, text format written here in chunks, so that Python formats
   the next chunk while the server parses the last one (psycopg's queued writer);
3. ``INSERT INTO <table> SELECT ... FROM <stage>``: an ordinary INSERT, so row-level
   security's ``WITH CHECK``, the foreign keys, CHECK constraints and indexes all apply as
   for any insert.

All of it runs in a SAVEPOINT of the caller's transaction: a refused or malformed batch
leaves nothing behind and the transaction usable, as a failed INSERT would. Rows are
dictionaries keyed by attribute name (what ``insert(Model)`` takes); a missing key, or
None, gets the column's Python default where it has one (``id``, ``createdAt``, ...; the
ORM's bulk insert does the same), else NULL. JSON is written by ``core.db.json_text``, the
engine's own serializer. Only ``TenantRepository.add_many`` calls this, after setting the
rows' tenant and company. SQLite and small batches are left to its one ``executemany``
insert, as fast there.
"""

import enum
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Enum, String, Table, text
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session

from urutiq_ai.core.db import UTCDateTime, json_text

COPY_MIN_ROWS = 500
"""Below this many rows one INSERT executemany is as quick as the temporary-table copy."""

COPY_CHUNK_ROWS = 250
"""Rows formatted per write: small enough that the server parses while Python formats."""

Format = Callable[[Any], str]

_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> bool:
    """Insert ``rows`` into ``table`` through a COPY in the session's transaction, when
    that is the faster way (PostgreSQL, at least ``COPY_MIN_ROWS`` rows); False when the
    caller should insert them itself (``TenantRepository.add_many`` does)."""
    if len(rows) < COPY_MIN_ROWS:
        return False
    # tenancy: global - COPY mechanics of TenantRepository.add_many (RLS checks the rows)
    if not _copy_allowed(session.connection()):
        return False
    with session.begin_nested():
        # tenancy: global - COPY mechanics of TenantRepository.add_many (RLS checks the rows)
        _copy_through_stage(session.connection(), table, rows)
    return True


def _copy_allowed(connection: Connection) -> bool:
    """PostgreSQL, and the current role may create temporary tables (a default right that
    an administrator can revoke; then the plain insert is used)."""
    if connection.dialect.name != "postgresql":
        return False
    allowed = connection.execute(  # tenancy: global - a privilege check, no rows
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
    # tenancy: global - COPY mechanics of TenantRepository.add_many (RLS checks the rows)
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    from psycopg import Error as DriverError
    from psycopg.copy import QueuedLibpqWriter

    connection.exec_driver_sql(  # tenancy: global - the session's own temporary table
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {target}) ON COMMIT DROP"
    )
    statement = f"COPY {stage} ({names}) FROM STDIN"
    try:
        with (
            dbapi.cursor() as cursor,  # type: ignore[attr-defined]
            cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy,
        ):
            for start in range(0, len(rows), COPY_CHUNK_ROWS):
                chunk = rows[start : start + COPY_CHUNK_ROWS]
                # str: psycopg encodes it in the connection's client encoding
                copy.write("".join(_line(row, formats) for row in chunk))
    except DriverError as error:  # as SQLAlchemy reports its own statements' errors
        raise DBAPIError.instance(statement, None, error, DriverError) from error
    except Exception as error:  # a value COPY's text cannot carry: the savepoint undoes it
        raise StatementError(f"cannot copy the rows: {error}", statement, None, error) from error
    # tenancy: global - COPY mechanics of TenantRepository.add_many (RLS checks the rows)
    connection.exec_driver_sql(f"INSERT INTO {target} ({names}) SELECT {names} FROM {stage}")
    connection.exec_driver_sql(f"TRUNCATE {stage}")  # tenancy: global - the temporary table


def _line(row: dict[str, Any], formats: list[tuple[str, Callable[[], Any] | None, Format]]) -> str:
    fields = []
    for key, default, format_value in formats:
        value = row.get(key)
        if value is None and default is not None:
            value = default()
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
    return json_text(value).replace("\\", "\\\\")


def _utc_text(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def _enum_text(value: Any) -> str:
    return _str_text(value.value if isinstance(value, enum.Enum) else value)


def _bool_text(value: Any) -> str:
    if isinstance(value, bool) or type(value).__name__ == "bool_":  # numpy's, not imported
        return "t" if value else "f"
    return _str_text(str(value))  # "false", "0", ...: PostgreSQL reads them as it would


def _str_text(value: str) -> str:
    return value.translate(_ESCAPES) if _NEEDS_ESCAPE.search(value) else value
