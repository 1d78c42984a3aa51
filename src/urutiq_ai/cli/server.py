"""``urutiq-ai db upgrade`` and ``urutiq-ai serve``: run in this process, no API key."""

from typing import Annotated

import typer
import uvicorn

from urutiq_ai.cli._output import fail
from urutiq_ai.core.settings import get_settings

APP_FACTORY = "urutiq_ai.api.app:create_app"


def db_upgrade() -> None:
    """Migrate the database (URUTIQ_DATABASE_URL) to the latest schema."""
    # Alembic and SQLAlchemy load here, not at CLI start, so other commands stay quick.
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from urutiq_ai.core.migrations import head_revision, upgrade

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
) -> None:
    """Serve the API (docs at /docs); the app is built by uvicorn from the settings."""
    settings = get_settings()
    uvicorn.run(APP_FACTORY, factory=True, host=host or settings.host, port=port or settings.port)
