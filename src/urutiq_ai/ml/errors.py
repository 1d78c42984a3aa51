"""Errors raised by the numerical layer; the service layer maps them to HTTP answers."""

MIN_ROWS = 20
"""Fewest usable rows (non-null target where one is needed) a training run accepts."""

MIN_SPLIT_ROWS = 5
"""Fewest rows each of the training and validation splits must hold."""


class MLError(Exception):
    """Base class for every error of the numerical layer."""


class _FieldErrors(MLError):
    """An error that lists every offending field with its reason (rendered as a 422)."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in self.errors))


class SpecError(_FieldErrors):
    """A training spec or its data cannot be trained on; raised before any fitting starts.

    ``errors`` holds one ``(field, reason)`` pair per problem, e.g.
    ``("hyperparameters.max_depth", "must be at most 100, got 500")``.
    """


class InputError(_FieldErrors):
    """Prediction input does not match the model's feature columns (missing, extra, wrong type)."""


class TrainingCancelled(MLError):
    """``should_stop()`` asked training to stop; raised between epochs, rounds or steps."""


class ArtifactTampered(MLError):
    """A stored model artifact does not match its recorded SHA-256; it is never unpickled."""
