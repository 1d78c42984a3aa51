"""The inputs of a fairness report, checked: labels, predictions and the sensitive column
as arrays, the groups' names, the positive label of a binary outcome, the judged rows.

Positive label (binary outcomes): ``positive_label`` when given (it must occur in
``y_true`` or ``y_pred``); otherwise ``True`` for boolean labels, ``1`` for labels within
{0, 1} or {-1, 1} (fairlearn's convention), the minority class of ``y_true`` for any other
two labels (the rarer label is usually the event of interest: fraud, default, churn; on a
tie the larger label) and the only label when there is one. With more than two labels and
no ``positive_label`` only accuracy is compared; with a ``positive_label`` the outcome is
one-vs-rest (``label == positive_label``) for the rate metrics while accuracy stays that of
the multiclass labels.

Groups: the sensitive values as strings (``str(value)``); missing values (None, NaN, NA)
form their own group ``"(missing)"``. Groups smaller than ``min_group_size`` are reported
but not judged: the headline metrics are computed on the rows of the groups that are
large enough (:func:`judged_rows`).
"""

from typing import Any

import numpy as np
import pandas as pd

from urutiq_ai.ml.comparison.checks import Array, vector
from urutiq_ai.ml.fairness.settings import is_number

MISSING_GROUP = "(missing)"
"""The group of rows whose sensitive value is missing."""


def checked_inputs(y_true: Any, y_pred: Any, sensitive: Any) -> tuple[Array, Array, Array]:
    arrays = (
        vector(y_true, "y_true"),
        vector(y_pred, "y_pred"),
        vector(sensitive, "sensitive"),
    )
    lengths = [len(a) for a in arrays]
    if len(set(lengths)) != 1:
        raise ValueError(
            "y_true, y_pred and sensitive must have the same length, got "
            f"{lengths[0]}, {lengths[1]} and {lengths[2]}"
        )
    if lengths[0] == 0:
        raise ValueError("no rows given")
    return arrays


def group_names(sensitive: Array) -> Array:
    """The sensitive values as strings, missing ones as :data:`MISSING_GROUP`."""
    series = pd.Series(sensitive, dtype=object)
    missing = series.isna().to_numpy()
    names = np.array([str(value) for value in series], dtype=object)
    names[missing] = MISSING_GROUP
    return names


def column_name(sensitive: Any, given: str | None) -> str:
    if given is not None:
        return given
    name = getattr(sensitive, "name", None)
    return str(name) if isinstance(name, str) and name else "sensitive"


def no_missing_labels(values: Array, name: str) -> None:
    if pd.isna(pd.Series(values, dtype=object)).any():
        raise ValueError(f"{name} has missing values")


def regression_numbers(values: Array, name: str) -> Array:
    try:
        array = values.astype(float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numbers: {exc}") from exc
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must be finite numbers")
    return array


def _sorted_labels(labels: list[Any]) -> list[Any]:
    try:
        return sorted(labels)
    except TypeError:
        return sorted(labels, key=str)


def default_positive_label(y_true: Any, y_pred: Any) -> Any:
    """The positive label chosen when none is given (None: multiclass, no binary outcome).

    ``True`` for boolean labels; ``1`` for labels within {0, 1} or {-1, 1}; for two other
    labels the minority class of ``y_true`` (ties: the larger label); the only label when
    there is one; None for more than two labels.
    """
    truth, pred = np.asarray(y_true), np.asarray(y_pred)
    labels = _sorted_labels(list({*pd.unique(truth).tolist(), *pd.unique(pred).tolist()}))
    if all(isinstance(v, bool | np.bool_) for v in labels):
        return True
    numeric = all(is_number(v) for v in labels)
    if numeric and (set(labels) <= {0, 1} or set(labels) <= {-1, 1}):
        return next((v for v in labels if v == 1), 1)
    if len(labels) == 1:
        return labels[0]
    if len(labels) > 2:
        return None
    counts = pd.Series(truth, dtype=object).value_counts()
    return min(reversed(labels), key=lambda label: int(counts.get(label, 0)))


def resolve_positive(y_true: Array, y_pred: Array, positive_label: Any) -> Any:
    if positive_label is None:
        return default_positive_label(y_true, y_pred)
    present = bool(np.any(y_true == positive_label) or np.any(y_pred == positive_label))
    if not present:
        raise ValueError(f"positive_label {positive_label!r} occurs in neither y_true nor y_pred")
    return positive_label


def judged_rows(names: Array, min_size: int) -> tuple[Array, set[str]]:
    """The groups with at least ``min_size`` rows and the mask of the rows the headline
    metrics use: theirs, or all rows (for information) when fewer than two qualify."""
    sizes = pd.Series(names).value_counts()
    judged = {str(group) for group, size in sizes.items() if size >= min_size}
    if len(judged) < 2:
        return np.ones(len(names), dtype=bool), judged
    return np.isin(names, list(judged)), judged
