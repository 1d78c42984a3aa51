"""monitors alerts and webhooks

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 00:33:19.669147
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from urutiq_ai.core.db import JSONValue, UTCDateTime, new_id_sql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "Alert",
        sa.Column("alertKey", sa.String(length=512), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "drift",
                "quality",
                "performance",
                "governance",
                name="source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "severity",
            sa.Enum(
                "warning",
                "critical",
                name="severity",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "resolved",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("details", JSONValue, nullable=True),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("firstSeenAt", UTCDateTime(), nullable=False),
        sa.Column("lastSeenAt", UTCDateTime(), nullable=False),
        sa.Column("resolvedAt", UTCDateTime(), nullable=True),
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
            ["companyId"], ["Company.id"], name=op.f("fk_Alert_companyId_Company")
        ),
        sa.ForeignKeyConstraint(["tenantId"], ["Tenant.id"], name=op.f("fk_Alert_tenantId_Tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_Alert")),
    )
    with op.batch_alter_table("Alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_Alert_companyId"), ["companyId"], unique=False)
        batch_op.create_index(batch_op.f("ix_Alert_createdAt"), ["createdAt"], unique=False)
        batch_op.create_index(batch_op.f("ix_Alert_tenantId"), ["tenantId"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_Alert_tenantId_companyId_createdAt"),
            ["tenantId", "companyId", "createdAt"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_Alert_tenantId_companyId_status_alertKey"),
            ["tenantId", "companyId", "status", "alertKey"],
            unique=False,
        )

    op.create_table(
        "Webhook",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("secret", sa.String(length=255), nullable=False),
        sa.Column("events", JSONValue, nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "paused",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
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
            ["companyId"], ["Company.id"], name=op.f("fk_Webhook_companyId_Company")
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_Webhook_tenantId_Tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_Webhook")),
        sa.UniqueConstraint(
            "tenantId", "companyId", "name", name=op.f("uq_Webhook_tenantId_companyId_name")
        ),
    )
    with op.batch_alter_table("Webhook", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_Webhook_companyId"), ["companyId"], unique=False)
        batch_op.create_index(batch_op.f("ix_Webhook_createdAt"), ["createdAt"], unique=False)
        batch_op.create_index(batch_op.f("ix_Webhook_tenantId"), ["tenantId"], unique=False)

    op.create_table(
        "WebhookDelivery",
        sa.Column("webhookId", sa.String(length=64), nullable=False),
        sa.Column("alertId", sa.String(length=64), nullable=True),
        sa.Column(
            "event",
            sa.Enum(
                "alert.opened",
                "alert.resolved",
                "ping",
                name="event",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("payload", JSONValue, nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "delivered",
                "failed",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("nextAttemptAt", UTCDateTime(), nullable=True),
        sa.Column("lastAttemptAt", UTCDateTime(), nullable=True),
        sa.Column("responseStatus", sa.Integer(), nullable=True),
        sa.Column("lastError", sa.Text(), nullable=True),
        sa.Column("deliveredAt", UTCDateTime(), nullable=True),
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
            ["alertId"], ["Alert.id"], name=op.f("fk_WebhookDelivery_alertId_Alert")
        ),
        sa.ForeignKeyConstraint(
            ["companyId"], ["Company.id"], name=op.f("fk_WebhookDelivery_companyId_Company")
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_WebhookDelivery_tenantId_Tenant")
        ),
        sa.ForeignKeyConstraint(
            ["webhookId"],
            ["Webhook.id"],
            name=op.f("fk_WebhookDelivery_webhookId_Webhook"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_WebhookDelivery")),
    )
    with op.batch_alter_table("WebhookDelivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_WebhookDelivery_alertId"), ["alertId"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_WebhookDelivery_companyId"), ["companyId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_WebhookDelivery_createdAt"), ["createdAt"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_WebhookDelivery_tenantId"), ["tenantId"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_WebhookDelivery_tenantId_companyId_status_nextAttemptAt"),
            ["tenantId", "companyId", "status", "nextAttemptAt"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_WebhookDelivery_tenantId_companyId_webhookId_createdAt"),
            ["tenantId", "companyId", "webhookId", "createdAt"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_WebhookDelivery_webhookId"), ["webhookId"], unique=False
        )

    op.create_table(
        "Monitor",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "performance",
                "drift",
                "quality",
                name="kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("modelId", sa.String(length=64), nullable=True),
        sa.Column("schedule", sa.String(length=255), nullable=False),
        sa.Column("params", JSONValue, nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "paused",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("nextRunAt", UTCDateTime(), nullable=True),
        sa.Column("lastRunAt", UTCDateTime(), nullable=True),
        sa.Column("lastRunId", sa.String(length=64), nullable=True),
        sa.Column(
            "lastStatus",
            sa.Enum(
                "queued",
                "running",
                "completed",
                "failed",
                name="lastStatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
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
            ["companyId"], ["Company.id"], name=op.f("fk_Monitor_companyId_Company")
        ),
        sa.ForeignKeyConstraint(
            ["modelId"], ["AIModel.id"], name=op.f("fk_Monitor_modelId_AIModel")
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_Monitor_tenantId_Tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_Monitor")),
        sa.UniqueConstraint(
            "tenantId", "companyId", "name", name=op.f("uq_Monitor_tenantId_companyId_name")
        ),
    )
    with op.batch_alter_table("Monitor", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_Monitor_companyId"), ["companyId"], unique=False)
        batch_op.create_index(batch_op.f("ix_Monitor_createdAt"), ["createdAt"], unique=False)
        batch_op.create_index(batch_op.f("ix_Monitor_modelId"), ["modelId"], unique=False)
        batch_op.create_index(batch_op.f("ix_Monitor_tenantId"), ["tenantId"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_Monitor_tenantId_companyId_status_nextRunAt"),
            ["tenantId", "companyId", "status", "nextRunAt"],
            unique=False,
        )

    op.create_table(
        "MonitorRun",
        sa.Column("monitorId", sa.String(length=64), nullable=False),
        sa.Column(
            "trigger",
            sa.Enum(
                "schedule",
                "manual",
                name="trigger",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
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
        sa.Column("scheduledFor", UTCDateTime(), nullable=True),
        sa.Column("startTime", UTCDateTime(), nullable=True),
        sa.Column("endTime", UTCDateTime(), nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("summary", JSONValue, nullable=True),
        sa.Column("logs", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
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
            ["companyId"], ["Company.id"], name=op.f("fk_MonitorRun_companyId_Company")
        ),
        sa.ForeignKeyConstraint(
            ["monitorId"],
            ["Monitor.id"],
            name=op.f("fk_MonitorRun_monitorId_Monitor"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_MonitorRun_tenantId_Tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_MonitorRun")),
    )
    with op.batch_alter_table("MonitorRun", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_MonitorRun_companyId"), ["companyId"], unique=False)
        batch_op.create_index(batch_op.f("ix_MonitorRun_createdAt"), ["createdAt"], unique=False)
        batch_op.create_index(batch_op.f("ix_MonitorRun_monitorId"), ["monitorId"], unique=False)
        batch_op.create_index(batch_op.f("ix_MonitorRun_tenantId"), ["tenantId"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_MonitorRun_tenantId_companyId_monitorId_createdAt"),
            ["tenantId", "companyId", "monitorId", "createdAt"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_MonitorRun_tenantId_companyId_status"),
            ["tenantId", "companyId", "status"],
            unique=False,
        )
    _guard()


TABLES = ("Alert", "Webhook", "WebhookDelivery", "Monitor", "MonitorRun")
JSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "Alert": ("details",),
    "Webhook": ("events",),
    "WebhookDelivery": ("payload",),
    "Monitor": ("params",),
    "MonitorRun": ("summary",),
}
POLICY = (
    "current_setting('urutiq.system', true) = 'on' "
    "OR \"tenantId\" = current_setting('urutiq.tenant_id', true)"
)


def _guard() -> None:
    """Row-level security (PostgreSQL) or JSON validity triggers (SQLite), as 0002/0003."""
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
            op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
            op.execute(
                f'CREATE POLICY tenant_isolation ON "{table}" USING ({POLICY}) '
                f"WITH CHECK ({POLICY})"
            )
        return
    for table, columns in JSON_COLUMNS.items():
        for column in columns:
            for event in ("INSERT", "UPDATE"):
                of = f' OF "{column}"' if event == "UPDATE" else ""
                op.execute(
                    f'CREATE TRIGGER "{table}_{column}_json_{event.lower()}" '
                    f'BEFORE {event}{of} ON "{table}" '
                    f'WHEN NEW."{column}" IS NOT NULL AND NOT json_valid(NEW."{column}") '
                    f"BEGIN SELECT RAISE(ABORT, '{table}.{column} must hold valid JSON'); END"
                )


def downgrade() -> None:
    with op.batch_alter_table("MonitorRun", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_MonitorRun_tenantId_companyId_status"))
        batch_op.drop_index(batch_op.f("ix_MonitorRun_tenantId_companyId_monitorId_createdAt"))
        batch_op.drop_index(batch_op.f("ix_MonitorRun_tenantId"))
        batch_op.drop_index(batch_op.f("ix_MonitorRun_monitorId"))
        batch_op.drop_index(batch_op.f("ix_MonitorRun_createdAt"))
        batch_op.drop_index(batch_op.f("ix_MonitorRun_companyId"))

    op.drop_table("MonitorRun")
    with op.batch_alter_table("Monitor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_Monitor_tenantId_companyId_status_nextRunAt"))
        batch_op.drop_index(batch_op.f("ix_Monitor_tenantId"))
        batch_op.drop_index(batch_op.f("ix_Monitor_modelId"))
        batch_op.drop_index(batch_op.f("ix_Monitor_createdAt"))
        batch_op.drop_index(batch_op.f("ix_Monitor_companyId"))

    op.drop_table("Monitor")
    with op.batch_alter_table("WebhookDelivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_WebhookDelivery_webhookId"))
        batch_op.drop_index(batch_op.f("ix_WebhookDelivery_tenantId_companyId_webhookId_createdAt"))
        batch_op.drop_index(
            batch_op.f("ix_WebhookDelivery_tenantId_companyId_status_nextAttemptAt")
        )
        batch_op.drop_index(batch_op.f("ix_WebhookDelivery_tenantId"))
        batch_op.drop_index(batch_op.f("ix_WebhookDelivery_createdAt"))
        batch_op.drop_index(batch_op.f("ix_WebhookDelivery_companyId"))
        batch_op.drop_index(batch_op.f("ix_WebhookDelivery_alertId"))

    op.drop_table("WebhookDelivery")
    with op.batch_alter_table("Webhook", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_Webhook_tenantId"))
        batch_op.drop_index(batch_op.f("ix_Webhook_createdAt"))
        batch_op.drop_index(batch_op.f("ix_Webhook_companyId"))

    op.drop_table("Webhook")
    with op.batch_alter_table("Alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_Alert_tenantId_companyId_status_alertKey"))
        batch_op.drop_index(batch_op.f("ix_Alert_tenantId_companyId_createdAt"))
        batch_op.drop_index(batch_op.f("ix_Alert_tenantId"))
        batch_op.drop_index(batch_op.f("ix_Alert_createdAt"))
        batch_op.drop_index(batch_op.f("ix_Alert_companyId"))

    op.drop_table("Alert")
