"""The seed's enumerations, links and unique names, as the mapping declares them."""

from typing import Any

import pytest
from sqlalchemy import Column, Enum, UniqueConstraint

from tests.core.schema_fields import enum_fields
from urutiq_ai.catalog import RESOURCES
from urutiq_ai.core.db import Base
from urutiq_ai.core.naming import to_camel
from urutiq_ai.crud.resource import Resource

TABLES = Base.metadata.tables

# Every enumerated Key Field of the seed and exactly its values.
SEED_ENUMS: dict[tuple[str, str], set[str]] = {
    ("AIModel", "modelType"): {"classification", "regression", "clustering", "anomaly_detection"},
    ("AIModel", "status"): {"training", "active", "deprecated", "failed"},
    ("AIModelTrainingRun", "status"): {"running", "completed", "failed", "cancelled"},
    ("AIModelPrediction", "predictionType"): {
        "anomaly",
        "classification",
        "regression",
        "forecast",
    },
    ("AIModelFeatureImportance", "method"): {"permutation", "shap", "built_in"},
    ("AIDataPipeline", "pipelineType"): {
        "data_collection",
        "preprocessing",
        "feature_engineering",
        "validation",
    },
    ("AIDataPipeline", "status"): {"active", "paused", "error"},
    ("AIDataPipelineRun", "status"): {"running", "completed", "failed", "cancelled"},
    ("AIDataQuality", "qualityMetric"): {
        "completeness",
        "accuracy",
        "consistency",
        "timeliness",
        "validity",
    },
    ("AIDataQuality", "status"): {"pass", "fail", "warning"},
    ("AIPerformanceMetrics", "metricType"): {
        "accuracy",
        "precision",
        "recall",
        "f1",
        "mae",
        "rmse",
        "latency",
    },
    ("AIPerformanceMetrics", "timeWindow"): {"daily", "weekly", "monthly"},
    ("AIPerformanceMetrics", "trend"): {"improving", "declining", "stable"},
    ("AIDriftDetection", "driftType"): {"data_drift", "concept_drift", "label_drift"},
    ("AIDriftDetection", "status"): {"detected", "warning", "normal"},
    ("AILearningFeedback", "feedbackType"): {"correction", "rating", "comment", "flag"},
    ("AILearningFeedback", "impact"): {"high", "medium", "low"},
    ("AILearningFeedback", "status"): {"pending", "processed", "ignored"},
    ("AIExperiment", "status"): {"active", "completed", "archived"},
    ("AIDeployment", "environment"): {"development", "staging", "production"},
    ("AIDeployment", "status"): {"deploying", "active", "failed", "rolled_back"},
    ("AIGovernance", "policyType"): {
        "bias_detection",
        "fairness",
        "transparency",
        "privacy",
        "security",
    },
    ("AIGovernance", "status"): {"active", "inactive", "draft"},
    ("AIGovernanceViolation", "violationType"): {
        "bias",
        "fairness",
        "privacy",
        "security",
        "transparency",
    },
    ("AIGovernanceViolation", "severity"): {"low", "medium", "high", "critical"},
    ("AIGovernanceViolation", "status"): {"open", "investigating", "resolved", "false_positive"},
    ("AIConfig", "configType"): {"prompts", "categories", "behavior", "industry"},
}

# The seed's "Key Relationships": column -> the table it references.
SEED_FOREIGN_KEYS: dict[tuple[str, str], str] = {
    ("AIModel", "experimentId"): "AIExperiment",
    ("AIModelTrainingRun", "modelId"): "AIModel",
    ("AIModelPrediction", "modelId"): "AIModel",
    ("AIModelFeatureImportance", "modelId"): "AIModel",
    ("AIDataPipelineRun", "pipelineId"): "AIDataPipeline",
    ("AIPerformanceMetrics", "modelId"): "AIModel",
    ("AIDriftDetection", "modelId"): "AIModel",
    ("AILearningFeedback", "modelId"): "AIModel",
    ("AILearningFeedback", "predictionId"): "AIModelPrediction",
    ("AIDeployment", "modelId"): "AIModel",
    ("AIGovernanceViolation", "policyId"): "AIGovernance",
    ("AIGovernanceViolation", "modelId"): "AIModel",
}

# Names unique per company (the list).
SEED_UNIQUE: dict[str, tuple[str, ...]] = {
    "AIModel": ("tenantId", "companyId", "modelName", "modelVersion"),
    "AIDataPipeline": ("tenantId", "companyId", "pipelineName"),
    "AIExperiment": ("tenantId", "companyId", "experimentName"),
    # One deployment of a name per environment (issue 6): staging and production deployments
    # of "expenses" are two rows, and promotion moves a model from one to the other.
    "AIDeployment": ("tenantId", "companyId", "deploymentName", "environment"),
    "AIGovernance": ("tenantId", "companyId", "policyName"),
}


def _column(table: str, name: str) -> Column[Any]:
    return next(column for column in TABLES[table].columns if column.name == name)


class TestEnumerations:
    @pytest.mark.parametrize(("table", "column"), sorted(SEED_ENUMS))
    def test_database_values(self, table: str, column: str) -> None:
        column_type = _column(table, column).type
        assert isinstance(column_type, Enum)
        assert set(column_type.enums) == SEED_ENUMS[(table, column)]
        assert column_type.create_constraint, "the database must check the value too"

    @pytest.mark.parametrize(("table", "column"), sorted(SEED_ENUMS))
    def test_api_values(self, table: str, column: str) -> None:
        res = next(res for res in RESOURCES if res.table == table)
        # A status the system sets (a deployment's) is not in the create schema: read it.
        enum = {**enum_fields(res.read_schema), **enum_fields(res.create_schema)}[column]
        assert {member.value for member in enum} == SEED_ENUMS[(table, column)]

    def test_no_other_enumerations(self) -> None:
        found = {
            (table.name, column.name)
            for table in TABLES.values()
            if table.name.startswith("AI")
            for column in table.columns
            if isinstance(column.type, Enum)
        }
        assert found == set(SEED_ENUMS)


class TestForeignKeys:
    @pytest.mark.parametrize(("table", "column"), sorted(SEED_FOREIGN_KEYS))
    def test_declared(self, table: str, column: str) -> None:
        targets = {
            (fk.column.table.name, fk.column.name) for fk in _column(table, column).foreign_keys
        }
        assert targets == {(SEED_FOREIGN_KEYS[(table, column)], "id")}

    @pytest.mark.parametrize("res", RESOURCES, ids=lambda res: res.path)
    def test_checked_references_are_known(self, res: Resource) -> None:
        for attr, table in res.refs.items():
            assert table in TABLES, f"{res.path}.{attr} names unknown table {table}"
            assert _column(res.table, to_camel(attr)) is not None


class TestUniqueNames:
    @pytest.mark.parametrize("table", sorted(SEED_UNIQUE))
    def test_unique_per_company(self, table: str) -> None:
        groups = [
            tuple(column.name for column in constraint.columns)
            for constraint in TABLES[table].constraints
            if isinstance(constraint, UniqueConstraint)
        ]
        assert SEED_UNIQUE[table] in groups, groups

    @pytest.mark.parametrize("table", sorted(SEED_UNIQUE))
    def test_api_checks_it(self, table: str) -> None:
        res = next(res for res in RESOURCES if res.table == table)
        names = {tuple(to_camel(attr) for attr in group) for group in res.unique}
        assert SEED_UNIQUE[table][2:] in names
