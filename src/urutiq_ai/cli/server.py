"""``urutiq-ai db upgrade`` and ``urutiq-ai serve``: run in this process, no API key."""

from typing import Annotated, Any

import typer

from urutiq_ai.cli._output import fail

APP_FACTORY = "urutiq_ai.api.app:create_app"


def db_upgrade() -> None:
    """Migrate the database (URUTIQ_DATABASE_URL) to the latest schema."""
    # Alembic and SQLAlchemy load here, not at CLI start, so other commands stay quick.
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from urutiq_ai.core.migrations import head_revision, upgrade
    from urutiq_ai.core.settings import get_settings

    url = get_settings().database_url
    try:
        upgrade(url)
    except SQLAlchemyError as exc:
        fail(f"cannot migrate the database: {exc}")
    shown = make_url(url).render_as_string(hide_password=True)
    typer.echo(f"Database {shown} is at revision {head_revision()}")


def serve(
    host: Annotated[
        str | None,
        typer.Option("--host", help="Interface to bind (default: URUTIQ_HOST or 127.0.0.1)."),
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="Port (default: URUTIQ_PORT or 8000).")
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            help="Serving processes on one port (PostgreSQL only: SQLite has one writer).",
        ),
    ] = 1,
) -> None:
    """Serve the API (docs at /docs); the app is built by uvicorn from the settings.

    With ``--workers N`` uvicorn starts N processes that share the port; each runs the app
    (its own job pool and live figures, which add up in the deployments' ``performance``),
    and the embedded schedulers elect one through PostgreSQL's advisory lock.

    On an embedded SQLite database the server records its URL in ``server.json`` beside
    the database while it serves: the CLI and the SDK then use it instead of opening the
    database themselves (``URUTIQ_URL=local`` opts out).
    """
    # uvicorn and the settings load here, not at CLI start (every --help would pay for them).
    import uvicorn
    from uvicorn.config import STARTUP_FAILURE

    from urutiq_ai.cli._recorded_server import RecordedServer
    from urutiq_ai.core.settings import get_settings

    settings = get_settings()
    if workers > 1 and settings.database_url.startswith("sqlite"):
        fail(
            "--workers: several serving processes need PostgreSQL (URUTIQ_DATABASE_URL); "
            "an embedded SQLite database takes one writer at a time"
        )
    _sweep_orphaned_runs(settings.database_url)
    options: dict[str, Any] = {
        "factory": True,
        "host": host or settings.host,
        "port": port or settings.port,
        "workers": workers,
        "timeout_graceful_shutdown": settings.shutdown_seconds,
    }
    if workers > 1:
        uvicorn.run(APP_FACTORY, **options)
        return
    server = RecordedServer(uvicorn.Config(APP_FACTORY, **options), settings.database_url)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.forget()
    if not server.started:
        raise typer.Exit(STARTUP_FAILURE)


def _sweep_orphaned_runs(database_url: str) -> None:
    """Embedded mode (SQLite): what a previous server left unfinished is settled.

    Only one process serves an embedded database, so at start nothing is running: training
    and monitor runs left ``running`` are failed, every earlier worker is marked stopped,
    and every job still ``running`` is lost: retried (a pipeline with attempts left, at
    the first scheduler tick) or failed with its run. On PostgreSQL other replicas may be
    running jobs: the scheduler's recovery ticker handles dead workers by their heartbeats.
    """
    if not database_url.startswith("sqlite"):
        return
    from datetime import UTC, datetime

    from sqlalchemy.exc import SQLAlchemyError

    from urutiq_ai import catalog  # noqa: F401 - maps every table
    from urutiq_ai.core.db import make_engine, make_sessionmaker, sqlite_file_missing, unit_of_work
    from urutiq_ai.core.jobs import JobRuntime
    from urutiq_ai.core.ledger.recovery import recover_lost_jobs
    from urutiq_ai.core.ledger.repository import WorkerRepository
    from urutiq_ai.core.settings import get_settings
    from urutiq_ai.monitoring.scheduling import fail_orphaned_runs as fail_orphaned_monitor_runs
    from urutiq_ai.training.service import fail_orphaned_runs

    if sqlite_file_missing(database_url):
        return
    engine = make_engine(database_url)
    factory = make_sessionmaker(engine)
    try:
        with unit_of_work(factory) as session:
            found = fail_orphaned_runs(session)
            monitor_runs = fail_orphaned_monitor_runs(session)
            WorkerRepository(session).stop_all(datetime.now(UTC))
        runtime = JobRuntime(factory, get_settings())
        jobs = recover_lost_jobs(runtime, None, datetime.now(UTC), everything=True)
        if found:
            typer.echo(f"Marked {found} training run(s) left running by a stopped server failed.")
        if monitor_runs:
            typer.echo(
                f"Marked {monitor_runs} monitor run(s) left unfinished by a stopped server failed."
            )
        if jobs:
            typer.echo(f"Recovered {jobs} job(s) a stopped server left running.")
    except SQLAlchemyError:
        pass  # not migrated yet: /readyz says so
    finally:
        engine.dispose()
