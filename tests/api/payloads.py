"""Minimal valid payloads per resource path, and a factory that creates rows through the API.

``Factory(client, tenant).create("training-runs")`` creates the model the run needs
first (once per company), then the run, always through the HTTP API with an editor
key, so every row in the tests went through the same rules as a user's.
"""

from collections.abc import Callable
from itertools import count
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from urutiq_ai.catalog import RESOURCES

_serial = count(1)


def unique(prefix: str) -> str:
    return f"{prefix}_{next(_serial)}"


# path -> a callable(deps) -> minimal create payload; ``deps`` holds prerequisite ids.
CREATE: dict[str, Callable[[dict[str, str]], dict[str, Any]]] = {
    "models": lambda _d: {
        "modelName": unique("expense_classifier"),
        "modelVersion": "v1.0",
        "modelType": "classification",
        "algorithm": "random_forest",
        "hyperparameters": {"n_estimators": 100},
        "featureColumns": ["amount", "vendor"],
    },
    "training-runs": lambda d: {
        "modelId": d["models"],
        "runName": unique("run"),
        "epochs": 10,
        "batchSize": 32,
        "trainingMetrics": [{"epoch": 1, "loss": 0.5}],
    },
    "predictions": lambda d: {
        "modelId": d["models"],
        "predictionType": "classification",
        "inputData": {"amount": 1000, "category": "office"},
        "prediction": {"prediction": "expense"},
        "confidence": 0.95,
    },
    "feature-importances": lambda d: {
        "modelId": d["models"],
        "featureName": unique("feat"),
        "importance": 0.4,
        "rank": 1,
        "method": "shap",
    },
    "pipelines": lambda _d: {
        "pipelineName": unique("pipeline"),
        "pipelineType": "preprocessing",
        "schedule": "0 2 * * *",
        "config": {"mode": "full", "retries": {"maxAttempts": 3, "backoffSeconds": 30.0}},
        # no sourceTables: a draft pipeline (a source must exist when given: checked on save)
    },
    "pipeline-runs": lambda d: {
        "pipelineId": d["pipelines"],
        "recordsProcessed": 5,
        "metrics": {"rows": 5},
    },
    "data-quality": lambda _d: {
        "tableName": "Expense",
        "columnName": "amount",
        "qualityMetric": "completeness",
        "metricValue": 0.98,
        "threshold": 0.95,
        "status": "pass",
        "issues": [{"rows": 2}],
    },
    "performance-metrics": lambda _d: {
        "metricType": "accuracy",
        "metricValue": 0.92,
        "timeWindow": "daily",
        "trend": "improving",
    },
    "drift-detections": lambda _d: {
        "driftType": "data_drift",
        "featureName": "amount",
        "driftScore": 0.3,
        "threshold": 0.2,
        "status": "detected",
        "analysis": {"psi": 0.3},
    },
    "feedback": lambda _d: {
        "feedbackType": "rating",
        "isPositive": True,
        "feedbackData": {"stars": 4},
        "impact": "low",
    },
    "experiments": lambda _d: {
        "experimentName": unique("experiment"),
        "objective": "fewer misclassified expenses",
        "methodology": {"split": "80/20"},
    },
    "deployments": lambda d: {
        "deploymentName": unique("deployment"),
        "modelId": d["trained-models"],
        "environment": "staging",
        "config": {"maxBatch": 100},
    },
    "governance-policies": lambda _d: {
        "policyName": unique("policy"),
        "policyType": "fairness",
        "rules": {"sensitiveColumn": "segment"},
    },
    "governance-violations": lambda d: {
        "policyId": d["governance-policies"],
        "violationType": "fairness",
        "severity": "high",
        "description": "approval gap above 10%",
        "details": {"gap": 0.14},
    },
    "configs": lambda _d: {
        "configType": "behavior",
        "configData": {"autoRetrain": True, "correctionThreshold": 25},
    },
}

# Paths whose rows must exist before a row of this path can be created.
NEEDS: dict[str, tuple[str, ...]] = {
    "training-runs": ("models",),
    "predictions": ("models",),
    "feature-importances": ("models",),
    "pipeline-runs": ("pipelines",),
    "deployments": ("trained-models",),  # deployed models must be trained (active, stored)
    "governance-violations": ("governance-policies",),
}

# A valid update, and every status move in it allowed from the created state.
UPDATE: dict[str, dict[str, Any]] = {
    "models": {"accuracy": 0.91, "description": "retrained on 2025 data"},
    "training-runs": {"loss": 0.12, "validationLoss": 0.15},
    "predictions": {"actualValue": {"label": "expense"}, "isCorrect": True},
    "feature-importances": {"importance": 0.55, "rank": 2},
    "pipelines": {"status": "paused", "description": "paused for the audit"},
    "pipeline-runs": {"recordsProcessed": 10, "recordsFailed": 1},
    "data-quality": {"status": "warning", "recommendations": ["fill blanks"]},
    "performance-metrics": {"trend": "stable", "comparisonValue": 0.9},
    "drift-detections": {"status": "warning", "recommendations": {"retrain": True}},
    "feedback": {"status": "processed", "impact": "high"},
    "experiments": {"conclusions": "the challenger wins", "hypothesis": "more trees help"},
    "governance-policies": {"status": "active", "thresholds": {"maxParityDifference": 0.05}},
    "governance-violations": {"status": "investigating", "severity": "critical"},
    "configs": {"note": "reviewed by finance"},  # versions are history: only the note changes
}

# An equality filter of the list endpoint and two values of it (the created row has A).
FILTER: dict[str, tuple[str, str, str]] = {
    "models": ("modelType", "classification", "regression"),
    "training-runs": ("status", "running", "completed"),
    "predictions": ("predictionType", "classification", "regression"),
    "feature-importances": ("method", "shap", "permutation"),
    "pipelines": ("pipelineType", "preprocessing", "validation"),
    "pipeline-runs": ("status", "running", "failed"),
    "data-quality": ("qualityMetric", "completeness", "validity"),
    "performance-metrics": ("metricType", "accuracy", "latency"),
    "drift-detections": ("driftType", "data_drift", "concept_drift"),
    "feedback": ("impact", "low", "high"),
    "experiments": ("status", "active", "completed"),
    "deployments": ("environment", "staging", "production"),
    "governance-policies": ("status", "draft", "active"),
    "governance-violations": ("severity", "high", "low"),
    "configs": ("isActive", "true", "false"),
}

# A JSON field of each resource that has one.
JSON_FIELD: dict[str, str] = {
    "models": "hyperparameters",
    "training-runs": "trainingMetrics",
    "predictions": "inputData",
    "pipelines": "config",
    "pipeline-runs": "metrics",
    "data-quality": "issues",
    "drift-detections": "analysis",
    "feedback": "feedbackData",
    "experiments": "methodology",
    "governance-policies": "rules",
    "governance-violations": "details",
    "configs": "configData",
}

# A length-limited text field of each resource that has one (255 or 64 characters).
TEXT_FIELD: dict[str, str] = {
    "models": "modelName",
    "training-runs": "runName",
    "predictions": "modelId",
    "feature-importances": "featureName",
    "pipelines": "pipelineName",
    "pipeline-runs": "runId",
    "data-quality": "tableName",
    "performance-metrics": "modelId",
    "drift-detections": "featureName",
    "feedback": "userId",
    "experiments": "experimentName",
    "deployments": "deploymentName",
    "governance-policies": "policyName",
    "governance-violations": "resolvedBy",
}

# The table a reference points at -> the path that creates rows of it.
PATH_OF_TABLE = {res.table: res.path for res in RESOURCES}

GOVERNANCE_PATHS = frozenset({"governance-policies", "governance-violations"})


class Factory:
    """Creates rows of a tenant through the API, prerequisites first (cached per company).

    ``trained-models`` (what a deployment needs) are trained through ``/train`` on a few
    seeded expense rows: a model only deploys once it is trained.
    """

    def __init__(
        self,
        client: TestClient,
        tenant: TenantFixture,
        role: str = "editor",
        seed: Callable[..., None] | None = None,
    ) -> None:
        self.client = client
        self.tenant = tenant
        self.role = role
        self.seed = seed
        self._deps: dict[tuple[str, str], str] = {}

    def deps(self, path: str, company: str | None = None) -> dict[str, str]:
        company = company or self.tenant.company_id
        out: dict[str, str] = {}
        for need in NEEDS.get(path, ()):
            if (company, need) not in self._deps:
                self._deps[(company, need)] = self._prerequisite(need, company)
            out[need] = self._deps[(company, need)]
        return out

    def _prerequisite(self, need: str, company: str) -> str:
        if need != "trained-models":
            return str(self.create(need, company=company)["id"])
        return self.trained_model(company)

    def trained_model(self, company: str | None = None) -> str:
        """A small logistic regression trained through the API (an active model)."""
        from tests.training.conftest import train_request, wait_for_run

        assert self.seed is not None, "this factory was made without the expense table"
        company = company or self.tenant.company_id
        self.seed(self.tenant, company, n=60)
        body = train_request(algorithm="logistic_regression", hyperparameters={})
        started = self.client.post(
            self.tenant.url("train", company), json=body, headers=self.tenant.headers("editor")
        )
        assert started.status_code == 202, started.text
        run = wait_for_run(self.client, self.tenant, started.json()["runId"], company)
        assert run["status"] == "completed", run["logs"]
        return str(started.json()["modelId"])

    def payload(self, path: str, company: str | None = None, **overrides: Any) -> dict[str, Any]:
        body = CREATE[path](self.deps(path, company))
        body.update(overrides)
        return body

    def post(self, path: str, body: dict[str, Any], company: str | None = None) -> Any:
        return self.client.post(
            self.tenant.url(path, company), json=body, headers=self.tenant.headers(self.role)
        )

    def create(self, path: str, company: str | None = None, **overrides: Any) -> dict[str, Any]:
        response = self.post(path, self.payload(path, company, **overrides), company)
        assert response.status_code == 201, f"{path}: {response.text}"
        body: dict[str, Any] = response.json()
        return body

    def list_all(
        self, path: str, company: str | None = None, role: str = "admin", **params: Any
    ) -> list[dict[str, Any]]:
        response = self.client.get(
            self.tenant.url(path, company),
            params={"limit": 500, **params},
            headers=self.tenant.headers(role),
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    def audit_rows(self, **params: Any) -> list[dict[str, Any]]:
        response = self.client.get(
            "/api/v1/audit-log",
            params={"limit": 500, **params},
            headers=self.tenant.headers("admin"),
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items


def assert_error(
    response: Any, status: int, *, error: str | None = None, fields: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The response is the error shape with ``status``, naming every one of ``fields``."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "detail", "fields"}, body
    assert isinstance(body["detail"], str), body
    assert body["detail"], body
    if error is not None:
        assert body["error"] == error, body
    named = {item["field"] for item in body["fields"]}
    for field in fields:
        assert field in named, f"{field!r} not named in {body}"
    return body
