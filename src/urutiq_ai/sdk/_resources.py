"""A typed client per seed resource, all built from one generic class and one table."""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from pydantic import BaseModel

from urutiq_ai.config.schemas import AIConfigCreate, AIConfigRead, AIConfigUpdate
from urutiq_ai.core.schemas import Page, SystemWritten
from urutiq_ai.deployments.schemas import AIDeploymentCreate, AIDeploymentRead
from urutiq_ai.experiments.schemas import AIExperimentCreate, AIExperimentRead, AIExperimentUpdate
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
)
from urutiq_ai.monitoring.schemas import (
    AIDriftDetectionCreate,
    AIDriftDetectionRead,
    AIDriftDetectionUpdate,
    AIPerformanceMetricsCreate,
    AIPerformanceMetricsRead,
    AIPerformanceMetricsUpdate,
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
from urutiq_ai.quality.schemas import AIDataQualityCreate, AIDataQualityRead, AIDataQualityUpdate
from urutiq_ai.registry.schemas import AIModelCreate, AIModelRead, AIModelUpdate
from urutiq_ai.sdk._transport import (
    Transport,
    build_payload,
    follow_pages,
    parse,
    query_params,
)
from urutiq_ai.training.schemas import (
    AIModelTrainingRunCreate,
    AIModelTrainingRunDetail,
    AIModelTrainingRunRead,
    AIModelTrainingRunUpdate,
)

ReadT = TypeVar("ReadT", bound=BaseModel)
CreateT = TypeVar("CreateT", bound=BaseModel)
UpdateT = TypeVar("UpdateT", bound=BaseModel)


@dataclass(frozen=True)
class ResourceSpec(Generic[ReadT, CreateT, UpdateT]):
    """Where a resource lives under ``/companies/{company}/`` and its wire schemas."""

    path: str
    read: type[ReadT]
    create: type[CreateT]
    update: type[UpdateT]
    detail: type[ReadT] | None = None  # what ``get`` answers when it says more than a listed row

    @property
    def attribute(self) -> str:
        """The :class:`~urutiq_ai.sdk.Client` attribute: ``training-runs`` -> ``training_runs``."""
        return self.path.replace("-", "_")

    @property
    def has_status(self) -> bool:
        return "status" in self.read.model_fields


MODELS = ResourceSpec("models", AIModelRead, AIModelCreate, AIModelUpdate)
TRAINING_RUNS = ResourceSpec(
    "training-runs",
    AIModelTrainingRunRead,
    AIModelTrainingRunCreate,
    AIModelTrainingRunUpdate,
    detail=AIModelTrainingRunDetail,
)
PREDICTIONS = ResourceSpec(
    "predictions", AIModelPredictionRead, AIModelPredictionCreate, AIModelPredictionUpdate
)
FEATURE_IMPORTANCES = ResourceSpec(
    "feature-importances",
    AIModelFeatureImportanceRead,
    AIModelFeatureImportanceCreate,
    AIModelFeatureImportanceUpdate,
)
PIPELINES = ResourceSpec(
    "pipelines", AIDataPipelineRead, AIDataPipelineCreate, AIDataPipelineUpdate
)
PIPELINE_RUNS = ResourceSpec(
    "pipeline-runs", AIDataPipelineRunRead, AIDataPipelineRunCreate, AIDataPipelineRunUpdate
)
DATA_QUALITY = ResourceSpec(
    "data-quality", AIDataQualityRead, AIDataQualityCreate, AIDataQualityUpdate
)
PERFORMANCE_METRICS = ResourceSpec(
    "performance-metrics",
    AIPerformanceMetricsRead,
    AIPerformanceMetricsCreate,
    AIPerformanceMetricsUpdate,
)
DRIFT_DETECTIONS = ResourceSpec(
    "drift-detections", AIDriftDetectionRead, AIDriftDetectionCreate, AIDriftDetectionUpdate
)
FEEDBACK = ResourceSpec(
    "feedback", AILearningFeedbackRead, AILearningFeedbackCreate, AILearningFeedbackUpdate
)
EXPERIMENTS = ResourceSpec("experiments", AIExperimentRead, AIExperimentCreate, AIExperimentUpdate)
# Deployments change through verbs (release, promote, rollback), not updates.
DEPLOYMENTS = ResourceSpec("deployments", AIDeploymentRead, AIDeploymentCreate, SystemWritten)
GOVERNANCE_POLICIES = ResourceSpec(
    "governance-policies", AIGovernanceRead, AIGovernanceCreate, AIGovernanceUpdate
)
GOVERNANCE_VIOLATIONS = ResourceSpec(
    "governance-violations",
    AIGovernanceViolationRead,
    AIGovernanceViolationCreate,
    AIGovernanceViolationUpdate,
)
CONFIGS = ResourceSpec("configs", AIConfigRead, AIConfigCreate, AIConfigUpdate)

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


class ResourceClient(Generic[ReadT, CreateT, UpdateT]):
    """Create, list, read, update and delete one resource of a company.

    Every method takes ``company=`` to override the client's default company.
    """

    def __init__(self, transport: Transport, spec: ResourceSpec[ReadT, CreateT, UpdateT]) -> None:
        self._transport = transport
        self.spec = spec
        self._page: type[Page[ReadT]] = Page[spec.read]  # type: ignore[name-defined]

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
        schema = self.spec.detail or self.spec.read
        return parse(schema, self._transport.request("GET", self._path(company, id)))

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
