"""AIExperiment on the wire."""

from enum import StrEnum

from pydantic import JsonValue

from urutiq_ai.core.schemas import CompanyOwnedRead, Json, LongText, Name, Ref, RequestSchema


class ExperimentStatus(StrEnum):
    active = "active"
    completed = "completed"
    archived = "archived"


class AIExperimentCreate(RequestSchema):
    experiment_name: Name
    objective: LongText | None = None
    status: ExperimentStatus = ExperimentStatus.active
    hypothesis: LongText | None = None
    methodology: Json | None = None
    baseline_model: Ref | None = None
    current_model: Ref | None = None
    success_metrics: Json | None = None
    results: Json | None = None
    conclusions: LongText | None = None


class AIExperimentUpdate(RequestSchema):
    objective: LongText | None = None
    status: ExperimentStatus | None = None
    hypothesis: LongText | None = None
    methodology: Json | None = None
    baseline_model: Ref | None = None
    current_model: Ref | None = None
    success_metrics: Json | None = None
    results: Json | None = None
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
