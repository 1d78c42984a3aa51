"""Reading training data from a source, always limited to the job's company.

Platform tables are not mapped by the ORM, so the tenant safety net does not see these
reads: every read here filters on ``tenantId`` and ``companyId`` itself, and a source
that lacks those columns is refused.
"""

from pathlib import Path

import pandas as pd
from sqlalchemy import MetaData, Table, and_, column, select, text
from sqlalchemy.exc import NoSuchTableError
from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import field_error
from urutiq_ai.training.schemas import SourceSpec

OWNER_COLUMNS = ("tenantId", "companyId")


class SourceRepository:
    def __init__(self, session: Session, ctx: TenantContext, *, sources_dir: str) -> None:
        self.session = session
        self.ctx = ctx
        self.sources_dir = Path(sources_dir).resolve()

    def columns(self, source: SourceSpec) -> list[str]:
        """The column names a source offers (without reading its rows, where possible)."""
        if source.table:
            return [c.name for c in self._table(source.table).columns]
        return list(self.load(source, limit=1).columns)

    def load(self, source: SourceSpec, *, limit: int | None = None) -> pd.DataFrame:
        """The source's rows of the context's company (tenantId/companyId dropped)."""
        if source.table:
            frame = self._load_table(source.table, limit)
        elif source.query:
            frame = self._load_query(source.query, limit)
        else:
            frame = self._load_file(str(source.file), limit)
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

    def _load_table(self, name: str, limit: int | None) -> pd.DataFrame:
        table = self._table(name)
        stmt = select(table).where(
            table.c.tenantId == self.ctx.tenant_id, table.c.companyId == self._company()
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        result = self.session.execute(stmt)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    def _load_query(self, query: str, limit: int | None) -> pd.DataFrame:
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
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    def _load_file(self, name: str, limit: int | None) -> pd.DataFrame:
        """A file of the company's own folder: <sources>/<tenantId>/<companyId>/<name>."""
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
