"""What a fairness report is judged against and how it is computed.

* :class:`FairnessThresholds` and :func:`thresholds_from` -- the policy's limits, checked by
  pydantic (:class:`FairnessConfigError` names every bad key by its path).
* :class:`FairnessSettings` -- the thresholds with the bootstrap's options (resamples,
  confidence, seed), checked when built, as one typed value handed down the report.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import numpy as np
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from urutiq_ai.core.errors import pydantic_fields
from urutiq_ai.core.naming import to_camel
from urutiq_ai.ml.comparison.checks import check_confidence


class FairnessConfigError(ValueError):
    """Fairness thresholds that cannot be used; ``errors`` holds one ``(path, reason)`` pair
    per problem, e.g. ``("thresholds.ratioBand", "low must lie in (0, 1], got 1.5")``."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{path}: {reason}" for path, reason in self.errors))


THRESHOLD_KEYS = {
    "maxParityDifference": "max_parity_difference",
    "ratioBand": "ratio_band",
    "maxEqualizedOddsDifference": "max_equalized_odds_difference",
    "maxAccuracyDifference": "max_accuracy_difference",
    "maxErrorRatio": "max_error_ratio",
    "minGroupSize": "min_group_size",
}
"""camelCase key (as :func:`thresholds_from` reads it) -> :class:`FairnessThresholds` field."""


@dataclass(frozen=True)
class FairnessThresholds:
    """The limits a model's group metrics are judged against.

    * ``max_parity_difference`` (0.1): largest allowed demographic parity difference
      (max - min of the group selection rates).
    * ``ratio_band`` ((0.8, 1.25), the "four-fifths rule" and its inverse): the demographic
      parity ratio (min / max group selection rate, at most 1, so only ``low`` bites) and
      each group's selection rate / overall rate must lie within ``[low, high]``.
    * ``max_equalized_odds_difference`` (0.1): largest allowed equalized odds difference
      (the larger of the true- and false-positive rate differences).
    * ``max_accuracy_difference`` (0.1): largest allowed max - min of the group accuracies.
    * ``max_error_ratio`` (1.25): regression, largest allowed worst / best group MAE.
    * ``min_group_size`` (30): groups with fewer rows are reported but not judged.

    Invalid values raise :class:`FairnessConfigError`.
    """

    max_parity_difference: float = 0.1
    ratio_band: tuple[float, float] = (0.8, 1.25)
    max_equalized_odds_difference: float = 0.1
    max_accuracy_difference: float = 0.1
    max_error_ratio: float = 1.25
    min_group_size: int = 30

    def __post_init__(self) -> None:
        values = {key: getattr(self, name) for key, name in THRESHOLD_KEYS.items()}
        checked = _checked_thresholds(values, "thresholds")
        for name in THRESHOLD_KEYS.values():
            object.__setattr__(self, name, getattr(checked, name))

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, camelCase keys (the form :func:`thresholds_from` reads)."""
        return {
            "maxParityDifference": self.max_parity_difference,
            "ratioBand": list(self.ratio_band),
            "maxEqualizedOddsDifference": self.max_equalized_odds_difference,
            "maxAccuracyDifference": self.max_accuracy_difference,
            "maxErrorRatio": self.max_error_ratio,
            "minGroupSize": self.min_group_size,
        }


def is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


_N = TypeVar("_N", int, float)


def _fraction(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"must lie in [0, 1], got {value!r}")
    return value


def _at_least_one(value: _N) -> _N:
    if value < 1:
        raise ValueError(f"must be at least 1, got {value!r}")
    return value


def _whole(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"must be a whole number, got {value!r}")
    return int(value)


def _band(value: Any) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValueError(f"must be a list of two numbers [low, high], got {value!r}")
    low, high = value
    if not is_number(low) or not is_number(high):
        raise ValueError(f"must hold two finite numbers [low, high], got {list(value)!r}")
    problems = []
    if not 0.0 < low <= 1.0:
        problems.append(f"low must lie in (0, 1], got {low!r}")
    if not high >= 1.0:
        problems.append(f"high must be at least 1, got {high!r}")
    if problems:
        raise ValueError("; ".join(problems))
    return float(low), float(high)


_Number = Annotated[float, Field(strict=True)]
"""A finite number (an int is taken as a float; a bool or a text is refused)."""
_Difference = Annotated[_Number, AfterValidator(_fraction)]


class _Thresholds(BaseModel):
    """Every key of :data:`THRESHOLD_KEYS` (camelCase, nothing else), checked: differences in
    [0, 1], band low in (0, 1] and high >= 1, maxErrorRatio >= 1, minGroupSize >= 1."""

    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", allow_inf_nan=False)

    max_parity_difference: _Difference
    max_equalized_odds_difference: _Difference
    max_accuracy_difference: _Difference
    ratio_band: Annotated[tuple[float, float], BeforeValidator(_band)]
    max_error_ratio: Annotated[_Number, AfterValidator(_at_least_one)]
    min_group_size: Annotated[int, BeforeValidator(_whole), AfterValidator(_at_least_one)]


def _checked_thresholds(values: Mapping[str, Any], path: str) -> _Thresholds:
    """``values`` (camelCase keys) checked; FairnessConfigError naming each bad ``path.key``."""
    try:
        return _Thresholds.model_validate(dict(values))
    except PydanticValidationError as exc:
        problems = pydantic_fields(exc, prefix=path, allowed=tuple(THRESHOLD_KEYS))
        raise FairnessConfigError([(p.field, p.reason) for p in problems]) from None


DEFAULT_THRESHOLDS = FairnessThresholds()


def thresholds_from(
    mapping: Mapping[str, Any] | None, *, path: str = "thresholds"
) -> FairnessThresholds:
    """Thresholds from a policy's camelCase object, e.g. ``{"ratioBand": [0.8, 1.25],
    "minGroupSize": 50}``; missing keys keep their defaults (None: all defaults).

    Raises :class:`FairnessConfigError` listing every problem with its path
    (``thresholds.ratioBand``): unknown keys, wrong types, out-of-range values (differences
    in [0, 1], band low in (0, 1] and high >= 1, maxErrorRatio >= 1, minGroupSize >= 1).
    """
    if mapping is None:
        return DEFAULT_THRESHOLDS
    if not isinstance(mapping, Mapping):
        raise FairnessConfigError([(path, f"must be an object, got {type(mapping).__name__}")])
    checked = _checked_thresholds({**DEFAULT_THRESHOLDS.as_dict(), **mapping}, path)
    return FairnessThresholds(**checked.model_dump())


def _check_resamples(n_resamples: int) -> int:
    """``n_resamples`` when it is a whole number >= 0 (0: no intervals), else ValueError."""
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 0:
        raise ValueError(f"n_resamples must be a non-negative integer, got {n_resamples!r}")
    return n_resamples


@dataclass(frozen=True)
class FairnessSettings:
    """The thresholds and the bootstrap's options of one report: ``n_resamples`` replicates
    (0: no intervals) give percentile intervals at ``confidence``, the same for the same
    ``seed``. Built by the report functions from their keyword arguments; ValueError for a
    confidence outside (0, 1) or a negative or fractional ``n_resamples``."""

    thresholds: FairnessThresholds = DEFAULT_THRESHOLDS
    confidence: float = 0.95
    n_resamples: int = 500
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "confidence", check_confidence(self.confidence))
        _check_resamples(self.n_resamples)
