"""job ledger and worker heartbeats

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 02:45:51.713513
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from urutiq_ai.core.db import JSONValue, UTCDateTime, new_id_sql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "Worker",
        sa.Column(
            "kind",
            sa.Enum(
                "inline",
                "celery",
                name="kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("concurrency", sa.Integer(), nullable=False),
        sa.Column("startedAt", UTCDateTime(), nullable=False),
        sa.Column("lastSeenAt", UTCDateTime(), nullable=False),
        sa.Column("stoppedAt", UTCDateTime(), nullable=True),
        sa.Column("id", sa.String(length=64), server_default=new_id_sql(), nullable=False),
        sa.Column(
            "createdAt", UTCDateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updatedAt", UTCDateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_Worker")),
    )
    with op.batch_alter_table("Worker", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_Worker_createdAt"), ["createdAt"], unique=False)
        batch_op.create_index(batch_op.f("ix_Worker_lastSeenAt"), ["lastSeenAt"], unique=False)

    op.create_table(
        "Job",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("payload", JSONValue, nullable=True),
        sa.Column("principalId", sa.String(length=64), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "completed",
                "failed",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("maxAttempts", sa.Integer(), nullable=False),
        sa.Column("notBefore", UTCDateTime(), nullable=False),
        sa.Column("dispatchedAt", UTCDateTime(), nullable=True),
        sa.Column("workerId", sa.String(length=255), nullable=True),
        sa.Column("startedAt", UTCDateTime(), nullable=True),
        sa.Column("finishedAt", UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("onLost", sa.String(length=255), nullable=True),
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
            ["companyId"], ["Company.id"], name=op.f("fk_Job_companyId_Company")
        ),
        sa.ForeignKeyConstraint(["tenantId"], ["Tenant.id"], name=op.f("fk_Job_tenantId_Tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_Job")),
    )
    with op.batch_alter_table("Job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_Job_companyId"), ["companyId"], unique=False)
        batch_op.create_index(batch_op.f("ix_Job_createdAt"), ["createdAt"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_Job_status_notBefore"), ["status", "notBefore"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_Job_tenantId"), ["tenantId"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_Job_tenantId_companyId_createdAt"),
            ["tenantId", "companyId", "createdAt"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_Job_workerId"), ["workerId"], unique=False)

    _guard()


POLICY = (
    "current_setting('urutiq.system', true) = 'on' "
    "OR \"tenantId\" = current_setting('urutiq.tenant_id', true)"
)


def _guard() -> None:
    """Job rows are tenant data (their payloads name runs): row-level security on
    PostgreSQL, a JSON validity trigger on SQLite, as 0006. Worker rows are not."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute('ALTER TABLE "Job" ENABLE ROW LEVEL SECURITY')
        op.execute('ALTER TABLE "Job" FORCE ROW LEVEL SECURITY')
        op.execute(
            f'CREATE POLICY tenant_isolation ON "Job" USING ({POLICY}) WITH CHECK ({POLICY})'
        )
        return
    for event in ("INSERT", "UPDATE"):
        of = ' OF "payload"' if event == "UPDATE" else ""
        op.execute(
            f'CREATE TRIGGER "Job_payload_json_{event.lower()}" BEFORE {event}{of} ON "Job" '
            'WHEN NEW."payload" IS NOT NULL AND NOT json_valid(NEW."payload") '
            "BEGIN SELECT RAISE(ABORT, 'Job.payload must hold valid JSON'); END"
        )


def downgrade() -> None:
    with op.batch_alter_table("Job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_Job_workerId"))
        batch_op.drop_index(batch_op.f("ix_Job_tenantId_companyId_createdAt"))
        batch_op.drop_index(batch_op.f("ix_Job_tenantId"))
        batch_op.drop_index(batch_op.f("ix_Job_status_notBefore"))
        batch_op.drop_index(batch_op.f("ix_Job_createdAt"))
        batch_op.drop_index(batch_op.f("ix_Job_companyId"))

    op.drop_table("Job")
    with op.batch_alter_table("Worker", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_Worker_lastSeenAt"))
        batch_op.drop_index(batch_op.f("ix_Worker_createdAt"))

    op.drop_table("Worker")
