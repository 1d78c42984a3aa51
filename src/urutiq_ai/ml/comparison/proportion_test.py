"""Online classification: the correctness rates of two arms compared.

* :func:`two_proportion_test` -- the pooled two-sided z-test
  (:mod:`urutiq_ai.ml.proportions`) and a Wald interval of the difference.
* :func:`required_sample_size` -- rows per arm for that test to reach a power.
"""

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from urutiq_ai.ml.comparison.checks import check_confidence
from urutiq_ai.ml.proportions import pooled_z


@dataclass(frozen=True)
class ProportionTest:
    """Two correctness rates: ``difference`` is ``p_b - p_a``; pooled z-test, Wald interval."""

    p_a: float
    p_b: float
    difference: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float
    confidence: float
    n_a: int
    n_b: int
    successes_a: int
    successes_b: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, camelCase keys."""
        return {
            "pA": self.p_a,
            "pB": self.p_b,
            "difference": self.difference,
            "z": self.z,
            "pValue": self.p_value,
            "ciLow": self.ci_low,
            "ciHigh": self.ci_high,
            "confidence": self.confidence,
            "nA": self.n_a,
            "nB": self.n_b,
            "successesA": self.successes_a,
            "successesB": self.successes_b,
        }


def _check_counts(successes: int, n: int, arm: str) -> None:
    for value in (successes, n):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise ValueError(f"arm {arm}: counts must be integers, got {value!r}")
    if n < 1 or not 0 <= successes <= n:
        raise ValueError(f"arm {arm}: need n >= 1 and 0 <= successes <= n, got {successes}/{n}")


def two_proportion_test(
    successes_a: int, n_a: int, successes_b: int, n_b: int, *, confidence: float = 0.95
) -> ProportionTest:
    """Two-sided pooled z-test of ``p_b - p_a`` and its Wald interval.

    z and the p-value are :func:`~urutiq_ai.ml.proportions.pooled_z`'s (the same test as
    a chi-square on the 2x2 table without continuity correction). With no variation at all
    (every row a success, or none) z is 0 and the p-value 1.
    The Wald interval is ``diff +- z_(1-alpha/2) * sqrt(p_a q_a / n_a + p_b q_b / n_b)``.
    """
    confidence = check_confidence(confidence)
    _check_counts(successes_a, n_a, "a")
    _check_counts(successes_b, n_b, "b")
    p_a, p_b = successes_a / n_a, successes_b / n_b
    difference = p_b - p_a
    z_value, p = pooled_z(successes_a, n_a, successes_b, n_b)
    z, p_value = float(z_value), float(p)
    margin = float(stats.norm.ppf(0.5 + confidence / 2)) * math.sqrt(
        p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b
    )
    return ProportionTest(
        p_a=p_a,
        p_b=p_b,
        difference=difference,
        z=z,
        p_value=p_value,
        ci_low=difference - margin,
        ci_high=difference + margin,
        confidence=confidence,
        n_a=n_a,
        n_b=n_b,
        successes_a=successes_a,
        successes_b=successes_b,
    )


def required_sample_size(
    p_baseline: float, min_detectable_difference: float, *, alpha: float = 0.05, power: float = 0.8
) -> int:
    """Rows per arm for a two-sided two-proportion z-test to detect a rise of
    ``min_detectable_difference`` over ``p_baseline`` with the given ``power``.

    With ``p1 = p_baseline``, ``p2 = p1 + d``, ``pbar = (p1 + p2) / 2`` (pooled variance under
    H0, unpooled under H1) and ``z_q = scipy.stats.norm.ppf(q)``::

        n = ceil((z_(1-alpha/2) * sqrt(2 pbar (1-pbar))
                  + z_power * sqrt(p1 (1-p1) + p2 (1-p2)))^2 / d^2)
    """
    p1, d = float(p_baseline), float(min_detectable_difference)
    if not 0.0 < p1 < 1.0:
        raise ValueError(f"p_baseline must lie strictly between 0 and 1, got {p_baseline!r}")
    if not d > 0.0:
        raise ValueError(f"min_detectable_difference must be positive, got {d!r}")
    p2 = p1 + d
    if not p2 < 1.0:
        raise ValueError(f"p_baseline + min_detectable_difference must be below 1, got {p2!r}")
    for name, value in (("alpha", alpha), ("power", power)):
        if not 0.0 < value < 1.0:
            raise ValueError(f"{name} must lie strictly between 0 and 1, got {value!r}")
    pbar = (p1 + p2) / 2
    z_alpha = float(stats.norm.ppf(1 - alpha / 2))
    z_power = float(stats.norm.ppf(power))
    root = z_alpha * math.sqrt(2 * pbar * (1 - pbar)) + z_power * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    return math.ceil(root**2 / d**2 - 1e-9)
