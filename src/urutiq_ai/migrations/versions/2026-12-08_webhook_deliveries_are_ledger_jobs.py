"""webhook deliveries are ledger jobs

Each webhook delivery is now sent, and retried, by its own job in the job ledger
(``urutiq_ai.alerts.tasks:deliver``, payload ``{"deliveryId": ...}``) with the ledger's one
backoff; the scheduler's own sweep of due deliveries is gone, and so is the index it read
(``ix_WebhookDelivery_tenantId_companyId_status_nextAttemptAt``).

Deliveries pending at the upgrade were waiting for that sweep: each gets its job, queued
for its ``nextAttemptAt`` (at once when it has none) and left for the scheduler to dispatch,
at the attempt after those it made (so its backoff goes on doubling), with
``URUTIQ_WEBHOOK_ATTEMPTS`` attempts in all (and at least that next one). Jobs of the old
kind (one per company's batch, payload ``deliveryIds``) still queued or running are failed
first: their deliveries have their own jobs now.

The downgrade restores the index and fails the delivery jobs still queued or running: the
old sweep sends their pending deliveries, and the old ``deliver`` never reads a payload it
does not know.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 01:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from urutiq_ai.core.db import JSONValue, UTCDateTime, new_id
from urutiq_ai.core.settings import get_settings

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_WebhookDelivery_tenantId_companyId_status_nextAttemptAt"
DELIVER = "urutiq_ai.alerts.tasks:deliver"
DELIVERY_LOST = "urutiq_ai.alerts.tasks:delivery_lost"
UNFINISHED = ("queued", "running")

JOB = sa.table(
    "Job",
    sa.column("id", sa.String),
    sa.column("tenantId", sa.String),
    sa.column("companyId", sa.String),
    sa.column("name", sa.String),
    sa.column("payload", JSONValue),
    sa.column("status", sa.String),
    sa.column("attempt", sa.Integer),
    sa.column("maxAttempts", sa.Integer),
    sa.column("notBefore", UTCDateTime),
    sa.column("dispatchedAt", UTCDateTime),
    sa.column("finishedAt", UTCDateTime),
    sa.column("error", sa.Text),
    sa.column("onLost", sa.String),
)
DELIVERY = sa.table(
    "WebhookDelivery",
    sa.column("id", sa.String),
    sa.column("tenantId", sa.String),
    sa.column("companyId", sa.String),
    sa.column("status", sa.String),
    sa.column("attempts", sa.Integer),
    sa.column("nextAttemptAt", UTCDateTime),
)


def upgrade() -> None:
    _as_system()
    now = datetime.now(UTC)
    _fail_unfinished_deliver_jobs(now, "replaced by one ledger job per delivery (0015)")
    _queue_pending_deliveries(now, get_settings().webhook_attempts)
    with op.batch_alter_table("WebhookDelivery", schema=None) as batch_op:
        batch_op.drop_index(INDEX)


def downgrade() -> None:
    _as_system()
    _fail_unfinished_deliver_jobs(datetime.now(UTC), "its deliveries go back to the sweep")
    with op.batch_alter_table("WebhookDelivery", schema=None) as batch_op:
        batch_op.create_index(
            INDEX, ["tenantId", "companyId", "status", "nextAttemptAt"], unique=False
        )


def _as_system() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL urutiq.system = 'on'")  # row-level security: every tenant


def _fail_unfinished_deliver_jobs(now: datetime, reason: str) -> None:
    op.get_bind().execute(
        JOB.update()
        .where(JOB.c.name == DELIVER, JOB.c.status.in_(UNFINISHED))
        .values(status="failed", finishedAt=now, error=reason)
    )


def _queue_pending_deliveries(now: datetime, attempts: int) -> None:
    bind = op.get_bind()
    pending = bind.execute(
        sa.select(
            DELIVERY.c.id,
            DELIVERY.c.tenantId,
            DELIVERY.c.companyId,
            DELIVERY.c.attempts,
            DELIVERY.c.nextAttemptAt,
        ).where(DELIVERY.c.status == "pending")
    ).all()
    jobs = [
        {
            "id": new_id(),
            "tenantId": row.tenantId,
            "companyId": row.companyId,
            "name": DELIVER,
            "payload": {"deliveryId": row.id},
            "status": "queued",
            "attempt": row.attempts + 1,
            "maxAttempts": max(attempts, row.attempts + 1),
            "notBefore": row.nextAttemptAt or now,
            "dispatchedAt": None,
            "onLost": DELIVERY_LOST,
        }
        for row in pending
    ]
    if jobs:
        bind.execute(JOB.insert(), jobs)
