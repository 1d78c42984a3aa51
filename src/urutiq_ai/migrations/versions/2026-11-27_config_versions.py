"""config versions: every AIConfig row is one version of a company's configuration

AIConfig gets ``version`` (1, 2, 3... per company and type, unique), ``createdBy`` (the
key that wrote it) and ``note``; at most one version per company and type is active (a
partial unique index). Rows written before get their versions in creation order, and of
several active ones of a company and type only the newest stays active.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE_INDEX = "uq_AIConfig_tenantId_companyId_configType_active"
SAME_TYPE = (
    'o."tenantId" = "AIConfig"."tenantId" AND o."companyId" = "AIConfig"."companyId" '
    'AND o."configType" = "AIConfig"."configType"'
)


def upgrade() -> None:
    with op.batch_alter_table("AIConfig", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("createdBy", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))

    _backfill()

    with op.batch_alter_table("AIConfig", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_AIConfig_tenantId_companyId_configType_version"),
            ["tenantId", "companyId", "configType", "version"],
        )
    op.create_index(
        ACTIVE_INDEX,
        "AIConfig",
        ["tenantId", "companyId", "configType"],
        unique=True,
        sqlite_where=sa.text('"isActive"'),
        postgresql_where=sa.text('"isActive"'),
    )
    _json_triggers()


def _backfill() -> None:
    """Versions in creation order per company and type; the newest active one stays active."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL urutiq.system = 'on'")
    op.execute(
        'UPDATE "AIConfig" SET "version" = (SELECT COUNT(*) FROM "AIConfig" AS o '
        f'WHERE {SAME_TYPE} AND (o."createdAt" < "AIConfig"."createdAt" '
        'OR (o."createdAt" = "AIConfig"."createdAt" AND o."id" <= "AIConfig"."id")))'
    )
    op.execute(
        'UPDATE "AIConfig" SET "isActive" = FALSE WHERE "isActive" AND EXISTS '
        f'(SELECT 1 FROM "AIConfig" AS o WHERE {SAME_TYPE} AND o."isActive" '
        'AND o."version" > "AIConfig"."version")'
    )


def _json_triggers() -> None:
    """SQLite rebuilt AIConfig without 0003's JSON validity triggers: create them again.
    (PostgreSQL keeps the table, its row-level security policy and JSONB's own check.)"""
    if op.get_bind().dialect.name != "sqlite":
        return
    table, column = "AIConfig", "configData"
    for event in ("INSERT", "UPDATE"):
        name = f"{table}_{column}_json_{event.lower()}"
        of = f' OF "{column}"' if event == "UPDATE" else ""
        op.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        op.execute(
            f'CREATE TRIGGER "{name}" BEFORE {event}{of} ON "{table}" '
            f'WHEN NEW."{column}" IS NOT NULL AND NOT json_valid(NEW."{column}") '
            f"BEGIN SELECT RAISE(ABORT, '{table}.{column} must hold valid JSON'); END"
        )


def downgrade() -> None:
    op.drop_index(ACTIVE_INDEX, table_name="AIConfig")
    with op.batch_alter_table("AIConfig", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_AIConfig_tenantId_companyId_configType_version"), type_="unique"
        )
        batch_op.drop_column("note")
        batch_op.drop_column("createdBy")
        batch_op.drop_column("version")
    _json_triggers()
