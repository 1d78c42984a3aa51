"""Sources and pipeline targets tell this system's own tables from data tables by a literal
list (``sources.tables.SYSTEM_TABLES``): it must name every mapped table, or a new table
would be readable through a query source and writable as a pipeline target."""

from urutiq_ai import catalog  # noqa: F401 - maps every table
from urutiq_ai.core.db import Base
from urutiq_ai.sources.tables import SYSTEM_TABLES, is_system_table


def test_every_mapped_table_is_a_system_table() -> None:
    mapped = {name.casefold() for name in Base.metadata.tables}
    assert mapped - SYSTEM_TABLES == set(), "add these to sources.tables.SYSTEM_TABLES"
    assert SYSTEM_TABLES - mapped == {"alembic_version"}, "tables no longer mapped"


def test_names_compare_in_any_letter_case() -> None:
    assert is_system_table("apikey")
    assert is_system_table("APIKEY")
    assert is_system_table("sqlite_master")
    assert is_system_table("PG_AUTHID")
    assert not is_system_table("LedgerExpense")
