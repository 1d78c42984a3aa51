"""Monitoring through the SDK: drift checks, performance over time."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from urllib.parse import quote

from urutiq_ai.monitoring.schemas import (
    ComputePerformanceRequest,
    DriftCheckRequest,
    DriftCheckResult,
    PerformanceResult,
    PerformanceSeries,
)
from urutiq_ai.sdk._transport import Transport, build_payload, parse


class MonitoringClient:
    """Drift checks of model versions (results are also stored as drift detections)."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def check_drift(
        self,
        model_id: str,
        *,
        window: str = "7d",
        end: datetime | None = None,
        methods: Mapping[str, str] | None = None,
        thresholds: Mapping[str, float] | None = None,
        types: Sequence[str] | None = None,
        company: str | None = None,
    ) -> DriftCheckResult:
        """Check the model's predictions in ``window`` (``24h``, ``7d``, ``2w``, ending at
        ``end`` or now): inputs vs training data per feature (``data_drift``), predictions
        and outcomes vs validation data (``label_drift``, ``concept_drift``); all by default."""
        fields: dict[str, object] = {"window": window}
        if types:
            fields["types"] = list(types)
        if end is not None:
            fields["end"] = end
        if methods:
            fields["methods"] = dict(methods)
        if thresholds:
            fields["thresholds"] = dict(thresholds)
        body = build_payload(DriftCheckRequest, None, fields)
        path = self._transport.company_path(
            f"models/{quote(model_id, safe='')}/drift-checks", company
        )
        return parse(DriftCheckResult, self._transport.request("POST", path, json=body))

    def compute_performance(
        self,
        model_id: str,
        *,
        time_window: str = "weekly",
        start: datetime | None = None,
        end: datetime | None = None,
        company: str | None = None,
    ) -> PerformanceResult:
        """Compute the model's metrics per calendar window (daily, weekly, monthly) from its
        predictions' actual values; recomputed windows replace their values."""
        fields: dict[str, object] = {"time_window": time_window}
        if start is not None:
            fields["start"] = start
        if end is not None:
            fields["end"] = end
        body = build_payload(ComputePerformanceRequest, None, fields)
        path = self._transport.company_path(
            f"models/{quote(model_id, safe='')}/performance", company
        )
        return parse(PerformanceResult, self._transport.request("POST", path, json=body))

    def performance_series(
        self,
        model_id: str,
        metric_type: str,
        *,
        time_window: str = "weekly",
        company: str | None = None,
    ) -> PerformanceSeries:
        """One stored metric over time, oldest first."""
        path = self._transport.company_path(
            f"models/{quote(model_id, safe='')}/performance-series", company
        )
        body = self._transport.request(
            "GET", path, params=[("metricType", metric_type), ("timeWindow", time_window)]
        )
        return parse(PerformanceSeries, body)
