"""Two Celery workers finish a queue of independent pipeline runs faster than one.

Target (issue "Data pipelines on a schedule", performance): show the ratio, measured in one
run. On a fresh PostgreSQL database ``urutiq_bench_workers`` (created on the server of
``--postgres``, dropped after) with a 200,000-row expense source, ``--runs`` pipelines (filter
+ derive + a 30-day rolling spend per vendor, each writing its own target table) are queued
at once through the Celery executor (Redis ``--broker``, a queue of this run's own), first
with one ``urutiq-ai worker`` process, then with two (each ``--concurrency 1``, started and
ready before the clock starts). The time is from the commit that queues the runs to the
moment the last run is ``completed``.

    .venv/bin/python benchmarks/pipeline_workers.py \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres \
        --broker redis://127.0.0.1:6379/0 [--runs 8] [--rows 200000]
"""

import argparse
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from pipeline_run import COMPANY, ROLE, STEPS, TENANT, _camel, prepare
from sqlalchemy import create_engine, text

DATABASE = "urutiq_bench_workers"
CLI = str(Path(sys.executable).parent / "urutiq-ai")


def start_workers(count: int, env: dict[str, str], logs: Path) -> list[subprocess.Popen[bytes]]:
    workers = []
    for index in range(count):
        log = logs / f"worker-{count}-{index}.log"
        workers.append(
            subprocess.Popen(
                [CLI, "worker", "--concurrency", "1", "--pool", "solo"],
                env=env,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
        )
        for _ in range(600):
            if " ready." in log.read_text(errors="replace"):
                break
            if workers[-1].poll() is not None:
                sys.exit(f"worker exited:\n{log.read_text()}")
            time.sleep(0.1)
    return workers


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait(60)


def create_pipelines(url: str, runs: int, label: str) -> list[str]:
    from urutiq_ai import catalog  # noqa: F401 - maps every table
    from urutiq_ai.core.db import make_engine, make_sessionmaker, unit_of_work
    from urutiq_ai.core.scoping import bind_scope, set_database_role
    from urutiq_ai.pipelines.models import AIDataPipeline
    from urutiq_ai.tenancy.context import for_job

    engine = make_engine(url)
    ids = []
    with unit_of_work(make_sessionmaker(engine)) as session:
        set_database_role(session, ROLE)
        bind_scope(session, for_job(TENANT, [COMPANY]))
        for index in range(runs):
            pipeline = AIDataPipeline(
                pipeline_name=f"bench {label} {index}",
                pipeline_type="feature_engineering",
                source_tables=["BenchExpense"],
                target_tables=[f"BenchFeatures{label}{index}"],
                transformations=[_camel(step) for step in STEPS],
            )
            pipeline.tenant_id, pipeline.company_id = TENANT, COMPANY
            session.add(pipeline)
            session.flush()
            ids.append(pipeline.id)
    engine.dispose()
    return ids


def queue_and_wait(url: str, settings: Any, pipeline_ids: list[str]) -> float:
    """Start a run of each pipeline in one transaction; seconds until all completed."""
    from urutiq_ai.core.db import make_engine, make_sessionmaker, unit_of_work
    from urutiq_ai.core.executors import make_executor
    from urutiq_ai.core.jobs import JobRuntime, attach_executor
    from urutiq_ai.core.scoping import bind_scope, set_database_role
    from urutiq_ai.pipelines.runs import start_run
    from urutiq_ai.tenancy.context import for_job

    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    executor = make_executor(JobRuntime(factory, settings))
    ctx = for_job(TENANT, [COMPANY])
    started = time.perf_counter()
    with unit_of_work(factory) as session:
        set_database_role(session, ROLE)
        bind_scope(session, ctx)
        attach_executor(session, executor)
        run_ids = [start_run(session, ctx, pipeline_id).id for pipeline_id in pipeline_ids]
    while True:
        with engine.connect() as conn:
            statuses = [
                conn.execute(
                    text('SELECT status FROM "AIDataPipelineRun" WHERE id = :id'), {"id": run_id}
                ).scalar_one()
                for run_id in run_ids
            ]
        if any(status == "failed" for status in statuses):
            sys.exit(f"a run failed: {statuses}")
        if all(status == "completed" for status in statuses):
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    executor.shutdown()
    engine.dispose()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True, help="a PostgreSQL URL (any database)")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    url = args.postgres.rsplit("/", 1)[0] + f"/{DATABASE}"
    admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {DATABASE}"))
    from urutiq_ai.core.settings import Settings

    settings = Settings(
        database_url=url,
        database_role=ROLE,
        executor="celery",
        broker_url=args.broker,
        queue=f"urutiq-bench-{uuid.uuid4().hex[:8]}",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("URUTIQ_")}
    env.update(
        URUTIQ_DATABASE_URL=url,
        URUTIQ_DATABASE_ROLE=ROLE,
        URUTIQ_BROKER_URL=args.broker,
        URUTIQ_QUEUE=settings.queue,
    )
    logs = Path(os.environ.get("TMPDIR", "/tmp")) / f"urutiq-bench-{settings.queue}"
    logs.mkdir(parents=True, exist_ok=True)
    timings: dict[int, float] = {}
    try:
        prepare(url, args.rows)
        for count in (1, 2):
            pipeline_ids = create_pipelines(url, args.runs, f"W{count}R")
            workers = start_workers(count, env, logs)
            try:
                timings[count] = queue_and_wait(url, settings, pipeline_ids)
            finally:
                stop_workers(workers)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        admin.dispose()
    print(
        f"{args.runs} independent pipeline runs, {args.rows:,} source rows each "
        f"(filter + derive + 30-day rolling sum per vendor), Celery + Redis, PostgreSQL"
    )
    print("| workers | seconds for the queue | runs/minute |")
    print("| --- | --- | --- |")
    for count, seconds in timings.items():
        print(f"| {count} | {seconds:.2f} | {args.runs * 60 / seconds:.1f} |")
    ratio = timings[1] / timings[2]
    print(f"\ntwo workers vs one: {ratio:.2f}x faster ({'FASTER' if ratio > 1 else 'NOT FASTER'})")


if __name__ == "__main__":
    main()
