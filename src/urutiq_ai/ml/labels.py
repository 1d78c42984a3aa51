"""Labels compared as text (no numerical imports: the serving path uses it at start-up)."""

from typing import Any


def label_text(value: Any) -> str:
    """A label as comparable text: booleans lower-cased (``true``), whole floats without
    ``.0`` (``1.0`` -> ``1``), strings stripped and lower-cased."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip().lower()
