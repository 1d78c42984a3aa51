"""the seed tables, tenancy and audit log

Revision ID: 0001
Revises:
Create Date: 2026-11-26 19:14:49.110433
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from urutiq_ai.core.db import JSONValue, UTCDateTime, new_id_sql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "Tenant",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("id", sa.String(length=64), server_default=new_id_sql(), nullable=False),
        sa.Column(
            "createdAt", UTCDateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updatedAt", UTCDateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_Tenant")),
    )
    with op.batch_alter_table("Tenant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_Tenant_createdAt"), ["createdAt"], unique=False)

    op.create_table(
        "Company",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("tenantId", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), server_default=new_id_sql(), nullable=False),
        sa.Column(
            "createdAt", UTCDateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updatedAt", UTCDateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_Company_tenantId_Tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_Company")),
    )
    with op.batch_alter_table("Company", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_Company_createdAt"), ["createdAt"], unique=False)
        batch_op.create_index(batch_op.f("ix_Company_tenantId"), ["tenantId"], unique=False)

    op.create_table(
        "User",
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("isActive", sa.Boolean(), nullable=False),
        sa.Column("tenantId", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), server_default=new_id_sql(), nullable=False),
        sa.Column(
            "createdAt", UTCDateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updatedAt", UTCDateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.ForeignKeyConstraint(["tenantId"], ["Tenant.id"], name=op.f("fk_User_tenantId_Tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_User")),
        sa.UniqueConstraint("tenantId", "email", name=op.f("uq_User_tenantId_email")),
    )
    with op.batch_alter_table("User", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_User_createdAt"), ["createdAt"], unique=False)
        batch_op.create_index(batch_op.f("ix_User_tenantId"), ["tenantId"], unique=False)

    op.create_table(
        "AIConfig",
        sa.Column(
            "configType",
            sa.Enum(
                "prompts",
                "categories",
                "behavior",
                "industry",
                name="configType",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("configData", JSONValue, nullable=False),
        sa.Column("isActive", sa.Boolean(), server_default=sa.true(), nullable=False),
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
            ["companyId"], ["Company.id"], name=op.f("fk_AIConfig_companyId_Company")
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_AIConfig_tenantId_Tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_AIConfig")),
    )
    with op.batch_alter_table("AIConfig", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_AIConfig_companyId"), ["companyId"], unique=False)
        batch_op.create_index(batch_op.f("ix_AIConfig_createdAt"), ["createdAt"], unique=False)
        batch_op.create_index(batch_op.f("ix_AIConfig_tenantId"), ["tenantId"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_AIConfig_tenantId_companyId_configType_isActive"),
            ["tenantId", "companyId", "configType", "isActive"],
            unique=False,
        )

    op.create_table(
        "AIDataPipeline",
        sa.Column("pipelineName", sa.String(length=255), nullable=False),
        sa.Column(
            "pipelineType",
            sa.Enum(
                "data_collection",
                "preprocessing",
                "feature_engineering",
                "validation",
                name="pipelineType",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "paused",
                "error",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="active",
            nullable=False,
        ),
        sa.Column("schedule", sa.String(length=255), nullable=True),
        sa.Column("config", JSONValue, nullable=True),
        sa.Column("sourceTables", JSONValue, nullable=True),
        sa.Column("targetTables", JSONValue, nullable=True),
        sa.Column("transformations", JSONValue, nullable=True),
        sa.Column("validationRules", JSONValue, nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
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
            ["companyId"], ["Company.id"], name=op.f("fk_AIDataPipeline_companyId_Company")
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_AIDataPipeline_tenantId_Tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_AIDataPipeline")),
        sa.UniqueConstraint(
            "tenantId",
            "companyId",
            "pipelineName",
            name=op.f("uq_AIDataPipeline_tenantId_companyId_pipelineName"),
        ),
    )
    with op.batch_alter_table("AIDataPipeline", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_AIDataPipeline_companyId"), ["companyId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIDataPipeline_createdAt"), ["createdAt"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_AIDataPipeline_tenantId"), ["tenantId"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_AIDataPipeline_tenantId_companyId_pipelineType"),
            ["tenantId", "companyId", "pipelineType"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_AIDataPipeline_tenantId_companyId_status"),
            ["tenantId", "companyId", "status"],
            unique=False,
        )

    op.create_table(
        "AIDataQuality",
        sa.Column("tableName", sa.String(length=255), nullable=False),
        sa.Column("columnName", sa.String(length=255), nullable=True),
        sa.Column(
            "qualityMetric",
            sa.Enum(
                "completeness",
                "accuracy",
                "consistency",
                "timeliness",
                "validity",
                name="qualityMetric",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("metricValue", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pass",
                "fail",
                "warning",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("issues", JSONValue, nullable=True),
        sa.Column("recommendations", JSONValue, nullable=True),
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
            ["companyId"], ["Company.id"], name=op.f("fk_AIDataQuality_companyId_Company")
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_AIDataQuality_tenantId_Tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_AIDataQuality")),
    )
    with op.batch_alter_table("AIDataQuality", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_AIDataQuality_companyId"), ["companyId"], unique=False)
        batch_op.create_index(batch_op.f("ix_AIDataQuality_createdAt"), ["createdAt"], unique=False)
        batch_op.create_index(batch_op.f("ix_AIDataQuality_tenantId"), ["tenantId"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_AIDataQuality_tenantId_companyId_createdAt"),
            ["tenantId", "companyId", "createdAt"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_AIDataQuality_tenantId_companyId_status"),
            ["tenantId", "companyId", "status"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_AIDataQuality_tenantId_companyId_tableName_columnName"),
            ["tenantId", "companyId", "tableName", "columnName"],
            unique=False,
        )

    op.create_table(
        "AIExperiment",
        sa.Column("experimentName", sa.String(length=255), nullable=False),
        sa.Column("objective", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "completed",
                "archived",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="active",
            nullable=False,
        ),
        sa.Column("hypothesis", sa.Text(), nullable=True),
        sa.Column("methodology", JSONValue, nullable=True),
        sa.Column("baselineModel", sa.String(length=64), nullable=True),
        sa.Column("currentModel", sa.String(length=64), nullable=True),
        sa.Column("successMetrics", JSONValue, nullable=True),
        sa.Column("results", JSONValue, nullable=True),
        sa.Column("conclusions", sa.Text(), nullable=True),
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
            ["companyId"], ["Company.id"], name=op.f("fk_AIExperiment_companyId_Company")
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_AIExperiment_tenantId_Tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_AIExperiment")),
        sa.UniqueConstraint(
            "tenantId",
            "companyId",
            "experimentName",
            name=op.f("uq_AIExperiment_tenantId_companyId_experimentName"),
        ),
    )
    with op.batch_alter_table("AIExperiment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_AIExperiment_companyId"), ["companyId"], unique=False)
        batch_op.create_index(batch_op.f("ix_AIExperiment_createdAt"), ["createdAt"], unique=False)
        batch_op.create_index(batch_op.f("ix_AIExperiment_tenantId"), ["tenantId"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_AIExperiment_tenantId_companyId_createdAt"),
            ["tenantId", "companyId", "createdAt"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_AIExperiment_tenantId_companyId_status"),
            ["tenantId", "companyId", "status"],
            unique=False,
        )

    op.create_table(
        "AIGovernance",
        sa.Column("policyName", sa.String(length=255), nullable=False),
        sa.Column(
            "policyType",
            sa.Enum(
                "bias_detection",
                "fairness",
                "transparency",
                "privacy",
                "security",
                name="policyType",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "inactive",
                "draft",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="draft",
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("rules", JSONValue, nullable=True),
        sa.Column("thresholds", JSONValue, nullable=True),
        sa.Column("monitoring", JSONValue, nullable=True),
        sa.Column("alerts", JSONValue, nullable=True),
        sa.Column("compliance", JSONValue, nullable=True),
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
            ["companyId"], ["Company.id"], name=op.f("fk_AIGovernance_companyId_Company")
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_AIGovernance_tenantId_Tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_AIGovernance")),
        sa.UniqueConstraint(
            "tenantId",
            "companyId",
            "policyName",
            name=op.f("uq_AIGovernance_tenantId_companyId_policyName"),
        ),
    )
    with op.batch_alter_table("AIGovernance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_AIGovernance_companyId"), ["companyId"], unique=False)
        batch_op.create_index(batch_op.f("ix_AIGovernance_createdAt"), ["createdAt"], unique=False)
        batch_op.create_index(batch_op.f("ix_AIGovernance_tenantId"), ["tenantId"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_AIGovernance_tenantId_companyId_policyType"),
            ["tenantId", "companyId", "policyType"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_AIGovernance_tenantId_companyId_status"),
            ["tenantId", "companyId", "status"],
            unique=False,
        )

    op.create_table(
        "ApiKey",
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("prefix", sa.String(length=32), nullable=False),
        sa.Column("keyHash", sa.String(length=128), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "viewer",
                "editor",
                "admin",
                "auditor",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("companyIds", JSONValue, nullable=True),
        sa.Column("userId", sa.String(length=64), nullable=True),
        sa.Column("revokedAt", UTCDateTime(), nullable=True),
        sa.Column("lastUsedAt", UTCDateTime(), nullable=True),
        sa.Column("tenantId", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), server_default=new_id_sql(), nullable=False),
        sa.Column(
            "createdAt", UTCDateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updatedAt", UTCDateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_ApiKey_tenantId_Tenant")
        ),
        sa.ForeignKeyConstraint(["userId"], ["User.id"], name=op.f("fk_ApiKey_userId_User")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ApiKey")),
    )
    with op.batch_alter_table("ApiKey", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ApiKey_createdAt"), ["createdAt"], unique=False)
        batch_op.create_index(batch_op.f("ix_ApiKey_tenantId"), ["tenantId"], unique=False)

    op.create_table(
        "AuditLog",
        sa.Column("companyId", sa.String(length=64), nullable=True),
        sa.Column("actorKeyId", sa.String(length=64), nullable=True),
        sa.Column("actorUserId", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("tableName", sa.String(length=64), nullable=False),
        sa.Column("rowId", sa.String(length=64), nullable=True),
        sa.Column("before", JSONValue, nullable=True),
        sa.Column("after", JSONValue, nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("tenantId", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), server_default=new_id_sql(), nullable=False),
        sa.Column(
            "createdAt", UTCDateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updatedAt", UTCDateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["companyId"], ["Company.id"], name=op.f("fk_AuditLog_companyId_Company")
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_AuditLog_tenantId_Tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_AuditLog")),
    )
    with op.batch_alter_table("AuditLog", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_AuditLog_createdAt"), ["createdAt"], unique=False)
        batch_op.create_index(batch_op.f("ix_AuditLog_tenantId"), ["tenantId"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_AuditLog_tenantId_companyId_createdAt"),
            ["tenantId", "companyId", "createdAt"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_AuditLog_tenantId_tableName_rowId"),
            ["tenantId", "tableName", "rowId"],
            unique=False,
        )

    op.create_table(
        "AIDataPipelineRun",
        sa.Column("pipelineId", sa.String(length=64), nullable=False),
        sa.Column("runId", sa.String(length=255), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "running",
                "completed",
                "failed",
                "cancelled",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="running",
            nullable=False,
        ),
        sa.Column("startTime", UTCDateTime(), nullable=True),
        sa.Column("endTime", UTCDateTime(), nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("recordsProcessed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("recordsFailed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("recordsSkipped", sa.Integer(), server_default="0", nullable=False),
        sa.Column("inputSize", sa.BigInteger(), nullable=True),
        sa.Column("outputSize", sa.BigInteger(), nullable=True),
        sa.Column("logs", sa.Text(), nullable=True),
        sa.Column("metrics", JSONValue, nullable=True),
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
            ["companyId"], ["Company.id"], name=op.f("fk_AIDataPipelineRun_companyId_Company")
        ),
        sa.ForeignKeyConstraint(
            ["pipelineId"],
            ["AIDataPipeline.id"],
            name=op.f("fk_AIDataPipelineRun_pipelineId_AIDataPipeline"),
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_AIDataPipelineRun_tenantId_Tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_AIDataPipelineRun")),
        sa.UniqueConstraint(
            "tenantId",
            "companyId",
            "runId",
            name=op.f("uq_AIDataPipelineRun_tenantId_companyId_runId"),
        ),
    )
    with op.batch_alter_table("AIDataPipelineRun", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_AIDataPipelineRun_companyId"), ["companyId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIDataPipelineRun_createdAt"), ["createdAt"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIDataPipelineRun_pipelineId"), ["pipelineId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIDataPipelineRun_tenantId"), ["tenantId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIDataPipelineRun_tenantId_companyId_pipelineId_createdAt"),
            ["tenantId", "companyId", "pipelineId", "createdAt"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_AIDataPipelineRun_tenantId_companyId_startTime"),
            ["tenantId", "companyId", "startTime"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_AIDataPipelineRun_tenantId_companyId_status"),
            ["tenantId", "companyId", "status"],
            unique=False,
        )

    op.create_table(
        "AIModel",
        sa.Column("modelName", sa.String(length=255), nullable=False),
        sa.Column("modelVersion", sa.String(length=64), nullable=False),
        sa.Column(
            "modelType",
            sa.Enum(
                "classification",
                "regression",
                "clustering",
                "anomaly_detection",
                name="modelType",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("algorithm", sa.String(length=255), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "training",
                "active",
                "deprecated",
                "failed",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="training",
            nullable=False,
        ),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("precision", sa.Float(), nullable=True),
        sa.Column("recall", sa.Float(), nullable=True),
        sa.Column("f1Score", sa.Float(), nullable=True),
        sa.Column("hyperparameters", JSONValue, nullable=True),
        sa.Column("featureColumns", JSONValue, nullable=True),
        sa.Column("targetColumn", sa.String(length=255), nullable=True),
        sa.Column("experimentId", sa.String(length=64), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
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
            ["companyId"], ["Company.id"], name=op.f("fk_AIModel_companyId_Company")
        ),
        sa.ForeignKeyConstraint(
            ["experimentId"], ["AIExperiment.id"], name=op.f("fk_AIModel_experimentId_AIExperiment")
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_AIModel_tenantId_Tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_AIModel")),
        sa.UniqueConstraint(
            "tenantId",
            "companyId",
            "modelName",
            "modelVersion",
            name=op.f("uq_AIModel_tenantId_companyId_modelName_modelVersion"),
        ),
    )
    with op.batch_alter_table("AIModel", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_AIModel_companyId"), ["companyId"], unique=False)
        batch_op.create_index(batch_op.f("ix_AIModel_createdAt"), ["createdAt"], unique=False)
        batch_op.create_index(batch_op.f("ix_AIModel_experimentId"), ["experimentId"], unique=False)
        batch_op.create_index(batch_op.f("ix_AIModel_tenantId"), ["tenantId"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_AIModel_tenantId_companyId_algorithm"),
            ["tenantId", "companyId", "algorithm"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_AIModel_tenantId_companyId_createdAt"),
            ["tenantId", "companyId", "createdAt"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_AIModel_tenantId_companyId_modelType"),
            ["tenantId", "companyId", "modelType"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_AIModel_tenantId_companyId_status"),
            ["tenantId", "companyId", "status"],
            unique=False,
        )

    op.create_table(
        "AIDeployment",
        sa.Column("deploymentName", sa.String(length=255), nullable=False),
        sa.Column("modelId", sa.String(length=64), nullable=False),
        sa.Column(
            "environment",
            sa.Enum(
                "development",
                "staging",
                "production",
                name="environment",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "deploying",
                "active",
                "failed",
                "rolled_back",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="deploying",
            nullable=False,
        ),
        sa.Column("endpoint", sa.String(length=2048), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("config", JSONValue, nullable=True),
        sa.Column("healthCheck", JSONValue, nullable=True),
        sa.Column("performance", JSONValue, nullable=True),
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
            ["companyId"], ["Company.id"], name=op.f("fk_AIDeployment_companyId_Company")
        ),
        sa.ForeignKeyConstraint(
            ["modelId"], ["AIModel.id"], name=op.f("fk_AIDeployment_modelId_AIModel")
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_AIDeployment_tenantId_Tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_AIDeployment")),
        sa.UniqueConstraint(
            "tenantId",
            "companyId",
            "deploymentName",
            name=op.f("uq_AIDeployment_tenantId_companyId_deploymentName"),
        ),
    )
    with op.batch_alter_table("AIDeployment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_AIDeployment_companyId"), ["companyId"], unique=False)
        batch_op.create_index(batch_op.f("ix_AIDeployment_createdAt"), ["createdAt"], unique=False)
        batch_op.create_index(batch_op.f("ix_AIDeployment_modelId"), ["modelId"], unique=False)
        batch_op.create_index(batch_op.f("ix_AIDeployment_tenantId"), ["tenantId"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_AIDeployment_tenantId_companyId_createdAt"),
            ["tenantId", "companyId", "createdAt"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_AIDeployment_tenantId_companyId_environment_status"),
            ["tenantId", "companyId", "environment", "status"],
            unique=False,
        )

    op.create_table(
        "AIDriftDetection",
        sa.Column("modelId", sa.String(length=64), nullable=True),
        sa.Column(
            "driftType",
            sa.Enum(
                "data_drift",
                "concept_drift",
                "label_drift",
                name="driftType",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("featureName", sa.String(length=255), nullable=True),
        sa.Column("baselineValue", JSONValue, nullable=True),
        sa.Column("currentValue", JSONValue, nullable=True),
        sa.Column("driftScore", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "detected",
                "warning",
                "normal",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("analysis", JSONValue, nullable=True),
        sa.Column("recommendations", JSONValue, nullable=True),
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
            ["companyId"], ["Company.id"], name=op.f("fk_AIDriftDetection_companyId_Company")
        ),
        sa.ForeignKeyConstraint(
            ["modelId"], ["AIModel.id"], name=op.f("fk_AIDriftDetection_modelId_AIModel")
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_AIDriftDetection_tenantId_Tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_AIDriftDetection")),
    )
    with op.batch_alter_table("AIDriftDetection", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_AIDriftDetection_companyId"), ["companyId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIDriftDetection_createdAt"), ["createdAt"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_AIDriftDetection_modelId"), ["modelId"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_AIDriftDetection_tenantId"), ["tenantId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIDriftDetection_tenantId_companyId_createdAt"),
            ["tenantId", "companyId", "createdAt"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_AIDriftDetection_tenantId_companyId_modelId_driftType_createdAt"),
            ["tenantId", "companyId", "modelId", "driftType", "createdAt"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_AIDriftDetection_tenantId_companyId_status"),
            ["tenantId", "companyId", "status"],
            unique=False,
        )

    op.create_table(
        "AIGovernanceViolation",
        sa.Column("policyId", sa.String(length=64), nullable=False),
        sa.Column("modelId", sa.String(length=64), nullable=True),
        sa.Column(
            "violationType",
            sa.Enum(
                "bias",
                "fairness",
                "privacy",
                "security",
                "transparency",
                name="violationType",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "severity",
            sa.Enum(
                "low",
                "medium",
                "high",
                "critical",
                name="severity",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("details", JSONValue, nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "investigating",
                "resolved",
                "false_positive",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="open",
            nullable=False,
        ),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolvedBy", sa.String(length=255), nullable=True),
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
            ["companyId"], ["Company.id"], name=op.f("fk_AIGovernanceViolation_companyId_Company")
        ),
        sa.ForeignKeyConstraint(
            ["modelId"], ["AIModel.id"], name=op.f("fk_AIGovernanceViolation_modelId_AIModel")
        ),
        sa.ForeignKeyConstraint(
            ["policyId"],
            ["AIGovernance.id"],
            name=op.f("fk_AIGovernanceViolation_policyId_AIGovernance"),
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_AIGovernanceViolation_tenantId_Tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_AIGovernanceViolation")),
    )
    with op.batch_alter_table("AIGovernanceViolation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_AIGovernanceViolation_companyId"), ["companyId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIGovernanceViolation_createdAt"), ["createdAt"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIGovernanceViolation_modelId"), ["modelId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIGovernanceViolation_policyId"), ["policyId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIGovernanceViolation_tenantId"), ["tenantId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIGovernanceViolation_tenantId_companyId_createdAt"),
            ["tenantId", "companyId", "createdAt"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_AIGovernanceViolation_tenantId_companyId_status_severity"),
            ["tenantId", "companyId", "status", "severity"],
            unique=False,
        )

    op.create_table(
        "AIModelFeatureImportance",
        sa.Column("modelId", sa.String(length=64), nullable=False),
        sa.Column("featureName", sa.String(length=255), nullable=False),
        sa.Column("importance", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column(
            "method",
            sa.Enum(
                "permutation",
                "shap",
                "built_in",
                name="method",
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
            ["companyId"],
            ["Company.id"],
            name=op.f("fk_AIModelFeatureImportance_companyId_Company"),
        ),
        sa.ForeignKeyConstraint(
            ["modelId"], ["AIModel.id"], name=op.f("fk_AIModelFeatureImportance_modelId_AIModel")
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_AIModelFeatureImportance_tenantId_Tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_AIModelFeatureImportance")),
        sa.UniqueConstraint(
            "tenantId",
            "companyId",
            "modelId",
            "featureName",
            "method",
            name=op.f("uq_AIModelFeatureImportance_tenantId_companyId_modelId_featureName_method"),
        ),
    )
    with op.batch_alter_table("AIModelFeatureImportance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_AIModelFeatureImportance_companyId"), ["companyId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIModelFeatureImportance_createdAt"), ["createdAt"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIModelFeatureImportance_modelId"), ["modelId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIModelFeatureImportance_tenantId"), ["tenantId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIModelFeatureImportance_tenantId_companyId_modelId_method"),
            ["tenantId", "companyId", "modelId", "method"],
            unique=False,
        )

    op.create_table(
        "AIModelPrediction",
        sa.Column("modelId", sa.String(length=64), nullable=False),
        sa.Column(
            "predictionType",
            sa.Enum(
                "anomaly",
                "classification",
                "regression",
                "forecast",
                name="predictionType",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("inputData", JSONValue, nullable=False),
        sa.Column("prediction", JSONValue, nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("actualValue", JSONValue, nullable=True),
        sa.Column("isCorrect", sa.Boolean(), nullable=True),
        sa.Column("error", sa.Float(), nullable=True),
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
            ["companyId"], ["Company.id"], name=op.f("fk_AIModelPrediction_companyId_Company")
        ),
        sa.ForeignKeyConstraint(
            ["modelId"], ["AIModel.id"], name=op.f("fk_AIModelPrediction_modelId_AIModel")
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_AIModelPrediction_tenantId_Tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_AIModelPrediction")),
    )
    with op.batch_alter_table("AIModelPrediction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_AIModelPrediction_companyId"), ["companyId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIModelPrediction_createdAt"), ["createdAt"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_AIModelPrediction_modelId"), ["modelId"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_AIModelPrediction_tenantId"), ["tenantId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIModelPrediction_tenantId_companyId_createdAt"),
            ["tenantId", "companyId", "createdAt"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_AIModelPrediction_tenantId_companyId_modelId_createdAt"),
            ["tenantId", "companyId", "modelId", "createdAt"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_AIModelPrediction_tenantId_companyId_predictionType"),
            ["tenantId", "companyId", "predictionType"],
            unique=False,
        )

    op.create_table(
        "AIModelTrainingRun",
        sa.Column("modelId", sa.String(length=64), nullable=False),
        sa.Column("runName", sa.String(length=255), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "running",
                "completed",
                "failed",
                "cancelled",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="running",
            nullable=False,
        ),
        sa.Column("startTime", UTCDateTime(), nullable=True),
        sa.Column("endTime", UTCDateTime(), nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("epochs", sa.Integer(), nullable=True),
        sa.Column("batchSize", sa.Integer(), nullable=True),
        sa.Column("learningRate", sa.Float(), nullable=True),
        sa.Column("loss", sa.Float(), nullable=True),
        sa.Column("validationLoss", sa.Float(), nullable=True),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("validationAccuracy", sa.Float(), nullable=True),
        sa.Column("trainingMetrics", JSONValue, nullable=True),
        sa.Column("validationMetrics", JSONValue, nullable=True),
        sa.Column("logs", sa.Text(), nullable=True),
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
            ["companyId"], ["Company.id"], name=op.f("fk_AIModelTrainingRun_companyId_Company")
        ),
        sa.ForeignKeyConstraint(
            ["modelId"], ["AIModel.id"], name=op.f("fk_AIModelTrainingRun_modelId_AIModel")
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_AIModelTrainingRun_tenantId_Tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_AIModelTrainingRun")),
    )
    with op.batch_alter_table("AIModelTrainingRun", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_AIModelTrainingRun_companyId"), ["companyId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIModelTrainingRun_createdAt"), ["createdAt"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIModelTrainingRun_modelId"), ["modelId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIModelTrainingRun_tenantId"), ["tenantId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIModelTrainingRun_tenantId_companyId_modelId_createdAt"),
            ["tenantId", "companyId", "modelId", "createdAt"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_AIModelTrainingRun_tenantId_companyId_startTime"),
            ["tenantId", "companyId", "startTime"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_AIModelTrainingRun_tenantId_companyId_status"),
            ["tenantId", "companyId", "status"],
            unique=False,
        )

    op.create_table(
        "AIPerformanceMetrics",
        sa.Column("modelId", sa.String(length=64), nullable=True),
        sa.Column(
            "metricType",
            sa.Enum(
                "accuracy",
                "precision",
                "recall",
                "f1",
                "mae",
                "rmse",
                "latency",
                name="metricType",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("metricValue", sa.Float(), nullable=False),
        sa.Column(
            "metricDate", UTCDateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "timeWindow",
            sa.Enum(
                "daily",
                "weekly",
                "monthly",
                name="timeWindow",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("comparisonValue", sa.Float(), nullable=True),
        sa.Column(
            "trend",
            sa.Enum(
                "improving",
                "declining",
                "stable",
                name="trend",
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
            ["companyId"], ["Company.id"], name=op.f("fk_AIPerformanceMetrics_companyId_Company")
        ),
        sa.ForeignKeyConstraint(
            ["modelId"], ["AIModel.id"], name=op.f("fk_AIPerformanceMetrics_modelId_AIModel")
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_AIPerformanceMetrics_tenantId_Tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_AIPerformanceMetrics")),
    )
    with op.batch_alter_table("AIPerformanceMetrics", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_AIPerformanceMetrics_companyId"), ["companyId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIPerformanceMetrics_createdAt"), ["createdAt"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIPerformanceMetrics_modelId"), ["modelId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIPerformanceMetrics_tenantId"), ["tenantId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AIPerformanceMetrics_tenantId_companyId_metricDate"),
            ["tenantId", "companyId", "metricDate"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_AIPerformanceMetrics_tenantId_companyId_modelId_metricType_metricDate"),
            ["tenantId", "companyId", "modelId", "metricType", "metricDate"],
            unique=False,
        )

    op.create_table(
        "AILearningFeedback",
        sa.Column("userId", sa.String(length=255), nullable=True),
        sa.Column("modelId", sa.String(length=64), nullable=True),
        sa.Column("predictionId", sa.String(length=64), nullable=True),
        sa.Column(
            "feedbackType",
            sa.Enum(
                "correction",
                "rating",
                "comment",
                "flag",
                name="feedbackType",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("feedbackData", JSONValue, nullable=True),
        sa.Column("isPositive", sa.Boolean(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column(
            "impact",
            sa.Enum(
                "high",
                "medium",
                "low",
                name="impact",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "processed",
                "ignored",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="pending",
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
            ["companyId"], ["Company.id"], name=op.f("fk_AILearningFeedback_companyId_Company")
        ),
        sa.ForeignKeyConstraint(
            ["modelId"], ["AIModel.id"], name=op.f("fk_AILearningFeedback_modelId_AIModel")
        ),
        sa.ForeignKeyConstraint(
            ["predictionId"],
            ["AIModelPrediction.id"],
            name=op.f("fk_AILearningFeedback_predictionId_AIModelPrediction"),
        ),
        sa.ForeignKeyConstraint(
            ["tenantId"], ["Tenant.id"], name=op.f("fk_AILearningFeedback_tenantId_Tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_AILearningFeedback")),
    )
    with op.batch_alter_table("AILearningFeedback", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_AILearningFeedback_companyId"), ["companyId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AILearningFeedback_createdAt"), ["createdAt"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AILearningFeedback_modelId"), ["modelId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AILearningFeedback_predictionId"), ["predictionId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AILearningFeedback_tenantId"), ["tenantId"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_AILearningFeedback_tenantId_companyId_createdAt"),
            ["tenantId", "companyId", "createdAt"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_AILearningFeedback_tenantId_companyId_modelId_createdAt"),
            ["tenantId", "companyId", "modelId", "createdAt"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_AILearningFeedback_tenantId_companyId_status"),
            ["tenantId", "companyId", "status"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_AILearningFeedback_userId"), ["userId"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("AILearningFeedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_AILearningFeedback_userId"))
        batch_op.drop_index(batch_op.f("ix_AILearningFeedback_tenantId_companyId_status"))
        batch_op.drop_index(
            batch_op.f("ix_AILearningFeedback_tenantId_companyId_modelId_createdAt")
        )
        batch_op.drop_index(batch_op.f("ix_AILearningFeedback_tenantId_companyId_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AILearningFeedback_tenantId"))
        batch_op.drop_index(batch_op.f("ix_AILearningFeedback_predictionId"))
        batch_op.drop_index(batch_op.f("ix_AILearningFeedback_modelId"))
        batch_op.drop_index(batch_op.f("ix_AILearningFeedback_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AILearningFeedback_companyId"))

    op.drop_table("AILearningFeedback")
    with op.batch_alter_table("AIPerformanceMetrics", schema=None) as batch_op:
        batch_op.drop_index(
            batch_op.f("ix_AIPerformanceMetrics_tenantId_companyId_modelId_metricType_metricDate")
        )
        batch_op.drop_index(batch_op.f("ix_AIPerformanceMetrics_tenantId_companyId_metricDate"))
        batch_op.drop_index(batch_op.f("ix_AIPerformanceMetrics_tenantId"))
        batch_op.drop_index(batch_op.f("ix_AIPerformanceMetrics_modelId"))
        batch_op.drop_index(batch_op.f("ix_AIPerformanceMetrics_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AIPerformanceMetrics_companyId"))

    op.drop_table("AIPerformanceMetrics")
    with op.batch_alter_table("AIModelTrainingRun", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_AIModelTrainingRun_tenantId_companyId_status"))
        batch_op.drop_index(batch_op.f("ix_AIModelTrainingRun_tenantId_companyId_startTime"))
        batch_op.drop_index(
            batch_op.f("ix_AIModelTrainingRun_tenantId_companyId_modelId_createdAt")
        )
        batch_op.drop_index(batch_op.f("ix_AIModelTrainingRun_tenantId"))
        batch_op.drop_index(batch_op.f("ix_AIModelTrainingRun_modelId"))
        batch_op.drop_index(batch_op.f("ix_AIModelTrainingRun_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AIModelTrainingRun_companyId"))

    op.drop_table("AIModelTrainingRun")
    with op.batch_alter_table("AIModelPrediction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_AIModelPrediction_tenantId_companyId_predictionType"))
        batch_op.drop_index(batch_op.f("ix_AIModelPrediction_tenantId_companyId_modelId_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AIModelPrediction_tenantId_companyId_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AIModelPrediction_tenantId"))
        batch_op.drop_index(batch_op.f("ix_AIModelPrediction_modelId"))
        batch_op.drop_index(batch_op.f("ix_AIModelPrediction_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AIModelPrediction_companyId"))

    op.drop_table("AIModelPrediction")
    with op.batch_alter_table("AIModelFeatureImportance", schema=None) as batch_op:
        batch_op.drop_index(
            batch_op.f("ix_AIModelFeatureImportance_tenantId_companyId_modelId_method")
        )
        batch_op.drop_index(batch_op.f("ix_AIModelFeatureImportance_tenantId"))
        batch_op.drop_index(batch_op.f("ix_AIModelFeatureImportance_modelId"))
        batch_op.drop_index(batch_op.f("ix_AIModelFeatureImportance_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AIModelFeatureImportance_companyId"))

    op.drop_table("AIModelFeatureImportance")
    with op.batch_alter_table("AIGovernanceViolation", schema=None) as batch_op:
        batch_op.drop_index(
            batch_op.f("ix_AIGovernanceViolation_tenantId_companyId_status_severity")
        )
        batch_op.drop_index(batch_op.f("ix_AIGovernanceViolation_tenantId_companyId_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AIGovernanceViolation_tenantId"))
        batch_op.drop_index(batch_op.f("ix_AIGovernanceViolation_policyId"))
        batch_op.drop_index(batch_op.f("ix_AIGovernanceViolation_modelId"))
        batch_op.drop_index(batch_op.f("ix_AIGovernanceViolation_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AIGovernanceViolation_companyId"))

    op.drop_table("AIGovernanceViolation")
    with op.batch_alter_table("AIDriftDetection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_AIDriftDetection_tenantId_companyId_status"))
        batch_op.drop_index(
            batch_op.f("ix_AIDriftDetection_tenantId_companyId_modelId_driftType_createdAt")
        )
        batch_op.drop_index(batch_op.f("ix_AIDriftDetection_tenantId_companyId_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AIDriftDetection_tenantId"))
        batch_op.drop_index(batch_op.f("ix_AIDriftDetection_modelId"))
        batch_op.drop_index(batch_op.f("ix_AIDriftDetection_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AIDriftDetection_companyId"))

    op.drop_table("AIDriftDetection")
    with op.batch_alter_table("AIDeployment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_AIDeployment_tenantId_companyId_environment_status"))
        batch_op.drop_index(batch_op.f("ix_AIDeployment_tenantId_companyId_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AIDeployment_tenantId"))
        batch_op.drop_index(batch_op.f("ix_AIDeployment_modelId"))
        batch_op.drop_index(batch_op.f("ix_AIDeployment_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AIDeployment_companyId"))

    op.drop_table("AIDeployment")
    with op.batch_alter_table("AIModel", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_AIModel_tenantId_companyId_status"))
        batch_op.drop_index(batch_op.f("ix_AIModel_tenantId_companyId_modelType"))
        batch_op.drop_index(batch_op.f("ix_AIModel_tenantId_companyId_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AIModel_tenantId_companyId_algorithm"))
        batch_op.drop_index(batch_op.f("ix_AIModel_tenantId"))
        batch_op.drop_index(batch_op.f("ix_AIModel_experimentId"))
        batch_op.drop_index(batch_op.f("ix_AIModel_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AIModel_companyId"))

    op.drop_table("AIModel")
    with op.batch_alter_table("AIDataPipelineRun", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_AIDataPipelineRun_tenantId_companyId_status"))
        batch_op.drop_index(batch_op.f("ix_AIDataPipelineRun_tenantId_companyId_startTime"))
        batch_op.drop_index(
            batch_op.f("ix_AIDataPipelineRun_tenantId_companyId_pipelineId_createdAt")
        )
        batch_op.drop_index(batch_op.f("ix_AIDataPipelineRun_tenantId"))
        batch_op.drop_index(batch_op.f("ix_AIDataPipelineRun_pipelineId"))
        batch_op.drop_index(batch_op.f("ix_AIDataPipelineRun_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AIDataPipelineRun_companyId"))

    op.drop_table("AIDataPipelineRun")
    with op.batch_alter_table("AuditLog", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_AuditLog_tenantId_tableName_rowId"))
        batch_op.drop_index(batch_op.f("ix_AuditLog_tenantId_companyId_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AuditLog_tenantId"))
        batch_op.drop_index(batch_op.f("ix_AuditLog_createdAt"))

    op.drop_table("AuditLog")
    with op.batch_alter_table("ApiKey", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ApiKey_tenantId"))
        batch_op.drop_index(batch_op.f("ix_ApiKey_createdAt"))

    op.drop_table("ApiKey")
    with op.batch_alter_table("AIGovernance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_AIGovernance_tenantId_companyId_status"))
        batch_op.drop_index(batch_op.f("ix_AIGovernance_tenantId_companyId_policyType"))
        batch_op.drop_index(batch_op.f("ix_AIGovernance_tenantId"))
        batch_op.drop_index(batch_op.f("ix_AIGovernance_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AIGovernance_companyId"))

    op.drop_table("AIGovernance")
    with op.batch_alter_table("AIExperiment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_AIExperiment_tenantId_companyId_status"))
        batch_op.drop_index(batch_op.f("ix_AIExperiment_tenantId_companyId_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AIExperiment_tenantId"))
        batch_op.drop_index(batch_op.f("ix_AIExperiment_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AIExperiment_companyId"))

    op.drop_table("AIExperiment")
    with op.batch_alter_table("AIDataQuality", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_AIDataQuality_tenantId_companyId_tableName_columnName"))
        batch_op.drop_index(batch_op.f("ix_AIDataQuality_tenantId_companyId_status"))
        batch_op.drop_index(batch_op.f("ix_AIDataQuality_tenantId_companyId_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AIDataQuality_tenantId"))
        batch_op.drop_index(batch_op.f("ix_AIDataQuality_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AIDataQuality_companyId"))

    op.drop_table("AIDataQuality")
    with op.batch_alter_table("AIDataPipeline", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_AIDataPipeline_tenantId_companyId_status"))
        batch_op.drop_index(batch_op.f("ix_AIDataPipeline_tenantId_companyId_pipelineType"))
        batch_op.drop_index(batch_op.f("ix_AIDataPipeline_tenantId"))
        batch_op.drop_index(batch_op.f("ix_AIDataPipeline_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AIDataPipeline_companyId"))

    op.drop_table("AIDataPipeline")
    with op.batch_alter_table("AIConfig", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_AIConfig_tenantId_companyId_configType_isActive"))
        batch_op.drop_index(batch_op.f("ix_AIConfig_tenantId"))
        batch_op.drop_index(batch_op.f("ix_AIConfig_createdAt"))
        batch_op.drop_index(batch_op.f("ix_AIConfig_companyId"))

    op.drop_table("AIConfig")
    with op.batch_alter_table("User", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_User_tenantId"))
        batch_op.drop_index(batch_op.f("ix_User_createdAt"))

    op.drop_table("User")
    with op.batch_alter_table("Company", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_Company_tenantId"))
        batch_op.drop_index(batch_op.f("ix_Company_createdAt"))

    op.drop_table("Company")
    with op.batch_alter_table("Tenant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_Tenant_createdAt"))

    op.drop_table("Tenant")
