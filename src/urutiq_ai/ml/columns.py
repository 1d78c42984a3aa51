"""Column kinds: inference on training data and validation of prediction input."""

import datetime as dt
import math
import numbers
import re
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from urutiq_ai.ml.errors import InputError


class ColumnKind(StrEnum):
    """How a feature column is preprocessed."""

    NUMERIC = "numeric"
    BOOLEAN = "boolean"
    CATEGORICAL = "categorical"
    TEXT = "text"
    DATETIME = "datetime"


_ISO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)
TEXT_MIN_WORDS = 3.0
"""An object column whose values average at least this many words is free text."""
TEXT_UNIQUE_RATIO = 0.5
"""...or whose distinct-value ratio exceeds this while holding multi-word values."""
_BOOL_STRINGS = {"true": True, "false": False}
INFER_SAMPLE = 10_000
"""Object columns with more distinct values are classified on a seeded sample of this many
rows (the rules read each distinct value once, weighted by its count)."""


def infer_column_types(
    frame: pd.DataFrame,
    columns: Sequence[str],
    overrides: Mapping[str, ColumnKind | str] | None = None,
) -> dict[str, ColumnKind]:
    """Infer the kind of each of ``columns``; ``overrides`` win over inference.

    Rules: bool dtype -> boolean; other numeric dtypes -> numeric; datetime dtype or strings
    that are all ISO dates -> datetime; other object/string columns -> text when the values
    average >= 3 words, or have a unique ratio > 0.5 with more than one word on average;
    otherwise categorical. Object columns with more than ``INFER_SAMPLE`` distinct values
    are judged on a seeded sample of that many rows.
    """
    given = {name: ColumnKind(kind) for name, kind in (overrides or {}).items()}
    return {name: given.get(name) or _infer_one(frame[name]) for name in columns}


def _infer_one(series: pd.Series) -> ColumnKind:
    if pd.api.types.is_bool_dtype(series):
        return ColumnKind.BOOLEAN
    if pd.api.types.is_numeric_dtype(series):
        return ColumnKind.NUMERIC
    if pd.api.types.is_datetime64_any_dtype(series):
        return ColumnKind.DATETIME
    values = series.dropna()
    if len(values) == 0:
        return ColumnKind.CATEGORICAL
    codes, distinct = pd.factorize(values)
    if len(distinct) > INFER_SAMPLE:
        rows = np.random.default_rng(0).choice(len(codes), size=INFER_SAMPLE, replace=False)
        codes, distinct = pd.factorize(values.iloc[np.sort(rows)])
    return _infer_from_distinct(list(distinct), np.bincount(codes, minlength=len(distinct)))


def _infer_from_distinct(distinct: list[Any], counts: np.ndarray) -> ColumnKind:
    """The rules of :func:`infer_column_types` over distinct values and their counts."""
    if all(isinstance(v, bool | np.bool_) for v in distinct):
        return ColumnKind.BOOLEAN
    texts = [str(v) for v in distinct]
    if all(_ISO_DATE.match(text.strip()) for text in texts):
        return ColumnKind.DATETIME
    word_counts = np.array([len(text.split()) for text in texts], dtype=float)
    words = float((word_counts * counts).sum() / counts.sum())
    unique_ratio = len(set(texts)) / int(counts.sum())
    if words >= TEXT_MIN_WORDS or (unique_ratio > TEXT_UNIQUE_RATIO and words > 1.0):
        return ColumnKind.TEXT
    return ColumnKind.CATEGORICAL


def is_missing(value: Any) -> bool:
    """True for None, NaN and NaT."""
    if value is None or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _check_value(kind: ColumnKind, value: Any) -> str | None:
    """Return why ``value`` does not fit ``kind``, or None when it does."""
    if is_missing(value):
        return None
    if kind is ColumnKind.NUMERIC:
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)
        if ok and not math.isfinite(float(value)):
            return "expected a finite number"
        return None if ok else f"expected a number, got {type(value).__name__}"
    if kind is ColumnKind.BOOLEAN:
        ok = isinstance(value, bool | np.bool_) or value in (0, 1)
        return None if ok else f"expected a boolean, got {type(value).__name__}"
    if kind is ColumnKind.TEXT:
        return None if isinstance(value, str) else f"expected text, got {type(value).__name__}"
    if kind is ColumnKind.DATETIME:
        if isinstance(value, dt.date | np.datetime64):
            return None
        ok = isinstance(value, str) and bool(_ISO_DATE.match(value.strip()))
        return None if ok else "expected an ISO 8601 date or datetime"
    ok = isinstance(value, str | numbers.Number | np.bool_)
    return None if ok else f"expected a category value, got {type(value).__name__}"


def check_records(
    rows: Sequence[Mapping[str, Any]] | pd.DataFrame,
    feature_columns: Sequence[str],
    column_types: Mapping[str, ColumnKind | str],
) -> None:
    """Raise :class:`InputError` unless every row holds exactly ``feature_columns``, well typed.

    Lists every missing field, every extra field and the first wrongly typed value of each
    column (``("amount", "row 2: expected a number, got str")``); nulls are allowed
    everywhere. Plain Python: it reads the rows as given, without building a DataFrame.
    """
    if isinstance(rows, pd.DataFrame):
        columns = [str(c) for c in rows.columns]
        values_of = {name: rows[name].tolist() for name in feature_columns if name in rows}
        records: list[Mapping[str, Any]] = []
    else:
        records = list(rows)
        seen: dict[str, None] = {}
        for record in records:
            seen.update(dict.fromkeys(record))
        columns = list(seen)
        values_of = {
            name: [record.get(name) for record in records]
            for name in feature_columns
            if name in seen
        }
    errors = _shape_errors(records, columns, len(rows), feature_columns)
    for name, values in values_of.items():
        kind = ColumnKind(column_types[name])
        for position, value in enumerate(values):
            reason = _check_value(kind, value)
            if reason is not None:
                errors.append((name, f"row {position}: {reason}"))
                break
    if errors:
        raise InputError(errors)


def validate_rows(
    rows: Sequence[Mapping[str, Any]] | pd.DataFrame,
    feature_columns: Sequence[str],
    column_types: Mapping[str, ColumnKind | str],
) -> pd.DataFrame:
    """Check prediction input against the model's features and return a typed DataFrame.

    Raises :class:`InputError` as :func:`check_records` does. The result has exactly
    ``feature_columns`` in order, numeric and boolean columns as floats and ISO strings
    parsed into datetimes.
    """
    check_records(rows, feature_columns, column_types)
    return typed_frame(rows, feature_columns, column_types)


def typed_frame(
    rows: Sequence[Mapping[str, Any]] | pd.DataFrame,
    feature_columns: Sequence[str],
    column_types: Mapping[str, ColumnKind | str],
) -> pd.DataFrame:
    """Rows already checked by :func:`check_records` as the typed frame pipelines take."""
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame.from_records(list(rows))
    return coerce_frame(frame[list(feature_columns)], column_types)


def _shape_errors(
    records: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    row_count: int,
    feature_columns: Sequence[str],
) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    wanted = set(feature_columns)
    present = set(columns)
    for name in feature_columns:
        absent = [i for i, record in enumerate(records) if name not in record]
        if name not in present or absent:
            where = f" (rows {absent[:10]})" if absent and len(absent) < len(records) else ""
            errors.append((name, f"missing field{where}"))
    errors.extend((name, "unknown field") for name in columns if name not in wanted)
    if row_count == 0:
        errors.append(("rows", "no rows given"))
    return errors


def coerce_frame(frame: pd.DataFrame, column_types: Mapping[str, ColumnKind | str]) -> pd.DataFrame:
    """Return a copy with numeric/boolean columns as floats and datetime columns parsed."""
    out = frame.copy()
    for name in out.columns:
        kind = ColumnKind(column_types[name])
        if kind is ColumnKind.NUMERIC:
            out[name] = pd.to_numeric(out[name], errors="coerce").astype(float)
        elif kind is ColumnKind.BOOLEAN:
            out[name] = to_bool_float(out[name])
        elif kind is ColumnKind.DATETIME:
            out[name] = to_datetime(out[name])
    return out


def to_bool_float(values: pd.Series) -> pd.Series:
    """Map booleans, 0/1 and "true"/"false" strings to 1.0/0.0 (NaN when missing)."""

    if pd.api.types.is_bool_dtype(values) and not values.isna().any():
        return values.astype(float)
    return values.map(bool_float).astype(float)


def bool_float(value: Any) -> float:
    """One value as 1.0/0.0: booleans, 0/1 and "true"/"false" strings; NaN when missing."""
    if is_missing(value):
        return math.nan
    if isinstance(value, str):
        parsed = _BOOL_STRINGS.get(value.strip().lower())
        return math.nan if parsed is None else float(parsed)
    return float(bool(value))


def to_datetime(values: pd.Series) -> pd.Series:
    """Parse dates (ISO strings or datetimes) as naive UTC timestamps; unparseable -> NaT."""
    parsed = pd.to_datetime(values, errors="coerce", utc=True, format="ISO8601")
    return parsed.dt.tz_convert(None)
