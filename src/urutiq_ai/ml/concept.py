"""Concept drift: the relation between inputs and outcome changed.

Two signals, both on predictions whose outcome is known:

* **the error stream**, in time order (1/0 for a wrong/right label, the absolute error for a
  number), watched by river's ADWIN detector (adaptive windowing, ``delta`` 0.002): it cuts
  the stream where the mean error changed significantly. A cut where the error went *up* is
  concept drift; the error rate before and after the last such cut is reported.
* **the drop of the live metric** against the metric measured on the validation split at
  training (accuracy for labels, MAE for numbers): ``drop`` is the relative worsening
  (``(train - live) / train`` for accuracy, ``(live - train) / train`` for MAE); 10% or
  more is ``detected``, 5% or more a ``warning``.

The status is the worse of the two signals.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from river import drift as river_drift

ADWIN_DELTA = 0.002
DROP_THRESHOLD = 0.10
DROP_WARNING = 0.05
MAX_CUTS_SHOWN = 10


@dataclass
class ErrorStreamResult:
    """ADWIN over the error stream: where it cut, and the error level around the last cut
    where the error rose."""

    observations: int
    cuts: list[int] = field(default_factory=list)
    rising_cuts: list[int] = field(default_factory=list)
    error_before: float | None = None
    error_after: float | None = None

    @property
    def detected(self) -> bool:
        return bool(self.rising_cuts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "detector": "ADWIN",
            "delta": ADWIN_DELTA,
            "observations": self.observations,
            "cuts": self.cuts[:MAX_CUTS_SHOWN],
            "risingCuts": self.rising_cuts[:MAX_CUTS_SHOWN],
            "errorBefore": self.error_before,
            "errorAfter": self.error_after,
        }


def error_stream(errors: Sequence[float], *, delta: float = ADWIN_DELTA) -> ErrorStreamResult:
    """Feed ``errors`` (oldest first) to ADWIN; cuts are the indices where it detected drift.

    At a cut ADWIN drops the older part of its window: the errors from the previous cut's
    split to this split are "before", the rest of the stream (from the split) "after".
    """
    detector = river_drift.ADWIN(delta=delta)
    result = ErrorStreamResult(observations=len(errors))
    previous_split = 0
    for index, value in enumerate(errors):
        detector.update(float(value))
        if not detector.drift_detected:
            continue
        result.cuts.append(index)
        split = max(previous_split, index + 1 - int(detector.width))
        before = _mean(errors[previous_split:split])
        if _mean(errors[split : index + 1]) > before:
            result.rising_cuts.append(index)
            result.error_before, result.error_after = before, _mean(errors[split:])
        previous_split = split
    return result


def _mean(values: Sequence[float]) -> float:
    return float(sum(values) / len(values)) if values else 0.0


DROP_CAP = 1000.0
"""The drop reported when the validation metric was perfect (an MAE of 0) and the live one
is not: any worsening is infinite relative to 0, and stored scores must be finite."""


def metric_drop(live: float, trained: float, *, lower_is_better: bool) -> float:
    """How much worse ``live`` is than ``trained``, relative to ``trained`` (0 if better),
    at most ``DROP_CAP``."""
    if trained == 0:
        return DROP_CAP if lower_is_better and live > 0 else 0.0
    change = (live - trained) if lower_is_better else (trained - live)
    return min(DROP_CAP, max(0.0, change / abs(trained)))


def drop_status(drop: float) -> str:
    if drop >= DROP_THRESHOLD:
        return "detected"
    return "warning" if drop >= DROP_WARNING else "normal"
