"""A fairness report assembled: each headline figure judged, its interval, the verdict and
a one-sentence summary naming the groups that drive it.

Judging: a difference passes when ``<=`` its maximum, a ratio when it lies within
``ratio_band`` (``demographicParityRatioToOverall`` passes when every judged group's
selection rate / overall rate lies within the band; for a symmetric band such as the
default 0.8-1.25 that is fairlearn's to-overall ratio ``>= 0.8``), the error ratio when
``<= max_error_ratio``. An undefined figure (no group selected at all, so a ratio 0/0) is
``"insufficient"``. The report fails when any metric fails, is insufficient when any is
(and none fails) or when fewer than two groups are large enough to judge, and passes
otherwise. Confidence intervals inform; they do not judge.
"""

import math

import pandas as pd

from urutiq_ai.ml.comparison.checks import Array
from urutiq_ai.ml.fairness.bootstrap import interval
from urutiq_ai.ml.fairness.results import (
    FairnessReport,
    Figure,
    GroupStats,
    MetricResult,
    Sample,
)
from urutiq_ai.ml.fairness.settings import FairnessSettings

_LABELS = {
    "demographicParityDifference": "demographic parity difference",
    "demographicParityRatio": "demographic parity ratio",
    "demographicParityRatioToOverall": "selection rate ratio to overall",
    "equalizedOddsDifference": "equalized odds difference",
    "accuracyDifference": "accuracy difference",
    "errorRatio": "error ratio (worst/best group MAE)",
    "maeDifference": "MAE difference",
}


def judge_max(value: float, limit: float) -> str:
    if math.isnan(value):
        return "insufficient"
    return "pass" if value <= limit else "fail"


def judge_band(value: float, band: tuple[float, float]) -> str:
    if math.isnan(value):
        return "insufficient"
    return "pass" if band[0] <= value <= band[1] else "fail"


def extremes(values: pd.Series) -> list[str]:
    """The lowest and highest group of ``values`` (one name when they coincide)."""
    values = values.dropna()
    if values.empty:
        return []
    low, high = str(values.idxmin()), str(values.idxmax())
    return [low] if low == high else [low, high]


def _fmt(value: float | None, digits: int = 2) -> str:
    if value is None or math.isnan(value):
        return "undefined"
    if math.isinf(value):
        return "infinite"
    return f"{value:.{digits}f}"


def _evidence(result: MetricResult, confidence: float) -> str:
    text = f"{_LABELS[result.name]} {_fmt(result.value)}"
    if result.ci_low is not None and result.ci_high is not None:
        text += f" ({confidence * 100:g}% CI {_fmt(result.ci_low)}-{_fmt(result.ci_high)})"
    threshold = result.threshold
    if isinstance(threshold, tuple):
        where = "within" if result.status == "pass" else "outside"
        return f"{text} {where} {_fmt(threshold[0])}-{_fmt(threshold[1])}"
    if threshold is not None and result.status in ("pass", "fail"):
        where = "within" if result.status == "pass" else "above"
        return f"{text} {where} {_fmt(threshold)}"
    return text


def _group_detail(name: str, worst: list[str], frame: pd.DataFrame, overall: float) -> str:
    """Which groups drive a failing metric, e.g. ``group 'a' selected at 0.12 vs 'b' 0.19``."""
    if not worst:
        return ""
    if name == "demographicParityRatioToOverall":
        group = worst[0]
        rate = frame.loc[group, "selectionRate"]
        return f"group '{group}' selected at {_fmt(rate)} vs {_fmt(overall)} overall"
    column, verb = {
        "demographicParityDifference": ("selectionRate", "selected at"),
        "demographicParityRatio": ("selectionRate", "selected at"),
        "accuracyDifference": ("accuracy", "accuracy"),
        "errorRatio": ("mae", "MAE"),
        "maeDifference": ("mae", "MAE"),
    }.get(name, ("", ""))
    if name == "equalizedOddsDifference" and len(worst) == 2:
        tpr, fpr = frame.loc[worst, "truePositiveRate"], frame.loc[worst, "falsePositiveRate"]
        use_tpr = abs(tpr.iloc[1] - tpr.iloc[0]) >= abs(fpr.iloc[1] - fpr.iloc[0])
        column = "truePositiveRate" if use_tpr else "falsePositiveRate"
        verb = "true positive rate" if use_tpr else "false positive rate"
    if len(worst) < 2 or not column:
        return ""
    a, b = worst[0], worst[1]
    digits = 3 if column == "mae" else 2
    va, vb = _fmt(frame.loc[a, column], digits), _fmt(frame.loc[b, column], digits)
    return f"group '{a}' {verb} {va} vs '{b}' {vb}"


def _summary(
    results: dict[str, MetricResult],
    order: tuple[str, ...],
    frame: pd.DataFrame,
    sample: Sample,
    settings: FairnessSettings,
) -> str:
    column, confidence = sample.column, settings.confidence
    n_groups, n_judged_groups = sample.n_groups, sample.n_judged_groups
    min_size = settings.thresholds.min_group_size
    small = n_groups - n_judged_groups
    note = (
        f" ({small} group{'s' if small != 1 else ''} under {min_size} rows not judged)"
        if small and n_judged_groups >= 2
        else ""
    )
    present = [name for name in order if name in results]
    if n_judged_groups < 2:
        lead = results[present[0]]
        return (
            f"only {n_judged_groups} of {n_groups} groups in '{column}' have at least "
            f"{min_size} rows: fairness not judged "
            f"({_evidence(lead, confidence)} on all rows, for information)"
        )
    failing = [name for name in present if results[name].status == "fail"]
    if failing:
        lead = results[failing[0]]
        detail = _group_detail(lead.name, lead.worst_groups, frame, sample.overall_rate)
        text = _evidence(lead, confidence) + (f": {detail}" if detail else "")
        if len(failing) > 1:
            text += f"; also failing: {', '.join(_LABELS[name] for name in failing[1:])}"
        return text + note
    undecided = [name for name in present if results[name].status == "insufficient"]
    if undecided:
        lead = results[undecided[0]]
        return (
            f"{_LABELS[lead.name]} undefined (no group has a positive prediction): "
            f"fairness not fully assessed across {n_judged_groups} groups of '{column}'{note}"
        )
    lead = results[present[0]]
    return (
        f"no disparity beyond the thresholds across {n_judged_groups} groups of '{column}' "
        f"(n={sample.n_judged}): {_evidence(lead, confidence)}{note}"
    )


def _overall_status(results: dict[str, MetricResult], n_judged_groups: int) -> str:
    statuses = {result.status for result in results.values()}
    if n_judged_groups < 2:
        return "insufficient"
    if "fail" in statuses:
        return "fail"
    if "insufficient" in statuses:
        return "insufficient"
    return "pass"


def too_few_groups(
    sample: Sample, groups: list[GroupStats], settings: FairnessSettings
) -> FairnessReport:
    """The report when the sensitive column has fewer than two groups: nothing to compare."""
    only = f" ('{groups[0].name}')" if groups else ""
    return FairnessReport(
        status="insufficient",
        summary=(
            f"only one group{only} in '{sample.column}' (n={sample.n}): "
            "there is nothing to compare, fairness not assessed"
        ),
        task=sample.task,
        sensitive_column=sample.column,
        n=sample.n,
        n_judged=0,
        positive_label=sample.positive_label,
        metrics={},
        groups=groups,
        thresholds=settings.thresholds,
        confidence=settings.confidence,
        n_resamples=settings.n_resamples,
        seed=settings.seed,
    )


def build_report(
    figures: dict[str, Figure],
    replicates: dict[str, Array],
    order: tuple[str, ...],
    frame: pd.DataFrame,
    groups: list[GroupStats],
    *,
    sample: Sample,
    settings: FairnessSettings,
) -> FairnessReport:
    """The report of ``figures`` (the headline metrics in ``order``) with the intervals of
    their ``replicates``: every judged metric is insufficient when fewer than two groups are
    judged; ``frame`` holds the groups' scores (for the summary's detail)."""
    judged_ok = sample.n_judged_groups >= 2
    results: dict[str, MetricResult] = {}
    for name in order:
        if name not in figures:
            continue
        figure = figures[name]
        low, high = (
            interval(replicates[name], settings.confidence) if name in replicates else (None, None)
        )
        status = figure.status
        if not judged_ok and status != "info":
            status = "insufficient"
        results[name] = MetricResult(
            name, figure.value, low, high, figure.threshold, status, figure.worst_groups
        )
    return FairnessReport(
        status=_overall_status(results, sample.n_judged_groups),
        summary=_summary(results, order, frame, sample, settings),
        task=sample.task,
        sensitive_column=sample.column,
        n=sample.n,
        n_judged=sample.n_judged,
        positive_label=sample.positive_label,
        metrics=results,
        groups=groups,
        thresholds=settings.thresholds,
        confidence=settings.confidence,
        n_resamples=settings.n_resamples,
        seed=settings.seed,
    )
