"""The verdict of an experiment's success criteria on its comparisons.

A target is met when the improvement reaches ``min_improvement`` and its interval lies above
0; a guard when the interval's low end is at least ``-max_degradation``
(:func:`judge_criterion`). The experiment passes when every criterion is met, fails when one
is not met, and is inconclusive otherwise (:func:`judge`).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from urutiq_ai.ml.comparison.bootstrap import MetricComparison
from urutiq_ai.ml.comparison.criteria import SuccessMetric

STATUSES = ("met", "not_met", "inconclusive")
VERDICTS = ("passed", "failed", "inconclusive")


@dataclass(frozen=True)
class CriterionResult:
    """How one criterion fared: ``met``, ``not_met`` or ``inconclusive``, with a short
    ``headline`` (for the verdict's summary) and a full ``reason`` sentence."""

    criterion: SuccessMetric
    status: str
    headline: str
    reason: str
    improvement: float | None = None
    improvement_ci: tuple[float, float] | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, camelCase keys."""
        return {
            **self.criterion.as_dict(),
            "kind": "guard" if self.criterion.is_guard else "improvement",
            "status": self.status,
            "headline": self.headline,
            "reason": self.reason,
            "improvement": self.improvement,
            "improvementCi": None if self.improvement_ci is None else list(self.improvement_ci),
        }


@dataclass(frozen=True)
class Verdict:
    """``passed`` (every criterion met), ``failed`` (one not met) or ``inconclusive``."""

    status: str
    summary: str
    criteria: tuple[CriterionResult, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, camelCase keys."""
        return {
            "status": self.status,
            "summary": self.summary,
            "criteria": [result.as_dict() for result in self.criteria],
        }


def _evidence(comparison: MetricComparison) -> str:
    low, high = comparison.improvement_ci
    level = f"{comparison.confidence * 100:g}%"
    return f"{comparison.improvement:+.3f} ({level} CI {low:+.3f} to {high:+.3f})"


def _judge_target(criterion: SuccessMetric, comparison: MetricComparison) -> tuple[str, str, str]:
    target = criterion.min_improvement or 0.0
    low, high = comparison.improvement_ci
    metric, evidence = criterion.metric, _evidence(comparison)
    if comparison.improvement >= target and low > 0:
        headline = f"current beats baseline on {metric} by {evidence}"
        return "met", headline, f"{headline}, the target being {target:+.3f}."
    if high < target:
        headline = f"current falls short of the {target:+.3f} target on {metric}"
        return "not_met", headline, f"{headline}: improvement {evidence}."
    headline = f"{metric} target {target:+.3f} undecided"
    reason = f"{headline}: improvement {evidence} neither clears the target nor rules it out."
    return "inconclusive", headline, reason


def _judge_guard(criterion: SuccessMetric, comparison: MetricComparison) -> tuple[str, str, str]:
    allowed = -(criterion.max_degradation or 0.0)
    low, high = comparison.improvement_ci
    metric, evidence = criterion.metric, _evidence(comparison)
    if low >= allowed:
        headline = f"guard {metric} held"
        return "met", headline, f"{headline}: change {evidence}, allowed {allowed:+.3f}."
    if high < allowed:
        headline = f"guard {metric} broken"
        return "not_met", headline, f"{headline}: change {evidence}, allowed {allowed:+.3f}."
    headline = f"guard {metric} undecided"
    reason = f"{headline}: change {evidence} may or may not exceed the allowed {allowed:+.3f}."
    return "inconclusive", headline, reason


def judge_criterion(
    criterion: SuccessMetric, comparisons: Mapping[str, MetricComparison]
) -> CriterionResult:
    """One criterion against the comparison of its metric (inconclusive when there is none).

    A target is met when the improvement reaches ``min_improvement`` and its interval lies
    above 0, not met when the interval lies below ``min_improvement``. A guard is met when
    the interval's low end is at least ``-max_degradation``, not met when its high end is
    below it. Anything else is inconclusive.
    """
    comparison = comparisons.get(criterion.metric)
    if comparison is None:
        headline = f"no comparison for {criterion.metric}"
        return CriterionResult(criterion, "inconclusive", headline, f"{headline} was made.")
    judge_one = _judge_guard if criterion.is_guard else _judge_target
    status, headline, reason = judge_one(criterion, comparison)
    return CriterionResult(
        criterion, status, headline, reason, comparison.improvement, comparison.improvement_ci
    )


def judge(
    comparisons: Mapping[str, MetricComparison], criteria: Sequence[SuccessMetric]
) -> Verdict:
    """The verdict of ``criteria`` on ``comparisons`` (keyed by metric name): ``passed`` when
    every criterion is met, ``failed`` when one is not met, else ``inconclusive`` (so too
    with no criteria at all)."""
    results = tuple(judge_criterion(criterion, comparisons) for criterion in criteria)
    if not results:
        return Verdict("inconclusive", "no success criteria were given.", results)
    statuses = {result.status for result in results}
    if "not_met" in statuses:
        status = "failed"
    elif statuses == {"met"}:
        status = "passed"
    else:
        status = "inconclusive"
    summary = "; ".join(result.headline for result in results) + "."
    return Verdict(status, summary, results)
