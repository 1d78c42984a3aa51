"""Migrations build the schema the models declare, on SQLite and PostgreSQL, both ways."""

from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from urutiq_ai import catalog  # noqa: F401 - maps every table
from urutiq_ai.core.db import Base, make_engine
from urutiq_ai.core.migrations import alembic_config, current_revision, head_revision, upgrade

TABLES = set(Base.metadata.tables)
EXPECTED_TABLES = TABLES | {"alembic_version"}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return current_revision(conn)
    finally:
        engine.dispose()


class TestUpgrade:
    def test_from_empty(self, empty_database_url: str) -> None:
        upgrade(empty_database_url)
        assert _tables(empty_database_url) == EXPECTED_TABLES
        assert _revision(empty_database_url) == head_revision()

    def test_twice_is_a_no_op(self, empty_database_url: str) -> None:
        upgrade(empty_database_url)
        upgrade(empty_database_url)
        assert _revision(empty_database_url) == head_revision()

    def test_at_head_alembic_is_not_run(
        self, empty_database_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A second ``make run`` costs no Alembic environment (it maps every domain)."""
        runs: list[str] = []
        real = command.upgrade
        monkeypatch.setattr(
            command, "upgrade", lambda config, rev: runs.append(rev) or real(config, rev)
        )
        upgrade(empty_database_url)
        assert runs == ["head"]
        upgrade(empty_database_url)
        assert runs == ["head"]
        command.downgrade(alembic_config(empty_database_url), "-1")
        upgrade(empty_database_url)  # behind the head: migrated again
        assert runs == ["head", "head"]
        assert _revision(empty_database_url) == head_revision()


class TestModelsMatchMigrations:
    def test_no_autogenerate_differences(self, database_url: str) -> None:
        engine = make_engine(database_url)
        try:
            with engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True})
                diff = compare_metadata(context, Base.metadata)
        finally:
            engine.dispose()
        # The database may hold the platform's own tables (the tests' ledger sources) and
        # their indexes: only differences in the tables this system declares count.
        ours = [d for d in diff if not _platform_table_only(d)]
        assert ours == []


def _platform_table_only(difference: Any) -> bool:
    """A table that is not ours, or one of its indexes, found in the database only."""
    if difference[0] == "remove_table":
        return difference[1].name not in TABLES
    if difference[0] == "remove_index":
        return difference[1].table.name not in TABLES
    return False


class TestDowngrade:
    def test_to_base_and_up_again(self, empty_database_url: str) -> None:
        upgrade(empty_database_url)
        command.downgrade(alembic_config(empty_database_url), "base")
        assert _tables(empty_database_url) <= {"alembic_version"}
        assert _revision(empty_database_url) is None
        upgrade(empty_database_url)
        assert _tables(empty_database_url) == EXPECTED_TABLES
        assert _revision(empty_database_url) == head_revision()

    def test_one_step(self, empty_database_url: str) -> None:
        upgrade(empty_database_url)
        command.downgrade(alembic_config(empty_database_url), "-1")
        assert _revision(empty_database_url) not in (None, head_revision())
        upgrade(empty_database_url)
        assert _revision(empty_database_url) == head_revision()


class TestHeadRevision:
    def test_is_alembics_head(self) -> None:
        # /readyz reads the versions folder itself (alembic is slow to load): it must name
        # the head alembic would migrate to
        script = ScriptDirectory.from_config(alembic_config("sqlite://"))
        assert head_revision() == script.get_current_head()
