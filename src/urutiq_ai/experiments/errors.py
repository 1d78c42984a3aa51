"""The experiments domain's errors."""

from urutiq_ai.core.errors import Conflict


class ExperimentNotReady(Conflict):
    """The experiment cannot do that in its state: evaluate an archived one, promote before
    a ``passed`` verdict."""
