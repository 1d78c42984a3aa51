"""The pooled two-proportion z test, once: drift (a category's share in the reference and the
current window) and experiments (the arms' success rates) both use it."""

import numpy as np
import numpy.typing as npt
from scipy import stats


def pooled_z(
    hits_a: npt.ArrayLike, n_a: float, hits_b: npt.ArrayLike, n_b: float
) -> tuple[np.ndarray, np.ndarray]:
    """``(z, p)`` of ``hits_b / n_b - hits_a / n_a``, element-wise over the hits: the pooled
    z statistic and its two-sided p-value. The same test as a chi-square on the 2x2 table
    without continuity correction (``z**2`` is its statistic). With an empty side, or no
    variation at all (a pooled share of 0 or 1), z is 0 and p is 1.

    Vectorised: a drift check tests every category of a column in one call (200,000
    categories, one scipy call instead of 200,000)."""
    a = np.asarray(hits_a, dtype=np.float64)
    b = np.asarray(hits_b, dtype=np.float64)
    if n_a == 0 or n_b == 0:
        return np.zeros(np.broadcast(a, b).shape), np.ones(np.broadcast(a, b).shape)
    pooled = (a + b) / (n_a + n_b)
    spread = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n_a + 1.0 / n_b))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(spread > 0.0, (b / n_b - a / n_a) / spread, 0.0)
    return z, np.where(spread > 0.0, 2.0 * stats.norm.sf(np.abs(z)), 1.0)
