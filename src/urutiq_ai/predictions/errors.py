"""The predictions domain's errors: a model that may not serve.

Kept apart from ``serving.py``, which loads the ML stack, so that callers can name them
without loading it.
"""

from urutiq_ai.core.errors import ValidationError


class ModelNotServable(ValidationError):
    """The model is not active: only active models predict (409)."""

    status_code = 409


class ArtifactIntegrityError(ValidationError):
    """The stored pipeline or sample does not match its recorded hash: nothing is
    predicted from it (500)."""

    status_code = 500
