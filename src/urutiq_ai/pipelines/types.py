"""The pipelines enumerations, apart from the schemas: the tables map them without loading
the Pydantic models. ``urutiq_ai.pipelines.schemas`` re-exports them."""

from enum import StrEnum


class PipelineType(StrEnum):
    data_collection = "data_collection"
    preprocessing = "preprocessing"
    feature_engineering = "feature_engineering"
    validation = "validation"


class PipelineStatus(StrEnum):
    active = "active"
    paused = "paused"
    error = "error"
