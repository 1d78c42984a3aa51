"""Alembic, driven from code: the migration scripts ship inside the package.

:func:`head_revision` and :func:`current_revision` answer ``/readyz`` and the in-process
CLI's first request, so they read the versions folder and the version table directly:
importing alembic and loading its script directory would make that request slower (the
figure is in ``docs/benchmarks.md``, "The command line's response time").
A test keeps :func:`head_revision` equal to alembic's own answer.
"""

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
VERSION_TABLE = "alembic_version"
_REVISION = re.compile(r"^revision(?:\s*:[^=]*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision(?:\s*:[^=]*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)


def alembic_config(database_url: str) -> "Config":
    from alembic.config import Config  # alembic loads only to migrate

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(year)d-%%(month).2d-%%(day).2d_%%(slug)s")
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at ``database_url`` to ``revision`` (creating SQLite folders).

    A database already at the head is left alone without loading Alembic's environment,
    which maps every table of every domain (a second ``make run`` migrates nothing)."""
    from alembic import command

    _ensure_sqlite_folder(database_url)
    if revision == "head" and _at_head(database_url):
        return
    command.upgrade(alembic_config(database_url), revision)


def _at_head(database_url: str) -> bool:
    from sqlalchemy.exc import SQLAlchemyError

    from urutiq_ai.core.db import make_engine, sqlite_file_missing

    if sqlite_file_missing(database_url):
        return False
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:  # tenancy: global - the migration revision
            return current_revision(connection) == head_revision()
    except SQLAlchemyError:
        return False  # Alembic reports what is wrong
    finally:
        engine.dispose()


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The latest migration: the one revision of ``versions/`` that no other revises."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        revisions.update(_REVISION.findall(source))
        revised.update(_DOWN_REVISION.findall(source))
    heads = revisions - revised
    if len(heads) > 1:
        raise RuntimeError(f"the migrations have several heads: {sorted(heads)}")
    return heads.pop() if heads else None


def current_revision(connection: Connection) -> str | None:
    """The migration the database is at; None before the first (no version table)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    found = connection.execute(  # tenancy: global - alembic's version table
        text(f"SELECT version_num FROM {VERSION_TABLE}")  # tenancy: global - no tenant rows
    ).scalars()
    versions = list(found)
    if len(versions) > 1:
        raise RuntimeError(f"the database is at several migrations: {sorted(versions)}")
    return versions[0] if versions else None


def _ensure_sqlite_folder(database_url: str) -> None:
    prefix = "sqlite:///"
    if database_url.startswith(prefix) and ":memory:" not in database_url:
        Path(database_url[len(prefix) :]).expanduser().parent.mkdir(parents=True, exist_ok=True)
