"""unique performance windows and one open alert per key

Two checks that ran at once (a scheduled monitor and a manual run) both read "no row yet"
and both inserted: 8 parallel performance computations left 80 AIPerformanceMetrics rows
for 10 windows and metrics, and the alerts they raised left 6 open alerts per key. The
application now writes both race-free (a performance row is an upsert on its identity; an
alert that another writer opened first is counted, not opened again), and the database
holds the rule:

* ``uq_AIPerformanceMetrics_window``: one row per (tenantId, companyId, modelId,
  timeWindow, metricType, metricDate). Rows without a model or a time window (written by
  hand) stay outside it, as SQL counts NULLs as distinct.
* ``uq_Alert_tenantId_companyId_alertKey_open``: a partial unique index, at most one
  ``open`` alert per (tenantId, companyId, alertKey); resolved alerts (past episodes) may
  repeat a key.

Duplicates written before are removed first. Of several performance rows of one identity
the newest (by updatedAt, then createdAt, then id) stays: it holds the last computation's
values, and the rows are measurements that a recomputation rewrites anyway. Of several
open alerts of one key the oldest (by createdAt, then id) stays open, with the others'
occurrences added to its count and their latest lastSeenAt: it is the alert whose
``alert.opened`` webhooks went out first. The others are marked resolved (resolvedAt now,
no webhook sent), not deleted: WebhookDelivery rows refer to them (``alertId``) and the
delivery log is kept as history.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WINDOW_INDEX = "uq_AIPerformanceMetrics_window"
WINDOW_KEY = ["tenantId", "companyId", "modelId", "timeWindow", "metricType", "metricDate"]
OPEN_INDEX = "uq_Alert_tenantId_companyId_alertKey_open"
OPEN = sa.text("status = 'open'")

PERF = '"AIPerformanceMetrics"'
SAME_WINDOW = " AND ".join(f'o."{column}" = {PERF}."{column}"' for column in WINDOW_KEY)
NEWER = (
    f'(o."updatedAt" > {PERF}."updatedAt" OR (o."updatedAt" = {PERF}."updatedAt" AND '
    f'(o."createdAt" > {PERF}."createdAt" OR (o."createdAt" = {PERF}."createdAt" AND '
    f"o.id > {PERF}.id))))"
)
SAME_OPEN_KEY = (
    'o."tenantId" = "Alert"."tenantId" AND o."companyId" = "Alert"."companyId" '
    """AND o."alertKey" = "Alert"."alertKey" AND o.status = 'open'"""
)
OLDER = (
    '(o."createdAt" < "Alert"."createdAt" OR '
    '(o."createdAt" = "Alert"."createdAt" AND o.id < "Alert".id))'
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL urutiq.system = 'on'")  # row-level security: every tenant
    _keep_newest_performance_rows()
    _keep_oldest_open_alerts()
    op.create_index(WINDOW_INDEX, "AIPerformanceMetrics", WINDOW_KEY, unique=True)
    op.create_index(
        OPEN_INDEX,
        "Alert",
        ["tenantId", "companyId", "alertKey"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def _keep_newest_performance_rows() -> None:
    op.execute(
        f"DELETE FROM {PERF} WHERE EXISTS "
        f"(SELECT 1 FROM {PERF} AS o WHERE {SAME_WINDOW} AND {NEWER})"
    )


def _keep_oldest_open_alerts() -> None:
    """The oldest open alert of a key takes the others' counts; the others are resolved."""
    has_older = f'EXISTS (SELECT 1 FROM "Alert" AS o WHERE {SAME_OPEN_KEY} AND {OLDER})'
    has_twin = f'EXISTS (SELECT 1 FROM "Alert" AS o WHERE {SAME_OPEN_KEY} AND o.id <> "Alert".id)'
    op.execute(
        'UPDATE "Alert" SET '
        f'occurrences = (SELECT SUM(o.occurrences) FROM "Alert" AS o WHERE {SAME_OPEN_KEY}), '
        f'"lastSeenAt" = (SELECT MAX(o."lastSeenAt") FROM "Alert" AS o WHERE {SAME_OPEN_KEY}) '
        f"WHERE status = 'open' AND {has_twin} AND NOT {has_older}"
    )
    op.execute(
        'UPDATE "Alert" SET status = \'resolved\', "resolvedAt" = CURRENT_TIMESTAMP, '
        f"\"updatedAt\" = CURRENT_TIMESTAMP WHERE status = 'open' AND {has_older}"
    )


def downgrade() -> None:
    op.drop_index(OPEN_INDEX, table_name="Alert")
    op.drop_index(WINDOW_INDEX, table_name="AIPerformanceMetrics")
