"""A data-quality run over 1,000,000 journal lines: wall time and peak memory.

Issue "Watch the models" asks for the figures of a 1M-row quality run, and for a design
that does not load a whole table into memory. The data (seeded, generated once): 1,000,000
journal lines of 500,000 entries, 11 columns (ids, account, vendor, amounts, currency, a
posting time, a free-text description), with a few planted problems (unbalanced entries,
missing descriptions, negative amounts, a repeated line id, an unknown currency, a vendor
name that disagrees with the vendor list).

Twelve checks covering the five dimensions (not_null, type, range, pattern,
allowed_values, expression, unique, group_balance, freshness, control_total,
reference_match against a 2,000-row vendor table) run through the service layer
(``urutiq_ai.quality.checks.run_checks``, what the API, SDK and CLI call) on:

* a Parquet file of the company's sources folder (read in batches of 100,000 rows);
* a SQLite table; and a PostgreSQL table when ``--postgres URL`` is given (a database
  named ``urutiq_bench_quality`` is created there and dropped after);

and, as the baseline in the same run, the same checks written directly in pandas on the
whole table read at once (``pd.read_parquet`` / ``pd.read_sql``): the usual notebook way.
Each step runs in a fresh child process (so does generating the data); memory is the
highest resident set of that process sampled while the step runs (``ru_maxrss`` is not
used: Linux carries it across ``exec`` from the parent).

    .venv/bin/python benchmarks/quality_run.py [--rows 1000000] \
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from _memory import RssSampler, in_child
from sqlalchemy import create_engine, text

TENANT, COMPANY = "bench", "bench-co"
AS_OF = datetime(2026, 1, 2, tzinfo=UTC)
CHECKS: list[dict[str, Any]] = [
    {"check": "not_null", "column": "description", "threshold": 0.99},
    {"check": "type", "column": "amount", "type": "number"},
    {"check": "range", "column": "amount", "min": 0},
    {"check": "pattern", "column": "lineId", "regex": r"L\d{7}"},
    {"check": "allowed_values", "column": "currency", "values": ["USD", "EUR"]},
    {"check": "expression", "expression": "(debit == 0) != (credit == 0)"},
    {"check": "unique", "columns": ["lineId"]},
    {"check": "group_balance", "groupBy": ["entryId"], "left": "debit", "right": "credit"},
    {"check": "freshness", "column": "postedAt", "maxAgeHours": 48, "asOf": AS_OF.isoformat()},
    {"check": "control_total", "column": "debit", "expected": 0.0, "tolerance": 1e12},
    {
        "check": "reference_match",
        "key": ["vendorId"],
        "column": "vendorName",
        "reference": {"source": {"table": "BenchVendor"}, "column": "vendorName"},
    },
    {"check": "not_null", "column": "account"},
]


def make_lines(rows: int, seed: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    entries = rows // 2
    amounts = np.round(rng.lognormal(5.0, 1.2, entries), 2)
    debit = np.zeros(rows)
    credit = np.zeros(rows)
    debit[0::2] = amounts
    credit[1::2] = amounts
    credit[1:2_000:20] += 0.5  # 100 unbalanced entries
    vendors = pd.DataFrame(
        {
            "vendorId": [f"V{i:05d}" for i in range(2_000)],
            "vendorName": [f"Vendor {i}" for i in range(2_000)],
        }
    )
    vendor_of_entry = rng.integers(0, 2_000, entries).repeat(2)
    descriptions = np.array(["office chairs", "hosting invoice", "client lunch", "travel"])
    frame = pd.DataFrame(
        {
            "lineId": [f"L{i:07d}" for i in range(rows)],
            "entryId": [f"E{i:07d}" for i in np.arange(rows) // 2],
            "account": rng.choice([f"{6000 + i}" for i in range(50)], rows),
            "vendorId": vendors["vendorId"].to_numpy()[vendor_of_entry],
            "vendorName": vendors["vendorName"].to_numpy()[vendor_of_entry],
            "debit": debit,
            "credit": credit,
            "amount": debit + credit,
            "currency": rng.choice(["USD", "EUR"], rows, p=[0.9, 0.1]),
            "postedAt": pd.Timestamp("2025-01-01")
            + pd.to_timedelta(np.sort(rng.integers(0, 365 * 86_400, rows)), unit="s"),
            "description": rng.choice(descriptions, rows),
        }
    )
    frame.loc[rng.choice(rows, 5_000, replace=False), "description"] = None
    frame.loc[rng.choice(rows, 50, replace=False), "amount"] = -1.0
    frame.loc[rows - 1, "lineId"] = frame.loc[0, "lineId"]
    frame.loc[7, "currency"] = "GBP"
    frame.loc[9, "vendorName"] = "Someone Else"
    return frame, vendors


def owned(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(tenantId=TENANT, companyId=COMPANY)


def write_sqlite(url: str, lines: pd.DataFrame, vendors: pd.DataFrame) -> None:
    engine = create_engine(url)
    owned(lines).to_sql("BenchLine", engine, index=False, chunksize=50_000)
    owned(vendors).to_sql("BenchVendor", engine, index=False)
    engine.dispose()


def write_postgres(url: str, lines: pd.DataFrame, vendors: pd.DataFrame) -> None:
    engine = create_engine(url)
    owned(lines).head(0).to_sql("BenchLine", engine, index=False)
    owned(vendors).to_sql("BenchVendor", engine, index=False)
    table = owned(lines)
    columns = ", ".join(f'"{c}"' for c in table.columns)
    with engine.begin() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f'COPY "BenchLine" ({columns}) FROM STDIN') as copy:
            for row in table.itertuples(index=False):
                copy.write_row([None if pd.isna(v) else v for v in row])
    engine.dispose()


def prepare(rows: int, folder: str) -> tuple[str, str]:
    """Generate the data (in a child, so this process stays small) and write the Parquet
    files and the SQLite tables; returns their paths."""
    lines, vendors = make_lines(rows)
    company_dir = Path(folder) / "sources" / TENANT / COMPANY
    company_dir.mkdir(parents=True)
    parquet = company_dir / "lines.parquet"
    lines.to_parquet(parquet, row_group_size=100_000)
    vendors.to_parquet(company_dir / "vendors.parquet")
    sqlite_url = f"sqlite:///{Path(folder) / 'bench.db'}"
    write_sqlite(sqlite_url, lines, vendors)
    return str(parquet), sqlite_url


def prepare_postgres(rows: int, url: str) -> None:
    write_postgres(url, *make_lines(rows))


def run_ours(url: str, source: dict[str, str], sources_dir: str) -> dict[str, Any]:
    from sqlalchemy.orm import Session

    from urutiq_ai.quality.checks import run_checks
    from urutiq_ai.quality.rules import QualityRunRequest
    from urutiq_ai.tenancy.context import for_job

    engine = create_engine(url)
    request = QualityRunRequest.model_validate({"source": source, "checks": CHECKS, "store": False})
    with Session(engine) as session, RssSampler() as sampler:
        started = time.perf_counter()
        result = run_checks(session, for_job(TENANT, [COMPANY]), request, sources_dir=sources_dir)
        seconds = time.perf_counter() - started
    engine.dispose()
    return {
        "seconds": seconds,
        "peakBytes": sampler.peak,
        "rows": result.rows_read,
        "statuses": {r.name: r.status.value for r in result.results},
        "failed": {r.name: r.rows_failed for r in result.results},
    }


def run_baseline(url: str | None, parquet: str | None) -> dict[str, Any]:
    """The same checks in plain pandas on the whole table read at once."""
    with RssSampler() as sampler:
        started = time.perf_counter()
        if parquet:
            frame = pd.read_parquet(parquet)
            vendors = pd.read_parquet(Path(parquet).with_name("vendors.parquet"))
        else:
            engine = create_engine(str(url))
            frame = pd.read_sql('SELECT * FROM "BenchLine"', engine)
            vendors = pd.read_sql('SELECT * FROM "BenchVendor"', engine)
            engine.dispose()
        failed = baseline_checks(frame, vendors)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "peakBytes": sampler.peak, "failed": failed}


def baseline_checks(frame: pd.DataFrame, vendors: pd.DataFrame) -> dict[str, int]:
    amount = pd.to_numeric(frame["amount"], errors="coerce")
    sums = frame.groupby("entryId")[["debit", "credit"]].sum()
    posted = pd.to_datetime(frame["postedAt"], utc=True)
    names = frame["vendorId"].map(vendors.set_index("vendorId")["vendorName"])
    return {
        "description": int(frame["description"].isna().sum()),
        "type": int(amount.isna().sum() - frame["amount"].isna().sum()),
        "range": int((amount < 0).sum()),
        "pattern": int((~frame["lineId"].str.fullmatch(r"L\d{7}")).sum()),
        "currency": int((~frame["currency"].isin(["USD", "EUR"])).sum()),
        "expression": int((~((frame["debit"] == 0) != (frame["credit"] == 0))).sum()),
        "unique": int(frame["lineId"].duplicated().sum()),
        "balance": int(((sums["debit"] - sums["credit"]).abs() > 0.005).sum()),
        "freshness": int((AS_OF - posted.max()).total_seconds() // 3600),
        "total": int(frame["debit"].sum()),
        "vendor": int((names != frame["vendorName"]).sum()),
        "account": int(frame["account"].isna().sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL to create the bench database on")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="quality_bench_"))
    parquet, sqlite_url = in_child(prepare, args.rows, str(folder))
    sources = str(folder / "sources")

    steps: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    ours = in_child(run_ours, sqlite_url, {"file": "lines.parquet"}, sources)
    base = in_child(run_baseline, None, str(parquet))
    steps.append(("Parquet file", ours, base))
    ours = in_child(run_ours, sqlite_url, {"table": "BenchLine"}, sources)
    base = in_child(run_baseline, sqlite_url, None)
    steps.append(("SQLite table", ours, base))
    if args.postgres:
        pg_url = create_bench_database(args.postgres)
        try:
            in_child(prepare_postgres, args.rows, pg_url)
            ours = in_child(run_ours, pg_url, {"table": "BenchLine"}, sources)
            base = in_child(run_baseline, pg_url, None)
            steps.append(("PostgreSQL table", ours, base))
        finally:
            drop_bench_database(args.postgres)

    mib = 1024**2
    print(f"{args.rows:,} journal lines, 11 columns, {len(CHECKS)} checks (5 dimensions)")
    print(
        "| source | ours s | ours peak MiB | rows/s | baseline (whole table in pandas) s "
        "| baseline peak MiB | time ratio | memory ratio |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, ours_step, base_step in steps:
        print(
            f"| {label} | {ours_step['seconds']:.2f} | {ours_step['peakBytes'] / mib:,.0f} | "
            f"{ours_step['rows'] / ours_step['seconds']:,.0f} | {base_step['seconds']:.2f} | "
            f"{base_step['peakBytes'] / mib:,.0f} | "
            f"{ours_step['seconds'] / base_step['seconds']:.2f}x | "
            f"{ours_step['peakBytes'] / base_step['peakBytes']:.2f}x |"
        )
    print("\nfindings (rows failed):", steps[0][1]["failed"])
    print("statuses:", steps[0][1]["statuses"])
    print("baseline findings:", steps[0][2]["failed"])
    sys.exit(0)


def create_bench_database(base_url: str) -> str:
    engine = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS urutiq_bench_quality"))
        conn.execute(text("CREATE DATABASE urutiq_bench_quality"))
    engine.dispose()
    return base_url.rsplit("/", 1)[0] + "/urutiq_bench_quality"


def drop_bench_database(base_url: str) -> None:
    engine = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS urutiq_bench_quality WITH (FORCE)"))
    engine.dispose()


if __name__ == "__main__":
    main()
