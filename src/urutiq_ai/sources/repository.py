"""Reading a source, always limited to the context's company: whole, or in chunks.

Platform tables are not mapped by the ORM, so the tenant safety net does not see these
reads: every read here filters on ``tenantId`` and ``companyId`` itself, and a source
that lacks those columns, or is one of the system's own tables, is refused
(:mod:`urutiq_ai.sources.tables`). A query never runs against the database: it runs in the
sandbox (:mod:`urutiq_ai.ml.sandbox`) over the company's rows of the tables it names.
``stream`` reads only the columns asked for, in chunks (a server-side cursor on
PostgreSQL, row groups of Parquet, chunks of CSV), so a large table is never held in
memory at once.
"""

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    MetaData,
    Numeric,
    Select,
    String,
    Table,
    Text,
    and_,
    inspect,
    select,
)
from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import end_read_only_transaction, settings_of
from urutiq_ai.core.errors import field_error
from urutiq_ai.ml.sandbox import Batches, Limits, MissingTable, Sandbox, SqlError, plain_value
from urutiq_ai.sources.schemas import SourceSpec
from urutiq_ai.sources.tables import is_system_table, resolve

if TYPE_CHECKING:
    import pandas as pd

OWNER_COLUMNS = ("tenantId", "companyId")
CHUNK_ROWS = 100_000
MAX_QUERY_TABLES = 32
Records = tuple[list[str], list[tuple[Any, ...]]]


@dataclass(frozen=True)
class RowRange:
    """Rows of a source by one date/time column: ``after < column`` (an incremental read),
    and/or ``start <= column < end`` (a backfill). Bounds are naive-UTC or aware times;
    each is converted to the column's kind (date, naive or zoned time) before it is bound.
    Rows where the column is null never match."""

    column: str
    after: datetime | None = None
    start: datetime | None = None
    end: datetime | None = None

    def where(self, target: Any, kind: Any = None) -> ColumnElement[bool]:
        """The condition on ``target`` (a column of SQL type ``kind``, when known)."""
        parts: list[ColumnElement[bool]] = [target.is_not(None)]
        if self.after is not None:
            parts.append(target > bound_value(self.after, kind))
        if self.start is not None:
            parts.append(target >= bound_value(self.start, kind))
        if self.end is not None:
            parts.append(target < bound_value(self.end, kind))
        return and_(*parts)

    def sandbox_where(self) -> tuple[str, list[Any]]:
        """The same condition in the query sandbox, whose times are naive-UTC ISO text."""
        name = '"' + self.column.replace('"', '""') + '"'
        parts, params = [f"{name} IS NOT NULL"], []
        for operator, bound in ((">", self.after), (">=", self.start), ("<", self.end)):
            if bound is not None:
                parts.append(f"{name} {operator} ?")
                params.append(plain_value(bound if bound.tzinfo else bound.replace(tzinfo=UTC)))
        return "WHERE " + " AND ".join(parts), params

    def mask(self, values: "pd.Series") -> "pd.Series":
        """The same condition on a column of a frame (for files, read whole or in chunks)."""
        import pandas as pd

        times = pd.to_datetime(values, utc=True, errors="coerce")
        keep = times.notna()
        if self.after is not None:
            keep &= times > _utc_stamp(self.after)
        if self.start is not None:
            keep &= times >= _utc_stamp(self.start)
        if self.end is not None:
            keep &= times < _utc_stamp(self.end)
        return keep


def _utc_stamp(moment: datetime) -> "pd.Timestamp":
    import pandas as pd

    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def bound_value(moment: datetime, kind: Any) -> Any:
    """``moment`` as a column of ``kind`` compares: a date for dates, naive UTC for plain
    timestamps (SQLite, ``timestamp without time zone``), zoned UTC otherwise."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    if isinstance(kind, Date):
        return aware.astimezone(UTC).date()
    if isinstance(kind, DateTime) and not kind.timezone:
        return aware.astimezone(UTC).replace(tzinfo=None)
    return aware.astimezone(UTC)


class SourceRepository:
    """Reads of one company's data; ``field`` names the request field in error messages."""

    def __init__(
        self,
        session: Session,
        ctx: TenantContext,
        *,
        sources_dir: str,
        field: str = "source",
        limits: Limits | None = None,
    ) -> None:
        self.session = session
        self.ctx = ctx
        self.sources_dir = Path(sources_dir).resolve()
        self.field = field
        self.limits = limits or Limits(seconds=settings_of(session).query_seconds)
        self._names: list[str] | None = None

    def columns(self, source: SourceSpec) -> list[str]:
        """The column names a source offers (without reading its rows, where possible)."""
        if source.table:
            return [c.name for c in self._table(source.table).columns]
        if source.query:
            with self._sandbox(source.query, fill=False) as box:
                names, batches = self._run(box, source.query)
                batches.close()
                return names
        path = self._file_path(str(source.file))
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        return list(self.load_file(str(source.file), limit=0).columns)

    def time_columns(self, source: SourceSpec) -> list[str] | None:
        """The date and time columns of a table source (None for queries and files, whose
        types are known only once read)."""
        if not source.table:
            return None
        return [c.name for c in self._table(source.table).columns if _is_time(c.type)]

    def load(self, source: SourceSpec) -> "pd.DataFrame":
        """The source's rows of the context's company (tenantId/companyId dropped)."""
        # pandas loads with the first training, not with the server (it is only needed here).
        import pandas as pd

        if source.file:
            frame = self.load_file(source.file)
        else:
            names, rows = (
                self._load_table(source.table, None)
                if source.table
                else self._load_query(str(source.query), None)
            )
            frame = pd.DataFrame.from_records(rows, columns=names)
        return frame.drop(columns=[c for c in OWNER_COLUMNS if c in frame.columns])

    def stream(
        self,
        source: SourceSpec,
        columns: Sequence[str],
        *,
        chunk_rows: int = CHUNK_ROWS,
        rows: RowRange | None = None,
    ) -> Iterator["pd.DataFrame"]:
        """The company's rows of ``columns`` (which must exist), ``chunk_rows`` at a time;
        with ``rows``, only those in that range (in the query's WHERE for tables and
        queries, so the other rows are never read)."""
        import pandas as pd

        names = list(dict.fromkeys(columns))
        if source.file:
            yield from self._stream_file(source.file, names, chunk_rows, rows)
            return
        if source.table:
            table = self._table(source.table)
            if self.session.get_bind().dialect.name == "postgresql":
                yield from self._stream_copy(table, names, chunk_rows, rows)
                return
            stmt: Select[Any] = select(*(table.c[name] for name in names)).where(
                self._table_rows(table, rows)
            )
        else:
            yield from self._stream_query(str(source.query), names, chunk_rows, rows)
            return
        result = self.session.execute(stmt.execution_options(yield_per=chunk_rows))
        for part in result.partitions():
            # column-wise from plain values: pandas probing Row objects one by one is slow
            values = zip(*part, strict=True) if part else ([] for _ in names)
            yield pd.DataFrame(dict(zip(names, values, strict=True)))

    def _table_rows(self, table: Table, rows: RowRange | None) -> ColumnElement[bool]:
        owned = self._owned(table.c.tenantId, table.c.companyId)
        if rows is None:
            return owned
        if rows.column not in table.c:
            raise field_error(f"{self.field}.table", f"no column {rows.column!r} in {table.name}")
        target = table.c[rows.column]
        return and_(owned, rows.where(target, target.type))

    def _stream_copy(
        self, table: Table, names: list[str], chunk_rows: int, rows: RowRange | None = None
    ) -> Iterator["pd.DataFrame"]:
        """PostgreSQL: ``COPY (SELECT ...) TO STDOUT`` as CSV, parsed by pandas in chunks:
        several times faster than rows through the driver, and typed from the table's
        columns (numbers, flags, times, JSON) as the row path would give them. The range's
        bounds are rendered as literals (COPY takes no parameters): they are dates and
        times of ours, never text from a request."""
        from psycopg.errors import InsufficientPrivilege

        stmt = select(*(table.c[name] for name in names)).where(self._table_rows(table, rows))
        query = str(
            stmt.compile(
                dialect=self.session.get_bind().dialect, compile_kwargs={"literal_binds": True}
            )
        )
        kinds = {name: table.c[name].type for name in names}
        raw: Any = self.session.connection().connection.driver_connection
        try:
            yield from self._copy_chunks(raw, query, names, kinds, chunk_rows)
        except InsufficientPrivilege as error:  # the database's role may not read the table
            raise field_error(
                f"{self.field}.table", f"cannot read {table.name}: {error}".strip()
            ) from error

    def _copy_chunks(
        self, raw: Any, query: str, names: list[str], kinds: dict[str, Any], chunk_rows: int
    ) -> Iterator["pd.DataFrame"]:
        import pandas as pd

        times = [n for n, kind in kinds.items() if _is_time(kind)]
        flags = [n for n, kind in kinds.items() if isinstance(kind, Boolean)]
        json_columns = [n for n, kind in kinds.items() if isinstance(kind, JSON)]
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, NULL '\\N')") as copy,
        ):
            reader = pd.read_csv(
                _CopyStream(copy),
                names=names,
                header=None,
                chunksize=chunk_rows,
                na_values=["\\N"],
                keep_default_na=False,
                dtype={n: "string" for n, kind in kinds.items() if _is_text(kind)},
            )
            for chunk in reader:
                for name in times:
                    # zoned columns as UTC, plain ones naive: as the driver returns them
                    zoned = bool(getattr(kinds[name], "timezone", False))
                    chunk[name] = pd.to_datetime(chunk[name], utc=zoned, format="ISO8601")
                for name in flags:
                    chunk[name] = chunk[name].map({"t": True, "f": False}).astype("boolean")
                for name in json_columns:
                    chunk[name] = chunk[name].map(
                        lambda v: json.loads(v) if isinstance(v, str) else None
                    )
                yield chunk

    def _stream_file(
        self, name: str, columns: list[str], chunk_rows: int, rows: RowRange | None = None
    ) -> Iterator["pd.DataFrame"]:
        """A file's columns in chunks; a range is applied to each chunk (files have no
        index to push it into)."""
        import pandas as pd
        import pyarrow.parquet as pq

        path = self._file_path(name)
        read = columns if rows is None else list(dict.fromkeys([*columns, rows.column]))
        if path.suffix == ".parquet":
            with pq.ParquetFile(path) as parquet:
                chunks: Iterator[pd.DataFrame] = (
                    batch.to_pandas()
                    for batch in parquet.iter_batches(batch_size=chunk_rows, columns=read)
                )
                yield from _in_range(chunks, columns, rows)
        else:
            yield from _in_range(
                pd.read_csv(path, usecols=read, chunksize=chunk_rows), columns, rows
            )

    def _company(self) -> str:
        (company_id,) = self.ctx.company_ids
        return company_id

    def _owned(self, tenant: Any, company: Any) -> ColumnElement[bool]:
        return and_(tenant == self.ctx.tenant_id, company == self._company())

    def _table(self, name: str, field: str | None = None) -> Table:
        """The data table ``name`` (see :mod:`urutiq_ai.sources.tables`): never one of this
        system's own tables nor a catalog, in any letter case; it must carry the owner
        columns, by which every read of it is filtered."""
        field = field or f"{self.field}.table"
        real = resolve(name, self._table_names())
        if is_system_table(name) or (real is not None and is_system_table(real)):
            raise field_error(
                field, f"{name!r} is one of the system's own tables; sources read data tables"
            )
        if real is None:
            raise field_error(field, f"no table {name!r} in the database")
        table = Table(real, MetaData(), autoload_with=self.session.connection())
        if not set(OWNER_COLUMNS) <= {c.name for c in table.columns}:
            raise field_error(field, f"table {name!r} has no tenantId/companyId columns")
        return table

    def _table_names(self) -> list[str]:
        if self._names is None:
            self._names = inspect(self.session.connection()).get_table_names()
        return self._names

    def _load_table(self, name: str, limit: int | None) -> Records:
        table = self._table(name)
        stmt = select(table).where(self._owned(table.c.tenantId, table.c.companyId))
        if limit is not None:
            stmt = stmt.limit(limit)
        result = self.session.execute(stmt)
        return list(result.keys()), [tuple(row) for row in result.fetchall()]

    @contextmanager
    def _sandbox(self, query: str, *, fill: bool) -> Iterator[Sandbox]:
        """A sandbox holding the tables ``query`` names, as empty tables (enough to learn its
        columns) or, with ``fill``, with the company's rows of the columns it reads. The
        query never runs against the database itself (see :mod:`urutiq_ai.ml.sandbox`)."""
        field = f"{self.field}.query"
        with Sandbox(self.limits) as box:
            tables: dict[str, Table] = {}
            while True:
                try:
                    reads = box.reads(query)
                    break
                except MissingTable as missing:
                    if len(tables) >= MAX_QUERY_TABLES:
                        raise field_error(field, "the query names too many tables") from None
                    table = self._table(missing.name, field)
                    tables[table.name.casefold()] = table
                    box.create(table.name, {c.name: _kind(c.type) for c in table.columns})
                except SqlError as error:
                    raise field_error(field, error.reason) from error
            if fill:
                for key, table in tables.items():
                    self._fill(box, table, reads.get(key, set()))
            yield box

    def _fill(self, box: Sandbox, table: Table, read: set[str]) -> None:
        """Copy the company's rows of ``read`` columns of ``table`` into the sandbox (one
        column at least, so that a count of rows is right)."""
        wanted = [c for c in table.columns if c.name in read] or [
            next(c for c in table.columns if c.name not in OWNER_COLUMNS)
        ]
        stmt = select(*wanted).where(self._owned(table.c.tenantId, table.c.companyId))
        result = self.session.execute(stmt.execution_options(yield_per=CHUNK_ROWS))
        rows = (row for part in result.partitions() for row in part)  # fetchmany, not one by one
        box.fill(table.name, [c.name for c in wanted], rows)

    def _run(
        self,
        box: Sandbox,
        query: str,
        columns: Sequence[str] | None = None,
        rows: RowRange | None = None,
        chunk_rows: int = CHUNK_ROWS,
    ) -> tuple[list[str], Batches]:
        where, params = rows.sandbox_where() if rows is not None else ("", [])
        end_read_only_transaction(self.session)  # no database lock while the query runs
        try:
            names, batches = box.run(
                query, columns=columns, where=where, params=params, fetch_rows=chunk_rows
            )
        except SqlError as error:
            raise field_error(f"{self.field}.query", error.reason) from error
        return names, _reasoned(batches, f"{self.field}.query")

    def _load_query(self, query: str, limit: int | None) -> Records:
        with self._sandbox(query, fill=True) as box:
            names, batches = self._run(box, query)
            rows = [row for batch in batches for row in batch]
        return names, rows[:limit] if limit is not None else rows

    def _stream_query(
        self, query: str, names: list[str], chunk_rows: int, rows: RowRange | None
    ) -> Iterator["pd.DataFrame"]:
        import pandas as pd

        with self._sandbox(query, fill=True) as box:
            _, batches = self._run(box, query, names, rows, chunk_rows)
            for part in batches:
                values = zip(*part, strict=True) if part else ([] for _ in names)
                yield pd.DataFrame(dict(zip(names, values, strict=True)))

    def _file_path(self, name: str) -> Path:
        """A file of the company's own folder: <sources>/<tenantId>/<companyId>/<name>."""
        folder = (self.sources_dir / self.ctx.tenant_id / self._company()).resolve()
        path = (folder / name).resolve()
        if not path.is_relative_to(folder) or not path.is_file():
            raise field_error(
                f"{self.field}.file", f"no file {name!r} in the company's sources folder"
            )
        if path.suffix not in (".parquet", ".csv"):
            raise field_error(f"{self.field}.file", "only .parquet and .csv files are read")
        return path

    def load_file(self, name: str, *, limit: int | None = None) -> "pd.DataFrame":
        """A Parquet or CSV file of the company's folder (its first ``limit`` rows)."""
        import pandas as pd

        path = self._file_path(name)
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, nrows=limit)
        return frame.head(limit) if limit is not None else frame


def _in_range(
    chunks: Iterator["pd.DataFrame"], columns: list[str], rows: RowRange | None
) -> Iterator["pd.DataFrame"]:
    for chunk in chunks:
        if rows is None:
            yield chunk
        else:
            yield chunk[rows.mask(chunk[rows.column]).to_numpy()][columns].reset_index(drop=True)


def _reasoned(batches: Batches, field: str) -> Batches:
    """``batches``, with an error met while fetching (the deadline) as a field error."""
    try:
        yield from batches
    except SqlError as error:
        raise field_error(field, error.reason) from error


def _kind(sql_type: Any) -> str:
    """A column's kind in the sandbox, from its SQL type."""
    if isinstance(sql_type, Boolean):
        return "boolean"
    if isinstance(sql_type, DateTime):
        return "timestamptz" if sql_type.timezone else "timestamp"
    if isinstance(sql_type, Date):
        return "date"
    if isinstance(sql_type, Integer):
        return "integer"
    if isinstance(sql_type, Float):
        return "real"
    if isinstance(sql_type, Numeric):
        return "numeric"  # decimals: floats in the sandbox
    if isinstance(sql_type, JSON):
        return "json"
    return "text" if _is_text(sql_type) else "any"


def _is_time(kind: Any) -> bool:
    return isinstance(kind, DateTime | Date)


def _is_text(kind: Any) -> bool:
    return isinstance(kind, String | Text) and not isinstance(kind, Enum)


class _CopyStream:
    """A binary file over a psycopg COPY TO: what pandas' CSV reader pulls from."""

    COMPACT_BYTES = 1 << 20

    def __init__(self, copy: Any) -> None:
        self._blocks = iter(copy)
        self._buffer = bytearray()
        self._position = 0

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) - self._position < size:
            block = next(self._blocks, None)
            if block is None:
                break
            self._buffer += block  # amortized: no copy of what is already buffered
        end = len(self._buffer) if size < 0 else min(self._position + size, len(self._buffer))
        out = bytes(self._buffer[self._position : end])
        self._position = end
        if self._position >= self.COMPACT_BYTES:
            del self._buffer[: self._position]
            self._position = 0
        return out
