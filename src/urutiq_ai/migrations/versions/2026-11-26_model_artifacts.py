"""model artifacts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 19:52:12.598905
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from urutiq_ai.core.db import JSONValue, UTCDateTime, new_id_sql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ModelArtifact",
        sa.Column("modelId", sa.String(length=64), nullable=False),
        sa.Column("uri", sa.String(length=2048), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("sizeBytes", sa.BigInteger(), nullable=False),
        sa.Column("columnTypes", JSONValue, nullable=False),
        sa.Column("classes", JSONValue, nullable=True),
        sa.Column("referenceProfile", JSONValue, nullable=True),
        sa.Column("trainingSpec", JSONValue, nullable=True),
        sa.Column("trainingRunId", sa.String(length=64), nullable=True),
        sa.Column("companyId", sa.String(length=64), nullable=False),
        sa.Column("tenantId", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), server_default=new_id_sql(), nullable=False),
        sa.Column(
            "createdAt", UTCDateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updatedAt", UTCDateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["companyId"], ["Company.id"], name=op.f("fk_ModelArtifact_companyId_Company")
        ),
        sa.ForeignKeyConstraint(
            ["modelId"], ["AIModel.id"], name=op.f("fk_ModelArtifact_modelId_AIModel")
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_ModelArtifact_tenantId_Tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ModelArtifact")),
        sa.UniqueConstraint(
            "tenantId",
            "companyId",
            "modelId",
            name=op.f("uq_ModelArtifact_tenantId_companyId_modelId"),
        ),
    )
    with op.batch_alter_table("ModelArtifact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ModelArtifact_companyId"), ["companyId"], unique=False)
        batch_op.create_index(batch_op.f("ix_ModelArtifact_createdAt"), ["createdAt"], unique=False)
        batch_op.create_index(batch_op.f("ix_ModelArtifact_modelId"), ["modelId"], unique=False)
        batch_op.create_index(batch_op.f("ix_ModelArtifact_tenantId"), ["tenantId"], unique=False)
    _guard()


TABLE = "ModelArtifact"
JSON_COLUMNS = ("columnTypes", "classes", "referenceProfile", "trainingSpec")
POLICY = (
    "current_setting('urutiq.system', true) = 'on' "
    "OR \"tenantId\" = current_setting('urutiq.tenant_id', true)"
)


def _guard() -> None:
    """Row-level security (PostgreSQL) or JSON validity triggers (SQLite), as 0002/0003."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f'ALTER TABLE "{TABLE}" ENABLE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{TABLE}" FORCE ROW LEVEL SECURITY')
        op.execute(
            f'CREATE POLICY tenant_isolation ON "{TABLE}" USING ({POLICY}) WITH CHECK ({POLICY})'
        )
        return
    for column in JSON_COLUMNS:
        for event in ("INSERT", "UPDATE"):
            of = f' OF "{column}"' if event == "UPDATE" else ""
            op.execute(
                f'CREATE TRIGGER "{TABLE}_{column}_json_{event.lower()}" '
                f'BEFORE {event}{of} ON "{TABLE}" '
                f'WHEN NEW."{column}" IS NOT NULL AND NOT json_valid(NEW."{column}") '
                f"BEGIN SELECT RAISE(ABORT, '{TABLE}.{column} must hold valid JSON'); END"
            )


def downgrade() -> None:
    with op.batch_alter_table("ModelArtifact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ModelArtifact_tenantId"))
        batch_op.drop_index(batch_op.f("ix_ModelArtifact_modelId"))
        batch_op.drop_index(batch_op.f("ix_ModelArtifact_createdAt"))
        batch_op.drop_index(batch_op.f("ix_ModelArtifact_companyId"))

    op.drop_table("ModelArtifact")
