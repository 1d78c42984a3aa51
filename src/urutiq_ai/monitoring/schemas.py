"""AIPerformanceMetrics and AIDriftDetection on the wire."""

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import Field, JsonValue, PositiveFloat, computed_field, field_validator

from urutiq_ai.core.schemas import (
    CompanyOwnedRead,
    Cron,
    Json,
    Name,
    ReadSchema,
    Ref,
    RequestSchema,
    ShortText,
)
from urutiq_ai.feedback.schemas import RetrainStarted
from urutiq_ai.ml.drift_scores import meaning_of
from urutiq_ai.monitoring.types import DriftStatus as DriftStatus
from urutiq_ai.monitoring.types import DriftType as DriftType
from urutiq_ai.monitoring.types import MetricType as MetricType
from urutiq_ai.monitoring.types import MonitorKind as MonitorKind
from urutiq_ai.monitoring.types import MonitorRunStatus as MonitorRunStatus
from urutiq_ai.monitoring.types import MonitorStatus as MonitorStatus
from urutiq_ai.monitoring.types import MonitorTrigger as MonitorTrigger
from urutiq_ai.monitoring.types import TimeWindow as TimeWindow
from urutiq_ai.monitoring.types import Trend as Trend

STATUS_ORDER = {DriftStatus.normal: 0, DriftStatus.warning: 1, DriftStatus.detected: 2}
"""Drift statuses from least to most severe."""


class AIPerformanceMetricsCreate(RequestSchema):
    model_id: Ref | None = None
    metric_type: MetricType
    metric_value: float
    metric_date: datetime | None = None
    time_window: TimeWindow | None = None
    comparison_value: float | None = None
    trend: Trend | None = None


class AIPerformanceMetricsUpdate(RequestSchema):
    metric_value: float | None = None
    comparison_value: float | None = None
    trend: Trend | None = None


class AIPerformanceMetricsRead(CompanyOwnedRead):
    model_id: str | None
    metric_type: MetricType
    metric_value: float
    metric_date: datetime
    time_window: TimeWindow | None
    comparison_value: float | None
    trend: Trend | None


class AIDriftDetectionCreate(RequestSchema):
    model_id: Ref | None = None
    drift_type: DriftType
    feature_name: ShortText | None = None
    baseline_value: Json | None = None
    current_value: Json | None = None
    drift_score: float
    threshold: float | None = None
    status: DriftStatus
    analysis: Json | None = None
    recommendations: Json | None = None


class AIDriftDetectionUpdate(RequestSchema):
    status: DriftStatus | None = None
    analysis: Json | None = None
    recommendations: Json | None = None


class AIDriftDetectionRead(CompanyOwnedRead):
    model_id: str | None
    drift_type: DriftType
    feature_name: str | None
    baseline_value: JsonValue | None
    current_value: JsonValue | None
    drift_score: float
    threshold: float | None
    status: DriftStatus
    analysis: JsonValue | None
    recommendations: JsonValue | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def score_name(self) -> str:
        """The statistic ``driftScore`` is, e.g. ``KS test p-value`` (low is drift) or
        ``Jensen-Shannon distance`` (high is drift)."""
        return meaning_of(self.analysis, self.threshold).name

    @computed_field  # type: ignore[prop-decorator]
    @property
    def detected_when(self) -> str:
        """The rule that makes ``status`` ``detected``, e.g. ``p < 0.05`` or ``≥ 0.1``."""
        return meaning_of(self.analysis, self.threshold).rule


# -- drift checks -------------------------------------------------------------------------

WINDOW_UNITS = {"h": 3600, "d": 86400, "w": 7 * 86400}
MAX_WINDOW_SECONDS = 366 * 86400


class DriftMethod(StrEnum):
    """The statistics a drift check may use (see ``urutiq_ai.ml.drift``)."""

    ks = "ks"
    chisquare = "chisquare"
    z = "z"
    wasserstein = "wasserstein"
    jensenshannon = "jensenshannon"
    psi = "psi"


def parse_window(text: str) -> timedelta:
    """``"7d"``, ``"24h"``, ``"2w"`` as a timedelta; ValueError naming the format otherwise."""
    raw = text.strip().lower()
    unit = raw[-1:] if raw else ""
    if unit not in WINDOW_UNITS or not raw[:-1].isdigit() or int(raw[:-1]) <= 0:
        raise ValueError("use a positive whole number of hours, days or weeks, e.g. 24h, 7d, 2w")
    seconds = int(raw[:-1]) * WINDOW_UNITS[unit]
    if seconds > MAX_WINDOW_SECONDS:
        raise ValueError("at most 366 days")
    return timedelta(seconds=seconds)


class DriftCheckRequest(RequestSchema):
    """Compare a model's recent prediction inputs with its training data."""

    window: str = Field(
        default="7d",
        max_length=16,
        description="How far back from now (or from `end`) to read predictions: 24h, 7d, 2w.",
    )
    end: datetime | None = Field(default=None, description="End of the window (default: now).")
    methods: dict[str, DriftMethod] | None = Field(
        default=None, description='Per-feature method overrides, e.g. {"amount": "psi"}.'
    )
    thresholds: dict[str, PositiveFloat] | None = Field(
        default=None, description="Per-feature thresholds (p-value for tests, else distance)."
    )
    types: list[DriftType] | None = Field(
        default=None,
        description="data_drift, label_drift, concept_drift (default: all three).",
        min_length=1,
    )

    @field_validator("window")
    @classmethod
    def _window(cls, value: str) -> str:
        parse_window(value)
        return value


class DriftCheckResult(ReadSchema):
    """One drift check: the data-set verdict of its data drift, the worst status of each
    drift type, what was skipped and why, and the rows it stored."""

    model_id: str
    window_start: datetime
    window_end: datetime
    predictions: int
    dataset_drift: bool
    drift_share: float
    drifted_features: list[str]
    statuses: dict[str, DriftStatus]
    skipped: dict[str, str]
    detections: list[AIDriftDetectionRead]
    retraining: RetrainStarted | None = None
    """The challenger and experiment this check started (behavior ``retrainOnDrift``)."""


# -- performance over time ------------------------------------------------------------------


class ComputePerformanceRequest(RequestSchema):
    """Compute a model's metrics per calendar window from its predictions' outcomes."""

    time_window: TimeWindow = Field(
        default=TimeWindow.weekly, description="daily, weekly (ISO, Monday) or monthly, in UTC."
    )
    start: datetime | None = Field(default=None, description="Only predictions made from here.")
    end: datetime | None = Field(default=None, description="Only predictions made before this.")


class PerformanceResult(ReadSchema):
    """The windows computed and the rows stored (one per window and metric)."""

    model_id: str
    time_window: TimeWindow
    windows: int
    outcomes: int
    metrics: list[AIPerformanceMetricsRead]
    retraining: RetrainStarted | None = None
    """The challenger and experiment a decline started (behavior ``retrainOnDecline``)."""


class SeriesPoint(ReadSchema):
    date: datetime
    value: float
    comparison_value: float | None
    trend: Trend | None


class PerformanceSeries(ReadSchema):
    """One metric of one model over time, oldest first (for charts)."""

    model_id: str
    metric_type: MetricType
    time_window: TimeWindow
    points: list[SeriesPoint]


# -- monitors on a schedule -----------------------------------------------------------------


class MonitorCreate(RequestSchema):
    """A check that runs on its own: ``performance`` and ``drift`` of a model (``modelId``),
    ``quality`` of the company's sources. ``params`` are the body of the matching
    run-now call (drift: window, types, methods, thresholds; performance: timeWindow;
    quality: source and checks)."""

    name: Name
    kind: MonitorKind
    model_id: Ref | None = None
    schedule: Cron = Field(description="When it runs (cron, UTC), e.g. '0 6 * * *'.")
    params: Json | None = None
    status: MonitorStatus = MonitorStatus.active


class MonitorUpdate(RequestSchema):
    schedule: Cron | None = None
    params: Json | None = None
    status: MonitorStatus | None = None


class MonitorRead(CompanyOwnedRead):
    name: str
    kind: MonitorKind
    model_id: str | None
    schedule: str
    params: JsonValue | None
    status: MonitorStatus
    next_run_at: datetime | None
    last_run_at: datetime | None
    last_run_id: str | None
    last_status: MonitorRunStatus | None


class MonitorRunRead(CompanyOwnedRead):
    monitor_id: str
    trigger: MonitorTrigger
    status: MonitorRunStatus
    scheduled_for: datetime | None
    start_time: datetime | None
    end_time: datetime | None
    duration: float | None
    summary: JsonValue | None
    logs: str | None
    error: str | None
