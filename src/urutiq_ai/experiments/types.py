"""The experiments enumerations, apart from the schemas: the tables map them without loading
the Pydantic models. ``urutiq_ai.experiments.schemas`` re-exports them."""

from enum import StrEnum


class ExperimentStatus(StrEnum):
    active = "active"
    completed = "completed"
    archived = "archived"
