"""Migration 0010 on a database holding configurations written before versions existed:
versions in creation order per company and type, the newest active one stays active, the
JSON checks survive SQLite's rebuild of the table, and it goes down again."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import PG_ENV, create_postgres_database, drop_postgres_database
from urutiq_ai.core.db import make_engine, new_id
from urutiq_ai.core.migrations import alembic_config, upgrade

# (id, company, type, createdAt, isActive)
ROWS = [
    ("c1", "A", "categories", "2026-01-01 00:00:00", True),
    ("c2", "A", "categories", "2026-01-02 00:00:00", True),
    ("c3", "A", "categories", "2026-01-03 00:00:00", False),
    ("p1", "A", "prompts", "2026-01-01 00:00:00", True),
    ("c4", "B", "categories", "2026-01-01 00:00:00", False),
    ("b2", "A", "behavior", "2026-01-05 00:00:00", True),  # same moment: id breaks the tie
    ("b1", "A", "behavior", "2026-01-05 00:00:00", True),
]


@pytest.fixture
def database(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'before.db'}"
        return
    url = create_postgres_database(os.environ[PG_ENV], f"cfg_{new_id()[:8]}")
    yield url
    drop_postgres_database(url)


def _execute(url: str, sql: str, **params: Any) -> list[Any]:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql), params)
            return list(result.all()) if result.returns_rows else []
    finally:
        engine.dispose()


def _columns(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {column["name"] for column in inspect(conn).get_columns("AIConfig")}
    finally:
        engine.dispose()


@pytest.fixture
def before(database: str) -> str:
    """The database at 0009 with the rows above (tenant T, companies A and B)."""
    upgrade(database, "0009")
    _execute(database, """INSERT INTO "Tenant" ("id", "name") VALUES ('T', 'tenant')""")
    for company in ("A", "B"):
        _execute(
            database,
            'INSERT INTO "Company" ("id", "name", "tenantId") VALUES (:c, :c, \'T\')',
            c=company,
        )
    for row_id, company, config_type, created, active in ROWS:
        _execute(
            database,
            'INSERT INTO "AIConfig" ("id", "tenantId", "companyId", "configType", "configData", '
            f"\"isActive\", \"createdAt\") VALUES (:id, 'T', :c, :t, '{{}}', :a, '{created}')",
            id=row_id,
            c=company,
            t=config_type,
            a=active,
        )
    return database


def test_versions_and_one_active_per_type(before: str) -> None:
    upgrade(before)
    rows = _execute(
        before, 'SELECT "id", "version", "isActive", "createdBy", "note" FROM "AIConfig"'
    )
    assert {row[0]: (row[1], bool(row[2])) for row in rows} == {
        "c1": (1, False),
        "c2": (2, True),
        "c3": (3, False),
        "p1": (1, True),
        "c4": (1, False),
        "b1": (1, False),
        "b2": (2, True),
    }
    assert {(row[3], row[4]) for row in rows} == {(None, None)}


def test_the_database_keeps_the_rules(before: str) -> None:
    upgrade(before)
    insert = (
        'INSERT INTO "AIConfig" ("tenantId", "companyId", "configType", "configData", '
        "\"isActive\", \"version\") VALUES ('T', 'A', 'categories', :data, :active, :version)"
    )
    with pytest.raises(DBAPIError):  # a second active categories version
        _execute(before, insert, data="{}", active=True, version=4)
    with pytest.raises(DBAPIError):  # version 2 exists
        _execute(before, insert, data="{}", active=False, version=2)
    with pytest.raises(DBAPIError):  # malformed JSON (SQLite's trigger, rebuilt; PG's JSONB)
        _execute(before, insert, data="{bad", active=False, version=4)
    _execute(before, insert, data="{}", active=False, version=4)


def test_down_and_up_again(before: str) -> None:
    upgrade(before)
    command.downgrade(alembic_config(before), "0009")
    assert {"version", "createdBy", "note"}.isdisjoint(_columns(before))
    assert len(_execute(before, 'SELECT "id" FROM "AIConfig"')) == len(ROWS)
    with pytest.raises(DBAPIError):
        _execute(
            before,
            'INSERT INTO "AIConfig" ("tenantId", "companyId", "configType", "configData") '
            "VALUES ('T', 'A', 'prompts', '{bad')",
        )
    upgrade(before)
    assert {"version", "createdBy", "note"} <= _columns(before)
