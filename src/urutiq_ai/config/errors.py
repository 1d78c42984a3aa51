"""The config domain's errors (each a 404)."""

from urutiq_ai.core.errors import NotFound


class ConfigNotFound(NotFound):
    """No configuration version with that id in the context's companies."""


class NoActiveConfig(NotFound):
    """The company has no active version of the configuration type."""
