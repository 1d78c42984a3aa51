"""AIExperiment on the wire: the experiment, its methodology, evaluation and promotion."""

from typing import Literal

from pydantic import ConfigDict, Field, JsonValue

from urutiq_ai.core.schemas import (
    CompanyOwnedRead,
    Json,
    LongText,
    Name,
    Ref,
    RequestSchema,
)
from urutiq_ai.experiments.types import ExperimentStatus as ExperimentStatus
from urutiq_ai.sources.schemas import SourceSpec


class AIExperimentCreate(RequestSchema):
    experiment_name: Name
    objective: LongText | None = None
    status: ExperimentStatus = ExperimentStatus.active
    hypothesis: LongText | None = None
    methodology: Json | None = None
    baseline_model: Ref | None = None
    current_model: Ref | None = None
    success_metrics: Json | None = None
    conclusions: LongText | None = None


class AIExperimentUpdate(RequestSchema):
    """``results`` are the system's (``evaluate``); ``conclusions`` are anyone's to write."""

    objective: LongText | None = None
    status: ExperimentStatus | None = None
    hypothesis: LongText | None = None
    methodology: Json | None = None
    baseline_model: Ref | None = None
    current_model: Ref | None = None
    success_metrics: Json | None = None
    conclusions: LongText | None = None


class AIExperimentRead(CompanyOwnedRead):
    experiment_name: str
    objective: str | None
    status: ExperimentStatus
    hypothesis: str | None
    methodology: JsonValue | None
    baseline_model: str | None
    current_model: str | None
    success_metrics: JsonValue | None
    results: JsonValue | None
    conclusions: str | None


class Methodology(RequestSchema):
    """The keys of ``methodology`` the system reads; any other key is kept as written.

    ``holdout``: the rows both models are scored on offline (default: the current model's
    held-out validation rows); ``deploymentId``: the A/B or shadow deployment whose served
    outcomes are compared online.
    """

    model_config = ConfigDict(extra="allow")

    holdout: SourceSpec | None = None
    holdout_rows: int = Field(default=20_000, ge=10, le=200_000)
    deployment_id: Ref | None = None
    n_resamples: int = Field(default=1_000, ge=100, le=20_000)
    confidence: float = Field(default=0.95, gt=0.5, lt=1.0)
    seed: int = 0
    min_detectable_difference: float = Field(default=0.02, gt=0.0, lt=1.0)


class EvaluateRequest(RequestSchema):
    """``offline``: both models on the same holdout rows; ``online``: the deployment's
    served outcomes; ``both`` (default) runs what the experiment has data for."""

    mode: Literal["offline", "online", "both"] = "both"


class ExperimentPromote(RequestSchema):
    """Release the challenger into the experiment's deployment (only after it passed)."""

    deployment_id: Ref | None = Field(
        default=None, description="Default: the experiment's methodology.deploymentId."
    )
    reason: LongText | None = None
