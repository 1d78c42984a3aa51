"""Pipeline runs, and writing a pipeline's output and rejects to platform tables.

Like sources, target tables are shared by tenants and carry ``tenantId``/``companyId``;
a run replaces only its company's rows, inside the run's transaction, so a failed run
leaves the previous output as it was. A missing table is created from the output's
columns (with an index on tenantId, companyId); columns the output gains are added.
"""

import io
import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    delete,
    func,
    inspect,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.types import TypeEngine

if TYPE_CHECKING:
    import pandas as pd

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import field_error
from urutiq_ai.core.repository import TenantRepository
from urutiq_ai.pipelines.models import AIDataPipeline, AIDataPipelineRun
from urutiq_ai.pipelines.schemas import RunStatus
from urutiq_ai.sources.repository import RowRange
from urutiq_ai.sources.tables import TABLE_NAME, is_system_table, resolve

CHUNK_ROWS = 5_000
COPY_ROWS = 100_000
KEY_CHUNK = 500
MARK_PAGE = 50
OWNER = ("tenantId", "companyId")
OWNER_FOLDED = frozenset(name.casefold() for name in OWNER)


def sql_type(series: "pd.Series") -> TypeEngine[Any]:
    import pandas as pd

    if pd.api.types.is_bool_dtype(series):
        return Boolean()
    if pd.api.types.is_integer_dtype(series):
        return Integer()
    if pd.api.types.is_float_dtype(series):
        return Float()
    if pd.api.types.is_datetime64_any_dtype(series):
        return DateTime(timezone=True)
    return Text()


class TargetRepository:
    def __init__(self, session: Session, ctx: TenantContext) -> None:
        self.session = session
        self.ctx = ctx
        (self.company_id,) = ctx.company_ids

    def replace(self, name: str, frame: "pd.DataFrame") -> int:
        """The company's rows of table ``name`` become ``frame``'s; returns rows written."""
        table = self._ensure(name, {c: sql_type(frame[c]) for c in frame.columns})
        self.session.execute(
            delete(table).where(  # tenancy: platform table, filtered by hand
                table.c.tenantId == self.ctx.tenant_id, table.c.companyId == self.company_id
            )
        )
        return self._insert(table, frame)

    def merge(self, name: str, frame: "pd.DataFrame", keys: Sequence[str] | None) -> int:
        """Incremental: ``frame``'s rows are added to the company's rows of ``name``; with
        ``keys``, the company's rows holding one of the frame's keys are deleted first (so
        they are replaced, not duplicated). Rows with a null key are only added."""
        table = self._ensure(name, {c: sql_type(frame[c]) for c in frame.columns})
        if keys:
            owned = self._owned(table)
            columns = [table.c[key] for key in keys]
            target = columns[0] if len(columns) == 1 else tuple_(*columns)
            values = _key_values(frame, keys)
            for start in range(0, len(values), KEY_CHUNK):
                chunk = values[start : start + KEY_CHUNK]
                self.session.execute(
                    delete(table).where(owned, target.in_(chunk))  # tenancy: filtered by hand
                )
        return self._insert(table, frame)

    def replace_range(self, name: str, frame: "pd.DataFrame", rows: RowRange) -> int:
        """Backfill: the company's rows of ``name`` whose ``rows.column`` lies in the range
        become ``frame``'s; every other row stays."""
        table = self._ensure(name, {c: sql_type(frame[c]) for c in frame.columns})
        column = table.c[rows.column]
        self.session.execute(
            delete(table).where(  # tenancy: platform table, filtered by hand
                self._owned(table), rows.where(column, column.type)
            )
        )
        return self._insert(table, frame)

    def _owned(self, table: Table) -> ColumnElement[bool]:
        return and_(table.c.tenantId == self.ctx.tenant_id, table.c.companyId == self.company_id)

    def rejects(self, name: str, run_id: str, limit: int) -> tuple[list[dict[str, Any]], int]:
        """The company's first ``limit`` rows of the rejects table ``name`` written by run
        ``run_id`` (by row number), and how many it wrote; none when the table is missing."""
        connection = self.session.connection()
        if not inspect(connection).has_table(name):
            return [], 0
        table = Table(name, MetaData(), autoload_with=connection)
        if "runId" not in table.c:
            return [], 0
        mine = and_(self._owned(table), table.c.runId == run_id)
        total = self.session.scalar(
            select(func.count()).select_from(table).where(mine)  # tenancy: filtered by hand
        )
        order = table.c.rowNumber if "rowNumber" in table.c else table.c.runId
        rows = self.session.execute(
            select(table).where(mine).order_by(order).limit(limit)  # tenancy: filtered by hand
        )
        shown = [{k: v for k, v in row._mapping.items() if k not in OWNER} for row in rows.all()]
        return shown, int(total or 0)

    def append(self, name: str, frame: "pd.DataFrame", columns: dict[str, TypeEngine[Any]]) -> int:
        table = self._ensure(name, columns)
        return self._insert(table, frame)

    def _ensure(self, name: str, columns: dict[str, TypeEngine[Any]]) -> Table:
        """The data table ``name`` (made when missing, widened by new columns). Never one of
        the system's own tables, in any letter case; and the rows' owners come from the run,
        so no column of the data may be called tenantId or companyId (in any case)."""
        for column in columns:
            if column.casefold() in OWNER_FOLDED:
                raise field_error("transformations", f"the output may not have a column {column!r}")
        connection = self.session.connection()
        real = resolve(name, inspect(connection).get_table_names())
        if (
            not TABLE_NAME.match(name)
            or is_system_table(name)
            or (real is not None and is_system_table(real))
        ):
            raise field_error("targetTables.0", f"{name!r} is not a table a pipeline may write")
        if real is None:
            table = Table(
                name,
                MetaData(),
                Column("tenantId", String(64), nullable=False),
                Column("companyId", String(64), nullable=False),
                *(Column(column, kind) for column, kind in columns.items() if column not in OWNER),
            )
            Index(f"ix_{name}_tenantId_companyId", table.c.tenantId, table.c.companyId)
            table.create(connection)
            return table
        name = real
        table = Table(name, MetaData(), autoload_with=connection)
        quote = connection.dialect.identifier_preparer.quote
        for column, kind in columns.items():
            if column not in table.c:
                type_sql = kind.compile(dialect=connection.dialect)
                connection.execute(
                    text(f"ALTER TABLE {quote(name)} ADD COLUMN {quote(column)} {type_sql}")
                )
        return Table(name, MetaData(), autoload_with=connection)

    def _insert(self, table: Table, frame: "pd.DataFrame") -> int:
        if self.session.get_bind().dialect.name == "postgresql":
            return self._copy(table, frame)
        records = _records(frame, self.ctx.tenant_id, self.company_id)
        for start in range(0, len(records), CHUNK_ROWS):
            self.session.execute(table.insert(), records[start : start + CHUNK_ROWS])
        return len(records)

    def _copy(self, table: Table, frame: "pd.DataFrame") -> int:
        """PostgreSQL: COPY FROM STDIN (CSV written by pandas, 100,000 rows at a time) on
        the session's connection, so in the run's transaction.

        Target tables carry no row-level security (the filter is this repository's), so
        COPY is allowed on them; it is many times faster than INSERT batches."""
        import csv

        names = [str(c) for c in frame.columns]
        quote = self.session.get_bind().dialect.identifier_preparer.quote
        columns = ", ".join(quote(n) for n in ["tenantId", "companyId", *names])
        statement = f"COPY {quote(table.name)} ({columns}) FROM STDIN WITH (FORMAT csv)"
        raw = self.session.connection().connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for start in range(0, len(frame), COPY_ROWS):
                part = _csv_ready(frame.iloc[start : start + COPY_ROWS])
                part.insert(0, "companyId", self.company_id)
                part.insert(0, "tenantId", self.ctx.tenant_id)
                buffer = io.StringIO()
                # missing values are unquoted empty fields, which COPY reads as NULL (so
                # does an empty string: on PostgreSQL targets it arrives as NULL)
                part.to_csv(buffer, index=False, header=False, quoting=csv.QUOTE_MINIMAL)
                copy.write(buffer.getvalue())
        return len(frame)


def _csv_ready(frame: "pd.DataFrame") -> "pd.DataFrame":
    """Cells as COPY reads them fastest: times as naive UTC text (pandas formats zoned
    times ten times slower), JSON values as JSON text, the rest as they are."""
    import pandas as pd

    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            text = column.dt.tz_convert("UTC").dt.tz_localize(None).astype(str) + "+00"
            out[name] = text.where(column.notna(), None)
        elif column.dtype == object and column.map(lambda v: isinstance(v, dict | list)).any():
            out[name] = column.map(lambda v: json.dumps(v) if isinstance(v, dict | list) else v)
    return out


def _records(frame: "pd.DataFrame", tenant_id: str, company_id: str) -> list[dict[str, Any]]:
    import pandas as pd

    columns: dict[str, list[Any]] = {}
    for name in frame.columns:
        series = frame[name]
        if pd.api.types.is_datetime64_any_dtype(series):
            values = [None if pd.isna(v) else v.to_pydatetime() for v in series]
        else:
            values = [_plain(v) for v in series.astype(object).tolist()]
        columns[str(name)] = values
    keys = list(columns)
    rows = zip(*columns.values(), strict=True) if columns else iter(())
    return [
        {**dict(zip(keys, row, strict=True)), "tenantId": tenant_id, "companyId": company_id}
        for row in rows
    ]


def _key_values(frame: "pd.DataFrame", keys: Sequence[str]) -> list[Any]:
    """The distinct non-null keys of ``frame``: plain values, or tuples of several."""
    records = _records(frame[list(keys)].dropna(), "", "")
    seen = dict.fromkeys(
        tuple(record[key] for key in keys) if len(keys) > 1 else record[keys[0]]
        for record in records
    )
    return list(seen)


def _plain(value: Any) -> Any:
    import numpy as np
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
        return None if isinstance(value, float) and math.isnan(value) else value
    return value


class PipelineRepository(TenantRepository[AIDataPipeline]):
    model = AIDataPipeline


class PipelineRunRepository(TenantRepository[AIDataPipelineRun]):
    model = AIDataPipelineRun

    def running_of(self, pipeline_id: str) -> AIDataPipelineRun | None:
        stmt = self.base_statement().where(
            AIDataPipelineRun.pipeline_id == pipeline_id,
            AIDataPipelineRun.status == RunStatus.running,
        )
        return self.session.scalars(stmt.limit(1)).first()

    def pipeline_of(self, run: AIDataPipelineRun) -> AIDataPipeline:
        """The run's pipeline (of the same company; a run cannot outlive its pipeline)."""
        return PipelineRepository(self.session, self.ctx).get_or_raise(run.pipeline_id)

    def lock(self, run: AIDataPipelineRun) -> None:
        """Re-read the run under a row lock (its status may have changed since it was read)."""
        self.session.refresh(run, with_for_update=True)

    def last_watermark(self, pipeline_id: str, column: str) -> Any:
        """The high-water mark on ``column`` recorded by the pipeline's latest completed run
        that recorded one (backfills do not); None when none has (or when that run read no
        rows), so the next incremental run reads everything."""
        stmt = (
            self.base_statement()
            .where(
                AIDataPipelineRun.pipeline_id == pipeline_id,
                AIDataPipelineRun.status == RunStatus.completed,
            )
            .order_by(AIDataPipelineRun.created_at.desc(), AIDataPipelineRun.id.desc())
            .limit(MARK_PAGE)
        )
        offset = 0
        while page := list(self.session.scalars(stmt.offset(offset))):
            for run in page:
                mark = run.metrics.get("watermark") if isinstance(run.metrics, dict) else None
                if isinstance(mark, dict) and mark.get("column") == column:
                    return mark.get("to")
            offset += MARK_PAGE
        return None

    def latest_of(self, pipeline_ids: Sequence[str]) -> dict[str, AIDataPipelineRun]:
        """The newest run of each of ``pipeline_ids`` (those with a run), in one query."""
        if not pipeline_ids:
            return {}
        ranked = (
            self.base_statement()
            .where(AIDataPipelineRun.pipeline_id.in_(list(pipeline_ids)))
            .add_columns(
                func.row_number()
                .over(
                    partition_by=AIDataPipelineRun.pipeline_id,
                    order_by=(AIDataPipelineRun.created_at.desc(), AIDataPipelineRun.id.desc()),
                )
                .label("rank")
            )
            .subquery()
        )
        newest = aliased(AIDataPipelineRun, ranked)
        stmt = select(newest).where(ranked.c.rank == 1)
        return {run.pipeline_id: run for run in self.session.scalars(stmt)}

    def lock_pipeline(self, pipeline_id: str) -> None:
        """Lock the pipeline row until commit: two run requests at once cannot both see
        "no run going" (PostgreSQL; SQLite serializes writers anyway)."""
        self.session.execute(
            select(AIDataPipeline.id)
            .where(AIDataPipeline.id == pipeline_id, AIDataPipeline.tenant_id == self.ctx.tenant_id)
            .with_for_update()
        )


class ScheduledPipelinesRepository:
    """System-level: active scheduled pipelines of every tenant (the scheduler's sweep)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def scheduled(self, limit: int = 500) -> list[AIDataPipeline]:
        stmt = (
            select(AIDataPipeline)  # tenancy: global (scheduler sweep over every tenant)
            .where(AIDataPipeline.status == "active", AIDataPipeline.schedule.is_not(None))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(self.session.scalars(stmt))

    def last_start(self, pipeline_id: str) -> Any:
        stmt = select(func.max(AIDataPipelineRun.start_time)).where(  # tenancy: global
            AIDataPipelineRun.pipeline_id == pipeline_id
        )
        return self.session.scalar(stmt)

    def is_running(self, pipeline_id: str) -> bool:
        stmt = select(AIDataPipelineRun.id).where(  # tenancy: global
            AIDataPipelineRun.pipeline_id == pipeline_id,
            AIDataPipelineRun.status == RunStatus.running,
        )
        return self.session.scalars(stmt.limit(1)).first() is not None
