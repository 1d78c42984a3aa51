"""SQLite: JSON columns refuse malformed JSON, as JSONB does on PostgreSQL

Plain SQL (the platform's own, or the seed's examples) can write these columns
directly; without a check SQLite would store '{bad' and every later read of the
row would fail. One trigger per column and event names the column in its error.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 19:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "AIConfig": ("configData",),
    "AIDataPipeline": (
        "config",
        "sourceTables",
        "targetTables",
        "transformations",
        "validationRules",
    ),
    "AIDataQuality": ("issues", "recommendations"),
    "AIExperiment": ("methodology", "successMetrics", "results"),
    "AIGovernance": ("rules", "thresholds", "monitoring", "alerts", "compliance"),
    "ApiKey": ("companyIds",),
    "AuditLog": ("before", "after"),
    "AIDataPipelineRun": ("metrics",),
    "AIModel": ("hyperparameters", "featureColumns"),
    "AIDeployment": ("config", "healthCheck", "performance"),
    "AIDriftDetection": ("baselineValue", "currentValue", "analysis", "recommendations"),
    "AIGovernanceViolation": ("details",),
    "AIModelPrediction": ("inputData", "prediction", "actualValue"),
    "AIModelTrainingRun": ("trainingMetrics", "validationMetrics"),
    "AILearningFeedback": ("feedbackData",),
}
EVENTS = ("INSERT", "UPDATE")


def _trigger_name(table: str, column: str, event: str) -> str:
    return f"{table}_{column}_json_{event.lower()}"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL's JSONB already refuses malformed JSON
    for table, columns in JSON_COLUMNS.items():
        for column in columns:
            for event in EVENTS:
                of = f' OF "{column}"' if event == "UPDATE" else ""
                op.execute(
                    f'CREATE TRIGGER "{_trigger_name(table, column, event)}" '
                    f'BEFORE {event}{of} ON "{table}" '
                    f'WHEN NEW."{column}" IS NOT NULL AND NOT json_valid(NEW."{column}") '
                    f"BEGIN SELECT RAISE(ABORT, '{table}.{column} must hold valid JSON'); END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, columns in JSON_COLUMNS.items():
        for column in columns:
            for event in EVENTS:
                op.execute(f'DROP TRIGGER IF EXISTS "{_trigger_name(table, column, event)}"')
