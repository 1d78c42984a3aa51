"""The monitoring domain's errors."""

from urutiq_ai.core.errors import Conflict


class NoReferenceProfile(Conflict):
    """The model was trained without a reference profile: data drift has nothing to
    compare with."""
