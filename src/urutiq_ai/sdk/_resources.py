"""A typed client per seed resource, all built from one generic class and one table.

The table names each resource's schemas instead of importing them: they are imported the
first time a client of that resource needs them, so importing the SDK stays cheap and a
command that lists models loads only the registry's schemas.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast
from urllib.parse import quote

from pydantic import BaseModel

from urutiq_ai.core.schemas import Page
from urutiq_ai.sdk._transport import (
    Transport,
    build_payload,
    follow_pages,
    parse,
    query_params,
)

if TYPE_CHECKING:
    from urutiq_ai.alerts.schemas import (
        AlertRead,
        AlertUpdate,
        WebhookCreate,
        WebhookDeliveryRead,
        WebhookRead,
        WebhookUpdate,
    )
    from urutiq_ai.config.schemas import AIConfigCreate, AIConfigRead, AIConfigUpdate
    from urutiq_ai.core.ledger.schemas import JobRead
    from urutiq_ai.core.schemas import SystemWritten
    from urutiq_ai.deployments.schemas import (
        AIDeploymentCreate,
        AIDeploymentRead,
        DeploymentRevisionRead,
    )
    from urutiq_ai.experiments.schemas import (
        AIExperimentCreate,
        AIExperimentRead,
        AIExperimentUpdate,
    )
    from urutiq_ai.explainability.schemas import (
        AIModelFeatureImportanceCreate,
        AIModelFeatureImportanceRead,
        AIModelFeatureImportanceUpdate,
    )
    from urutiq_ai.feedback.schemas import (
        AILearningFeedbackCreate,
        AILearningFeedbackRead,
        AILearningFeedbackUpdate,
    )
    from urutiq_ai.governance.schemas import (
        AIGovernanceCreate,
        AIGovernanceRead,
        AIGovernanceUpdate,
        AIGovernanceViolationCreate,
        AIGovernanceViolationRead,
        AIGovernanceViolationUpdate,
        PolicyEvaluationRead,
    )
    from urutiq_ai.monitoring.schemas import (
        AIDriftDetectionCreate,
        AIDriftDetectionRead,
        AIDriftDetectionUpdate,
        AIPerformanceMetricsCreate,
        AIPerformanceMetricsRead,
        AIPerformanceMetricsUpdate,
        MonitorCreate,
        MonitorRead,
        MonitorRunRead,
        MonitorUpdate,
    )
    from urutiq_ai.pipelines.schemas import (
        AIDataPipelineCreate,
        AIDataPipelineRead,
        AIDataPipelineRunCreate,
        AIDataPipelineRunRead,
        AIDataPipelineRunUpdate,
        AIDataPipelineUpdate,
    )
    from urutiq_ai.predictions.schemas import (
        AIModelPredictionCreate,
        AIModelPredictionRead,
        AIModelPredictionUpdate,
    )
    from urutiq_ai.quality.schemas import (
        AIDataQualityCreate,
        AIDataQualityRead,
        AIDataQualityUpdate,
    )
    from urutiq_ai.registry.schemas import AIModelCreate, AIModelRead, AIModelUpdate
    from urutiq_ai.training.schemas import (
        AIModelTrainingRunCreate,
        AIModelTrainingRunRead,
        AIModelTrainingRunUpdate,
    )

ReadT = TypeVar("ReadT", bound=BaseModel)
CreateT = TypeVar("CreateT", bound=BaseModel)
UpdateT = TypeVar("UpdateT", bound=BaseModel)

# The schema of what a client cannot write: rows the system writes, or changed through verbs.
_SYSTEM_WRITTEN = ("urutiq_ai.core.schemas", "SystemWritten")


def _load_schema(module: str, name: str) -> type[BaseModel]:
    schema = getattr(importlib.import_module(module), name)
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        raise TypeError(f"{module}.{name} is not a Pydantic model")
    return schema


@dataclass(frozen=True)
class ResourceSpec(Generic[ReadT, CreateT, UpdateT]):
    """Where a resource lives under ``/companies/{company}/`` and its wire schemas.

    ``schemas`` is the module that defines them and ``read_name``, ``create_name`` and
    ``update_name`` their names there (``None``: the client cannot write the row, its schema
    is ``SystemWritten``). ``read``, ``create`` and ``update`` import them on first use.
    """

    path: str
    schemas: str
    read_name: str
    create_name: str | None = None
    update_name: str | None = None
    detail_name: str | None = None  # what ``get`` answers when it says more than a listed row

    def _schema(self, name: str | None) -> type[BaseModel]:
        return _load_schema(self.schemas, name) if name else _load_schema(*_SYSTEM_WRITTEN)

    @property
    def read(self) -> type[ReadT]:
        return cast("type[ReadT]", self._schema(self.read_name))

    @property
    def detail(self) -> type[ReadT]:
        """The schema of one row read by id (a subclass of ``read``, or ``read`` itself)."""
        return cast("type[ReadT]", self._schema(self.detail_name or self.read_name))

    @property
    def create(self) -> type[CreateT]:
        return cast("type[CreateT]", self._schema(self.create_name))

    @property
    def update(self) -> type[UpdateT]:
        return cast("type[UpdateT]", self._schema(self.update_name))

    @property
    def attribute(self) -> str:
        """The :class:`~urutiq_ai.sdk.Client` attribute: ``training-runs`` -> ``training_runs``."""
        return self.path.replace("-", "_")

    @property
    def has_status(self) -> bool:
        return "status" in self.read.model_fields


_REGISTRY = "urutiq_ai.registry.schemas"
_TRAINING = "urutiq_ai.training.schemas"
_PREDICTIONS = "urutiq_ai.predictions.schemas"
_EXPLAINABILITY = "urutiq_ai.explainability.schemas"
_PIPELINES = "urutiq_ai.pipelines.schemas"
_QUALITY = "urutiq_ai.quality.schemas"
_MONITORING = "urutiq_ai.monitoring.schemas"
_FEEDBACK = "urutiq_ai.feedback.schemas"
_EXPERIMENTS = "urutiq_ai.experiments.schemas"
_DEPLOYMENTS = "urutiq_ai.deployments.schemas"
_GOVERNANCE = "urutiq_ai.governance.schemas"
_CONFIG = "urutiq_ai.config.schemas"
_ALERTS = "urutiq_ai.alerts.schemas"

MODELS: ResourceSpec[AIModelRead, AIModelCreate, AIModelUpdate] = ResourceSpec(
    "models", _REGISTRY, "AIModelRead", "AIModelCreate", "AIModelUpdate"
)
TRAINING_RUNS: ResourceSpec[
    AIModelTrainingRunRead, AIModelTrainingRunCreate, AIModelTrainingRunUpdate
] = ResourceSpec(
    "training-runs",
    _TRAINING,
    "AIModelTrainingRunRead",
    "AIModelTrainingRunCreate",
    "AIModelTrainingRunUpdate",
    detail_name="AIModelTrainingRunDetail",
)
PREDICTIONS: ResourceSpec[
    AIModelPredictionRead, AIModelPredictionCreate, AIModelPredictionUpdate
] = ResourceSpec(
    "predictions",
    _PREDICTIONS,
    "AIModelPredictionRead",
    "AIModelPredictionCreate",
    "AIModelPredictionUpdate",
)
FEATURE_IMPORTANCES: ResourceSpec[
    AIModelFeatureImportanceRead, AIModelFeatureImportanceCreate, AIModelFeatureImportanceUpdate
] = ResourceSpec(
    "feature-importances",
    _EXPLAINABILITY,
    "AIModelFeatureImportanceRead",
    "AIModelFeatureImportanceCreate",
    "AIModelFeatureImportanceUpdate",
)
PIPELINES: ResourceSpec[AIDataPipelineRead, AIDataPipelineCreate, AIDataPipelineUpdate] = (
    ResourceSpec(
        "pipelines",
        _PIPELINES,
        "AIDataPipelineRead",
        "AIDataPipelineCreate",
        "AIDataPipelineUpdate",
    )
)
PIPELINE_RUNS: ResourceSpec[
    AIDataPipelineRunRead, AIDataPipelineRunCreate, AIDataPipelineRunUpdate
] = ResourceSpec(
    "pipeline-runs",
    _PIPELINES,
    "AIDataPipelineRunRead",
    "AIDataPipelineRunCreate",
    "AIDataPipelineRunUpdate",
)
DATA_QUALITY: ResourceSpec[AIDataQualityRead, AIDataQualityCreate, AIDataQualityUpdate] = (
    ResourceSpec(
        "data-quality", _QUALITY, "AIDataQualityRead", "AIDataQualityCreate", "AIDataQualityUpdate"
    )
)
PERFORMANCE_METRICS: ResourceSpec[
    AIPerformanceMetricsRead, AIPerformanceMetricsCreate, AIPerformanceMetricsUpdate
] = ResourceSpec(
    "performance-metrics",
    _MONITORING,
    "AIPerformanceMetricsRead",
    "AIPerformanceMetricsCreate",
    "AIPerformanceMetricsUpdate",
)
DRIFT_DETECTIONS: ResourceSpec[
    AIDriftDetectionRead, AIDriftDetectionCreate, AIDriftDetectionUpdate
] = ResourceSpec(
    "drift-detections",
    _MONITORING,
    "AIDriftDetectionRead",
    "AIDriftDetectionCreate",
    "AIDriftDetectionUpdate",
)
FEEDBACK: ResourceSpec[
    AILearningFeedbackRead, AILearningFeedbackCreate, AILearningFeedbackUpdate
] = ResourceSpec(
    "feedback",
    _FEEDBACK,
    "AILearningFeedbackRead",
    "AILearningFeedbackCreate",
    "AILearningFeedbackUpdate",
)
EXPERIMENTS: ResourceSpec[AIExperimentRead, AIExperimentCreate, AIExperimentUpdate] = ResourceSpec(
    "experiments", _EXPERIMENTS, "AIExperimentRead", "AIExperimentCreate", "AIExperimentUpdate"
)
# Deployments change through verbs (release, promote, rollback), not updates.
DEPLOYMENTS: ResourceSpec[AIDeploymentRead, AIDeploymentCreate, SystemWritten] = ResourceSpec(
    "deployments", _DEPLOYMENTS, "AIDeploymentRead", "AIDeploymentCreate"
)
GOVERNANCE_POLICIES: ResourceSpec[AIGovernanceRead, AIGovernanceCreate, AIGovernanceUpdate] = (
    ResourceSpec(
        "governance-policies",
        _GOVERNANCE,
        "AIGovernanceRead",
        "AIGovernanceCreate",
        "AIGovernanceUpdate",
    )
)
GOVERNANCE_VIOLATIONS: ResourceSpec[
    AIGovernanceViolationRead, AIGovernanceViolationCreate, AIGovernanceViolationUpdate
] = ResourceSpec(
    "governance-violations",
    _GOVERNANCE,
    "AIGovernanceViolationRead",
    "AIGovernanceViolationCreate",
    "AIGovernanceViolationUpdate",
)
CONFIGS: ResourceSpec[AIConfigRead, AIConfigCreate, AIConfigUpdate] = ResourceSpec(
    "configs", _CONFIG, "AIConfigRead", "AIConfigCreate", "AIConfigUpdate"
)

RESOURCE_SPECS: tuple[ResourceSpec[Any, Any, Any], ...] = (
    MODELS,
    TRAINING_RUNS,
    PREDICTIONS,
    FEATURE_IMPORTANCES,
    PIPELINES,
    PIPELINE_RUNS,
    DATA_QUALITY,
    PERFORMANCE_METRICS,
    DRIFT_DETECTIONS,
    FEEDBACK,
    EXPERIMENTS,
    DEPLOYMENTS,
    GOVERNANCE_POLICIES,
    GOVERNANCE_VIOLATIONS,
    CONFIGS,
)

# The platform's own resources (monitors, alerts, webhooks, jobs, histories).
MONITORS: ResourceSpec[MonitorRead, MonitorCreate, MonitorUpdate] = ResourceSpec(
    "monitors", _MONITORING, "MonitorRead", "MonitorCreate", "MonitorUpdate"
)
MONITOR_RUNS: ResourceSpec[MonitorRunRead, SystemWritten, SystemWritten] = ResourceSpec(
    "monitor-runs", _MONITORING, "MonitorRunRead"
)
ALERTS: ResourceSpec[AlertRead, SystemWritten, AlertUpdate] = ResourceSpec(
    "alerts", _ALERTS, "AlertRead", None, "AlertUpdate"
)
WEBHOOKS: ResourceSpec[WebhookRead, WebhookCreate, WebhookUpdate] = ResourceSpec(
    "webhooks", _ALERTS, "WebhookRead", "WebhookCreate", "WebhookUpdate"
)
WEBHOOK_DELIVERIES: ResourceSpec[WebhookDeliveryRead, SystemWritten, SystemWritten] = ResourceSpec(
    "webhook-deliveries", _ALERTS, "WebhookDeliveryRead"
)
JOBS: ResourceSpec[JobRead, SystemWritten, SystemWritten] = ResourceSpec(
    "jobs", "urutiq_ai.core.ledger.schemas", "JobRead"
)
DEPLOYMENT_REVISIONS: ResourceSpec[DeploymentRevisionRead, SystemWritten, SystemWritten] = (
    ResourceSpec("deployment-revisions", _DEPLOYMENTS, "DeploymentRevisionRead")
)
POLICY_EVALUATIONS: ResourceSpec[PolicyEvaluationRead, SystemWritten, SystemWritten] = ResourceSpec(
    "policy-evaluations", _GOVERNANCE, "PolicyEvaluationRead"
)
SUPPORT_SPECS: tuple[ResourceSpec[Any, Any, Any], ...] = (
    MONITORS,
    MONITOR_RUNS,
    ALERTS,
    WEBHOOKS,
    WEBHOOK_DELIVERIES,
    JOBS,
    DEPLOYMENT_REVISIONS,
    POLICY_EVALUATIONS,
)


class ResourceClient(Generic[ReadT, CreateT, UpdateT]):
    """Create, list, read, update and delete one resource of a company.

    Every method takes ``company=`` to override the client's default company.
    """

    def __init__(self, transport: Transport, spec: ResourceSpec[ReadT, CreateT, UpdateT]) -> None:
        self._transport = transport
        self.spec = spec

    @cached_property
    def _page(self) -> type[Page[ReadT]]:
        page: type[Page[ReadT]] = Page[self.spec.read]  # type: ignore[name-defined]
        return page

    def _path(self, company: str | None, row_id: str | None = None) -> str:
        path = self.spec.path if row_id is None else f"{self.spec.path}/{quote(row_id, safe='')}"
        return self._transport.company_path(path, company)

    def list(
        self,
        *,
        sort: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        company: str | None = None,
        **filters: Any,
    ) -> Page[ReadT]:
        """One page of rows, newest first unless ``sort`` says otherwise.

        ``filters`` are the resource's list filters in snake_case or camelCase
        (``status="active"``, ``model_type=[...]`` for any of several values,
        ``created_at_from=datetime(...)``). ``page.next_cursor`` fetches the next page.
        """
        params = query_params(sort=sort, limit=limit, cursor=cursor, **filters)
        body = self._transport.request("GET", self._path(company), params=params)
        return parse(self._page, body)

    def iterate(
        self,
        *,
        sort: str | None = None,
        limit: int | None = None,
        company: str | None = None,
        **filters: Any,
    ) -> Iterator[ReadT]:
        """Every matching row, fetching pages of ``limit`` rows as it goes."""
        return follow_pages(
            lambda cursor: self.list(
                sort=sort, limit=limit, cursor=cursor, company=company, **filters
            )
        )

    def get(self, id: str, *, company: str | None = None) -> ReadT:
        """The row ``id``; :class:`NotFound` if it is not in the company."""
        return parse(self.spec.detail, self._transport.request("GET", self._path(company, id)))

    def create(
        self,
        data: CreateT | Mapping[str, Any] | None = None,
        *,
        company: str | None = None,
        **fields: Any,
    ) -> ReadT:
        """Create a row from a ``Create`` schema, a mapping and/or keyword fields."""
        payload = build_payload(self.spec.create, data, fields)
        body = self._transport.request("POST", self._path(company), json=payload)
        return parse(self.spec.read, body)

    def update(
        self,
        id: str,
        data: UpdateT | Mapping[str, Any] | None = None,
        *,
        company: str | None = None,
        **fields: Any,
    ) -> ReadT:
        """Change only the fields given (a field set to None is sent as null)."""
        payload = build_payload(self.spec.update, data, fields)
        body = self._transport.request("PATCH", self._path(company, id), json=payload)
        return parse(self.spec.read, body)

    def delete(self, id: str, *, company: str | None = None) -> None:
        """Delete the row ``id`` (only some resources allow it; others raise ``UrutiqError``)."""
        self._transport.request("DELETE", self._path(company, id))
