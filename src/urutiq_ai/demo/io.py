"""Write a demo ledger to SQL tables or Parquet files, and read Parquet back.

SQL tables are named ``prefix + PascalCase(frame)`` (``LedgerJournalEntry``, ...), start
with ``tenantId`` and ``companyId``, and are replaced per tenant and company in one
transaction: writing the same company twice keeps one copy, other companies are untouched.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd  # no stubs in the environment
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    create_engine,
    delete,
)
from sqlalchemy.types import TypeEngine

from urutiq_ai.demo.features import journal_entry_features
from urutiq_ai.demo.ledger import FRAME_NAMES, Ledger

# camelCase frame name -> table name without the prefix.
TABLE_SUFFIXES: dict[str, str] = {
    "vendors": "Vendor",
    "customers": "Customer",
    "invoices": "Invoice",
    "invoiceLines": "InvoiceLine",
    "expenses": "Expense",
    "journalEntries": "JournalEntry",
    "journalLines": "JournalLine",
    "payments": "Payment",
    "entryFeatures": "EntryFeatures",
    "qualityIssues": "QualityIssue",
}
CHUNK_ROWS = 5_000


def write_sql(
    ledger: Ledger,
    engine_or_url: Engine | str,
    *,
    tenant_id: str,
    company_id: str,
    prefix: str = "Ledger",
    features: pd.DataFrame | None = None,
    with_features: bool = True,
) -> dict[str, int]:
    """Replace this tenant/company's rows in every ledger table; returns rows per table.

    With ``with_features`` the journal-entry features (``features`` when the caller has built
    them already) are written too, to ``<prefix>EntryFeatures``; the demo leaves them out
    (its pipelines make them: :mod:`urutiq_ai.demo.pipelines`).
    """
    engine = create_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    frames = ledger.frames()
    if with_features:
        frames["entryFeatures"] = journal_entry_features(ledger) if features is None else features
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        for name, frame in frames.items():
            table = _table(f"{prefix}{TABLE_SUFFIXES[name]}", frame)
            table.create(conn, checkfirst=True)
            counts[table.name] = _replace_rows(conn, table, frame, tenant_id, company_id)
    if isinstance(engine_or_url, str):
        engine.dispose()
    return counts


def _table(name: str, frame: pd.DataFrame) -> Table:
    columns = [Column("tenantId", Text, nullable=False), Column("companyId", Text, nullable=False)]
    columns += [Column(column, _sql_type(frame[column])) for column in frame.columns]
    table = Table(name, MetaData(), *columns)
    Index(f"ix_{name}_tenantId_companyId", table.c.tenantId, table.c.companyId)
    return table


def _sql_type(series: pd.Series) -> TypeEngine[Any]:
    if pd.api.types.is_bool_dtype(series):
        return Boolean()
    if pd.api.types.is_integer_dtype(series):
        return Integer()
    if pd.api.types.is_float_dtype(series):
        return Float()
    if pd.api.types.is_datetime64_any_dtype(series):
        return DateTime()
    return Text()


def _replace_rows(
    conn: Connection, table: Table, frame: pd.DataFrame, tenant_id: str, company_id: str
) -> int:
    # tenancy: global - the demo writer scopes its ledger tables by hand (any database)
    conn.execute(
        delete(table).where(table.c.tenantId == tenant_id, table.c.companyId == company_id)
    )
    records = _records(frame, tenant_id, company_id)
    for start in range(0, len(records), CHUNK_ROWS):
        # tenancy: global - the demo writer scopes its ledger tables by hand (any database)
        conn.execute(table.insert(), records[start : start + CHUNK_ROWS])
    return len(records)


def _records(frame: pd.DataFrame, tenant_id: str, company_id: str) -> list[dict[str, Any]]:
    """Plain Python values (None for missing), ready for an executemany insert."""
    data: dict[str, list[Any]] = {}
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            values = [None if pd.isna(v) else v.to_pydatetime() for v in series]
        else:
            values = series.astype(object).where(series.notna(), None).tolist()
        data[column] = [_plain(value) for value in values]
    rows = zip(*data.values(), strict=True) if data else iter(())
    keys = list(data)
    return [
        {"tenantId": tenant_id, "companyId": company_id, **dict(zip(keys, row, strict=True))}
        for row in rows
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def write_parquet(ledger: Ledger, folder: str | Path) -> dict[str, Path]:
    """One ``<frameName>.parquet`` file per frame; returns the paths by frame name."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, frame in ledger.frames().items():
        path = root / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        paths[name] = path
    return paths


def read_parquet(folder: str | Path) -> Ledger:
    root = Path(folder)
    frames: Mapping[str, pd.DataFrame] = {
        name: pd.read_parquet(root / f"{name}.parquet") for name in FRAME_NAMES.values()
    }
    return Ledger.from_frames(dict(frames))
