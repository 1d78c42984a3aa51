"""An experiment's success criteria: improvement targets and guards, parsed and checked.

:func:`parse_success_metrics` reads the camelCase objects of an experiment's
``successMetrics`` into :class:`SuccessMetric` values (pydantic checks them; every problem is
named by its path in :class:`CriteriaError`); :mod:`urutiq_ai.ml.comparison.verdict` judges
them against the comparisons.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError

from urutiq_ai.core.errors import pydantic_fields
from urutiq_ai.core.naming import to_camel
from urutiq_ai.ml.comparison.metrics import METRICS

DEFAULT_MAX_DEGRADATION = 0.01
"""A guard's allowed worsening when ``{"guard": true}`` names none."""


class CriteriaError(ValueError):
    """Success criteria that cannot be used; ``errors`` holds one ``(path, reason)`` pair per
    problem, e.g. ``("successMetrics.0.metric", "is required")``."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{path}: {reason}" for path, reason in self.errors))


CRITERION_KEYS = ("metric", "minImprovement", "maxDegradation", "guard")


@dataclass(frozen=True)
class SuccessMetric:
    """One success criterion: an improvement target (``min_improvement`` set: current must
    beat baseline by at least that much, oriented so that positive is better) or a guard
    (``max_degradation`` set: current must not be worse by more than that)."""

    metric: str
    min_improvement: float | None = None
    max_degradation: float | None = None

    @property
    def is_guard(self) -> bool:
        """True for a guard, False for an improvement target."""
        return self.max_degradation is not None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, camelCase keys (the form :func:`parse_success_metrics` reads)."""
        if self.is_guard:
            return {"metric": self.metric, "maxDegradation": self.max_degradation}
        return {"metric": self.metric, "minImprovement": self.min_improvement}


def _not_negative(value: float) -> float:
    if value < 0:
        raise ValueError(f"must not be negative, got {value!r}")
    return value


_Amount = Annotated[float, Field(strict=True), AfterValidator(_not_negative)]
"""A finite number >= 0 (an int is taken as a float; a bool or a text is refused)."""


class _Criterion(BaseModel):
    """One success criterion as written: the camelCase keys :data:`CRITERION_KEYS`, nothing
    else; a target (``minImprovement``) or a guard (``maxDegradation`` or ``guard: true``)."""

    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", allow_inf_nan=False)

    metric: str
    min_improvement: _Amount | None = None
    max_degradation: _Amount | None = None
    guard: StrictBool | None = None

    @field_validator("metric", mode="before")
    @classmethod
    def _known_metric(cls, value: Any) -> Any:
        if not isinstance(value, str) or value not in METRICS:
            raise ValueError(f"unknown metric {value!r}; use one of {', '.join(METRICS)}")
        return value

    @field_validator("guard")
    @classmethod
    def _guard_matches(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        if (
            value is False
            and info.data.get("max_degradation") is not None
            and info.data.get("min_improvement") is None
        ):
            raise ValueError("is false but maxDegradation makes this a guard")
        return value

    @model_validator(mode="after")
    def _target_or_guard(self) -> "_Criterion":
        has_min, has_max = self.min_improvement is not None, self.max_degradation is not None
        if has_min and (has_max or self.guard is True):
            raise ValueError("give either minImprovement (a target) or maxDegradation (a guard)")
        if not has_min and not has_max and self.guard is not True:
            raise ValueError("give minImprovement (a target), maxDegradation or guard: true")
        return self

    def success_metric(self) -> SuccessMetric:
        max_degradation = self.max_degradation
        if self.min_improvement is None and max_degradation is None:
            max_degradation = DEFAULT_MAX_DEGRADATION
        return SuccessMetric(self.metric, self.min_improvement, max_degradation)


def _parse_criterion(item: Any, path: str, errors: list[tuple[str, str]]) -> SuccessMetric | None:
    if not isinstance(item, Mapping):
        errors.append((path, f"must be an object, got {type(item).__name__}"))
        return None
    try:
        return _Criterion.model_validate(item).success_metric()
    except PydanticValidationError as exc:
        problems = pydantic_fields(exc, prefix=path, allowed=CRITERION_KEYS)
        errors.extend((problem.field, problem.reason) for problem in problems)
        return None


def parse_success_metrics(value: Any, *, path: str = "successMetrics") -> list[SuccessMetric]:
    """Success criteria from one object or a list of objects such as
    ``{"metric": "f1Score", "minImprovement": 0.02}`` (a target) or
    ``{"metric": "accuracy", "maxDegradation": 0.01}`` / ``{"metric": "accuracy",
    "guard": true}`` (a guard; maxDegradation defaults to :data:`DEFAULT_MAX_DEGRADATION`).

    Raises :class:`CriteriaError` listing every problem with its path
    (``successMetrics.0.metric``; ``successMetrics.metric`` for a single object).
    """
    if isinstance(value, Mapping):
        items: list[tuple[str, Any]] = [(path, value)]
    elif isinstance(value, list | tuple):
        items = [(f"{path}.{i}", item) for i, item in enumerate(value)]
    else:
        raise CriteriaError([(path, "must be an object or a list of objects")])
    errors: list[tuple[str, str]] = []
    parsed = [_parse_criterion(item, item_path, errors) for item_path, item in items]
    if errors:
        raise CriteriaError(errors)
    return [criterion for criterion in parsed if criterion is not None]
