"""Bulk logging of predictions (AIModelPrediction rows/s), against raw inserts as baselines.

Target (issue "Models that learn from the ledger", item 10): >= 40,000 predictions/s logged
in bulk on PostgreSQL (MLflow's log-batch manages about 3,800 metric points/s there).

Inserts ROWS prediction rows shaped like the ones the predict route logs
(``urutiq_ai.predictions.serving._log_predictions``: a 3-field input row, the label and
11 class probabilities, confidence, timestamps) in batches of BATCH, each batch one
transaction, through:

* ours: ``PredictionRepository(session, ctx).add_many`` in a unit of work bound to the
  tenant (``bind_scope``), exactly as the API does it, then COMMIT (on PostgreSQL a batch
  of 500 rows or more goes through ``urutiq_ai.core.bulk``: COPY into a temporary table,
  then one INSERT ... SELECT that row-level security checks);
* on PostgreSQL also ours as a non-superuser role, so row-level security checks each row
  (the production set-up, ``URUTIQ_DATABASE_ROLE``; a superuser bypasses the policies);
* baselines in the same process, on the same rows: SQLAlchemy Core ``insert(table)``
  without the ORM, the raw DBAPI ``executemany`` (JSON serialized by hand), and on
  PostgreSQL ``COPY ... FROM STDIN`` (psycopg ``cursor.copy``).

The table is emptied between methods; each method runs ``--rounds`` times (order rotated)
and its best round counts. SQLite uses a temporary file; PostgreSQL runs when
``--postgres URL`` is given or ``URUTIQ_TEST_DATABASE_URL`` is set, in a fresh database
``<name>_bench_logging`` created on that server and dropped at the end.

    .venv/bin/python benchmarks/prediction_logging.py [--postgres URL] [--rows 100000]
        [--diagnose] [--profile]
"""

import argparse
import cProfile
import io
import json
import math
import os
import pstats
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, create_engine, event, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import make_engine, make_sessionmaker, new_id, unit_of_work
from urutiq_ai.core.migrations import upgrade
from urutiq_ai.core.repository import repository_for
from urutiq_ai.core.scoping import bind_scope, set_database_role
from urutiq_ai.predictions.models import AIModelPrediction
from urutiq_ai.predictions.repository import PredictionRepository
from urutiq_ai.predictions.schemas import PredictionType
from urutiq_ai.registry.models import AIModel
from urutiq_ai.registry.schemas import ModelStatus, ModelType
from urutiq_ai.tenancy import admin
from urutiq_ai.tenancy.context import for_job

TARGET_PG_ROWS_PER_S = 40_000.0
MLFLOW_LOG_BATCH_POINTS_PER_S = 3_800.0  # quoted by the issue for this machine
PG_ENV = "URUTIQ_TEST_DATABASE_URL"
APP_ROLE = "urutiq_bench_app"
TENANT_ID = "bench"
COMPANY_ID = "bench-co"
CATEGORIES = [
    "travel",
    "meals",
    "software",
    "hardware",
    "office_supplies",
    "utilities",
    "telecom",
    "rent",
    "insurance",
    "marketing",
    "professional_services",
]
VENDORS = ["Amazon Web Services", "Delta Air Lines", "Staples", "Verizon", "WeWork", "Dell"]
TABLE = AIModelPrediction.__table__
COLUMNS = [column.name for column in TABLE.columns]  # camelCase, table order
KEYS = [column.key for column in TABLE.columns]  # snake_case attribute keys


# -- rows ------------------------------------------------------------------------------


def make_records(count: int, model_id: str, seed: int) -> list[dict[str, Any]]:
    """Records as ``serving._log_predictions`` builds them (before add_many adds ownership)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    records = []
    for i in range(count):
        weights = [rng.random() for _ in CATEGORIES]
        total = sum(weights)
        probabilities = {c: w / total for c, w in zip(CATEGORIES, weights, strict=True)}
        label = max(probabilities, key=probabilities.__getitem__)
        records.append(
            {
                "id": new_id(),
                "model_id": model_id,
                "prediction_type": PredictionType.classification,
                "input_data": {
                    "vendorName": VENDORS[i % len(VENDORS)],
                    "description": f"Monthly invoice {i} for services rendered",
                    "amount": round(rng.lognormvariate(5, 1), 2),
                },
                "prediction": {"prediction": label, "probabilities": probabilities},
                "confidence": probabilities[label],
                "probability": probabilities[label],
                "created_at": now,
                "updated_at": now,
            }
        )
    return records


def owned(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What add_many hands to the insert: every record plus tenant and company."""
    return [{**r, "tenant_id": TENANT_ID, "company_id": COMPANY_ID} for r in records]


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


def as_tuple(row: dict[str, Any], *, sqlite: bool) -> tuple[Any, ...]:
    """The row in table column order as the driver takes it (JSON text, enum value)."""
    values = []
    for key in KEYS:
        value = row.get(key)
        if key in ("input_data", "prediction", "actual_value"):
            value = None if value is None else dumps(value)
        elif key == "prediction_type":
            value = value.value
        elif isinstance(value, datetime) and sqlite:
            value = value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
        values.append(value)
    return tuple(values)


# -- set-up ----------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    url: str
    engine: Engine
    factory: sessionmaker[Session]
    model_id: str = ""
    role: str | None = None
    cleanup: list[Callable[[], None]] = field(default_factory=list)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def ctx(self) -> TenantContext:
        return for_job(TENANT_ID, [COMPANY_ID])


def prepare(name: str, url: str) -> Target:
    upgrade(url)
    engine = make_engine(url)
    target = Target(name, url, engine, make_sessionmaker(engine))
    with unit_of_work(target.factory) as session:
        admin.create_tenant(session, name="benchmark", tenant_id=TENANT_ID)
        admin.create_company(session, tenant_id=TENANT_ID, name="Bench Co", company_id=COMPANY_ID)
    ctx = target.ctx()
    with unit_of_work(target.factory) as session:
        bind_scope(session, ctx)
        model = AIModel(
            model_name="expense_classifier",
            model_version="1.0.0",
            model_type=ModelType.classification,
            algorithm="random_forest",
            status=ModelStatus.active,
            feature_columns=["vendorName", "description", "amount"],
            target_column="category",
        )
        repository_for(AIModel)(session, ctx).add(model, company_id=COMPANY_ID)
        session.flush()
        target.model_id = model.id
    return target


def create_postgres_database(base_url: str, suffix: str) -> str:
    """Create (afresh) ``<name>_<suffix>`` on the server of ``base_url``; returns its URL."""
    url = make_url(base_url)
    name = f"{url.database or 'urutiq'}_{suffix}"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url_text: str) -> None:
    url = make_url(url_text)
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f"DROP ROLE IF EXISTS {APP_ROLE}"))
    server.dispose()


def grant_app_role(engine: Engine) -> None:
    """An ordinary role with DML rights, so row-level security applies to its inserts."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(
            text(
                f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') "
                f"THEN CREATE ROLE {APP_ROLE} NOLOGIN; END IF; END $$"
            )
        )
        conn.execute(
            text(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}"
            )
        )


def empty_table(target: Target) -> None:
    with target.engine.begin() as conn:
        if target.is_postgres:
            conn.execute(text(f'TRUNCATE "{TABLE.name}" CASCADE'))
        else:
            conn.execute(text(f'DELETE FROM "{TABLE.name}"'))
    if target.is_postgres:
        with target.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'VACUUM ANALYZE "{TABLE.name}"'))


def count_rows(target: Target) -> int:
    with target.engine.connect() as conn:
        return int(conn.execute(text(f'SELECT count(*) FROM "{TABLE.name}"')).scalar_one())


# -- the methods: each inserts one batch in one transaction ------------------------------

Batch = list[dict[str, Any]]
Method = Callable[[Target, Batch], None]


def ours(target: Target, batch: Batch) -> None:
    """What the predict route does: a bound unit of work, add_many, COMMIT."""
    ctx = target.ctx()
    with unit_of_work(target.factory) as session:
        set_database_role(session, target.role)
        bind_scope(session, ctx)
        PredictionRepository(session, ctx).add_many(batch, company_id=COMPANY_ID)


def core_insert(target: Target, batch: Batch) -> None:
    """SQLAlchemy Core, no ORM: the same dicts (with ownership), the same bind processing."""
    rows = owned(batch)
    with target.engine.begin() as conn:
        conn.execute(insert(TABLE), rows)


def dbapi_executemany(target: Target, batch: Batch) -> None:
    """The driver alone: JSON serialized here, one executemany, COMMIT."""
    sqlite = not target.is_postgres
    rows = [as_tuple(row, sqlite=sqlite) for row in owned(batch)]
    names = ", ".join(f'"{name}"' for name in COLUMNS)
    marks = ", ".join(["?" if sqlite else "%s"] * len(COLUMNS))
    sql = f'INSERT INTO "{TABLE.name}" ({names}) VALUES ({marks})'
    raw = target.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if sqlite:
            cursor.execute("BEGIN IMMEDIATE")  # the engine runs SQLite in autocommit mode
        cursor.executemany(sql, rows)
        if sqlite:
            cursor.execute("COMMIT")
        else:
            raw.commit()
        cursor.close()
    finally:
        raw.close()


def postgres_copy(target: Target, batch: Batch) -> None:
    """PostgreSQL COPY FROM STDIN (text format) of the same rows, then COMMIT."""
    rows = [as_tuple(row, sqlite=False) for row in owned(batch)]
    names = ", ".join(f'"{name}"' for name in COLUMNS)
    raw = target.engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f'COPY "{TABLE.name}" ({names}) FROM STDIN') as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)
        raw.commit()
        cursor.close()
    finally:
        raw.close()


@dataclass
class Result:
    label: str
    seconds: list[float] = field(default_factory=list)
    statements: int = 0

    def rate(self, rows: int) -> float:
        return rows / min(self.seconds) if self.seconds else math.nan


@contextmanager
def counting_statements(engine: Engine) -> Iterator[list[int]]:
    """Count round trips SQLAlchemy makes (each executemany counts once)."""
    counter = [0]

    def before(*_: Any) -> None:
        counter[0] += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)


def run_method(
    target: Target, method: Method, rows: int, batch_size: int, seed: int
) -> tuple[float, int]:
    """Seconds to insert ``rows`` in batches (records are built before the clock starts),
    and the statements SQLAlchemy sent meanwhile."""
    records = make_records(rows, target.model_id, seed)
    batches = [records[i : i + batch_size] for i in range(0, rows, batch_size)]
    empty_table(target)
    with counting_statements(target.engine) as counter:
        started = time.perf_counter()
        for batch in batches:
            method(target, batch)
        elapsed = time.perf_counter() - started
    stored = count_rows(target)
    if stored != rows:
        raise SystemExit(f"{method.__name__} stored {stored} rows, not {rows}")
    return elapsed, counter[0]


def measure(
    target: Target, rows: int, batch_size: int, rounds: int
) -> tuple[list[Result], dict[str, Result]]:
    methods: list[tuple[str, Method, str | None]] = [
        ("ours: PredictionRepository.add_many", ours, None)
    ]
    if target.is_postgres:
        methods.append(("ours, as a non-superuser role (RLS checked)", ours, APP_ROLE))
    methods += [
        ("baseline: SQLAlchemy Core insert(table)", core_insert, None),
        ("baseline: DBAPI executemany", dbapi_executemany, None),
    ]
    if target.is_postgres:
        methods.append(("baseline: COPY FROM STDIN (psycopg)", postgres_copy, None))
    results = {label: Result(label) for label, _, _ in methods}
    seed = 0
    for round_no in range(rounds):
        shift = round_no % len(methods)
        for label, method, role in methods[shift:] + methods[:shift]:
            target.role = role
            seed += 1
            elapsed, statements = run_method(target, method, rows, batch_size, seed)
            results[label].seconds.append(elapsed)
            results[label].statements = statements
    target.role = None
    return [results[label] for label, _, _ in methods], results


def profile_ours(target: Target, batch_size: int, top: int) -> str:
    records = make_records(batch_size, target.model_id, 999)
    empty_table(target)
    profiler = cProfile.Profile()
    profiler.enable()
    ours(target, records)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    out.write("-- by own time --\n")
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def diagnose(target: Target, rows: int, batch_size: int) -> None:
    """What-ifs on PostgreSQL (this throwaway database only): where the time goes.

    Python-side cost of building the driver rows, then ours, Core and COPY on the real
    table, after dropping its foreign keys, after also dropping the single-column secondary
    indexes, and COPY with ``json`` instead of ``jsonb`` columns.
    """
    records = make_records(batch_size, target.model_id, 777)
    started = time.perf_counter()
    for row in owned(records):
        as_tuple(row, sqlite=False)
    python_s = time.perf_counter() - started
    started = time.perf_counter()
    for row in records:
        dumps(row["input_data"])
        dumps(row["prediction"])
    json_s = time.perf_counter() - started
    size = sum(len(dumps(r["input_data"])) + len(dumps(r["prediction"])) for r in records)
    print(
        f"\nPython side, {batch_size:,} rows: JSON text of both columns {json_s * 1000:.0f} ms "
        f"({size / batch_size:.0f} bytes/row), whole driver tuple {python_s * 1000:.0f} ms "
        f"(alone a ceiling of {batch_size / python_s:,.0f} rows/s)"
    )
    methods: list[tuple[str, Method]] = [
        ("ours", ours),
        ("Core insert", core_insert),
        ("COPY", postgres_copy),
    ]
    name = TABLE.name

    def run(stage: str, chosen: list[tuple[str, Method]]) -> None:
        for label, method in chosen:
            elapsed, _ = run_method(target, method, rows, batch_size, seed=hash(stage) % 1000)
            print(f"| {stage} | {label} | {rows / elapsed:,.0f} |")

    print(f"\nWhat-ifs, {rows:,} rows in batches of {batch_size:,} (rows/s)")
    print("| table | method | rows/s |")
    print("| --- | --- | --- |")
    run("as migrated (5 indexes, 1 owner FK, CHECK)", methods)
    with target.engine.begin() as conn:
        fks = conn.execute(
            text(
                "SELECT conname FROM pg_constraint "
                "WHERE conrelid = CAST(:t AS regclass) AND contype = 'f'"
            ),
            {"t": f'"{name}"'},
        ).scalars()
        for fk in list(fks):
            conn.execute(text(f'ALTER TABLE "{name}" DROP CONSTRAINT "{fk}"'))
    run("without the foreign key", methods)
    with target.engine.begin() as conn:
        conn.execute(text(f'DROP INDEX "ix_{name}_createdAt"'))
    run("... and without the createdAt index", methods)
    with target.engine.begin() as conn:
        conn.execute(
            text(
                f'ALTER TABLE "{name}" ALTER COLUMN "inputData" TYPE json, '
                'ALTER COLUMN "prediction" TYPE json'
            )
        )
    run("... and json instead of jsonb", [("COPY", postgres_copy)])


# -- report ----------------------------------------------------------------------------


def report(target: Target, results: list[Result], rows: int, batch_size: int) -> float:
    ours_rate = results[0].rate(rows)
    print(f"\n{target.name}: {rows:,} AIModelPrediction rows in batches of {batch_size:,}")
    print("| method | best rows/s | all rounds rows/s | statements via SQLAlchemy | ours / this |")
    print("| --- | --- | --- | --- | --- |")
    for result in results:
        rounds = ", ".join(f"{rows / s:,.0f}" for s in result.seconds)
        trips = str(result.statements) if result.statements else "(raw driver)"
        print(
            f"| {result.label} | {result.rate(rows):,.0f} | {rounds} | {trips} "
            f"| {ours_rate / result.rate(rows):.2f} |"
        )
    return ours_rate


def run_backend(
    name: str, url: str, args: argparse.Namespace, *, postgres: bool
) -> tuple[float, float | None]:
    target = prepare(name, url)
    try:
        if postgres:
            grant_app_role(target.engine)
        results, by_label = measure(target, args.rows, args.batch, args.rounds)
        ours_rate = report(target, results, args.rows, args.batch)
        rls = by_label.get("ours, as a non-superuser role (RLS checked)")
        if args.profile:
            print(f"\ncProfile of one {args.batch:,}-row batch through add_many on {name}:")
            print(profile_ours(target, args.batch, args.profile_top))
        if postgres and args.diagnose:
            diagnose(target, max(args.batch, args.rows // 2), args.batch)
        return ours_rate, None if rls is None else rls.rate(args.rows)
    finally:
        target.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help=f"server URL (default: ${PG_ENV} if set)")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile one batch of ours")
    parser.add_argument(
        "--diagnose", action="store_true", help="PostgreSQL what-ifs (drops FKs/indexes there)"
    )
    parser.add_argument("--profile-top", type=int, default=25)
    args = parser.parse_args()
    args.rows = max(args.batch, args.rows)
    pg_base = args.postgres or os.environ.get(PG_ENV)

    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            run_backend(
                "SQLite (temp file, WAL)", f"sqlite:///{folder}/bench.db", args, postgres=False
            )

    if not pg_base:
        print(f"\nPostgreSQL skipped: give --postgres URL or set {PG_ENV}; no verdict")
        sys.exit(0)
    pg_url = create_postgres_database(pg_base, "bench_logging")
    try:
        pg_rate, rls_rate = run_backend("PostgreSQL", pg_url, args, postgres=True)
    finally:
        drop_postgres_database(pg_url)
    ok = pg_rate >= TARGET_PG_ROWS_PER_S
    print(
        f"\nverdict: PostgreSQL bulk logging through add_many {pg_rate:,.0f} rows/s "
        f"(as the RLS-bound role {rls_rate or math.nan:,.0f}); target >= "
        f"{TARGET_PG_ROWS_PER_S:,.0f}: {'MEETS' if ok else 'MISSES'} the target "
        f"({pg_rate / MLFLOW_LOG_BATCH_POINTS_PER_S:.1f}x MLflow log-batch's quoted "
        f"{MLFLOW_LOG_BATCH_POINTS_PER_S:,.0f} points/s)"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
