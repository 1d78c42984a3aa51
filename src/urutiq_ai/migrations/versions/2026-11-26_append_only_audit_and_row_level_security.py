"""append-only audit log, and row-level security on PostgreSQL

The audit log refuses UPDATE and DELETE at the database (both backends).
On PostgreSQL every tenant-owned table gets a row-level-security policy on
"tenantId" against the transaction setting ``urutiq.tenant_id`` (set by the
app in every transaction, see ``urutiq_ai.core.scoping``); system work sets
``urutiq.system = on``. FORCE makes the policy bind the table owner too;
superusers always bypass row-level security, so production should connect as
an ordinary role (or set URUTIQ_DATABASE_ROLE).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 19:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = (
    "Company",
    "User",
    "ApiKey",
    "AuditLog",
    "AIModel",
    "AIModelTrainingRun",
    "AIModelPrediction",
    "AIModelFeatureImportance",
    "AIDataPipeline",
    "AIDataPipelineRun",
    "AIDataQuality",
    "AIPerformanceMetrics",
    "AIDriftDetection",
    "AILearningFeedback",
    "AIExperiment",
    "AIDeployment",
    "AIGovernance",
    "AIGovernanceViolation",
    "AIConfig",
)

POLICY = (
    "current_setting('urutiq.system', true) = 'on' "
    "OR \"tenantId\" = current_setting('urutiq.tenant_id', true)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_TABLES:
            op.execute(f'DROP POLICY IF EXISTS tenant_isolation ON "{table}"')
            op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
            op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
        op.execute('DROP TRIGGER IF EXISTS "AuditLog_append_only" ON "AuditLog"')
        op.execute("DROP FUNCTION IF EXISTS urutiq_audit_append_only()")
    else:
        op.execute('DROP TRIGGER IF EXISTS "AuditLog_no_update"')
        op.execute('DROP TRIGGER IF EXISTS "AuditLog_no_delete"')


def _upgrade_postgresql() -> None:
    op.execute(
        "CREATE OR REPLACE FUNCTION urutiq_audit_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION 'AuditLog is append-only: % refused', TG_OP; END $$"
    )
    op.execute(
        'CREATE TRIGGER "AuditLog_append_only" BEFORE UPDATE OR DELETE ON "AuditLog" '
        "FOR EACH ROW EXECUTE FUNCTION urutiq_audit_append_only()"
    )
    for table in TENANT_TABLES:
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
        op.execute(
            f'CREATE POLICY tenant_isolation ON "{table}" USING ({POLICY}) WITH CHECK ({POLICY})'
        )


def _upgrade_sqlite() -> None:
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f'CREATE TRIGGER "AuditLog_no_{event.lower()}" BEFORE {event} ON "AuditLog" '
            f"BEGIN SELECT RAISE(ABORT, 'AuditLog is append-only: {event} refused'); END"
        )
