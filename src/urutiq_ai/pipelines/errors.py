"""The pipelines domain's errors (each a 409: a run's state the request cannot change)."""

from urutiq_ai.core.errors import Conflict


class PipelineBusy(Conflict):
    """A run of this pipeline is still going: at most one at a time."""


class RunNotRunning(Conflict):
    """Only a running run can be cancelled."""
