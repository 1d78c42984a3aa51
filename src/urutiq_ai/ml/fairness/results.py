"""What a fairness report holds: per-metric results, per-group scores, the report itself,
and the typed values the report is assembled from (:class:`Figure`, :class:`Sample`).

Every ``as_dict`` is JSON-friendly with camelCase keys; non-finite numbers become None.
"""

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from urutiq_ai.ml.fairness.settings import FairnessThresholds

STATUSES = ("pass", "fail", "insufficient")
"""A report's or a judged metric's status; an unjudged metric has status ``"info"``."""


def _json_number(value: float | None) -> float | None:
    """A finite float, or None (JSON has no NaN or infinity)."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _json_label(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


Threshold = float | tuple[float, float] | None


@dataclass(frozen=True)
class Figure:
    """A headline metric's point figure, judged: its value, the threshold it is judged
    against, the verdict and the groups driving it (see :class:`MetricResult`)."""

    value: float
    threshold: Threshold
    status: str
    worst_groups: list[str]


@dataclass(frozen=True)
class Sample:
    """The rows behind a report: ``n`` rows of the sensitive ``column`` in ``n_groups``
    groups, of which ``n_judged`` rows in ``n_judged_groups`` groups are judged (the rows the
    headline metrics use); the binary outcome's ``positive_label`` (None: multiclass or
    regression) and the judged rows' selection rate ``overall_rate`` (NaN without one)."""

    task: str
    column: str
    n: int
    n_judged: int
    n_groups: int
    n_judged_groups: int
    positive_label: Any = None
    overall_rate: float = math.nan


@dataclass(frozen=True)
class MetricResult:
    """One headline fairness metric: its value, a bootstrap interval, the threshold it is
    judged against (a maximum, a ``(low, high)`` band, or None when only reported) and the
    verdict (``pass``/``fail``/``insufficient``; ``info`` when not judged).

    ``worst_groups`` names the groups driving the figure: the lowest and highest group for a
    difference or ratio, the groups outside the band for the ratio to overall, the worst
    and best group for the error ratio. ``value`` is NaN where the figure is undefined (and
    infinite for an error ratio whose best group has no error); the interval is None
    without resamples."""

    name: str
    value: float
    ci_low: float | None
    ci_high: float | None
    threshold: Threshold
    status: str
    worst_groups: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, camelCase keys (non-finite numbers become None)."""
        threshold = list(self.threshold) if isinstance(self.threshold, tuple) else self.threshold
        return {
            "name": self.name,
            "value": _json_number(self.value),
            "ciLow": _json_number(self.ci_low),
            "ciHigh": _json_number(self.ci_high),
            "threshold": threshold,
            "status": self.status,
            "worstGroups": list(self.worst_groups),
        }


@dataclass(frozen=True)
class GroupStats:
    """One group of the sensitive column: its size, whether it is judged (at least
    ``min_group_size`` rows) and its scores (camelCase names: ``selectionRate``,
    ``selectionRateRatio`` (to the judged rows' overall rate), ``accuracy``,
    ``falsePositiveRate``, ``truePositiveRate``; ``mae``, ``meanPrediction``,
    ``meanTarget``). Reads like a dict: ``stats["accuracy"]``."""

    name: str
    size: int
    judged: bool
    scores: dict[str, float] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.as_dict()[key]

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, camelCase keys."""
        scores = {key: _json_number(value) for key, value in self.scores.items()}
        return {"group": self.name, "size": self.size, "judged": self.judged, **scores}


@dataclass(frozen=True)
class FairnessReport:
    """The verdict on a model's group fairness over one sensitive column.

    ``status`` is ``fail`` when a metric fails, ``insufficient`` when fewer than two groups
    are large enough (or a figure is undefined), ``pass`` otherwise. ``n`` counts all rows,
    ``n_judged`` those of the judged groups (the rows behind the metrics)."""

    status: str
    summary: str
    task: str
    sensitive_column: str
    n: int
    n_judged: int
    positive_label: Any
    metrics: dict[str, MetricResult]
    groups: list[GroupStats]
    thresholds: FairnessThresholds
    confidence: float
    n_resamples: int
    seed: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, camelCase keys."""
        return {
            "status": self.status,
            "summary": self.summary,
            "task": self.task,
            "sensitiveColumn": self.sensitive_column,
            "n": self.n,
            "nJudged": self.n_judged,
            "positiveLabel": _json_label(self.positive_label),
            "metrics": {name: result.as_dict() for name, result in self.metrics.items()},
            "groups": [group.as_dict() for group in self.groups],
            "thresholds": self.thresholds.as_dict(),
            "confidence": self.confidence,
            "nResamples": self.n_resamples,
            "seed": self.seed,
        }
