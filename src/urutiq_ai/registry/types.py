"""The registry enumerations, apart from the schemas: the tables map them without loading
the Pydantic models. ``urutiq_ai.registry.schemas`` re-exports them."""

from enum import StrEnum


class ModelType(StrEnum):
    classification = "classification"
    regression = "regression"
    clustering = "clustering"
    anomaly_detection = "anomaly_detection"


class ModelStatus(StrEnum):
    training = "training"
    active = "active"
    deprecated = "deprecated"
    failed = "failed"
