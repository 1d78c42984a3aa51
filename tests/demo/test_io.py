"""Writing the ledger to SQL (SQLite, and PostgreSQL when configured) and Parquet."""

import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, create_engine, inspect, text

from urutiq_ai.demo import Ledger, journal_entry_features, read_parquet, write_parquet, write_sql
from urutiq_ai.demo.io import TABLE_SUFFIXES

PG_ENV = "URUTIQ_TEST_DATABASE_URL"


def _backends() -> list[object]:
    postgres = pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"{PG_ENV} not set"),
    )
    return ["sqlite", postgres]


@pytest.fixture(scope="module", params=_backends())
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("demo_sql") / "ledger.db"
        engine = create_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
        return
    from tests.conftest import create_postgres_database, drop_postgres_database

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    url = create_postgres_database(os.environ[PG_ENV], f"demo_{worker}")
    engine = create_engine(url)
    yield engine
    engine.dispose()
    drop_postgres_database(url)


def _count(engine: Engine, table: str, company: str) -> int:
    with engine.connect() as conn:
        query = text(f'SELECT count(*) FROM "{table}" WHERE "companyId" = :company')
        return int(conn.execute(query, {"company": company}).scalar_one())


def test_write_sql_round_trip(engine: Engine, small_ledger: Ledger) -> None:
    counts = write_sql(small_ledger, engine, tenant_id="t1", company_id="c1")
    expected = {f"Ledger{suffix}" for suffix in TABLE_SUFFIXES.values()}
    assert set(counts) == expected <= set(inspect(engine).get_table_names())
    assert counts["LedgerJournalEntry"] == len(small_ledger.journal_entries)
    assert counts["LedgerEntryFeatures"] == len(small_ledger.journal_entries)
    with engine.connect() as conn:
        read = pd.read_sql_table("LedgerJournalEntry", conn)
    assert list(read.columns[:2]) == ["tenantId", "companyId"]
    original = small_ledger.journal_entries.reset_index(drop=True)
    read = (
        read.drop(columns=["tenantId", "companyId"]).sort_values("entryId").reset_index(drop=True)
    )
    assert read["entryId"].tolist() == original["entryId"].tolist()
    assert read["isAnomaly"].tolist() == original["isAnomaly"].tolist()
    assert read["totalAmount"].round(2).tolist() == original["totalAmount"].tolist()
    assert (pd.to_datetime(read["postedAt"]) == original["postedAt"]).all()
    assert read["reversesEntryId"].isna().tolist() == original["reversesEntryId"].isna().tolist()


def test_column_types(engine: Engine, small_ledger: Ledger) -> None:
    write_sql(small_ledger, engine, tenant_id="t1", company_id="c1")
    columns = {c["name"]: c["type"] for c in inspect(engine).get_columns("LedgerInvoice")}
    assert columns["amount"].python_type is float
    assert columns["paymentTermsDays"].python_type is int
    assert columns["issueDate"].python_type.__name__ == "datetime"
    entry_columns = {
        c["name"]: c["type"] for c in inspect(engine).get_columns("LedgerJournalEntry")
    }
    assert entry_columns["isAnomaly"].python_type is bool


def test_write_sql_is_idempotent_per_company(engine: Engine, small_ledger: Ledger) -> None:
    write_sql(small_ledger, engine, tenant_id="t2", company_id="other")
    write_sql(small_ledger, engine, tenant_id="t2", company_id="mine")
    write_sql(small_ledger, engine, tenant_id="t2", company_id="mine")
    rows = len(small_ledger.expenses)
    assert _count(engine, "LedgerExpense", "mine") == rows
    assert _count(engine, "LedgerExpense", "other") == rows


def test_write_sql_accepts_a_url(tmp_path: Path, small_ledger: Ledger) -> None:
    url = f"sqlite:///{tmp_path / 'by_url.db'}"
    counts = write_sql(small_ledger, url, tenant_id="t", company_id="c", prefix="Demo")
    assert counts["DemoVendor"] == len(small_ledger.vendors)


def test_parquet_round_trip(tmp_path: Path, small_ledger: Ledger) -> None:
    paths = write_parquet(small_ledger, tmp_path / "ledger")
    assert set(paths) == set(small_ledger.frames())
    assert all(path.exists() for path in paths.values())
    again = read_parquet(tmp_path / "ledger")
    for name, frame in small_ledger.frames().items():
        pd.testing.assert_frame_equal(again.frames()[name], frame, check_dtype=False, obj=name)
    assert journal_entry_features(again).equals(journal_entry_features(small_ledger))
