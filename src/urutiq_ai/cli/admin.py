"""In-process administration: tenants, companies, keys and the local bootstrap.

These commands need no API key: they open the database of URUTIQ_DATABASE_URL
directly, in one unit of work, and act through ``urutiq_ai.tenancy.admin``, which
binds the session to the right scope and writes the same audit rows as the API.
SQLAlchemy and the services are imported inside the commands, so ``--help`` and
the SDK-backed commands do not pay for loading them.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from urutiq_ai.cli._output import fail
from urutiq_ai.core.context import Role
from urutiq_ai.core.errors import AppError
from urutiq_ai.core.naming import to_camel

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

KEY_FILE = "admin-key"
SQLITE_PREFIX = "sqlite:///"
DEFAULT_DATA_DIR = Path("urutiq-data")

TenantOption = Annotated[str, typer.Option("--tenant", help="The tenant's id.")]


def _require_migrated(engine: "Engine") -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from urutiq_ai.core.migrations import current_revision, head_revision

    try:
        with engine.connect() as conn:  # tenancy: global - reads the migration revision
            current = current_revision(conn)
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        fail(
            f"cannot open the database ({reason}): check URUTIQ_DATABASE_URL, "
            "and run `urutiq-ai db upgrade` to create it"
        )
    head = head_revision()
    if current != head:
        fail(
            f"the database is at migration {current}, expected {head}: "
            "run `urutiq-ai db upgrade` first"
        )


@contextmanager
def admin_session() -> Iterator["Session"]:
    """One unit of work on the configured database; errors print and exit 1."""
    from pydantic import ValidationError as PydanticValidationError

    from urutiq_ai.core.db import make_engine, make_sessionmaker, unit_of_work
    from urutiq_ai.core.settings import get_settings

    engine = make_engine(get_settings().database_url)
    try:
        _require_migrated(engine)
        with unit_of_work(make_sessionmaker(engine)) as session:
            yield session
    except AppError as exc:
        fail(exc.detail, [(f.field, f.reason) for f in exc.fields])
    except PydanticValidationError as exc:
        fields = [(".".join(to_camel(str(p)) for p in e["loc"]), e["msg"]) for e in exc.errors()]
        fail("invalid value", fields)
    finally:
        engine.dispose()


def create_tenant(
    name: Annotated[str, typer.Argument(help="The tenant's display name.")],
    tenant_id: Annotated[
        str | None, typer.Option("--id", help="Tenant id (default: generated).")
    ] = None,
) -> None:
    """Create a tenant (in-process, no API key)."""
    from urutiq_ai.tenancy import admin

    with admin_session() as session:
        tenant = admin.create_tenant(session, name=name, tenant_id=tenant_id)
    typer.echo(f"Created tenant {tenant.id} ({tenant.name})")


def create_company(
    name: Annotated[str, typer.Argument(help="The company's display name.")],
    tenant: TenantOption,
    company_id: Annotated[
        str | None, typer.Option("--id", help="Company id (default: generated).")
    ] = None,
) -> None:
    """Create a company in a tenant (in-process, no API key)."""
    from urutiq_ai.tenancy import admin

    with admin_session() as session:
        company = admin.create_company(session, tenant_id=tenant, name=name, company_id=company_id)
    typer.echo(f"Created company {company.id} ({company.name}) in tenant {tenant}")


def create_key(
    tenant: TenantOption,
    role: Annotated[Role, typer.Option("--role", help="What the key may do.")],
    companies: Annotated[
        list[str] | None,
        typer.Option("--company", help="Limit the key to this company; repeat for several."),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="A label for the key.")] = None,
) -> None:
    """Create an API key (in-process); the key itself is printed alone on the last line."""
    from urutiq_ai.tenancy import admin

    with admin_session() as session:
        key, plaintext = admin.create_key(
            session, tenant_id=tenant, role=role, company_ids=companies, name=name
        )
    scope = ", ".join(key.company_ids) if key.company_ids else "all companies"
    typer.echo(f"Created {key.role.value} key {key.id} for tenant {tenant} ({scope}).")
    typer.echo("Store it now; it is not shown again:")
    typer.echo(plaintext)


def revoke_key(
    key_id: Annotated[str, typer.Argument(help="The key's id (not the secret).")],
) -> None:
    """Revoke an API key at once (in-process, no API key)."""
    from urutiq_ai.tenancy import admin

    with admin_session() as session:
        key = admin.revoke_key(session, key_id=key_id)
    typer.echo(f"Revoked key {key.id}")


def data_dir(database_url: str) -> Path:
    """The folder of the SQLite database file (``./urutiq-data`` for other databases)."""
    if database_url.startswith(SQLITE_PREFIX) and ":memory:" not in database_url:
        return Path(database_url[len(SQLITE_PREFIX) :]).expanduser().parent
    return DEFAULT_DATA_DIR


def write_secret(path: Path, secret: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secret + "\n")
    path.chmod(0o600)  # O_CREAT's mode does not apply to a file that already existed


def bootstrap() -> None:
    """Create the local tenant, company and admin key on first start (in-process).

    The admin key is saved (mode 0600) beside the SQLite database and printed
    on the last line, on this run and on later ones.
    """
    from urutiq_ai.core.settings import get_settings
    from urutiq_ai.tenancy import admin

    settings = get_settings()
    key_file = data_dir(settings.database_url) / KEY_FILE
    with admin_session() as session:
        created = admin.bootstrap_local(session)
    if created is None:
        typer.echo("A tenant already exists: nothing created.")
        key = key_file.read_text().strip() if key_file.is_file() else None
    else:
        write_secret(key_file, created.plaintext_key)
        typer.echo(
            f"Created tenant {created.tenant.id}, company {created.company.id} and an admin key."
        )
        key = created.plaintext_key
    base = f"http://{settings.host}:{settings.port}"
    typer.echo(f"Dashboard: {base} (log in with the key below)")
    typer.echo(f"API: {base}/api/v1 (docs at {base}/docs)")
    if key is None:
        typer.echo(
            f"No admin key stored in {key_file}: create one with "
            "`urutiq-ai keys create --tenant <id> --role admin`."
        )
    else:
        typer.echo(f"Admin key (stored in {key_file}):")
        typer.echo(key)


def purge_predictions(
    days: Annotated[
        int | None,
        typer.Option("--days", min=1, help="Keep this many days (default: URUTIQ_RETENTION_DAYS)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be deleted; delete nothing.")
    ] = False,
) -> None:
    """Delete predictions past the retention (those a feedback refers to are kept), as the
    scheduler does once a day; audited per company (in-process, no API key)."""
    from urutiq_ai import catalog  # noqa: F401 - maps every table (the purge names feedback's)
    from urutiq_ai.core.db import make_engine, make_sessionmaker, utcnow
    from urutiq_ai.core.jobs import JobRuntime
    from urutiq_ai.core.settings import get_settings
    from urutiq_ai.predictions.retention import purge_expired_predictions

    settings = get_settings()
    keep = days if days is not None else settings.retention_days
    if keep <= 0:
        fail("retention is off (URUTIQ_RETENTION_DAYS=0): pass --days N", [("days", "missing")])
    engine = make_engine(settings.database_url)
    try:
        _require_migrated(engine)
        runtime = JobRuntime(make_sessionmaker(engine), settings, None)
        result = purge_expired_predictions(runtime, now=utcnow(), days=keep, dry_run=dry_run)
    finally:
        engine.dispose()
    verb = "would delete" if dry_run else "deleted"
    for (tenant_id, company_id), count in sorted(result.deleted.items()):
        typer.echo(f"{tenant_id}/{company_id}: {verb} {count} prediction(s)")
    typer.echo(
        f"{verb} {result.total} prediction(s) made before {result.before:%Y-%m-%d %H:%M} UTC "
        f"(retention {keep} days)"
    )
