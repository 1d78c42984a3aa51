"""The feedback domain's errors: a retraining that cannot start (each a 409)."""

from urutiq_ai.core.errors import Conflict


class NotEnoughCorrections(Conflict):
    """The model has fewer unused processed corrections than the threshold."""


class NotRetrainable(Conflict):
    """The model cannot be retrained here (no stored spec, no target, unreadable data)."""
