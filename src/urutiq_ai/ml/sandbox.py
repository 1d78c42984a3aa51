"""User SQL in a sandbox: one SELECT over rows given to it, never over the real database.

Every query a user writes (a query source, a validation reference, a pipeline ``sql`` step)
runs here, in a private SQLite database that holds nothing but the rows its caller copied in
(the key's company's rows of the tables the query names). What the query may do is decided
by SQLite itself while it compiles the statement, through its authorizer
(https://sqlite.org/c3ref/set_authorizer.html), not by matching strings:

* reads only of the tables the caller created (no ``sqlite_schema``, no other database:
  ``ATTACH`` is refused, and the database is empty but for those tables);
* no writes, no schema change, no ``PRAGMA``, no transaction control: only SELECT;
* functions from an allow-list (SQLite's scalar, aggregate, window, date, math and JSON
  functions; not ``load_extension``, ``sqlite_*`` introspection or ``changes()``);
* a deadline (and a cancel callback) checked every few thousand virtual-machine steps
  (https://sqlite.org/c3ref/progress_handler.html), so an endless recursive CTE stops;
* a cap on the size of one value (https://sqlite.org/c3ref/limit.html), and a database
  that lives in a temporary file, so large intermediate results spill to disk.

The query is always run as ``SELECT * FROM (<query>)``, so whatever it is, it is one
SELECT (VACUUM and the other statements the authorizer has no code for cannot be written).
"""

import json
import math
import re
import sqlite3
import time
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as clock
from decimal import Decimal
from typing import Any

Batches = Generator[list[tuple[Any, ...]], None, None]
FETCH_ROWS = 10_000
PROGRESS_STEPS = 5_000

Kind = str
"""A column's kind in the sandbox: ``text``, ``integer``, ``real``, ``numeric`` (decimals,
stored as floats), ``boolean``, ``date``,
``timestamp`` (naive UTC), ``timestamptz`` (zoned, UTC), ``json`` or ``any``."""

_DECLARED = {
    "text": "TEXT",
    "integer": "INTEGER",
    "real": "REAL",
    "numeric": "REAL",
    "boolean": "UTQBOOL",
    "date": "UTQDATE",
    "timestamp": "UTQSTAMP",
    "timestamptz": "UTQSTAMPTZ",
    "json": "UTQJSON",
    "any": "",
}
"""Declared types in the sandbox. The UTQ* names have SQLite's NUMERIC affinity (numbers stay
numbers, ISO text stays text) and name converters that give the values back as Python dates,
times, flags and JSON when a result column is a plain column of such a table."""


def _stamp(raw: bytes) -> datetime:
    return datetime.fromisoformat(raw.decode())


sqlite3.register_converter("UTQBOOL", lambda raw: raw not in (b"0", b""))
sqlite3.register_converter("UTQDATE", lambda raw: date.fromisoformat(raw.decode()[:10]))
sqlite3.register_converter("UTQSTAMP", _stamp)
sqlite3.register_converter("UTQSTAMPTZ", lambda raw: _stamp(raw).replace(tzinfo=UTC))
sqlite3.register_converter("UTQJSON", lambda raw: json.loads(raw.decode()))

_NATIVE = frozenset({"text", "integer", "real"})
"""Kinds whose values the database driver gives as SQLite stores them (str, int, float,
None); ``numeric`` (decimals), times, flags and JSON are converted."""

ALLOWED_FUNCTIONS = frozenset(
    """
    abs char coalesce concat concat_ws format printf glob hex ifnull iif instr length
    octet_length like likelihood likely lower ltrim max min nullif quote random randomblob
    replace round rtrim sign soundex substr substring trim typeof unhex unicode unlikely
    upper zeroblob
    date time datetime julianday unixepoch strftime timediff now
    avg count group_concat string_agg sum total
    row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value
    last_value nth_value
    acos acosh asin asinh atan atan2 atanh ceil ceiling cos cosh degrees exp floor ln log
    log10 log2 mod pi pow power radians sin sinh sqrt tan tanh trunc
    json json_array json_array_length json_extract json_insert json_object json_patch
    json_remove json_replace json_set json_type json_valid json_quote json_group_array
    json_group_object json_each json_tree -> ->>
    """.split()
)
"""Functions a user query may call (https://sqlite.org/lang_corefunc.html, lang_aggfunc,
windowfunctions, lang_datefunc, lang_mathfunc, json1). Anything else is refused."""

TABLE_FUNCTIONS = frozenset({"json_each", "json_tree"})
_MISSING_TABLE = re.compile(r"^no such table: (?:main\.)?(.+)$")
_FIRST_WORD = re.compile(r"^(?:\s|--[^\n]*\n|/\*.*?\*/)*(?:select|with|values)\b", re.I | re.S)
"""For the message only: a query that does not compile and does not start like a SELECT is
told it must be one (what may run is decided by the wrapping and the authorizer)."""


class SqlError(ValueError):
    """The query cannot run: ``reason`` says why, in words for the user."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class SqlTimeout(SqlError):
    """The query ran past its deadline (or was cancelled)."""


class SqlCancelled(SqlTimeout):
    """The query was stopped because ``Limits.cancelled`` said so."""


class MissingTable(SqlError):
    """The query names a table the sandbox does not hold (yet)."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"no table {name!r} the query may read")


@dataclass(frozen=True)
class Limits:
    """How long a query may run and how large one value may grow; ``cancelled`` is asked
    along the way and stops the query when it answers True."""

    seconds: float = 60.0
    max_value_bytes: int = 50_000_000
    cancelled: Callable[[], bool] | None = None


@dataclass
class _Watch:
    limits: Limits
    deadline: float = 0.0
    stopped: str | None = None
    cancelled: bool = False

    def start(self) -> None:
        self.deadline = time.monotonic() + self.limits.seconds
        self.stopped = None
        self.cancelled = False

    def __call__(self) -> int:
        """SQLite's progress handler: non-zero interrupts the statement."""
        if time.monotonic() > self.deadline:
            self.stopped = f"the query ran past its time limit of {self.limits.seconds:g} s"
            return 1
        if self.limits.cancelled is not None and self.limits.cancelled():
            self.stopped, self.cancelled = "the query was cancelled", True
            return 1
        return 0


@dataclass
class _Reads:
    """What the authorizer let through while a statement compiled."""

    tables: set[str]
    columns: dict[str, set[str]] = field(default_factory=dict)
    refused: str | None = None


class Sandbox:
    """A private SQLite database for one user query (use it as a context manager)."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        # "": a private temporary database on disk (deleted on close); pages beyond the
        # cache spill there instead of growing the process.
        self._db = sqlite3.connect("", detect_types=sqlite3.PARSE_DECLTYPES)
        self._db.execute("PRAGMA temp_store = FILE")
        self._db.execute("PRAGMA cache_size = -65536")  # 64 MiB of pages in memory
        self._db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, self.limits.max_value_bytes)
        self._db.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        _add_functions(self._db)
        self._tables: dict[str, dict[str, Kind]] = {}  # casefolded name -> column kinds
        self._watch = _Watch(self.limits)

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def create(self, name: str, columns: Mapping[str, Kind]) -> None:
        """An empty table ``name`` with ``columns`` (name -> kind)."""
        spec = ", ".join(f"{_quote(c)} {_DECLARED.get(k, '')}".strip() for c, k in columns.items())
        self._db.execute(f"CREATE TABLE {_quote(name)} ({spec})")
        self._tables[name.casefold()] = dict(columns)

    def fill(self, name: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Copy ``rows`` (values of ``columns``) into table ``name``; returns the count.
        Values of text and integer columns go in as they come; the others through
        :func:`plain_value`."""
        marks = ", ".join("?" for _ in columns)
        names = ", ".join(_quote(c) for c in columns)
        statement = f"INSERT INTO {_quote(name)} ({names}) VALUES ({marks})"
        kinds = self._tables.get(name.casefold(), {})
        convert = [i for i, c in enumerate(columns) if kinds.get(c, "any") not in _NATIVE]
        count = 0
        batch: list[Any] = []
        for row in rows:
            if convert:
                row = list(row)
                for i in convert:
                    row[i] = plain_value(row[i])
            batch.append(row)
            if len(batch) >= FETCH_ROWS:
                self._db.executemany(statement, batch)
                count, batch = count + len(batch), []
        if batch:
            self._db.executemany(statement, batch)
            count += len(batch)
        return count

    def reads(self, query: str) -> dict[str, set[str]]:
        """Compile ``query`` without running it; returns the columns it reads per table.
        Raises :class:`MissingTable` for a table the sandbox does not hold (create it and
        ask again), :class:`SqlError` for anything the query may not do."""
        reads = _Reads(tables=set(self._tables))
        self._db.set_authorizer(_authorizer(reads))
        try:
            self._db.execute(f"EXPLAIN SELECT * FROM {wrap(query)}").fetchall()
        except sqlite3.Error as error:
            raise _error_of(error, reads, query) from error
        finally:
            self._db.set_authorizer(None)
        # every table was created because the query named it, even one it reads no column
        # of (count(*)): all are wanted
        return {name: reads.columns.get(name, set()) for name in self._tables}

    def run(
        self,
        query: str,
        *,
        columns: Sequence[str] | None = None,
        where: str = "",
        params: Sequence[Any] = (),
        fetch_rows: int = FETCH_ROWS,
    ) -> tuple[list[str], Batches]:
        """Run ``query`` (optionally only ``columns`` of it, rows matching ``where``, a
        condition of ours with ``params``); returns the column names and an iterator of
        row batches. The deadline covers the whole run, fetching included."""
        picked = ", ".join(_quote(c) for c in columns) if columns else "*"
        statement = f"SELECT {picked} FROM {wrap(query)} AS src {where}"
        reads = _Reads(tables=set(self._tables))
        self._watch.start()
        self._db.set_authorizer(_authorizer(reads))
        self._db.set_progress_handler(self._watch, PROGRESS_STEPS)
        try:
            cursor = self._db.execute(statement, tuple(params))
        except sqlite3.Error as error:
            self._stop()
            raise self._failure(error, reads, query) from error
        names = [d[0] for d in cursor.description or ()]
        return names, self._batches(cursor, reads, query, fetch_rows)

    def _batches(
        self, cursor: sqlite3.Cursor, reads: _Reads, query: str, fetch_rows: int
    ) -> Batches:
        try:
            while batch := cursor.fetchmany(fetch_rows):
                yield batch
        except sqlite3.Error as error:
            raise self._failure(error, reads, query) from error
        finally:
            self._stop()

    def _stop(self) -> None:
        self._db.set_progress_handler(None, 0)
        self._db.set_authorizer(None)

    def _failure(self, error: sqlite3.Error, reads: _Reads, query: str) -> SqlError:
        if self._watch.cancelled:
            return SqlCancelled(str(self._watch.stopped))
        if self._watch.stopped:
            return SqlTimeout(self._watch.stopped)
        return _error_of(error, reads, query)


def wrap(query: str) -> str:
    """``query`` as a subquery: whatever it says, the statement run is one SELECT. The
    newline ends a trailing ``--`` comment before the closing parenthesis."""
    return f"(\n{query.strip().rstrip(';')}\n)"


def _authorizer(
    reads: _Reads,
) -> Callable[[int, str | None, str | None, str | None, str | None], int]:
    """SQLite's authorizer: SELECT, reads of the sandbox's own tables, allowed functions and
    recursive CTEs are let through; every other action is refused (with the reason kept)."""

    def check(
        action: int, first: str | None, second: str | None, database: str | None, _src: str | None
    ) -> int:
        if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_RECURSIVE):
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_READ:
            table = (first or "").casefold()
            if table in reads.tables:
                reads.columns.setdefault(table, set()).add(second or "")
                return sqlite3.SQLITE_OK
            if table in TABLE_FUNCTIONS or database is None:
                return sqlite3.SQLITE_OK  # json_each, or a CTE or subquery (no schema table)
            reads.refused = f"the query may not read {first!r}"
            return sqlite3.SQLITE_DENY
        if action == sqlite3.SQLITE_FUNCTION:
            if (second or "").casefold() in ALLOWED_FUNCTIONS:
                return sqlite3.SQLITE_OK
            reads.refused = f"the function {second}() is not allowed"
            return sqlite3.SQLITE_DENY
        reads.refused = "only a SELECT is allowed (no writes, PRAGMA, ATTACH or transactions)"
        return sqlite3.SQLITE_DENY

    return check


def _error_of(error: sqlite3.Error, reads: _Reads, query: str) -> SqlError:
    if reads.refused:
        return SqlError(reads.refused)
    message = str(error)
    missing = _MISSING_TABLE.match(message)
    if missing:
        return MissingTable(missing.group(1))
    if message == 'near ";": syntax error' or _FIRST_WORD.match(query) is None:
        return SqlError(f"must be one SELECT statement ({message})")
    return SqlError(message)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def plain_value(value: Any) -> Any:
    """A value as the sandbox stores it: times as ISO text (zoned ones in UTC, without the
    zone), decimals as floats, flags as 0/1, JSON as text."""
    if value is None or isinstance(value, str | int | float | bytes):
        return value.__int__() if isinstance(value, bool) else value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, date | clock):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    if hasattr(value, "item"):  # numpy scalars
        return plain_value(value.item())
    return str(value)


def _utc_now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")


def _math_or_null(function: Callable[..., float]) -> Callable[..., float | None]:
    def call(*args: float | None) -> float | None:
        if any(arg is None for arg in args):
            return None
        try:
            return function(*args)
        except (ValueError, OverflowError, TypeError):
            return None

    return call


MATH_FUNCTIONS: dict[str, tuple[int, Callable[..., float]]] = {
    "ln": (1, math.log),
    "log10": (1, math.log10),
    "exp": (1, math.exp),
    "sqrt": (1, math.sqrt),
    "power": (2, math.pow),
    "floor": (1, math.floor),
    "ceil": (1, math.ceil),
}
"""SQLite's math functions exist only in builds with SQLITE_ENABLE_MATH_FUNCTIONS; where they
are missing, these stand in (same names, NULL for a NULL argument or one outside the
function's domain, as SQLite's own give)."""


def ensure_math_functions(connection: sqlite3.Connection, *, force: bool = False) -> None:
    """Give ``connection`` SQLite's math functions when its build lacks them (``force``:
    always use the stand-ins)."""
    if not force:
        try:
            connection.execute("SELECT ln(1), sqrt(1), power(2, 2)")
            return
        except sqlite3.OperationalError:
            pass
    for name, (arity, function) in MATH_FUNCTIONS.items():
        connection.create_function(name, arity, _math_or_null(function), deterministic=True)


def _add_functions(connection: sqlite3.Connection) -> None:
    ensure_math_functions(connection)
    connection.create_function("now", 0, _utc_now)
    # SQLite registers an eponymous virtual table in the schema on its first use; doing it
    # here, before any authorizer, keeps that internal write out of user statements.
    connection.execute("SELECT * FROM json_each('[]'), json_tree('[]')").fetchall()
