"""A filter + derive + rolling-aggregate pipeline over 1,000,000 source rows on PostgreSQL.

Target (issue "Data pipelines on a schedule", performance): >= 100,000 rows/s end to end on
the 2-core development machine, peak memory under 1 GB.

Generates 1,000,000 expense rows (seeded: 2,000 vendors, a year of dates, log-normal
amounts, 1% negative) into a fresh PostgreSQL database ``urutiq_bench_pipeline`` (created
on the server of ``--postgres`` and dropped after), then runs, each in a fresh child
process:

* ours: the pipeline job's ``execute`` (what ``POST /pipelines/{id}/run`` runs): read the
  company's rows in chunks, ``filter amount > 0``, ``derive month``, a per-vendor 30-day
  rolling spend, a validation rule (amount below a million), write the target (COPY) and
  the rejects, in one transaction, as an ordinary role under row-level security;
* the baseline: the same in plain pandas (``pd.read_sql`` of the whole table, the same
  operations, ``to_sql`` with ``method="multi"``), the usual notebook way.

Memory is the child's highest resident set, sampled every 5 ms while the step runs.

    .venv/bin/python benchmarks/pipeline_run.py \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres [--rows 1000000]
"""

import argparse
import sys
import time
from typing import Any

import numpy as np
import pandas as pd
from _memory import RssSampler, in_child
from sqlalchemy import create_engine, text

TENANT, COMPANY = "bench", "bench-co"
ROLE = "urutiq_bench_pipeline_app"
TARGET_ROWS_PER_SECOND = 100_000
TARGET_BYTES = 1024**3
STEPS: list[dict[str, Any]] = [
    {"step": "filter", "expression": "amount > 0"},
    {"step": "derive", "column": "month", "expression": "month(expenseDate)"},
    {
        "step": "rolling",
        "key": ["vendorId"],
        "time_column": "expenseDate",
        "column": "amount",
        "window": "30d",
        "fn": "sum",
        "output": "vendorSpend30d",
    },
]


def make_expenses(rows: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    amounts = np.round(rng.lognormal(5.0, 1.1, rows), 2)
    amounts[rng.choice(rows, rows // 100, replace=False)] *= -1
    return pd.DataFrame(
        {
            "tenantId": TENANT,
            "companyId": COMPANY,
            "expenseId": [f"X{i:07d}" for i in range(rows)],
            "vendorId": [f"V{v:04d}" for v in rng.integers(0, 2_000, rows)],
            "expenseDate": pd.Timestamp("2025-01-01", tz="UTC")
            + pd.to_timedelta(rng.integers(0, 365 * 86_400, rows), unit="s"),
            "amount": amounts,
            "category": rng.choice(["travel", "software", "meals", "rent"], rows),
        }
    )


def prepare(url: str, rows: int) -> None:
    """Migrate, create the tenant/company/pipeline, load the source with COPY."""
    from urutiq_ai.core.db import make_engine, make_sessionmaker, unit_of_work
    from urutiq_ai.core.migrations import upgrade
    from urutiq_ai.tenancy import admin

    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        admin.create_tenant(session, name="bench", tenant_id=TENANT)
        admin.create_company(session, tenant_id=TENANT, name="bench", company_id=COMPANY)
    frame = make_expenses(rows)
    frame.head(0).to_sql("BenchExpense", engine, index=False)
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    with engine.begin() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f'COPY "BenchExpense" ({columns}) FROM STDIN') as copy:
            for row in frame.itertuples(index=False):
                copy.write_row(row)
        conn.execute(text('CREATE INDEX ON "BenchExpense" ("tenantId", "companyId")'))
        conn.execute(
            text(
                f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') "
                f"THEN CREATE ROLE {ROLE} NOLOGIN; END IF; END $$"
            )
        )
        conn.execute(
            text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {ROLE}")
        )
        conn.execute(text(f"GRANT CREATE ON SCHEMA public TO {ROLE}"))
    engine.dispose()


def run_ours(url: str) -> dict[str, Any]:
    from urutiq_ai import catalog  # noqa: F401 - maps every table
    from urutiq_ai.core.db import make_engine, make_sessionmaker, unit_of_work
    from urutiq_ai.core.scoping import bind_scope, set_database_role
    from urutiq_ai.pipelines import tasks
    from urutiq_ai.pipelines.models import AIDataPipeline, AIDataPipelineRun
    from urutiq_ai.tenancy.context import for_job

    ctx = for_job(TENANT, [COMPANY])
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        set_database_role(session, ROLE)
        bind_scope(session, ctx)
        pipeline = AIDataPipeline(
            pipeline_name="bench",
            pipeline_type="feature_engineering",
            source_tables=["BenchExpense"],
            target_tables=["BenchFeatures"],
            transformations=[_camel(step) for step in STEPS],
            validation_rules=[{"check": "range", "column": "amount", "max": 1_000_000}],
        )
        pipeline.tenant_id, pipeline.company_id = TENANT, COMPANY
        session.add(pipeline)
        session.flush()
        run = AIDataPipelineRun(pipeline_id=pipeline.id, status="running")
        run.tenant_id, run.company_id = TENANT, COMPANY
        session.add(run)
    with RssSampler() as sampler:
        started = time.perf_counter()
        with unit_of_work(factory) as session:
            set_database_role(session, ROLE)
            bind_scope(session, ctx)
            outcome = tasks.execute(session, ctx, pipeline, run, ".")
        seconds = time.perf_counter() - started
    engine.dispose()
    return {
        "seconds": seconds,
        "peak": sampler.peak,
        "processed": outcome.processed,
        "skipped": outcome.skipped,
        "failed": outcome.failed,
        "steps": outcome.metrics["steps"],
    }


def _camel(step: dict[str, Any]) -> dict[str, Any]:
    from urutiq_ai.core.naming import to_camel

    return {to_camel(key): value for key, value in step.items()}


def run_baseline(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    with RssSampler() as sampler:
        started = time.perf_counter()
        frame = pd.read_sql(
            text('SELECT * FROM "BenchExpense" WHERE "tenantId" = :t AND "companyId" = :c'),
            engine,
            params={"t": TENANT, "c": COMPANY},
        )
        frame = frame[frame["amount"] > 0].copy()
        frame["month"] = pd.to_datetime(frame["expenseDate"], utc=True).dt.month
        frame = frame.sort_values(["vendorId", "expenseDate"])
        frame["vendorSpend30d"] = (
            frame.set_index("expenseDate").groupby("vendorId")["amount"].rolling("30D").sum()
        ).to_numpy()
        frame.to_sql("BaselineFeatures", engine, index=False, if_exists="replace",
                     method="multi", chunksize=5_000)  # fmt: skip
        seconds = time.perf_counter() - started
    engine.dispose()
    return {"seconds": seconds, "peak": sampler.peak, "processed": len(frame)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True, help="a PostgreSQL URL (any database)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    admin_url = args.postgres
    url = admin_url.rsplit("/", 1)[0] + "/urutiq_bench_pipeline"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS urutiq_bench_pipeline WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE urutiq_bench_pipeline"))
    try:
        in_child(prepare, url, args.rows)
        ours = in_child(run_ours, url)
        base = in_child(run_baseline, url)
    finally:
        with engine.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS urutiq_bench_pipeline WITH (FORCE)"))
        engine.dispose()
    mib = 1024**2
    print(f"{args.rows:,} source rows: filter + derive + 30-day rolling sum per vendor + a rule")
    print("| step | seconds | rows/s (source rows) | peak MiB | rows written |")
    print("| --- | --- | --- | --- | --- |")
    for label, result in (("ours: pipeline job", ours), ("baseline: pandas", base)):
        print(
            f"| {label} | {result['seconds']:.2f} | {args.rows / result['seconds']:,.0f} | "
            f"{result['peak'] / mib:,.0f} | {result['processed']:,} |"
        )
    print(f"\nours / baseline time: {ours['seconds'] / base['seconds']:.2f}x")
    print("steps:", ours["steps"])
    rate = args.rows / ours["seconds"]
    ok = rate >= TARGET_ROWS_PER_SECOND and ours["peak"] <= TARGET_BYTES
    print(
        f"\nverdict: {rate:,.0f} rows/s, peak {ours['peak'] / mib:,.0f} MiB (targets >= "
        f"{TARGET_ROWS_PER_SECOND:,} rows/s, <= {TARGET_BYTES / mib:,.0f} MiB): "
        f"{'MEETS' if ok else 'MISSES'} the targets"
    )
    sys.exit(0)


if __name__ == "__main__":
    main()
