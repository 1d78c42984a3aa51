"""What the query sandbox costs: a query source against the same rows read as a table, and
against the query run by the database itself (the design before the sandbox).

Issue 17 asks to pick, with measurements, how user SQL is kept inside the tenancy. The
sandbox (``urutiq_ai.ml.sandbox``) copies the company's rows of the columns a query reads
into a private SQLite database and runs the query there. This measures, on the seeded
journal lines of ``quality_run.py`` (11 columns, a company's rows among another tenant's
as many), each step in a fresh child process (wall time, peak resident memory):

* ``load``: ``SourceRepository.load`` of the query ``SELECT * FROM "BenchLine" WHERE
  amount >= 0`` (the sandbox), of the table ``BenchLine`` (no query at all), and, as the
  baseline in the same run, the same query wrapped and run by the database and read with
  pandas (``SELECT * FROM (query) WHERE tenantId = ... AND companyId = ...``: what the
  former design ran, and what design (b) of the issue would run after rewriting);
* ``quality run``: the twelve checks of ``quality_run.py`` through ``run_checks`` (what the
  API, SDK and CLI call) on the query source and on the table source.

    .venv/bin/python benchmarks/query_sandbox.py [--rows 200000] \
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
from _memory import RssSampler, in_child
from quality_run import (
    COMPANY,
    TENANT,
    create_bench_database,
    drop_bench_database,
    make_lines,
    run_ours,
    write_postgres,
    write_sqlite,
)
from sqlalchemy import create_engine, text

QUERY = 'SELECT * FROM "BenchLine" WHERE amount >= 0'


def write(url: str, rows: int) -> None:
    """The company's lines and as many of another tenant's (which no read may return)."""
    lines, vendors = make_lines(rows)
    if url.startswith("postgresql"):
        write_postgres(url, lines, vendors)
    else:
        write_sqlite(url, lines, vendors)
    columns = ", ".join(f'"{c}"' for c in lines.columns)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                f'INSERT INTO "BenchLine" ({columns}, "tenantId", "companyId") '
                f"SELECT {columns}, 'other-tenant', 'other-co' FROM \"BenchLine\""
            )
        )
    engine.dispose()


def load(url: str, source: dict[str, str] | None) -> dict[str, Any]:
    from sqlalchemy.orm import Session

    from urutiq_ai.sources.repository import SourceRepository
    from urutiq_ai.sources.schemas import SourceSpec
    from urutiq_ai.tenancy.context import for_job

    engine = create_engine(url)
    with Session(engine) as session, RssSampler() as sampler:
        started = time.perf_counter()
        if source is None:  # the baseline: the database runs the query
            wrapped = f'SELECT * FROM ({QUERY}) src WHERE "tenantId" = :t AND "companyId" = :c'
            frame = pd.read_sql(
                text(wrapped), session.connection(), params={"t": TENANT, "c": COMPANY}
            )
        else:
            repo = SourceRepository(session, for_job(TENANT, [COMPANY]), sources_dir=".")
            frame = repo.load(SourceSpec.model_validate(source))
        seconds = time.perf_counter() - started
    engine.dispose()
    return {"seconds": seconds, "peakBytes": sampler.peak, "rows": len(frame)}


def measure(label: str, url: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (label, "load: query in the sandbox", in_child(load, url, {"query": QUERY})),
        (label, "load: the table, no query", in_child(load, url, {"table": "BenchLine"})),
        (label, "load: query run by the database (baseline)", in_child(load, url, None)),
        (label, "quality run: query source", in_child(run_ours, url, {"query": QUERY}, ".")),
        (label, "quality run: table source", in_child(run_ours, url, {"table": "BenchLine"}, ".")),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL to create the bench database on")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="sandbox_bench_"))
    sqlite_url = f"sqlite:///{folder / 'bench.db'}"
    in_child(write, sqlite_url, args.rows)
    results = measure("SQLite", sqlite_url)
    if args.postgres:
        pg_url = create_bench_database(args.postgres)
        try:
            in_child(write, pg_url, args.rows)
            results += measure("PostgreSQL", pg_url)
        finally:
            drop_bench_database(args.postgres)

    mib = 1024**2
    print(f"{args.rows:,} journal lines of the company (and as many of another tenant), 11 columns")
    print("| database | step | rows | s | rows/s | peak MiB |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, step, result in results:
        print(
            f"| {label} | {step} | {result['rows']:,} | {result['seconds']:.2f} | "
            f"{result['rows'] / result['seconds']:,.0f} | {result['peakBytes'] / mib:,.0f} |"
        )


if __name__ == "__main__":
    main()
