"""``urutiq-ai demo load``: the demo tenant, ledgers, trained templates and history."""

from typing import TYPE_CHECKING, Annotated

import typer

from urutiq_ai.cli._output import fail
from urutiq_ai.cli.admin import data_dir, write_secret

if TYPE_CHECKING:
    from urutiq_ai.core.settings import Settings

DEMO_KEY_FILE = "demo-key"


def load(
    scale: Annotated[
        float, typer.Option("--scale", min=0.1, max=5.0, help="Ledger size (1.0: ~7,000 entries).")
    ] = 1.0,
    reset: Annotated[
        bool, typer.Option("--reset", help="Start over: delete the demo's models and data first.")
    ] = False,
) -> None:
    """Load the demo into the configured database (idempotent); the key is the last line."""
    from urutiq_ai.core.settings import get_settings
    from urutiq_ai.demo.identity import COMPANY_IDS, DEMO_TENANT, demo_loaded

    settings = get_settings()
    key_file = data_dir(settings.database_url) / DEMO_KEY_FILE
    if not reset and demo_loaded(settings.database_url):  # the loader's stack stays unloaded
        key, company_ids = None, COMPANY_IDS
    else:
        key, company_ids = _load(settings, scale=scale, reset=reset)
    if key is not None:
        write_secret(key_file, key)
    else:
        typer.echo(f"The demo is already loaded (tenant {DEMO_TENANT}): nothing changed.")
        key = key_file.read_text().strip() if key_file.is_file() else None
    base = f"http://{settings.host}:{settings.port}"
    typer.echo(f"Dashboard: {base} (log in with the key below)")
    typer.echo(f"API: {base}/api/v1 (docs at {base}/docs); companies: {', '.join(company_ids)}")
    if key is None:
        fail(
            f"no demo key stored in {key_file}: create one with "
            "`urutiq-ai keys create --tenant demo --role admin`"
        )
    typer.echo(f"Demo admin key (stored in {key_file}):")
    typer.echo(key)


def _load(settings: "Settings", *, scale: float, reset: bool) -> tuple[str | None, list[str]]:
    """Run the loader (it trains models: scikit-learn and pandas load here, not at CLI
    start); the new admin key (None when the demo was there already) and the companies."""
    from sqlalchemy.exc import SQLAlchemyError

    from urutiq_ai.demo.loader import load_demo

    try:
        result, key = load_demo(settings, scale=scale, report=typer.echo, reset=reset)
    except SQLAlchemyError as exc:
        fail(f"cannot load the demo: {exc} (did you run `urutiq-ai db upgrade`?)")
    if key is not None:
        typer.echo(
            f"Demo loaded: tenant {result.tenant_id}, companies "
            f"{', '.join(result.company_ids)}, {result.predictions} predictions."
        )
    return key, result.company_ids
