"""The argument checks the comparisons (and the fairness reports) share."""

from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]


def check_confidence(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    return float(confidence)


def check_resamples(n_resamples: int) -> int:
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 1:
        raise ValueError(f"n_resamples must be a positive integer, got {n_resamples!r}")
    return n_resamples


def vector(values: Any, name: str) -> Array:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    return array


def finite_numbers(values: Any, name: str) -> Array:
    try:
        array = vector(values, name).astype(float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numbers: {exc}") from exc
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must be finite numbers")
    return array
