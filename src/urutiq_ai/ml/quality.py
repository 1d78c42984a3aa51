"""Data-quality measurements, computed chunk by chunk (pure: pandas and numpy, no database).

Every check is an accumulator: ``update(chunk)`` for each chunk of the rows it reads, then
``finish()`` for a :class:`Measurement`. Nothing keeps the rows themselves: row checks keep
counts and a bounded sample of offending rows, ``Unique`` keeps one 64-bit hash per row,
the group and reference checks keep one partial sum per key. So a table is checked in
memory that grows with its keys, never with its width or its text.

Row checks (``NotNull``, ``TypeCheck``, ``Range``, ``Pattern``, ``Allowed``,
``ExpressionCheck``) also say which rows of a frame fail (:meth:`RowCheck.failures`), which
is what a pipeline's validation step needs to send rows to its rejects.

Metrics: row checks and ``Unique``/``GroupBalance``/``ReferenceSum``/``ReferenceMatch``
measure the share of rows (or groups, or keys) that pass, higher is better; ``Freshness``
the age of the newest value in hours and ``ControlTotal`` the absolute difference from the
expected total, lower is better. :func:`grade` turns a metric into pass / warning / fail.
"""

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd  # no stubs in the environment

from urutiq_ai.ml.expressions import EvaluationError, Expression, ExpressionError

SAMPLE_ROWS = 20
"""Most offending rows (or groups, or keys) a measurement keeps as examples."""


class ValueType(StrEnum):
    integer = "integer"
    number = "number"
    string = "string"
    boolean = "boolean"
    date = "date"


BOOLEAN_WORDS = frozenset({"true", "false", "1", "0", "yes", "no", "t", "f", "y", "n"})


@dataclass
class Measurement:
    """What one check found: the metric, counts, kind-specific details and a sample."""

    metric_value: float
    rows_checked: int
    rows_failed: int
    details: dict[str, Any] = field(default_factory=dict)
    sample: list[dict[str, Any]] = field(default_factory=list)


def grade(metric: float, threshold: float, warning: float | None, *, higher_is_better: bool) -> str:
    """``pass`` when the metric meets the threshold, ``warning`` when it meets only the
    warning threshold, else ``fail`` (a missing metric, NaN, always fails)."""
    if math.isnan(metric):
        return "fail"

    def meets(limit: float) -> bool:
        return metric >= limit if higher_is_better else metric <= limit

    if meets(threshold):
        return "pass"
    if warning is not None and meets(warning):
        return "warning"
    return "fail"


def plain(value: Any) -> Any:
    """A JSON-safe version of one cell (numpy scalars, timestamps, NaN -> None)."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp | datetime):
        return value.isoformat()
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _records(frame: pd.DataFrame, limit: int) -> list[dict[str, Any]]:
    return [
        {str(key): plain(value) for key, value in row.items()}
        for row in frame.head(limit).to_dict("records")
    ]


def _share(passed: int, checked: int) -> float:
    return passed / checked if checked else 1.0


class Check(ABC):
    """An accumulator over the chunks of one source; ``error`` says why it stopped reading
    (its expression failed on the values), else None."""

    error: str | None = None

    @property
    @abstractmethod
    def columns(self) -> frozenset[str]:
        """The source columns this check reads."""

    @abstractmethod
    def update(self, frame: pd.DataFrame) -> None: ...

    @abstractmethod
    def finish(self) -> Measurement: ...


class RowCheck(Check):
    """A check of each row on its own; nulls are skipped (completeness measures them)."""

    def __init__(self, checked: Sequence[str], sample_columns: Sequence[str] = ()) -> None:
        self.checked = list(checked)
        self.sample_columns = [c for c in sample_columns if c not in self.checked]
        self.rows = 0
        self.rows_checked = 0
        self.rows_failed = 0
        self.sample: list[dict[str, Any]] = []

    @property
    def columns(self) -> frozenset[str]:
        return frozenset([*self.checked, *self.sample_columns])

    @abstractmethod
    def evaluate(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(rows checked, rows that pass) as boolean arrays over the frame's rows."""

    def failures(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows of ``frame`` that are checked and fail."""
        checked, passed = self.evaluate(frame)
        return checked & ~passed

    def update(self, frame: pd.DataFrame) -> None:
        checked, passed = self.evaluate(frame)
        failed = checked & ~passed
        self.rows += len(frame)
        self.rows_checked += int(checked.sum())
        n_failed = int(failed.sum())
        self.rows_failed += n_failed
        room = SAMPLE_ROWS - len(self.sample)
        if n_failed and room > 0:
            shown = frame.loc[failed, [*self.sample_columns, *self.checked]]
            self.sample.extend(_records(shown, room))

    def finish(self) -> Measurement:
        metric = _share(self.rows_checked - self.rows_failed, self.rows_checked)
        return Measurement(
            metric_value=metric,
            rows_checked=self.rows_checked,
            rows_failed=self.rows_failed,
            details={"rows": self.rows, "rowsSkipped": self.rows - self.rows_checked},
            sample=self.sample,
        )


def _missing(series: pd.Series) -> np.ndarray:
    """Null, or text that is empty or only whitespace."""
    missing = series.isna().to_numpy(dtype=bool).copy()
    if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
        text = series.astype("str") if series.dtype == object else series
        blank = (text.str.strip().str.len() == 0).to_numpy(dtype=bool, na_value=False)
        missing |= blank
    return missing


class NotNull(RowCheck):
    """Completeness: the share of rows with a value (blank text counts as missing)."""

    def evaluate(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        present = ~_missing(frame[self.checked[0]])
        return np.ones(len(frame), dtype=bool), present


class _ColumnCheck(RowCheck):
    """A row check of one column's present values."""

    def evaluate(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        series = frame[self.checked[0]]
        present = ~series.isna().to_numpy()
        passed = np.zeros(len(frame), dtype=bool)
        if present.any():
            passed[present] = self.valid(series[present])
        return present, passed

    @abstractmethod
    def valid(self, values: pd.Series) -> np.ndarray:
        """Which of these non-null values pass."""


class TypeCheck(_ColumnCheck):
    """Validity: values of the declared type (numbers in text are numbers, ISO dates dates)."""

    def __init__(self, column: str, value_type: ValueType, sample_columns: Sequence[str] = ()):
        super().__init__([column], sample_columns)
        self.value_type = value_type

    def valid(self, values: pd.Series) -> np.ndarray:
        kind = self.value_type
        if kind == ValueType.string:
            return np.array([isinstance(v, str) for v in values], dtype=bool)
        if kind == ValueType.boolean:
            if pd.api.types.is_bool_dtype(values):
                return np.ones(len(values), dtype=bool)
            words = values.astype("string").str.strip().str.lower()
            return words.isin(BOOLEAN_WORDS).to_numpy(dtype=bool)
        if kind == ValueType.date:
            if pd.api.types.is_datetime64_any_dtype(values):
                return np.ones(len(values), dtype=bool)
            parsed = pd.to_datetime(
                values.astype("string"), errors="coerce", format="mixed", utc=True
            )
            return parsed.notna().to_numpy(dtype=bool)
        if pd.api.types.is_bool_dtype(values):
            return np.zeros(len(values), dtype=bool)
        numbers = pd.to_numeric(values, errors="coerce")
        ok = numbers.notna().to_numpy(dtype=bool).copy()
        if kind == ValueType.integer:
            ok &= np.isfinite(numbers.to_numpy(dtype=float, na_value=np.nan))
            ok &= (numbers.fillna(0.5) % 1 == 0).to_numpy(dtype=bool)
        return ok


class Range(_ColumnCheck):
    """Validity: numbers within [minimum, maximum] (either bound optional; text that is not
    a number fails)."""

    def __init__(
        self,
        column: str,
        minimum: float | None,
        maximum: float | None,
        sample_columns: Sequence[str] = (),
    ) -> None:
        super().__init__([column], sample_columns)
        self.minimum = minimum
        self.maximum = maximum

    def valid(self, values: pd.Series) -> np.ndarray:
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        ok = ~np.isnan(numbers)
        if self.minimum is not None:
            ok &= numbers >= self.minimum
        if self.maximum is not None:
            ok &= numbers <= self.maximum
        return ok


class Pattern(_ColumnCheck):
    """Validity: text that matches a regular expression in full."""

    def __init__(self, column: str, regex: str, sample_columns: Sequence[str] = ()) -> None:
        super().__init__([column], sample_columns)
        self.regex = re.compile(regex)

    def valid(self, values: pd.Series) -> np.ndarray:
        matched = values.astype("string").str.fullmatch(self.regex.pattern)
        return matched.to_numpy(dtype=bool, na_value=False)


class Allowed(_ColumnCheck):
    """Validity: values from a fixed list."""

    def __init__(self, column: str, values: Sequence[Any], sample_columns: Sequence[str] = ()):
        super().__init__([column], sample_columns)
        self.values = list(values)

    def valid(self, values: pd.Series) -> np.ndarray:
        return values.isin(self.values).to_numpy(dtype=bool)


class ExpressionCheck(RowCheck):
    """A rule over several columns of a row (``dueDate >= issueDate``); rows where a column
    it reads is null are skipped."""

    def __init__(self, expression: Expression, sample_columns: Sequence[str] = ()) -> None:
        super().__init__(sorted(expression.columns), sample_columns)
        self.expression = expression

    def evaluate(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        checked = ~frame[self.checked].isna().any(axis=1).to_numpy()
        try:
            passed = self.expression.boolean(frame).to_numpy(dtype=bool)
        except EvaluationError as exc:
            if not exc.type_mismatch:
                raise
            # text among numbers (``n/a?`` in an amount column): compare the numbers and
            # fail the rows whose value is not one
            frame, unreadable = _numbers_where_possible(frame, self.checked)
            try:
                passed = self.expression.boolean(frame).to_numpy(dtype=bool) & ~unreadable
            except EvaluationError as again:
                raise EvaluationError(f"{again} (on these values)") from again
        return checked, passed & checked


def _numbers_where_possible(
    frame: pd.DataFrame, columns: Sequence[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Text columns that hold numbers as numbers; and the rows whose text is not a number."""
    frame = frame.copy()
    unreadable = np.zeros(len(frame), dtype=bool)
    for column in columns:
        series = frame[column]
        if series.dtype != object and not isinstance(series.dtype, pd.StringDtype):
            continue
        numbers = pd.to_numeric(series, errors="coerce")
        if numbers.notna().any():
            unreadable |= (series.notna() & numbers.isna()).to_numpy(dtype=bool)
            frame[column] = numbers
    return frame, unreadable


def _comparable(series: pd.Series) -> pd.Series:
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    return series.astype(float) if numeric else series.astype("str")


def _key_hashes(frame: pd.DataFrame, keys: Sequence[str]) -> np.ndarray:
    """One hash per row of the key columns, the same whatever dtype a chunk gave them: numbers
    as floats (a chunk with a null makes an integer column float), anything else as text."""
    normalized = pd.DataFrame(
        {
            key: frame[key].astype(float)
            if pd.api.types.is_numeric_dtype(frame[key])
            and not pd.api.types.is_bool_dtype(frame[key])
            else frame[key].astype("str")
            for key in keys
        },
        index=frame.index,
    )
    return pd.util.hash_pandas_object(normalized, index=False).to_numpy()


class Unique(Check):
    """Consistency: each key (one or more columns) on one row only.

    The metric is distinct keys / rows with a key; keys are compared by a 64-bit hash
    (collisions are negligible below billions of rows). The sample lists repeated rows
    as they are found (their second and later occurrences)."""

    def __init__(self, keys: Sequence[str], sample_columns: Sequence[str] = ()) -> None:
        self.keys = list(keys)
        self.sample_columns = [c for c in sample_columns if c not in self.keys]
        self.seen = np.empty(0, dtype=np.uint64)
        self.rows = 0
        self.rows_checked = 0
        self.sample: list[dict[str, Any]] = []

    @property
    def columns(self) -> frozenset[str]:
        return frozenset([*self.keys, *self.sample_columns])

    def update(self, frame: pd.DataFrame) -> None:
        self.rows += len(frame)
        frame = frame[~frame[self.keys].isna().any(axis=1)]
        self.rows_checked += len(frame)
        hashes = _key_hashes(frame, self.keys)
        if len(self.sample) < SAMPLE_ROWS:
            repeated = pd.Series(hashes).duplicated().to_numpy() | _contains(self.seen, hashes)
            if repeated.any():
                shown = frame.loc[repeated, [*self.keys, *self.sample_columns]]
                self.sample.extend(_records(shown, SAMPLE_ROWS - len(self.sample)))
        # two sorted runs: the stable sort (timsort) merges them in linear time
        self.seen = np.sort(np.concatenate([self.seen, np.sort(hashes)]), kind="stable")

    def finish(self) -> Measurement:
        distinct, counts = np.unique(self.seen, return_counts=True)
        repeated = counts > 1
        failed = self.rows_checked - len(distinct)
        return Measurement(
            metric_value=_share(len(distinct), self.rows_checked),
            rows_checked=self.rows_checked,
            rows_failed=failed,
            details={
                "rows": self.rows,
                "rowsSkipped": self.rows - self.rows_checked,
                "distinctKeys": len(distinct),
                "repeatedKeys": int(repeated.sum()),
                "rowsWithRepeatedKeys": int(counts[repeated].sum()),
            },
            sample=self.sample,
        )


def _contains(sorted_values: np.ndarray, values: np.ndarray) -> np.ndarray:
    if not len(sorted_values):
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(sorted_values, values).clip(max=len(sorted_values) - 1)
    return np.asarray(sorted_values[at] == values)


class _GroupSums:
    """Partial sums per key over chunks, compacted when they grow."""

    COMPACT_ROWS = 200_000

    def __init__(self, keys: Sequence[str], values: Sequence[str]) -> None:
        self.keys = list(keys)
        self.values = list(values)
        self.parts: list[pd.DataFrame] = []
        self.pending = 0
        self.compacted = 0
        self.rows = 0

    def add(self, frame: pd.DataFrame) -> None:
        self.rows += len(frame)
        numbers = frame[self.keys].copy()
        for column in self.values:
            numbers[column] = pd.to_numeric(frame[column], errors="coerce")
        part = numbers.groupby(self.keys, dropna=True, sort=False)[self.values].sum(min_count=1)
        self.parts.append(part)
        self.pending += len(part)
        # compact when the parts outgrow the last compacted total: amortized linear work
        if self.pending > max(self.COMPACT_ROWS, self.compacted) and len(self.parts) > 1:
            self.parts = [self.total()]
            self.compacted = len(self.parts[0])
            self.pending = 0

    def total(self) -> pd.DataFrame:
        if not self.parts:
            index = (
                pd.Index([], name=self.keys[0])
                if len(self.keys) == 1
                else pd.MultiIndex.from_tuples([], names=self.keys)
            )
            return pd.DataFrame(columns=self.values, index=index, dtype=float)
        frame = pd.concat(self.parts)
        return frame.groupby(level=list(range(len(self.keys))), sort=False).sum(min_count=1)


def _differences(left: pd.Series, right: pd.Series, tolerance: float) -> pd.Series:
    """Whether two aligned sums differ by more than ``tolerance`` (missing counts as 0)."""
    gap = (left.fillna(0.0) - right.fillna(0.0)).abs()
    return gap > tolerance + 1e-9


def _group_sample(frame: pd.DataFrame, limit: int) -> list[dict[str, Any]]:
    shown = frame.reset_index()
    return _records(
        shown.reindex(shown["difference"].abs().sort_values(ascending=False).index), limit
    )


class GroupBalance(Check):
    """Consistency: per group, the sum of one column equals the sum of another (debits
    equal credits per journal entry), within ``tolerance``."""

    def __init__(self, group_by: Sequence[str], left: str, right: str, tolerance: float) -> None:
        self.sums = _GroupSums(group_by, [left, right])
        self.left, self.right, self.tolerance = left, right, tolerance

    @property
    def columns(self) -> frozenset[str]:
        return frozenset([*self.sums.keys, self.left, self.right])

    def update(self, frame: pd.DataFrame) -> None:
        self.sums.add(frame)

    def finish(self) -> Measurement:
        totals = self.sums.total()
        off = _differences(totals[self.left], totals[self.right], self.tolerance)
        shown = totals[off].copy()
        shown["difference"] = shown[self.left].fillna(0.0) - shown[self.right].fillna(0.0)
        groups = len(totals)
        return Measurement(
            metric_value=_share(groups - int(off.sum()), groups),
            rows_checked=groups,
            rows_failed=int(off.sum()),
            details={"rows": self.sums.rows, "groups": groups, "unbalancedGroups": int(off.sum())},
            sample=_group_sample(shown, SAMPLE_ROWS),
        )


class ReferenceSum(Check):
    """Consistency across tables: a value per key equals the sum of a column of another
    source per key (an invoice's amount equals the sum of its lines)."""

    def __init__(
        self,
        key: Sequence[str],
        column: str,
        reference_key: Sequence[str],
        reference_column: str,
        tolerance: float,
    ) -> None:
        self.own = _GroupSums(key, [column])
        self.reference = _GroupSums(reference_key, [reference_column])
        self.column, self.reference_column, self.tolerance = column, reference_column, tolerance

    @property
    def columns(self) -> frozenset[str]:
        return frozenset([*self.own.keys, self.column])

    @property
    def reference_columns(self) -> frozenset[str]:
        return frozenset([*self.reference.keys, self.reference_column])

    def update(self, frame: pd.DataFrame) -> None:
        self.own.add(frame)

    def update_reference(self, frame: pd.DataFrame) -> None:
        self.reference.add(frame)

    def finish(self) -> Measurement:
        own = self.own.total()[self.column]
        reference = self.reference.total()[self.reference_column]
        reference.index = reference.index.set_names(own.index.names)
        aligned = reference.reindex(own.index)
        off = _differences(own, aligned, self.tolerance)
        shown = pd.DataFrame({"value": own[off], "referenceSum": aligned[off]})
        shown["difference"] = shown["value"].fillna(0.0) - shown["referenceSum"].fillna(0.0)
        orphans = int((~reference.index.isin(own.index)).sum())
        return Measurement(
            metric_value=_share(len(own) - int(off.sum()), len(own)),
            rows_checked=len(own),
            rows_failed=int(off.sum()),
            details={
                "rows": self.own.rows,
                "keys": len(own),
                "mismatchedKeys": int(off.sum()),
                "keysMissingInReference": int(aligned.isna().sum()),
                "referenceKeysWithoutRow": orphans,
            },
            sample=_group_sample(shown, SAMPLE_ROWS),
        )


class ReferenceMatch(Check):
    """Accuracy: each row's value agrees with a reference source's value for the same key
    (numbers within ``tolerance``, other values exactly); rows whose key the reference lacks
    fail too."""

    def __init__(
        self,
        key: Sequence[str],
        column: str,
        reference_key: Sequence[str],
        reference_column: str,
        tolerance: float,
    ) -> None:
        self.key, self.column = list(key), column
        self.reference_key, self.reference_column = list(reference_key), reference_column
        self.tolerance = tolerance
        self.parts: list[pd.DataFrame] = []
        self.lookup: pd.Series | None = None
        self.rows = self.rows_checked = self.rows_failed = self.missing = 0
        self.sample: list[dict[str, Any]] = []

    @property
    def columns(self) -> frozenset[str]:
        return frozenset([*self.key, self.column])

    @property
    def reference_columns(self) -> frozenset[str]:
        return frozenset([*self.reference_key, self.reference_column])

    def update_reference(self, frame: pd.DataFrame) -> None:
        self.parts.append(frame[[*self.reference_key, self.reference_column]].dropna())

    def _reference(self) -> pd.Series:
        if self.lookup is None:
            frame = (
                pd.concat(self.parts)
                if self.parts
                else pd.DataFrame(columns=[*self.reference_key, self.reference_column])
            )
            frame = frame.drop_duplicates(self.reference_key, keep="first")
            self.lookup = frame.set_index(self.reference_key)[self.reference_column]
            self.lookup.index = self.lookup.index.set_names(self.key)
            self.parts = []
        return self.lookup

    def update(self, frame: pd.DataFrame) -> None:
        reference = self._reference()
        self.rows += len(frame)
        frame = frame[~frame[[*self.key, self.column]].isna().any(axis=1)]
        self.rows_checked += len(frame)
        index = (
            pd.MultiIndex.from_frame(frame[self.key]) if len(self.key) > 1 else frame[self.key[0]]
        )
        expected = reference.reindex(index).to_numpy()
        missing = pd.isna(expected)
        agree = _agree(frame[self.column], expected, self.tolerance) & ~missing
        failed = ~agree
        self.missing += int(missing.sum())
        self.rows_failed += int(failed.sum())
        room = SAMPLE_ROWS - len(self.sample)
        if failed.any() and room > 0:
            shown = frame.loc[failed, [*self.key, self.column]].copy()
            shown["referenceValue"] = expected[failed]
            self.sample.extend(_records(shown, room))

    def finish(self) -> Measurement:
        return Measurement(
            metric_value=_share(self.rows_checked - self.rows_failed, self.rows_checked),
            rows_checked=self.rows_checked,
            rows_failed=self.rows_failed,
            details={
                "rows": self.rows,
                "rowsSkipped": self.rows - self.rows_checked,
                "missingInReference": self.missing,
                "referenceKeys": len(self._reference()),
            },
            sample=self.sample,
        )


def _agree(actual: pd.Series, expected: np.ndarray, tolerance: float) -> np.ndarray:
    """Numbers within ``tolerance`` when both sides are numeric columns, else equal values."""
    if pd.api.types.is_numeric_dtype(actual) and pd.api.types.is_numeric_dtype(expected):
        gap = np.abs(actual.to_numpy(dtype=float) - expected.astype(float))
        return np.asarray(gap <= tolerance + 1e-9)
    return np.asarray(actual.to_numpy(dtype=object) == expected.astype(object), dtype=bool)


class ControlTotal(Check):
    """Accuracy: the sum of a column (of the rows a condition keeps, if given) against a
    control total; the metric is the absolute difference."""

    def __init__(self, column: str, expected: float, where: Expression | None = None) -> None:
        self.column, self.expected, self.where = column, expected, where
        self.total = 0.0
        self.rows = self.rows_counted = 0

    @property
    def columns(self) -> frozenset[str]:
        return frozenset([self.column, *(self.where.columns if self.where else ())])

    def update(self, frame: pd.DataFrame) -> None:
        self.rows += len(frame)
        if self.where is not None:
            frame = frame[self.where.boolean(frame).to_numpy(dtype=bool)]
        values = pd.to_numeric(frame[self.column], errors="coerce")
        self.rows_counted += int(values.notna().sum())
        self.total += float(values.sum())

    def finish(self) -> Measurement:
        difference = abs(self.total - self.expected)
        return Measurement(
            metric_value=difference,
            rows_checked=self.rows_counted,
            rows_failed=0,
            details={
                "rows": self.rows,
                "actualTotal": self.total,
                "expectedTotal": self.expected,
                "difference": self.total - self.expected,
            },
        )


class Freshness(Check):
    """Timeliness: hours from the newest value of a date/time column to ``as_of`` (naive
    times are taken as UTC)."""

    def __init__(self, column: str, as_of: datetime | None = None) -> None:
        self.column = column
        self.as_of = as_of or datetime.now(UTC)
        self.newest: pd.Timestamp | None = None
        self.rows = self.rows_dated = 0

    @property
    def columns(self) -> frozenset[str]:
        return frozenset([self.column])

    def update(self, frame: pd.DataFrame) -> None:
        self.rows += len(frame)
        times = pd.to_datetime(frame[self.column], errors="coerce", utc=True, format="mixed")
        self.rows_dated += int(times.notna().sum())
        newest = times.max()
        if newest is not pd.NaT and not pd.isna(newest):
            self.newest = newest if self.newest is None else max(self.newest, newest)

    def finish(self) -> Measurement:
        as_of = pd.Timestamp(self.as_of)
        as_of = as_of.tz_localize(UTC) if as_of.tzinfo is None else as_of
        age = math.nan if self.newest is None else (as_of - self.newest).total_seconds() / 3600
        return Measurement(
            metric_value=age,
            rows_checked=self.rows_dated,
            rows_failed=0,
            details={
                "rows": self.rows,
                "newest": plain(self.newest),
                "asOf": as_of.isoformat(),
            },
        )


def feed(checks: Sequence[Check], frames: Iterable[pd.DataFrame]) -> int:
    """Give every frame to every check (one pass over ``frames``); returns the rows read.

    A check whose expression cannot be evaluated on the rows (a text column in arithmetic)
    stops there with the reason in its ``error``; the other checks go on."""
    rows = 0
    for frame in frames:
        rows += len(frame)
        for check in checks:
            if check.error is not None:
                continue
            try:
                check.update(frame)
            except ExpressionError as exc:
                check.error = str(exc)
    return rows
