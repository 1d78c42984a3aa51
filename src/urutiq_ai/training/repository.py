"""Reading training data from a source, always limited to the job's company.

Platform tables are not mapped by the ORM, so the tenant safety net does not see these
reads: every read here filters on ``tenantId`` and ``companyId`` itself, and a source
that lacks those columns is refused.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData, Table, and_, column, select, text
from sqlalchemy.exc import NoSuchTableError
from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import field_error
from urutiq_ai.training.models import AIModelTrainingRun
from urutiq_ai.training.schemas import RunStatus, SourceSpec

if TYPE_CHECKING:
    import pandas as pd

OWNER_COLUMNS = ("tenantId", "companyId")
Records = tuple[list[str], list[tuple[Any, ...]]]


class SourceRepository:
    def __init__(self, session: Session, ctx: TenantContext, *, sources_dir: str) -> None:
        self.session = session
        self.ctx = ctx
        self.sources_dir = Path(sources_dir).resolve()

    def columns(self, source: SourceSpec) -> list[str]:
        """The column names a source offers (without reading its rows, where possible)."""
        if source.table:
            return [c.name for c in self._table(source.table).columns]
        if source.query:
            return self._load_query(source.query, 1)[0]
        return list(self.load_file(str(source.file), limit=1).columns)

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

    def _company(self) -> str:
        (company_id,) = self.ctx.company_ids
        return company_id

    def _table(self, name: str) -> Table:
        try:
            table = Table(name, MetaData(), autoload_with=self.session.connection())
        except NoSuchTableError as exc:
            raise field_error("source.table", f"no table {name!r} in the database") from exc
        if not set(OWNER_COLUMNS) <= {c.name for c in table.columns}:
            raise field_error("source.table", f"table {name!r} has no tenantId/companyId columns")
        return table

    def _load_table(self, name: str, limit: int | None) -> Records:
        table = self._table(name)
        stmt = select(table).where(
            table.c.tenantId == self.ctx.tenant_id, table.c.companyId == self._company()
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        result = self.session.execute(stmt)
        return list(result.keys()), [tuple(row) for row in result.fetchall()]

    def _load_query(self, query: str, limit: int | None) -> Records:
        body = query.strip().rstrip(";")
        if not body.lower().startswith(("select", "with")) or ";" in body:
            raise field_error("source.query", "must be one SELECT statement")
        inner = text(body).columns().subquery("src")
        stmt = (
            select(text("*"))
            .select_from(inner)
            .where(
                and_(
                    column("tenantId") == self.ctx.tenant_id, column("companyId") == self._company()
                )
            )
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        result = self.session.execute(stmt)
        return list(result.keys()), [tuple(row) for row in result.fetchall()]

    def load_file(self, name: str, *, limit: int | None = None) -> "pd.DataFrame":
        """A file of the company's own folder: <sources>/<tenantId>/<companyId>/<name>."""
        import pandas as pd

        folder = (self.sources_dir / self.ctx.tenant_id / self._company()).resolve()
        path = (folder / name).resolve()
        if not path.is_relative_to(folder) or not path.is_file():
            raise field_error("source.file", f"no file {name!r} in the company's sources folder")
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif path.suffix == ".csv":
            frame = pd.read_csv(path, nrows=limit)
        else:
            raise field_error("source.file", "only .parquet and .csv files are read")
        return frame.head(limit) if limit is not None else frame


class RunningRunsRepository:
    """System-level: training runs still marked ``running`` in any tenant (startup sweep)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def all_running(self) -> list[AIModelTrainingRun]:
        stmt = select(AIModelTrainingRun).where(  # tenancy: global (system sweep)
            AIModelTrainingRun.status == RunStatus.running
        )
        return list(self.session.scalars(stmt))
