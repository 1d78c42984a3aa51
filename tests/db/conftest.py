"""A database of a test's own, created empty (not migrated), dropped afterwards."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

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
