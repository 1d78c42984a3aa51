"""Migration 0011 on a database with predictions: the rows and the feedback that refers to
them survive, and the one owner key then refuses a prediction whose model belongs to
another company (or does not exist), on SQLite (a schema rewrite) and PostgreSQL."""

from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from tests.db.conftest import seed_model
from urutiq_ai import catalog  # noqa: F401 - maps every table
from urutiq_ai.core.db import Base, make_engine
from urutiq_ai.core.migrations import alembic_config, upgrade

TABLES = Base.metadata.tables
PREDICTION, FEEDBACK = TABLES["AIModelPrediction"], TABLES["AILearningFeedback"]
OWNER = {"tenant_id": "t-1", "company_id": "c-1"}


def _prediction(row_id: str, **fields: Any) -> dict[str, Any]:
    return {
        **OWNER,
        "id": row_id,
        "model_id": "m-1",
        "prediction_type": "classification",
        "input_data": {"amount": 12.5, "note": "tab\there"},
        "prediction": {"prediction": "travel"},
        **fields,
    }


def _seed(engine: Engine) -> None:
    with engine.begin() as conn:
        seed_model(conn, "c-2")
        conn.execute(PREDICTION.insert(), [_prediction("p-1"), _prediction("p-2")])
        conn.execute(
            FEEDBACK.insert(),
            {**OWNER, "id": "f-1", "prediction_id": "p-1", "feedback_type": "correction"},
        )


@pytest.fixture
def engine(empty_database_url: str) -> Iterator[Engine]:
    upgrade(empty_database_url, "0010")
    engine = make_engine(empty_database_url)
    _seed(engine)
    yield engine
    engine.dispose()


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_rows_survive_and_the_owner_key_holds(empty_database_url: str, engine: Engine) -> None:
    upgrade(empty_database_url)
    assert _count(engine, PREDICTION) == 2
    with engine.connect() as conn:
        stored = conn.execute(select(PREDICTION.c.input_data).where(PREDICTION.c.id == "p-1"))
        assert stored.scalar_one() == {"amount": 12.5, "note": "tab\there"}
        assert conn.execute(select(FEEDBACK.c.prediction_id)).scalar_one() == "p-1"

    with pytest.raises(IntegrityError), engine.begin() as conn:  # model of another company
        conn.execute(PREDICTION.insert(), _prediction("p-3", company_id="c-2"))
    with pytest.raises(IntegrityError), engine.begin() as conn:  # no such model
        conn.execute(PREDICTION.insert(), _prediction("p-4", model_id="m-404"))
    with pytest.raises(IntegrityError), engine.begin() as conn:  # the feedback still refers
        conn.execute(PREDICTION.delete().where(PREDICTION.c.id == "p-1"))
    with engine.begin() as conn:
        conn.execute(PREDICTION.insert(), _prediction("p-5"))
    assert _count(engine, PREDICTION) == 3


def test_downgrade_keeps_the_rows(empty_database_url: str, engine: Engine) -> None:
    upgrade(empty_database_url)
    command.downgrade(alembic_config(empty_database_url), "0010")
    assert _count(engine, PREDICTION) == 2
    with pytest.raises(IntegrityError), engine.begin() as conn:  # the three keys are back
        conn.execute(PREDICTION.insert(), _prediction("p-4", model_id="m-404"))
    upgrade(empty_database_url)
    assert _count(engine, PREDICTION) == 2
