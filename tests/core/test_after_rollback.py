"""Records kept after a rollback: a refusal stays on the record while the refused change is
undone, whether the unit of work raises or a page rolls back and shows the refusal."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from urutiq_ai.core.db import (
    make_engine,
    make_sessionmaker,
    record_after_rollback,
    rollback,
    unit_of_work,
)

Factory = sessionmaker[Session]


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[Factory]:
    engine = make_engine(f"sqlite:///{tmp_path / 'rollback.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE change (what TEXT)"))
        conn.execute(text("CREATE TABLE record (what TEXT)"))
    yield make_sessionmaker(engine)
    engine.dispose()


def rows(factory: Factory, table: str) -> list[str]:
    with factory() as session:
        return [str(r[0]) for r in session.execute(text(f"SELECT what FROM {table}"))]


def keep(what: str) -> Callable[[Session], None]:
    def write(session: Session) -> None:
        session.execute(text("INSERT INTO record VALUES (:w)"), {"w": what})

    return write


def refused_release(factory: Factory) -> None:
    with unit_of_work(factory) as session:
        session.execute(text("INSERT INTO change VALUES ('release')"))
        record_after_rollback(session, keep("refused"))
        raise RuntimeError("governance refuses")


def test_a_raising_unit_of_work_keeps_the_record_only(factory: Factory) -> None:
    with pytest.raises(RuntimeError):
        refused_release(factory)
    assert rows(factory, "change") == []
    assert rows(factory, "record") == ["refused"]


def test_a_committed_unit_of_work_writes_no_record(factory: Factory) -> None:
    with unit_of_work(factory) as session:
        session.execute(text("INSERT INTO change VALUES ('release')"))
        record_after_rollback(session, keep("refused"))
    assert rows(factory, "change") == ["release"]
    assert rows(factory, "record") == []


def test_a_page_that_rolls_back_and_goes_on_keeps_the_record(factory: Factory) -> None:
    with unit_of_work(factory) as session:
        session.execute(text("INSERT INTO change VALUES ('release')"))
        record_after_rollback(session, keep("refused"))
        rollback(session)  # the page shows the refusal instead of raising it
        session.execute(text("INSERT INTO change VALUES ('page view')"))
    assert rows(factory, "change") == ["page view"]
    assert rows(factory, "record") == ["refused"]
