"""Pipeline transformations on DataFrames (pure: pandas, no database).

A pipeline's ``transformations`` is a list of named steps; :func:`plan` follows the columns
through them without any data (so a pipeline is checked when it is saved: an unknown column
names its step), :func:`apply` runs them on a frame and reports rows in and out per step.
Expressions (``filter``, ``derive``) use the safe language of :mod:`urutiq_ai.ml.expressions`.

Steps (``step`` is the kind):

* ``select`` ``columns``; ``rename`` ``columns: {old: new}``; ``cast`` ``columns: {name:
  integer | number | string | boolean | date}`` (values that do not convert become null);
* ``filter`` ``expression`` (rows where it is not true are dropped: counted as skipped);
* ``derive`` ``column``, ``expression``;
* ``fill_missing`` ``values: {column: constant}``;
* ``deduplicate`` ``columns`` (default all), ``keep`` first | last (dropped rows: skipped);
* ``join`` ``source`` (a table or file of the company), ``on`` (columns of both sides),
  ``how`` left | inner, ``columns`` taken from the other side;
* ``aggregate`` ``groupBy``, ``aggregations: {output: {column, fn}}`` with fn sum, mean, min,
  max, count, count_distinct, first, last;
* ``rolling`` ``key`` (columns), ``timeColumn``, ``column``, ``window`` (``30d``, ``12h``),
  ``fn`` sum | mean | count | min | max, ``output``: per key, over the window ending at each
  row's time (the row included), e.g. a vendor's 30-day spend;
* ``encode`` ``column``, ``method`` one_hot | ordinal, ``categories`` (default: those seen);
* ``sql`` ``query``: one SELECT over the table ``input`` (the frame so far), run in a
  private in-memory SQLite database (no access to anything else); SQLite's math functions
  (``ln``, ``exp``, ``sqrt``, ``power``, ...) are there even where it was built without them.
"""

import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd  # no stubs in the environment

from urutiq_ai.ml.errors import MLError
from urutiq_ai.ml.expressions import ExpressionError
from urutiq_ai.ml.expressions import parse as parse_expression
from urutiq_ai.ml.sandbox import Limits, MissingTable, Sandbox, SqlCancelled, SqlError

AGGREGATIONS = ("sum", "mean", "min", "max", "count", "count_distinct", "first", "last")
ROLLING = ("sum", "mean", "count", "min", "max")
CASTS = ("integer", "number", "string", "boolean", "date")
WINDOW = re.compile(r"^(\d+)([dhm])$")
BOOLEAN_TEXT = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}

Step = Mapping[str, Any]
Reader = Callable[[Mapping[str, Any], Sequence[str]], pd.DataFrame]
"""Reads a join's other side: (source spec, columns) -> frame of the company's rows."""


class StepError(MLError):
    """A step that cannot apply: ``index`` and ``field`` say which and where."""

    def __init__(self, index: int, field: str, reason: str) -> None:
        self.index, self.field, self.reason = index, field, reason
        super().__init__(f"transformations.{index}.{field}: {reason}")


class Cancelled(MLError):
    """The steps were stopped by a cancel (see ``Limits.cancelled``)."""


@dataclass
class StepReport:
    step: str
    rows_in: int
    rows_out: int
    seconds: float = 0.0


@dataclass
class Result:
    frame: pd.DataFrame
    steps: list[StepReport] = field(default_factory=list)
    skipped: int = 0
    """Rows dropped on purpose (filter, deduplicate)."""


def window_length(text: str) -> pd.Timedelta:
    match = WINDOW.match(text)
    if match is None:
        raise ValueError(f"not a window: {text!r} (e.g. '30d', '12h', '90m')")
    unit = {"d": "D", "h": "h", "m": "min"}[match.group(2)]
    return pd.Timedelta(int(match.group(1)), unit=unit)


# -- planning: the columns after each step, without data -------------------------------------


def plan(
    columns: Sequence[str],
    steps: Sequence[Step],
    other_columns: Callable[[Mapping[str, Any]], Sequence[str]] | None = None,
) -> list[str]:
    """The columns after ``steps`` applied to a frame of ``columns``; raises
    :class:`StepError` naming the first step and field that cannot apply."""
    current = list(columns)
    for index, step in enumerate(steps):
        current = _plan_step(index, step, current, other_columns)
    return current


def _need(index: int, field: str, names: Sequence[str], current: Sequence[str]) -> None:
    for name in names:
        if name not in current:
            raise StepError(index, field, f"no column {name!r} here; columns: {', '.join(current)}")


def _plan_step(
    index: int,
    step: Step,
    current: list[str],
    other_columns: Callable[[Mapping[str, Any]], Sequence[str]] | None,
) -> list[str]:
    kind = step["step"]
    if kind == "select":
        _need(index, "columns", step["columns"], current)
        return list(step["columns"])
    if kind == "rename":
        _need(index, "columns", list(step["columns"]), current)
        return [step["columns"].get(name, name) for name in current]
    if kind == "cast":
        _need(index, "columns", list(step["columns"]), current)
        return current
    if kind in ("filter", "derive"):
        columns = _expression_columns(index, step["expression"])
        _need(index, "expression", columns, current)
        if kind == "derive" and step["column"] not in current:
            return [*current, step["column"]]
        return current
    if kind == "fill_missing":
        _need(index, "values", list(step["values"]), current)
        return current
    if kind == "deduplicate":
        _need(index, "columns", step.get("columns") or [], current)
        return current
    if kind == "join":
        _need(index, "on", step["on"], current)
        if other_columns is not None:
            offered = other_columns(step["source"])
            _need_other(index, "on", step["on"], offered)
            _need_other(index, "columns", step["columns"], offered)
        added = [name for name in step["columns"] if name not in current]
        return [*current, *added]
    if kind == "aggregate":
        _need(index, "groupBy", step["group_by"], current)
        sources = [spec["column"] for spec in step["aggregations"].values()]
        _need(index, "aggregations", sources, current)
        return [*step["group_by"], *step["aggregations"]]
    if kind == "rolling":
        _need(index, "key", step["key"], current)
        _need(index, "timeColumn", [step["time_column"]], current)
        _need(index, "column", [step["column"]], current)
        return current if step["output"] in current else [*current, step["output"]]
    if kind == "encode":
        _need(index, "column", [step["column"]], current)
        if step["method"] == "ordinal":
            return current
        if not step.get("categories"):
            raise StepError(index, "categories", "one_hot needs the categories (the columns)")
        made = [f"{step['column']}_{category}" for category in step["categories"]]
        return [name for name in current if name != step["column"]] + made
    if kind == "sql":
        return current  # known only when it runs
    raise StepError(index, "step", f"unknown step {kind!r}")


def _need_other(index: int, field: str, names: Sequence[str], offered: Sequence[str]) -> None:
    for name in names:
        if name not in offered:
            raise StepError(
                index,
                field,
                f"the joined source has no column {name!r}; it has {', '.join(offered)}",
            )


def _expression_columns(index: int, text: str) -> list[str]:
    try:
        return sorted(parse_expression(text).columns)
    except ExpressionError as exc:
        raise StepError(index, "expression", str(exc)) from exc


# -- applying ------------------------------------------------------------------------------


def apply(
    frame: pd.DataFrame,
    steps: Sequence[Step],
    reader: Reader | None = None,
    limits: Limits | None = None,
) -> Result:
    """Run ``steps`` on ``frame``; rows dropped by filter/deduplicate count as skipped.
    ``limits`` bound sql steps (a deadline) and are asked for a cancel between steps and
    while a sql step runs: a cancel raises :class:`Cancelled`."""
    import time

    result = Result(frame.reset_index(drop=True))
    for index, step in enumerate(steps):
        if limits is not None and limits.cancelled is not None and limits.cancelled():
            raise Cancelled(f"cancelled before step {index}")
        started = time.perf_counter()
        before = len(result.frame)
        try:
            stepped = _apply_step(index, step, result.frame, reader, limits)
            result.frame = stepped.reset_index(drop=True)
        except (StepError, Cancelled):
            raise
        except (
            ExpressionError,
            ValueError,
            TypeError,
            KeyError,
            sqlite3.Error,
            pd.errors.DatabaseError,
        ) as exc:
            raise StepError(index, "step", f"{step['step']} failed: {exc}") from exc
        after = len(result.frame)
        if step["step"] in ("filter", "deduplicate"):
            result.skipped += before - after
        result.steps.append(
            StepReport(step["step"], before, after, round(time.perf_counter() - started, 4))
        )
    return result


def _apply_step(
    index: int, step: Step, frame: pd.DataFrame, reader: Reader | None, limits: Limits | None
) -> pd.DataFrame:
    kind = step["step"]
    if kind == "select":
        return frame[list(step["columns"])]
    if kind == "rename":
        return frame.rename(columns=dict(step["columns"]))
    if kind == "cast":
        out = frame.copy()
        for column, to in step["columns"].items():
            out[column] = cast(out[column], to)
        return out
    if kind == "filter":
        keep = parse_expression(step["expression"]).boolean(frame).to_numpy(dtype=bool)
        return frame[keep]
    if kind == "derive":
        out = frame.copy()
        out[step["column"]] = parse_expression(step["expression"]).evaluate(frame).to_numpy()
        return out
    if kind == "fill_missing":
        return frame.fillna(value=dict(step["values"]))
    if kind == "deduplicate":
        subset = list(step.get("columns") or []) or None
        return frame.drop_duplicates(subset=subset, keep=step.get("keep", "first"))
    if kind == "join":
        if reader is None:
            raise StepError(index, "source", "no reader for joined sources")
        other = reader(step["source"], [*step["on"], *step["columns"]])
        other = other.drop_duplicates(subset=list(step["on"]), keep="first")
        # joined columns replace columns of the same name (as plan() says)
        replaced = [c for c in step["columns"] if c in frame.columns and c not in step["on"]]
        return frame.drop(columns=replaced).merge(
            other, on=list(step["on"]), how=step.get("how", "left")
        )
    if kind == "aggregate":
        return aggregate(frame, step["group_by"], step["aggregations"])
    if kind == "rolling":
        return rolling(frame, step)
    if kind == "encode":
        return encode(frame, step)
    if kind == "sql":
        return run_sql(frame, step["query"], limits)
    raise StepError(index, "step", f"unknown step {kind!r}")


def cast(series: pd.Series, to: str) -> pd.Series:
    if to in ("integer", "number"):
        numbers = pd.to_numeric(series, errors="coerce")
        return numbers.round().astype("Int64") if to == "integer" else numbers.astype(float)
    if to == "string":
        return series.astype("string")
    if to == "boolean":
        if pd.api.types.is_bool_dtype(series):
            return series
        if pd.api.types.is_numeric_dtype(series):
            return series.map(lambda v: None if pd.isna(v) else bool(v)).astype("boolean")
        text = series.astype("string").str.strip().str.lower()
        return text.map(BOOLEAN_TEXT).astype("boolean")
    if to == "date":
        return pd.to_datetime(series, errors="coerce", utc=True, format="mixed")
    raise ValueError(f"cannot cast to {to!r}; use one of {', '.join(CASTS)}")


def aggregate(
    frame: pd.DataFrame, group_by: Sequence[str], aggregations: Mapping[str, Mapping[str, str]]
) -> pd.DataFrame:
    named = {
        output: (spec["column"], "nunique" if spec["fn"] == "count_distinct" else spec["fn"])
        for output, spec in aggregations.items()
    }
    return frame.groupby(list(group_by), dropna=False, sort=True).agg(**named).reset_index()


def rolling(frame: pd.DataFrame, step: Step) -> pd.DataFrame:
    """Per key, the ``fn`` of ``column`` over the window (t - width, t] of each row's time t
    (rows at the same time share it); rows without a time get no value, missing values are
    left out (a window of none: count 0, the others missing)."""
    keys, time_column = list(step["key"]), step["time_column"]
    width = window_length(step["window"])
    times = pd.to_datetime(frame[time_column], errors="coerce", utc=True, format="mixed")
    dated = times.notna().to_numpy()
    key = pd.util.hash_pandas_object(frame[keys], index=False).to_numpy()[dated]
    at = times[dated].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]")
    value = pd.to_numeric(frame[step["column"]], errors="coerce").to_numpy(dtype=float)[dated]
    order = np.lexsort((at, key))
    key, at, value = key[order], at[order].view("int64"), value[order]
    result = _window_values(key, at, value, int(width.value), step["fn"])
    values = np.full(len(frame), np.nan)
    values[np.flatnonzero(dated)[order]] = result
    out = frame.copy()
    out[step["output"]] = values
    return out


def _window_values(
    key: np.ndarray, at: np.ndarray, value: np.ndarray, width: int, fn: str
) -> np.ndarray:
    """For rows sorted by (key, time): ``fn`` over the rows of the same key with a time in
    (t - width, t]. Sums, counts and means from prefix sums (linear); min and max by
    pandas' rolling."""
    n = len(key)
    if n == 0:
        return np.empty(0)
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], n]
    first = np.empty(n, dtype=np.int64)  # first row of each row's window
    last = np.empty(n, dtype=np.int64)  # last row at the same time (ties share a window)
    for begin, end in zip(starts, ends, strict=True):
        times = at[begin:end]
        first[begin:end] = begin + np.searchsorted(times, times - width, side="right")
        last[begin:end] = begin + np.searchsorted(times, times, side="right") - 1
    if fn in ("min", "max"):
        series = pd.Series(value, index=pd.to_datetime(at))
        rolled = (
            series.groupby(key, sort=False)
            .rolling(pd.Timedelta(width, unit="ns"), closed="right")
            .agg(fn)
            .to_numpy()
        )
        return rolled[last]
    present = ~np.isnan(value)
    sums = np.r_[0.0, np.cumsum(np.where(present, value, 0.0))]
    counts = np.r_[0, np.cumsum(present)]
    total = sums[last + 1] - sums[first]
    count = (counts[last + 1] - counts[first]).astype(float)
    if fn == "count":
        return count
    if fn == "sum":
        return np.where(count > 0, total, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def encode(frame: pd.DataFrame, step: Step) -> pd.DataFrame:
    column = step["column"]
    seen = list(pd.unique(frame[column].dropna()))
    categories = list(step.get("categories") or sorted(map(str, seen)))
    out = frame.copy()
    if step["method"] == "ordinal":
        positions = {category: i for i, category in enumerate(categories)}
        out[column] = frame[column].astype("string").map(positions).astype("Int64")
        return out
    text = frame[column].astype("string")
    for category in categories:
        out[f"{column}_{category}"] = (text == category).fillna(False).astype(int)
    return out.drop(columns=[column])


def run_sql(frame: pd.DataFrame, query: str, limits: Limits | None = None) -> pd.DataFrame:
    """One SELECT over ``input`` (the frame) in a sandbox (see :mod:`urutiq_ai.ml.sandbox`)."""
    plain = frame.copy()
    kinds: dict[str, str] = {}
    for name in plain.columns:
        if pd.api.types.is_datetime64_any_dtype(plain[name]):
            plain[name] = plain[name].dt.strftime("%Y-%m-%dT%H:%M:%S")
        kinds[str(name)] = _sandbox_kind(plain[name])
    plain = plain.astype(object).where(plain.notna(), None)
    with Sandbox(limits) as box:
        box.create("input", kinds)
        box.fill("input", list(kinds), plain.itertuples(index=False, name=None))
        try:
            names, batches = box.run(query)
            rows = [row for batch in batches for row in batch]
        except MissingTable as error:
            raise ValueError(f"{error.reason}: a sql step reads only the table 'input'") from error
        except SqlCancelled as error:
            raise Cancelled(error.reason) from error
        except SqlError as error:
            raise ValueError(error.reason) from error
    return pd.DataFrame.from_records(rows, columns=names)


def _sandbox_kind(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "integer"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_float_dtype(series):
        return "real"
    return "any"
