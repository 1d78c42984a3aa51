"""What a drift score measures and how it is judged, in words.

A drift score is a p-value for a test (``ks``, ``chisquare``, ``z``: *lower* means more
drift) and a distance or index otherwise (*higher* means more drift), so a score read
alone, or coloured on one scale, misleads: 0.0006 is drift for KS and 0.21 is drift for
Jensen-Shannon, while 0.30 is no drift for KS. Every display names the statistic and the
rule its status comes from (see :mod:`urutiq_ai.ml.drift` for the bands).

Plain Python, no numpy: the API schemas, the dashboard and the CLI import it without the
ML stack.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

P_VALUE_METHODS = frozenset({"ks", "chisquare", "z"})
TEST_WARNING_FACTOR = 2.0
DISTANCE_WARNING_FACTOR = 0.8

SCORE_NAMES = {
    "ks": "KS test p-value",
    "chisquare": "chi-square test p-value",
    "z": "two-proportion Z test p-value",
    "wasserstein": "Wasserstein distance (in reference std)",
    "jensenshannon": "Jensen-Shannon distance",
    "psi": "population stability index",
}
SHORT_NAMES = {
    "ks": "KS p-value",
    "chisquare": "χ² p-value",
    "z": "Z-test p-value",
    "wasserstein": "Wasserstein",
    "jensenshannon": "JS distance",
    "psi": "PSI",
}
DATASET_SCORE = "share of features drifted"
DATASET_SHORT = "share drifted"


@dataclass(frozen=True)
class ScoreMeaning:
    """A drift score's statistic (long and short name) and its rule, e.g.
    ``("KS test p-value", "KS p", "p < 0.05")``; ``rule`` names the detected band and
    ``warning`` the warning band (empty when there is none)."""

    name: str
    short: str
    rule: str
    warning: str = ""


def _number(value: float) -> str:
    return f"{value:.4g}"


def meaning(
    method: str | None,
    threshold: float | None,
    *,
    scope: str | None = None,
    metric: str | None = None,
) -> ScoreMeaning:
    """The meaning of a score measured with ``method`` (a drift method), or of a data-set
    (``scope="dataset"``) or concept (``scope="concept"``, its ``metric``) row."""
    limit = "the threshold" if threshold is None else _number(threshold)
    if scope == "dataset":
        return ScoreMeaning(DATASET_SCORE, DATASET_SHORT, f"≥ {limit}", "any feature drifted")
    if scope == "concept":
        measured = metric or "metric"
        return ScoreMeaning(
            f"relative {measured} drop (and the error stream's change points)",
            f"{measured} drop",
            f"≥ {limit} or a rising error stream",
        )
    if method in P_VALUE_METHODS:
        warning = "" if threshold is None else f"p < {_number(threshold * TEST_WARNING_FACTOR)}"
        return ScoreMeaning(SCORE_NAMES[method], SHORT_NAMES[method], f"p < {limit}", warning)
    if method in SCORE_NAMES:
        warning = "" if threshold is None else f"≥ {_number(threshold * DISTANCE_WARNING_FACTOR)}"
        return ScoreMeaning(SCORE_NAMES[method], SHORT_NAMES[method], f"≥ {limit}", warning)
    return ScoreMeaning("score", "score", f"threshold {limit}")


def meaning_of(analysis: Any, threshold: float | None) -> ScoreMeaning:
    """:func:`meaning` of a stored AIDriftDetection (its ``analysis`` and ``threshold``);
    rows written before the names were stored are named from their method too."""
    details: Mapping[str, Any] = analysis if isinstance(analysis, Mapping) else {}
    method, scope, metric = details.get("method"), details.get("scope"), details.get("metric")
    return meaning(
        method if isinstance(method, str) else None,
        threshold,
        scope=scope if isinstance(scope, str) else None,
        metric=metric if isinstance(metric, str) else None,
    )


def compared_of(analysis: Any) -> str | None:
    """What a stored row compared, e.g. ``"text: word shares"`` (None when not recorded)."""
    details: Mapping[str, Any] = analysis if isinstance(analysis, Mapping) else {}
    compared = details.get("compared")
    return compared if isinstance(compared, str) else None


def format_score(value: float | None, method: str | None = None) -> str:
    """A score as shown: p-values below 0.0001 as ``< 0.0001`` (they reach 1e-173), the
    rest with up to 4 significant digits."""
    if value is None or not math.isfinite(value):
        return "–"
    if method in P_VALUE_METHODS and 0 <= value < 1e-4:
        return "< 0.0001"
    return _number(value)
