"""The explainability domain's errors.

Kept apart from ``compute.py``, which loads the ML stack.
"""

from urutiq_ai.core.errors import ValidationError


class NotExplainable(ValidationError):
    """The version cannot be explained as asked: no stored validation sample, or the method
    fails on its model (409)."""

    status_code = 409
