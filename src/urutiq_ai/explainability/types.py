"""The explainability enumerations, apart from the schemas: the tables map them without loading
the Pydantic models. ``urutiq_ai.explainability.schemas`` re-exports them."""

from enum import StrEnum


class ImportanceMethod(StrEnum):
    permutation = "permutation"
    shap = "shap"
    built_in = "built_in"
