"""The predictions enumerations, apart from the schemas: the tables map them without loading
the Pydantic models. ``urutiq_ai.predictions.schemas`` re-exports them."""

from enum import StrEnum


class PredictionType(StrEnum):
    anomaly = "anomaly"
    classification = "classification"
    regression = "regression"
    forecast = "forecast"
