"""A database of a test's own, created empty (not migrated), dropped afterwards."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection

from tests.conftest import PG_ENV, create_postgres_database, drop_postgres_database
from urutiq_ai.core.db import new_id


@pytest.fixture
def empty_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url = create_postgres_database(os.environ[PG_ENV], f"empty_{new_id()[:8]}")
    yield url
    drop_postgres_database(url)


def seed_model(conn: Connection, *companies: str) -> dict[str, str]:
    """Raw rows for migration tests: tenant ``t-1``, company ``c-1`` (and ``companies``),
    model ``m-1`` of c-1; returns the model's owner columns."""
    from urutiq_ai.core.db import Base

    tables = Base.metadata.tables
    conn.execute(tables["Tenant"].insert(), {"id": "t-1", "name": "T"})
    conn.execute(
        tables["Company"].insert(),
        [{"id": c, "tenant_id": "t-1", "name": c.upper()} for c in ("c-1", *companies)],
    )
    owner = {"tenant_id": "t-1", "company_id": "c-1"}
    conn.execute(
        tables["AIModel"].insert(),
        {
            **owner,
            "id": "m-1",
            "model_name": "expenses",
            "model_version": "1",
            "model_type": "classification",
            "algorithm": "logistic_regression",
        },
    )
    return owner
