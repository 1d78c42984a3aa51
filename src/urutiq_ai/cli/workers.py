"""``urutiq-ai worker``: a Celery worker that runs the system's jobs (in-process, no key)."""

from typing import Annotated, Literal

import typer

Pool = Literal["prefork", "threads", "solo"]


def worker(
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", min=1, help="Jobs run at once by this worker.")
    ] = 1,
    pool: Annotated[
        str,
        typer.Option(
            "--pool", help="prefork (a process per slot), threads, or solo (one at a time)."
        ),
    ] = "prefork",
    loglevel: Annotated[str, typer.Option("--loglevel", help="Celery's log level.")] = "info",
) -> None:
    """Run jobs (training, pipeline runs, monitors, deliveries) from the broker's queue.

    Reads URUTIQ_DATABASE_URL, URUTIQ_BROKER_URL (Redis) and URUTIQ_QUEUE; start as many as
    you like, on as many machines. Each beats every URUTIQ_WORKER_HEARTBEAT seconds; jobs
    of a worker silent for URUTIQ_WORKER_TIMEOUT seconds are retried or failed by the
    scheduler. Ctrl-C (or SIGTERM) stops it after the jobs it is running.
    """
    from urutiq_ai import catalog  # noqa: F401 - maps every table the jobs use
    from urutiq_ai.cli._output import fail
    from urutiq_ai.core.celery_executor import WorkerState, node_name, worker_app
    from urutiq_ai.core.db import make_engine, make_sessionmaker
    from urutiq_ai.core.jobs import JobRuntime
    from urutiq_ai.core.ledger.recovery import Heartbeat
    from urutiq_ai.core.ledger.schemas import WorkerKind
    from urutiq_ai.core.settings import get_settings

    if pool not in ("prefork", "threads", "solo"):
        fail(f"--pool: {pool!r} is not one of prefork, threads, solo")
    settings = get_settings()
    engine = make_engine(settings.database_url)
    heartbeat = Heartbeat(
        JobRuntime(make_sessionmaker(engine), settings),
        WorkerKind.celery,
        concurrency=concurrency,
    )
    # prefork: the jobs run in pool processes, each beating as a worker of its own; this
    # process forks them, so it runs no heartbeat thread (see Heartbeat.start)
    worker_id = heartbeat.start(beating=pool != "prefork")
    typer.echo(
        f"worker {worker_id}: {concurrency} x {pool} on queue {settings.queue!r} "
        f"of {settings.broker_url}"
    )
    try:
        app = worker_app(WorkerState(settings, worker_id))
        app.Worker(
            hostname=node_name(),
            concurrency=concurrency,
            pool=pool,
            queues=[settings.queue],
            loglevel=loglevel.upper(),
            without_gossip=True,
            without_mingle=True,
        ).start()
    finally:
        heartbeat.stop()
        engine.dispose()
