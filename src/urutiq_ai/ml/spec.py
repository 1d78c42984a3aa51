"""Training specs and the checks that run before any fitting starts.

Everything that can be wrong with a spec or its data is reported as one
:class:`~urutiq_ai.ml.errors.SpecError` by :func:`check_spec`; field names are the API's
(``modelType``, ``algorithm``, ``featureColumns.<name>``, ``targetColumn``, ``labelColumn``,
``columnTypes.<name>``, ``hyperparameters.<name>``, ``validationSplit``, ``rows``).
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from urutiq_ai.ml.algorithms import ALGORITHMS, Algorithm, validate_hyperparameters
from urutiq_ai.ml.columns import ColumnKind, infer_column_types
from urutiq_ai.ml.errors import MIN_ROWS, MIN_SPLIT_ROWS, SpecError
from urutiq_ai.ml.labels import anomaly_flag

SUPERVISED = frozenset({"classification", "regression"})


@dataclass(frozen=True)
class TrainSpec:
    """What to train.

    ``target_column`` is required for classification and regression and refused for
    clustering. For anomaly_detection a ground-truth column (``label_column``, or
    ``target_column`` as an alias) is optional and only used for evaluation; its truthy
    values (True, non-zero, "true"/"yes"/"anomaly"/...) mark anomalies.
    """

    model_type: str
    algorithm: str
    feature_columns: Sequence[str]
    target_column: str | None = None
    hyperparameters: Mapping[str, Any] = field(default_factory=dict)
    validation_split: float = 0.2
    random_state: int = 42
    column_types: Mapping[str, str] | None = None
    label_column: str | None = None

    @property
    def evaluation_column(self) -> str | None:
        """The supervised target, or the anomaly ground-truth label."""
        if self.model_type == "anomaly_detection":
            return self.label_column or self.target_column
        return self.target_column


@dataclass(frozen=True)
class CheckedSpec:
    """A spec that passed :func:`check_spec`, with validated parameters and column kinds."""

    spec: TrainSpec
    algorithm: Algorithm
    hyperparameters: dict[str, Any]
    column_types: dict[str, ColumnKind]
    rows: pd.DataFrame
    target: pd.Series | None


def check_spec(frame: pd.DataFrame, spec: TrainSpec) -> CheckedSpec:
    """Validate ``spec`` against ``frame``; raise one SpecError listing every problem.

    Checks: model type and algorithm (known, and fitting each other), hyperparameters,
    feature columns (present, non-empty), column type overrides, the target (required or
    refused by model type, present, numeric for regression, at least two classes for
    classification), the validation split and the row counts (``MIN_ROWS`` usable rows
    and ``MIN_SPLIT_ROWS`` in each split).
    """
    errors: list[tuple[str, str]] = []
    params: dict[str, Any] = {}
    try:
        params = validate_hyperparameters(spec.algorithm, spec.model_type, spec.hyperparameters)
    except SpecError as exc:
        errors.extend(exc.errors)
    errors.extend(_feature_errors(frame, spec))
    target_errors = _target_errors(frame, spec)
    errors.extend(target_errors)
    rows, target = _usable_rows(frame, spec) if not target_errors else (frame, None)
    errors.extend(_row_errors(rows, spec, params))
    if errors:
        raise SpecError(errors)
    column_types = infer_column_types(rows, list(spec.feature_columns), spec.column_types)
    return CheckedSpec(spec, ALGORITHMS[spec.algorithm], params, column_types, rows, target)


def _feature_errors(frame: pd.DataFrame, spec: TrainSpec) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    features = list(spec.feature_columns)
    if not features:
        errors.append(("featureColumns", "at least one feature column is required"))
    if len(set(features)) != len(features):
        errors.append(("featureColumns", "columns are listed more than once"))
    for name in features:
        if name not in frame.columns:
            errors.append((f"featureColumns.{name}", "not a column of the training data"))
    for name, kind in (spec.column_types or {}).items():
        if name not in features:
            errors.append((f"columnTypes.{name}", "not one of the feature columns"))
        elif kind not in set(ColumnKind):
            errors.append((f"columnTypes.{name}", f"unknown kind; one of {list(ColumnKind)}"))
    return errors


def _target_errors(frame: pd.DataFrame, spec: TrainSpec) -> list[tuple[str, str]]:
    target = spec.evaluation_column
    field_name = "labelColumn" if spec.label_column else "targetColumn"
    if spec.model_type in SUPERVISED and target is None:
        return [("targetColumn", f"required for {spec.model_type}")]
    if spec.model_type == "clustering" and target is not None:
        return [("targetColumn", "clustering takes no target column")]
    if target is None:
        return []
    if target not in frame.columns:
        return [(field_name, f"{target!r} is not a column of the training data")]
    if target in spec.feature_columns:
        return [(field_name, f"{target!r} is also a feature column")]
    values = frame[target].dropna()
    if spec.model_type == "regression" and not _is_numeric(values):
        bad = next(v for v in values if _not_number(v))
        return [("targetColumn", f"regression needs a numeric target; found {bad!r}")]
    if spec.model_type == "classification" and as_labels(values).nunique() < 2:
        return [("targetColumn", "classification needs at least two classes in the target")]
    return []


def _not_number(value: Any) -> bool:
    if isinstance(value, bool | np.bool_):
        return True
    return bool(pd.isna(pd.to_numeric(pd.Series([value]), errors="coerce")).iloc[0])


def _is_numeric(values: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(values):
        return False
    if pd.api.types.is_numeric_dtype(values):
        return True
    return not any(_not_number(v) for v in values)


def as_labels(values: pd.Series) -> pd.Series:
    """Class labels: object columns become strings so that mixed types sort."""
    if values.dtype == object:
        return values.map(str)
    return values


def _usable_rows(frame: pd.DataFrame, spec: TrainSpec) -> tuple[pd.DataFrame, pd.Series | None]:
    column = spec.evaluation_column
    if column is None:
        return frame.reset_index(drop=True), None
    if spec.model_type in SUPERVISED:
        frame = frame[frame[column].notna()]
    frame = frame.reset_index(drop=True)
    return frame, frame[column]


def _row_errors(
    rows: pd.DataFrame, spec: TrainSpec, params: Mapping[str, Any]
) -> list[tuple[str, str]]:
    split = spec.validation_split
    if not isinstance(split, int | float) or not 0.0 < split < 1.0:
        return [("validationSplit", "must be between 0 and 1 (exclusive)")]
    n = len(rows)
    what = "rows with a target" if spec.model_type in SUPERVISED else "rows"
    if n < MIN_ROWS:
        return [("rows", f"at least {MIN_ROWS} {what} are needed, got {n}")]
    n_val = math.ceil(n * split)
    if min(n_val, n - n_val) < MIN_SPLIT_ROWS:
        return [
            ("validationSplit", f"each split needs {MIN_SPLIT_ROWS} rows; got {n - n_val}/{n_val}")
        ]
    clusters = params.get("n_clusters")
    if spec.model_type == "clustering" and clusters is not None and clusters > n - n_val:
        return [("hyperparameters.n_clusters", f"more clusters than training rows ({n - n_val})")]
    return []


def anomaly_flags(values: pd.Series) -> pd.Series:
    """Ground-truth anomaly labels as booleans (NaN kept for unlabelled rows)."""

    def flag(value: Any) -> Any:
        if pd.isna(value):
            return np.nan
        return anomaly_flag(value)

    return values.map(flag)
