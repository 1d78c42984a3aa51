"""The model registry's errors."""

from urutiq_ai.core.errors import Conflict, NotFound


class VersionInUse(Conflict):
    """Retiring a version that a serving deployment still answers with (or shadows)."""


class ArtifactMissing(NotFound):
    """The model has no stored pipeline (it was not trained here)."""
