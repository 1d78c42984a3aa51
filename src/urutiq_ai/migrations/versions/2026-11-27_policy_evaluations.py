"""policy evaluations: every evaluation of a governance policy against a model

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 07:12:40.265097
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from urutiq_ai.core.db import JSONValue, UTCDateTime, new_id_sql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "PolicyEvaluation",
        sa.Column("policyId", sa.String(length=64), nullable=False),
        sa.Column("modelId", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pass",
                "fail",
                "insufficient",
                "error",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("results", JSONValue, nullable=True),
        sa.Column("violationId", sa.String(length=64), nullable=True),
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
            ["companyId"], ["Company.id"], name=op.f("fk_PolicyEvaluation_companyId_Company")
        ),
        sa.ForeignKeyConstraint(
            ["modelId"], ["AIModel.id"], name=op.f("fk_PolicyEvaluation_modelId_AIModel")
        ),
        sa.ForeignKeyConstraint(
            ["policyId"],
            ["AIGovernance.id"],
            name=op.f("fk_PolicyEvaluation_policyId_AIGovernance"),
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_PolicyEvaluation_tenantId_Tenant")
        ),
        sa.ForeignKeyConstraint(
            ["violationId"],
            ["AIGovernanceViolation.id"],
            name=op.f("fk_PolicyEvaluation_violationId_AIGovernanceViolation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_PolicyEvaluation")),
    )
    with op.batch_alter_table("PolicyEvaluation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_PolicyEvaluation_companyId"), ["companyId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_PolicyEvaluation_createdAt"), ["createdAt"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_PolicyEvaluation_modelId"), ["modelId"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_PolicyEvaluation_policyId"), ["policyId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_PolicyEvaluation_tenantId"), ["tenantId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_PolicyEvaluation_tenantId_companyId_createdAt"),
            ["tenantId", "companyId", "createdAt"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_PolicyEvaluation_tenantId_companyId_policyId_modelId_createdAt"),
            ["tenantId", "companyId", "policyId", "modelId", "createdAt"],
            unique=False,
        )

    _guard()


POLICY = (
    "current_setting('urutiq.system', true) = 'on' "
    "OR \"tenantId\" = current_setting('urutiq.tenant_id', true)"
)


def _guard() -> None:
    """Row-level security on PostgreSQL; the JSON validity trigger on SQLite (as 0003)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute('ALTER TABLE "PolicyEvaluation" ENABLE ROW LEVEL SECURITY')
        op.execute('ALTER TABLE "PolicyEvaluation" FORCE ROW LEVEL SECURITY')
        op.execute(
            f'CREATE POLICY tenant_isolation ON "PolicyEvaluation" '
            f"USING ({POLICY}) WITH CHECK ({POLICY})"
        )
        return
    for event in ("INSERT", "UPDATE"):
        of = ' OF "results"' if event == "UPDATE" else ""
        op.execute(
            f'CREATE TRIGGER "PolicyEvaluation_results_json_{event.lower()}" BEFORE {event}{of} '
            'ON "PolicyEvaluation" WHEN NEW."results" IS NOT NULL AND NOT json_valid(NEW."results") '
            "BEGIN SELECT RAISE(ABORT, 'PolicyEvaluation.results must hold valid JSON'); END"
        )


def downgrade() -> None:
    with op.batch_alter_table("PolicyEvaluation", schema=None) as batch_op:
        batch_op.drop_index(
            batch_op.f("ix_PolicyEvaluation_tenantId_companyId_policyId_modelId_createdAt")
        )
        batch_op.drop_index(batch_op.f("ix_PolicyEvaluation_tenantId_companyId_createdAt"))
        batch_op.drop_index(batch_op.f("ix_PolicyEvaluation_tenantId"))
        batch_op.drop_index(batch_op.f("ix_PolicyEvaluation_policyId"))
        batch_op.drop_index(batch_op.f("ix_PolicyEvaluation_modelId"))
        batch_op.drop_index(batch_op.f("ix_PolicyEvaluation_createdAt"))
        batch_op.drop_index(batch_op.f("ix_PolicyEvaluation_companyId"))

    op.drop_table("PolicyEvaluation")
