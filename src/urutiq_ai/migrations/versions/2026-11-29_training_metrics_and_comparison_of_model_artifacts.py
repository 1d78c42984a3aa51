"""training metrics and comparison of model artifacts

ModelArtifact keeps every validation metric a training measured (AIModel's seed columns
hold four: regression's rmse and r2 had no place) and the new version beside the version
serving when the training completed (``comparedTo``). On SQLite both JSON columns refuse
malformed JSON, as every other (0003).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from urutiq_ai.core.db import JSONValue

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "ModelArtifact"
COLUMNS = ("metrics", "comparedTo")
EVENTS = ("INSERT", "UPDATE")


def _trigger(column: str, event: str) -> str:
    return f"{TABLE}_{column}_json_{event.lower()}"


def upgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.add_column(sa.Column(column, JSONValue, nullable=True))
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL's JSONB already refuses malformed JSON
    for column in COLUMNS:
        for event in EVENTS:
            of = f' OF "{column}"' if event == "UPDATE" else ""
            op.execute(
                f'CREATE TRIGGER "{_trigger(column, event)}" BEFORE {event}{of} ON "{TABLE}" '
                f'WHEN NEW."{column}" IS NOT NULL AND NOT json_valid(NEW."{column}") '
                f"BEGIN SELECT RAISE(ABORT, '{TABLE}.{column} must hold valid JSON'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for column in COLUMNS:
            for event in EVENTS:
                op.execute(f'DROP TRIGGER IF EXISTS "{_trigger(column, event)}"')
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        for column in reversed(COLUMNS):
            batch_op.drop_column(column)
