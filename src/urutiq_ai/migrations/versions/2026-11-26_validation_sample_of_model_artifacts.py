"""validation sample of model artifacts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ModelArtifact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("validationUri", sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column("validationSha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ModelArtifact", schema=None) as batch_op:
        batch_op.drop_column("validationSha256")
        batch_op.drop_column("validationUri")
