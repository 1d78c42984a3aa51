"""The schema carries the seed's tables and names, and every row belongs to a tenant.

STYLE.md 2.4(5): this test fails if a mapped table lacks ``tenantId`` and is not
in ``GLOBAL_TABLES``; every AI table also carries ``companyId``, both NOT NULL,
with real foreign keys and an index led by (tenantId, companyId).

A real foreign key is either a direct one (``tenantId`` -> Tenant.id) or an owner key: a
composite key whose (tenantId, companyId) refer to the same columns of a parent table
whose own keys reach Tenant and Company (AIModelPrediction -> AIModel: one per-row check
instead of three on the most written table, and it also ties a prediction to its model's
company).
"""

import pytest
from sqlalchemy import Column, Table

from urutiq_ai import catalog  # noqa: F401 - maps every table
from urutiq_ai.core.db import Base
from urutiq_ai.core.models import TenantOwned

# Worker: the heartbeats of job-running processes, shared by every tenant (no tenant data).
GLOBAL_TABLES = frozenset({"Tenant", "Worker"})

# The seed's "Key Fields" per table, under their exact names (plus the links named
# under "Key Relationships" and the columns its "Usage Examples" insert).
SEED_KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "AIModel": (
        "modelName",
        "modelVersion",
        "modelType",
        "algorithm",
        "status",
        "accuracy",
        "precision",
        "recall",
        "f1Score",
        "hyperparameters",
        "featureColumns",
        "targetColumn",
        "experimentId",
    ),
    "AIModelTrainingRun": (
        "modelId",
        "runName",
        "status",
        "startTime",
        "endTime",
        "duration",
        "epochs",
        "batchSize",
        "learningRate",
        "loss",
        "validationLoss",
        "accuracy",
        "validationAccuracy",
        "trainingMetrics",
        "validationMetrics",
        "logs",
    ),
    "AIModelPrediction": (
        "modelId",
        "predictionType",
        "inputData",
        "prediction",
        "confidence",
        "probability",
        "actualValue",
        "isCorrect",
        "error",
    ),
    "AIModelFeatureImportance": ("modelId", "featureName", "importance", "rank", "method"),
    "AIDataPipeline": (
        "pipelineName",
        "pipelineType",
        "status",
        "schedule",
        "config",
        "sourceTables",
        "targetTables",
        "transformations",
        "validationRules",
    ),
    "AIDataPipelineRun": (
        "pipelineId",
        "runId",
        "status",
        "recordsProcessed",
        "recordsFailed",
        "recordsSkipped",
        "inputSize",
        "outputSize",
        "logs",
        "metrics",
    ),
    "AIDataQuality": (
        "tableName",
        "columnName",
        "qualityMetric",
        "metricValue",
        "threshold",
        "status",
        "issues",
        "recommendations",
    ),
    "AIPerformanceMetrics": (
        "modelId",
        "metricType",
        "metricValue",
        "metricDate",
        "timeWindow",
        "comparisonValue",
        "trend",
    ),
    "AIDriftDetection": (
        "driftType",
        "featureName",
        "baselineValue",
        "currentValue",
        "driftScore",
        "threshold",
        "status",
        "analysis",
        "recommendations",
    ),
    "AILearningFeedback": (
        "userId",
        "modelId",
        "predictionId",
        "feedbackType",
        "feedbackData",
        "isPositive",
        "confidence",
        "impact",
        "status",
    ),
    "AIExperiment": (
        "experimentName",
        "objective",
        "status",
        "hypothesis",
        "methodology",
        "baselineModel",
        "currentModel",
        "successMetrics",
        "results",
        "conclusions",
    ),
    "AIDeployment": (
        "deploymentName",
        "environment",
        "status",
        "endpoint",
        "version",
        "config",
        "healthCheck",
        "performance",
    ),
    "AIGovernance": (
        "policyName",
        "policyType",
        "status",
        "rules",
        "thresholds",
        "monitoring",
        "alerts",
        "compliance",
    ),
    "AIGovernanceViolation": (
        "policyId",
        "modelId",
        "violationType",
        "severity",
        "description",
        "details",
        "status",
        "resolution",
        "resolvedBy",
    ),
    "AIConfig": ("configType", "configData", "isActive"),
}
COMMON = ("id", "tenantId", "companyId", "createdAt", "updatedAt")
TABLES = Base.metadata.tables
AI_TABLES = sorted(name for name in TABLES if name.startswith("AI"))


def _table(name: str) -> Table:
    return TABLES[name]


def _columns(name: str) -> dict[str, Column[object]]:
    """Columns by database name (``table.c`` is keyed by the Python attribute name)."""
    return {column.name: column for column in _table(name).columns}


def _reaches(table_name: str, column_name: str, depth: int = 0) -> set[tuple[str, str]]:
    """(table, column) pairs that ``table_name.column_name`` is checked against: a direct
    foreign key, or through an owner key to the same column of a parent table, whose own
    key then counts (followed at most three tables up)."""
    column = _columns(table_name)[column_name]
    found: set[tuple[str, str]] = set()
    for fk in column.foreign_keys:
        parent, parent_column = fk.column.table.name, fk.column.name
        owner_key = len(fk.constraint.columns) > 1 if fk.constraint is not None else False
        if owner_key and parent_column == column_name and depth < 3:
            found |= _reaches(parent, parent_column, depth + 1)
        else:
            found.add((parent, parent_column))
    return found


class TestEveryTableHasATenant:
    @pytest.mark.parametrize("name", sorted(TABLES))
    def test_tenant_id(self, name: str) -> None:
        if name in GLOBAL_TABLES:
            return
        table = _table(name)
        columns = _columns(name)
        assert "tenantId" in columns, f"{name} has no tenantId and is not in GLOBAL_TABLES"
        column = columns["tenantId"]
        assert not column.nullable, f"{name}.tenantId is nullable"
        assert _reaches(name, "tenantId") == {("Tenant", "id")}
        assert (
            any(index.columns.values()[0].name == "tenantId" for index in table.indexes)
            or column.index
        ), f"{name}.tenantId is not indexed"

    def test_mapped_classes_are_tenant_owned(self) -> None:
        for mapper in Base.registry.mappers:
            name = mapper.class_.__tablename__
            if name not in GLOBAL_TABLES:
                assert issubclass(mapper.class_, TenantOwned), name


class TestAITables:
    def test_exactly_the_seed_tables(self) -> None:
        assert set(AI_TABLES) == set(SEED_KEY_FIELDS)
        assert len(AI_TABLES) == 15

    @pytest.mark.parametrize("name", AI_TABLES)
    def test_tenant_and_company(self, name: str) -> None:
        columns = _columns(name)
        for column_name, target in (("tenantId", "Tenant"), ("companyId", "Company")):
            assert column_name in columns, f"{name} lacks {column_name}"
            column = columns[column_name]
            assert not column.nullable, f"{name}.{column_name} is nullable"
            assert _reaches(name, column_name) == {(target, "id")}

    @pytest.mark.parametrize("name", AI_TABLES)
    def test_composite_index_led_by_tenant_and_company(self, name: str) -> None:
        leading = [
            [column.name for column in index.columns][:2] for index in _table(name).indexes
        ] + [
            [column.name for column in constraint.columns][:2]
            for constraint in _table(name).constraints
            if constraint.__class__.__name__ == "UniqueConstraint"
        ]
        assert ["tenantId", "companyId"] in leading, f"{name}: {leading}"

    @pytest.mark.parametrize("name", AI_TABLES)
    def test_multi_column_indexes_lead_with_tenant(self, name: str) -> None:
        for index in _table(name).indexes:
            columns = [column.name for column in index.columns]
            if len(columns) > 1:
                assert columns[:2] == ["tenantId", "companyId"], f"{index.name}: {columns}"

    @pytest.mark.parametrize("name", AI_TABLES)
    def test_seed_key_fields(self, name: str) -> None:
        columns = set(_columns(name))
        missing = [field for field in (*COMMON, *SEED_KEY_FIELDS[name]) if field not in columns]
        assert not missing, f"{name} lacks {missing}"

    @pytest.mark.parametrize("name", AI_TABLES)
    def test_id_is_text_with_database_default(self, name: str) -> None:
        column = _columns(name)["id"]
        assert column.primary_key
        assert column.type.python_type is str
        assert column.server_default is not None

    @pytest.mark.parametrize("name", AI_TABLES)
    def test_timestamps_have_database_defaults(self, name: str) -> None:
        for column_name in ("createdAt", "updatedAt"):
            column = _columns(name)[column_name]
            assert not column.nullable
            assert column.server_default is not None
