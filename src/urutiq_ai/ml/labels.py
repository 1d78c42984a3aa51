"""Labels compared as text, and anomaly flags (no numerical imports: the serving path uses
this module at start-up)."""

import math
from collections.abc import Iterable
from typing import Any

ANOMALY_TRUE_LABELS = frozenset({"true", "1", "yes", "y", "anomaly", "anomalous", "fraud"})
"""Text labels read as "an anomaly" (case-insensitive); other text means normal."""


def is_missing_label(value: Any) -> bool:
    """None or NaN: no label."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def label_text(value: Any) -> str:
    """A label as comparable text: booleans lower-cased (``true``), whole floats without
    ``.0`` (``1.0`` -> ``1``), strings stripped and lower-cased."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip().lower()


def number_label(value: float) -> str:
    """A number as a category label: whole numbers without ``.0`` (``3.0`` -> ``"3"``)."""
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def anomaly_flag(value: Any) -> bool | None:
    """A ground-truth or predicted anomaly label as a boolean (None when missing)."""
    if is_missing_label(value):
        return None
    if isinstance(value, str):
        return value.strip().lower() in ANOMALY_TRUE_LABELS
    return bool(value)


def outcome_label(value: Any, *, anomaly: bool) -> str | None:
    """The text two outcomes are compared by (None when missing): ``true``/``false`` for
    anomaly models, :func:`label_text` otherwise."""
    if anomaly:
        flag = anomaly_flag(value)
        return None if flag is None else str(flag).lower()
    return None if is_missing_label(value) else label_text(value)


def category_label(value: Any) -> str:
    """A present value as a category: whole floats without ``.0`` (a column of codes with a
    gap arrives as floats), everything else as ``str``. Training, serving and drift agree."""
    if isinstance(value, float) and not isinstance(value, bool):
        return number_label(value)
    return str(value)


def class_texts(values: Iterable[Any]) -> list[str]:
    """Class labels in the one representation a target and a classifier's predictions are
    compared in: :func:`category_label` of each. A classifier decodes to its ``classes_``
    (int64 for a 0/1 column) while a target may arrive as Python ints in an object array,
    as floats, or as text; scikit-learn's metrics refuse an object array of numbers beside
    numeric predictions ("a mix of unknown and binary targets")."""
    return [category_label(value) for value in values]
