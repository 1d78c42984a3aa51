"""deployment revisions and served-by columns

A deployment is one row per name and environment (it was one per name); every change to it
is a DeploymentRevision (history: which model served which environment when). Predictions
served through a deployment record it, its revision and the model's part (champion,
challenger, shadow, ensemble). The scheduler finds due health checks by healthDueAt.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 06:07:40.996888
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from urutiq_ai.core.db import JSONValue, UTCDateTime, new_id_sql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_COLUMNS = {
    "DeploymentRevision": ("config", "state", "healthCheck"),
    "AIDeployment": ("config", "healthCheck", "performance"),  # rebuilt on SQLite: again
}


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "DeploymentRevision",
        sa.Column("deploymentId", sa.String(length=64), nullable=False),
        sa.Column("deploymentName", sa.String(length=255), nullable=False),
        sa.Column(
            "environment",
            _enum("environment", "development", "staging", "production"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("modelId", sa.String(length=64), nullable=False),
        sa.Column("config", JSONValue, nullable=True),
        sa.Column("state", JSONValue, nullable=True),
        sa.Column(
            "action",
            _enum("action", "deploy", "release", "promote", "rollback", "auto_rollback"),
            nullable=False,
        ),
        sa.Column(
            "status",
            _enum("status", "active", "superseded", "rolled_back", "failed"),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("healthCheck", JSONValue, nullable=True),
        sa.Column("startedAt", UTCDateTime(), nullable=True),
        sa.Column("endedAt", UTCDateTime(), nullable=True),
        sa.Column("actor", sa.String(length=255), nullable=True),
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
            ["companyId"], ["Company.id"], name=op.f("fk_DeploymentRevision_companyId_Company")
        ),
        sa.ForeignKeyConstraint(
            ["deploymentId"],
            ["AIDeployment.id"],
            name=op.f("fk_DeploymentRevision_deploymentId_AIDeployment"),
        ),
        sa.ForeignKeyConstraint(
            ["modelId"], ["AIModel.id"], name=op.f("fk_DeploymentRevision_modelId_AIModel")
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_DeploymentRevision_tenantId_Tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_DeploymentRevision")),
        sa.UniqueConstraint(
            "tenantId",
            "companyId",
            "deploymentId",
            "version",
            name=op.f("uq_DeploymentRevision_tenantId_companyId_deploymentId_version"),
        ),
    )
    with op.batch_alter_table("DeploymentRevision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_DeploymentRevision_companyId"), ["companyId"])
        batch_op.create_index(batch_op.f("ix_DeploymentRevision_createdAt"), ["createdAt"])
        batch_op.create_index(batch_op.f("ix_DeploymentRevision_deploymentId"), ["deploymentId"])
        batch_op.create_index(batch_op.f("ix_DeploymentRevision_tenantId"), ["tenantId"])
        batch_op.create_index(
            batch_op.f("ix_DeploymentRevision_tenantId_companyId_environment_startedAt"),
            ["tenantId", "companyId", "environment", "startedAt"],
        )
        batch_op.create_index(
            batch_op.f("ix_DeploymentRevision_tenantId_companyId_modelId"),
            ["tenantId", "companyId", "modelId"],
        )

    with op.batch_alter_table("AIDeployment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("healthDueAt", UTCDateTime(), nullable=True))
        batch_op.drop_constraint(
            batch_op.f("uq_AIDeployment_tenantId_companyId_deploymentName"), type_="unique"
        )
        batch_op.create_index(batch_op.f("ix_AIDeployment_healthDueAt"), ["healthDueAt"])
        batch_op.create_unique_constraint(
            batch_op.f("uq_AIDeployment_tenantId_companyId_deploymentName_environment"),
            ["tenantId", "companyId", "deploymentName", "environment"],
        )

    with op.batch_alter_table("AIModelPrediction", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deploymentId", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("deploymentVersion", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("variant", sa.String(length=16), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_AIModelPrediction_tenantId_companyId_deploymentId_createdAt"),
            ["tenantId", "companyId", "deploymentId", "createdAt"],
        )

    _backfill()
    _guard()


def _backfill() -> None:
    """A deployment written before revisions existed gets one: its current state, serving
    since its last change, so it keeps serving, its version keeps counting and the
    scheduler checks its health."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL urutiq.system = 'on'")
    op.execute(
        'INSERT INTO "DeploymentRevision" ("deploymentId", "deploymentName", "environment", '
        '"version", "modelId", "config", "action", "status", "healthCheck", "startedAt", '
        '"tenantId", "companyId") '
        'SELECT "id", "deploymentName", "environment", "version", "modelId", "config", '
        "'deploy', CASE WHEN \"status\" IN ('active', 'rolled_back') THEN 'active' "
        "ELSE 'failed' END, \"healthCheck\", CASE WHEN \"status\" IN ('active', "
        '\'rolled_back\') THEN "updatedAt" END, "tenantId", "companyId" '
        'FROM "AIDeployment"'
    )
    op.execute(
        'UPDATE "AIDeployment" SET "healthDueAt" = CURRENT_TIMESTAMP '
        "WHERE \"status\" IN ('active', 'rolled_back')"
    )


POLICY = (
    "current_setting('urutiq.system', true) = 'on' "
    "OR \"tenantId\" = current_setting('urutiq.tenant_id', true)"
)


def _guard() -> None:
    """Row-level security on PostgreSQL; JSON validity triggers on SQLite (0003's), for the
    new table and for AIDeployment, which SQLite rebuilt without them."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute('ALTER TABLE "DeploymentRevision" ENABLE ROW LEVEL SECURITY')
        op.execute('ALTER TABLE "DeploymentRevision" FORCE ROW LEVEL SECURITY')
        op.execute(
            f'CREATE POLICY tenant_isolation ON "DeploymentRevision" '
            f"USING ({POLICY}) WITH CHECK ({POLICY})"
        )
        return
    for table, columns in JSON_COLUMNS.items():
        for column in columns:
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
    with op.batch_alter_table("AIModelPrediction", schema=None) as batch_op:
        batch_op.drop_index(
            batch_op.f("ix_AIModelPrediction_tenantId_companyId_deploymentId_createdAt")
        )
        batch_op.drop_column("variant")
        batch_op.drop_column("deploymentVersion")
        batch_op.drop_column("deploymentId")

    with op.batch_alter_table("AIDeployment", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_AIDeployment_tenantId_companyId_deploymentName_environment"),
            type_="unique",
        )
        batch_op.drop_index(batch_op.f("ix_AIDeployment_healthDueAt"))
        batch_op.create_unique_constraint(
            batch_op.f("uq_AIDeployment_tenantId_companyId_deploymentName"),
            ["tenantId", "companyId", "deploymentName"],
        )
        batch_op.drop_column("healthDueAt")

    op.drop_table("DeploymentRevision")
