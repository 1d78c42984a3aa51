"""ended dashboard sessions

*Log out* ends a dashboard session on the server: the session's id (the SHA-256 of its
signed cookie's nonce) is kept in EndedSession until the cookie would have expired, and
every page refuses a cookie whose session is there, in every server process. Tenant data:
row-level security on PostgreSQL, as every tenant table.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from urutiq_ai.core.db import UTCDateTime, new_id_sql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = (
    "current_setting('urutiq.system', true) = 'on' "
    "OR \"tenantId\" = current_setting('urutiq.tenant_id', true)"
)


def upgrade() -> None:
    op.create_table(
        "EndedSession",
        sa.Column("keyId", sa.String(length=64), nullable=False),
        sa.Column("expiresAt", UTCDateTime(), nullable=False),
        sa.Column("tenantId", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), server_default=new_id_sql(), nullable=False),
        sa.Column(
            "createdAt", UTCDateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updatedAt", UTCDateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["keyId"], ["ApiKey.id"], name=op.f("fk_EndedSession_keyId_ApiKey")
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_EndedSession_tenantId_Tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_EndedSession")),
    )
    with op.batch_alter_table("EndedSession", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_EndedSession_createdAt"), ["createdAt"], unique=False)
        batch_op.create_index(batch_op.f("ix_EndedSession_tenantId"), ["tenantId"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute('ALTER TABLE "EndedSession" ENABLE ROW LEVEL SECURITY')
        op.execute('ALTER TABLE "EndedSession" FORCE ROW LEVEL SECURITY')
        op.execute(
            f'CREATE POLICY tenant_isolation ON "EndedSession" USING ({POLICY}) '
            f"WITH CHECK ({POLICY})"
        )


def downgrade() -> None:
    with op.batch_alter_table("EndedSession", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_EndedSession_tenantId"))
        batch_op.drop_index(batch_op.f("ix_EndedSession_createdAt"))
    op.drop_table("EndedSession")
