"""The monitoring enumerations, apart from the schemas: the tables map them without loading
the Pydantic models. ``urutiq_ai.monitoring.schemas`` re-exports them."""

from enum import StrEnum


class MetricType(StrEnum):
    accuracy = "accuracy"
    precision = "precision"
    recall = "recall"
    f1 = "f1"
    mae = "mae"
    rmse = "rmse"
    latency = "latency"


class TimeWindow(StrEnum):
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"


class Trend(StrEnum):
    improving = "improving"
    declining = "declining"
    stable = "stable"


class DriftType(StrEnum):
    data_drift = "data_drift"
    concept_drift = "concept_drift"
    label_drift = "label_drift"


class DriftStatus(StrEnum):
    detected = "detected"
    warning = "warning"
    normal = "normal"


class MonitorKind(StrEnum):
    performance = "performance"
    drift = "drift"
    quality = "quality"


class MonitorStatus(StrEnum):
    active = "active"
    paused = "paused"


class MonitorRunStatus(StrEnum):
    queued = "queued"
    running = "running"
    completed = "completed"
    failed = "failed"


class MonitorTrigger(StrEnum):
    schedule = "schedule"
    manual = "manual"
