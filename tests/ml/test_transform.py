"""Pipeline transformations (:mod:`urutiq_ai.ml.transform`): every step kind on small frames
against expectations computed here with plain loops, ``apply``'s per-step reports, ``plan``
following columns (and naming the step and field that cannot apply), errors at apply time,
and a 200,000-row frame checked against a reference on a sample of rows."""

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

from urutiq_ai.ml.errors import MLError
from urutiq_ai.ml.transform import (
    Result,
    Step,
    StepError,
    StepReport,
    aggregate,
    apply,
    cast,
    encode,
    plan,
    rolling,
    run_sql,
    window_length,
)

BASE = pd.Timestamp("2024-01-01", tz="UTC")
ROLLING_FNS = ("sum", "mean", "count", "min", "max")


# -- helpers -------------------------------------------------------------------------------


def plain(values: Iterable[Any]) -> list[Any]:
    """Values as plain Python: missing -> None, numpy scalars -> Python scalars."""
    out: list[Any] = []
    for value in values:
        if value is None or (not isinstance(value, list | tuple) and pd.isna(value)):
            out.append(None)
        elif isinstance(value, np.generic):
            out.append(value.item())
        else:
            out.append(value)
    return out


def column(frame: pd.DataFrame, name: str) -> list[Any]:
    return plain(frame[name].tolist())


def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as dicts of plain values (missing -> None)."""
    names = list(frame.columns)
    return [dict(zip(names, plain(row), strict=True)) for row in frame.itertuples(index=False)]


def run(frame: pd.DataFrame, *steps: Step, reader: Any = None) -> Result:
    return apply(frame, list(steps), reader)


def close(got: Sequence[Any], expected: Sequence[Any]) -> bool:
    """Equal lengths, None/NaN in the same places, numbers equal to 1e-9."""
    if len(got) != len(expected):
        return False
    for a, b in zip(plain(got), plain(expected), strict=True):
        if (a is None) != (b is None):
            return False
        if a is not None and not math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9):
            return False
    return True


def my_window(text: str) -> timedelta:
    """An independent reading of '30d' / '12h' / '90m'."""
    number, unit = int(text[:-1]), text[-1]
    return {"d": timedelta(days=number), "h": timedelta(hours=number)}.get(
        unit, timedelta(minutes=number)
    )


def reduce_values(values: list[float], fn: str) -> float:
    """A rolling fn over the present values of a window (count of none is 0, others NaN)."""
    present = [v for v in values if not math.isnan(v)]
    if fn == "count":
        return float(len(present))
    if not present:
        return math.nan
    if fn == "sum":
        return sum(present)
    if fn == "mean":
        return sum(present) / len(present)
    return min(present) if fn == "min" else max(present)


def brute_rolling(
    frame: pd.DataFrame, keys: Sequence[str], time_column: str, value: str, window: str, fn: str
) -> list[float]:
    """For each row: the fn over the rows of its key whose time is in (t - window, t]."""
    width = my_window(window)
    times = [None if pd.isna(t) else pd.Timestamp(t) for t in frame[time_column]]
    times = [None if t is None else (t if t.tzinfo else t.tz_localize("UTC")) for t in times]
    keyed = [tuple(row) for row in frame[list(keys)].itertuples(index=False)]
    numbers = [math.nan if pd.isna(v) else float(v) for v in frame[value]]
    out: list[float] = []
    for i, t in enumerate(times):
        if t is None:
            out.append(math.nan)
            continue
        inside = [
            numbers[j]
            for j, other in enumerate(times)
            if other is not None and keyed[j] == keyed[i] and t - width < other <= t
        ]
        out.append(reduce_values(inside, fn))
    return out


def rolling_step(fn: str, window: str, keys: Sequence[str] = ("k",)) -> dict[str, Any]:
    return {
        "step": "rolling",
        "key": list(keys),
        "time_column": "t",
        "column": "v",
        "window": window,
        "fn": fn,
        "output": "out",
    }


def events(n: int, seed: int, *, ties: bool) -> pd.DataFrame:
    """Unsorted events of two key columns; distinct times unless ``ties``."""
    rng = np.random.default_rng(seed)
    if ties:
        minutes = rng.integers(0, 12, n) * 720  # many rows share a time
    else:
        minutes = rng.choice(np.arange(0, 60 * 24 * 20), n, replace=False)
    frame = pd.DataFrame(
        {
            "k": rng.choice(["a", "b"], n),
            "k2": rng.choice([1, 2], n),
            "t": [BASE + pd.Timedelta(minutes=int(m)) for m in minutes],
            "v": rng.normal(0.0, 10.0, n).round(2),
        }
    )
    frame.loc[3, "t"] = pd.NaT
    frame.loc[5, "v"] = np.nan
    return frame


def error_of(call: Callable[[], object]) -> StepError:
    with pytest.raises(StepError) as info:
        call()
    return info.value


# -- select, rename, cast ------------------------------------------------------------------


class TestSelect:
    def test_keeps_the_named_columns_in_the_given_order(self) -> None:
        frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"], "c": [0.5, 1.5]})
        out = run(frame, {"step": "select", "columns": ["c", "a"]}).frame
        assert list(out.columns) == ["c", "a"]
        assert rows(out) == [{"c": 0.5, "a": 1}, {"c": 1.5, "a": 2}]


class TestRename:
    def test_renames_only_the_mapped_columns(self) -> None:
        frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
        out = run(frame, {"step": "rename", "columns": {"a": "amount"}}).frame
        assert list(out.columns) == ["amount", "b"]
        assert column(out, "amount") == [1, 2]
        assert column(out, "b") == ["x", "y"]


class TestCast:
    def test_integer(self) -> None:
        out = cast(pd.Series(["1", "12.0", "x", None, "-4", 7]), "integer")
        assert str(out.dtype) == "Int64"
        assert plain(out) == [1, 12, None, None, -4, 7]

    def test_number(self) -> None:
        out = cast(pd.Series(["1.5", "x", None, "3", 2]), "number")
        assert out.dtype == float
        assert plain(out) == [1.5, None, None, 3.0, 2.0]

    def test_string(self) -> None:
        out = cast(pd.Series(["a", 5, None], dtype=object), "string")
        assert plain(out) == ["a", "5", None]
        assert all(isinstance(v, str) for v in plain(out) if v is not None)

    def test_boolean_from_text(self) -> None:
        text = ["yes", "No", " TRUE ", "x", None, "0", "1", "false"]
        assert plain(cast(pd.Series(text), "boolean")) == [
            True,
            False,
            True,
            None,
            None,
            False,
            True,
            False,
        ]

    def test_boolean_from_integers_and_booleans(self) -> None:
        assert plain(cast(pd.Series([1, 0, 1]), "boolean")) == [True, False, True]
        assert plain(cast(pd.Series([True, False]), "boolean")) == [True, False]
        assert plain(cast(pd.Series([True, None, False], dtype=object), "boolean")) == [
            True,
            None,
            False,
        ]

    def test_boolean_from_whole_floats(self) -> None:
        assert plain(cast(pd.Series([1.0, 0.0, np.nan]), "boolean")) == [True, False, None]

    def test_date(self) -> None:
        out = cast(pd.Series(["2024-01-02", "not a date", None, "2024-03-04T05:06:07"]), "date")
        assert plain(out) == [
            pd.Timestamp("2024-01-02", tz="UTC"),
            None,
            None,
            pd.Timestamp("2024-03-04 05:06:07", tz="UTC"),
        ]

    def test_step_casts_each_named_column_and_leaves_the_rest(self) -> None:
        frame = pd.DataFrame({"n": ["1", "oops"], "d": ["2024-05-06", "bad"], "s": ["a", "b"]})
        out = run(frame, {"step": "cast", "columns": {"n": "integer", "d": "date"}}).frame
        assert column(out, "n") == [1, None]
        assert column(out, "d") == [pd.Timestamp("2024-05-06", tz="UTC"), None]
        assert column(out, "s") == ["a", "b"]
        assert column(frame, "n") == ["1", "oops"]  # the input frame is not changed


# -- filter, derive, fill_missing, deduplicate ---------------------------------------------


class TestFilter:
    FRAME = pd.DataFrame({"x": [1.0, None, 3.0, 5.0, 2.5], "s": ["a", "b", None, "a", "c"]})

    @pytest.mark.parametrize(
        ("expression", "keep"),
        [
            ("x > 2", lambda r: r["x"] is not None and r["x"] > 2),
            ("x != 3", lambda r: r["x"] is not None and r["x"] != 3),
            ("s == 'a' or x < 2", lambda r: r["s"] == "a" or (r["x"] is not None and r["x"] < 2)),
            ("s in ['a', 'c']", lambda r: r["s"] in ("a", "c")),
            ("not_null(s) and x >= 1", lambda r: r["s"] is not None and (r["x"] or 0) >= 1),
        ],
    )
    def test_drops_rows_where_not_true_and_counts_them(
        self, expression: str, keep: Callable[[dict[str, Any]], bool]
    ) -> None:
        source = rows(self.FRAME)
        expected = [row for row in source if keep(row)]
        result = run(self.FRAME, {"step": "filter", "expression": expression})
        assert rows(result.frame) == expected
        assert result.skipped == len(source) - len(expected)
        assert result.steps[0].rows_in == len(source)
        assert result.steps[0].rows_out == len(expected)

    def test_missing_values_are_dropped_even_for_not_equal(self) -> None:
        frame = pd.DataFrame({"x": [None, None, 1.0]})
        result = run(frame, {"step": "filter", "expression": "x != 0"})
        assert column(result.frame, "x") == [1.0]
        assert result.skipped == 2


class TestDerive:
    def test_adds_a_new_column(self) -> None:
        frame = pd.DataFrame({"q": [2, 3, None], "p": [1.5, 2.0, 4.0]})
        out = run(frame, {"step": "derive", "column": "total", "expression": "q * p + 1"}).frame
        assert list(out.columns) == ["q", "p", "total"]
        expected = [
            None if q is None else q * p + 1
            for q, p in zip(*[column(frame, c) for c in "qp"], strict=True)
        ]
        assert close(column(out, "total"), expected)

    def test_overwrites_an_existing_column_in_place(self) -> None:
        frame = pd.DataFrame({"a": [1, 2], "b": [10, 20]})
        out = run(frame, {"step": "derive", "column": "a", "expression": "a + b"}).frame
        assert list(out.columns) == ["a", "b"]
        assert column(out, "a") == [11, 22]
        assert column(frame, "a") == [1, 2]

    def test_text_functions(self) -> None:
        frame = pd.DataFrame({"first": ["Ada", "Alan"], "last": ["Lovelace", "Turing"]})
        step = {"step": "derive", "column": "name", "expression": "upper(first) + ' ' + last"}
        assert column(run(frame, step).frame, "name") == ["ADA Lovelace", "ALAN Turing"]


class TestFillMissing:
    def test_fills_only_the_named_columns(self) -> None:
        frame = pd.DataFrame(
            {"x": [1.0, None, 3.0], "s": [None, "b", None], "z": [None, 2.0, None]}
        )
        step = {"step": "fill_missing", "values": {"x": 0, "s": "none"}}
        out = run(frame, step).frame
        assert column(out, "x") == [1.0, 0.0, 3.0]
        assert column(out, "s") == ["none", "b", "none"]
        assert column(out, "z") == [None, 2.0, None]


class TestDeduplicate:
    FRAME = pd.DataFrame(
        {"k": ["a", "b", "a", "c", "b", "a"], "v": [1, 2, 1, 4, 5, 6], "w": [0, 0, 0, 0, 0, 0]}
    )

    @staticmethod
    def expected(
        source: list[dict[str, Any]], subset: Sequence[str], keep: str
    ) -> list[dict[str, Any]]:
        order = source if keep == "first" else list(reversed(source))
        seen: set[tuple[Any, ...]] = set()
        kept_ids: set[int] = set()
        for position, row in enumerate(order):
            key = tuple(row[name] for name in subset)
            if key not in seen:
                seen.add(key)
                kept_ids.add(position if keep == "first" else len(source) - 1 - position)
        return [row for i, row in enumerate(source) if i in kept_ids]

    @pytest.mark.parametrize("keep", ["first", "last"])
    @pytest.mark.parametrize("subset", [["k"], ["k", "v"], ["w"]])
    def test_subset_and_keep(self, subset: list[str], keep: str) -> None:
        source = rows(self.FRAME)
        expected = self.expected(source, subset, keep)
        result = run(self.FRAME, {"step": "deduplicate", "columns": subset, "keep": keep})
        assert rows(result.frame) == expected
        assert result.skipped == len(source) - len(expected)

    def test_defaults_to_all_columns_keeping_the_first(self) -> None:
        source = rows(self.FRAME)
        expected = self.expected(source, ["k", "v", "w"], "first")
        result = run(self.FRAME, {"step": "deduplicate"})
        assert rows(result.frame) == expected
        assert result.skipped == 1


# -- join ----------------------------------------------------------------------------------


class TestJoin:
    LEFT = pd.DataFrame({"id": [1, 2, 3, 2], "x": [10, 20, 30, 40]}, index=[5, 6, 7, 8])
    OTHER = pd.DataFrame({"id": [2, 1, 2, 9], "name": ["b", "a", "B2", "z"], "extra": [1, 2, 3, 4]})

    def reader(self, calls: list[tuple[Mapping[str, Any], list[str]]]) -> Any:
        def read(spec: Mapping[str, Any], columns: Sequence[str]) -> pd.DataFrame:
            calls.append((spec, list(columns)))
            return self.OTHER[list(columns)]

        return read

    def expected(self, how: str) -> list[dict[str, Any]]:
        first: dict[int, str] = {}
        for row in rows(self.OTHER):
            first.setdefault(row["id"], row["name"])
        out = []
        for row in rows(self.LEFT):
            if row["id"] in first or how == "left":
                out.append({**row, "name": first.get(row["id"])})
        return out

    @pytest.mark.parametrize("how", ["left", "inner"])
    def test_takes_columns_from_the_first_matching_row(self, how: str) -> None:
        calls: list[tuple[Mapping[str, Any], list[str]]] = []
        source = {"table": "vendors"}
        step = {"step": "join", "source": source, "on": ["id"], "columns": ["name"], "how": how}
        result = run(self.LEFT, step, reader=self.reader(calls))
        assert calls == [(source, ["id", "name"])]
        assert rows(result.frame) == self.expected(how)
        assert list(result.frame.index) == list(range(len(result.frame)))
        assert result.skipped == 0  # an inner join's unmatched rows are not "skipped"

    def test_default_is_a_left_join(self) -> None:
        calls: list[tuple[Mapping[str, Any], list[str]]] = []
        step = {"step": "join", "source": {"table": "v"}, "on": ["id"], "columns": ["name"]}
        assert rows(run(self.LEFT, step, reader=self.reader(calls)).frame) == self.expected("left")

    def test_on_two_columns(self) -> None:
        left = pd.DataFrame({"a": [1, 1, 2], "b": ["x", "y", "x"], "v": [1, 2, 3]})
        other = pd.DataFrame({"a": [1, 2, 1], "b": ["y", "x", "y"], "label": ["p", "q", "r"]})
        step = {"step": "join", "source": {"table": "o"}, "on": ["a", "b"], "columns": ["label"]}
        out = run(left, step, reader=lambda _spec, cols: other[list(cols)]).frame
        assert column(out, "label") == [None, "p", "q"]

    def test_without_a_reader_names_the_source(self) -> None:
        step = {"step": "join", "source": {"table": "v"}, "on": ["id"], "columns": ["name"]}
        error = error_of(lambda: run(self.LEFT, {"step": "select", "columns": ["id"]}, step))
        assert (error.index, error.field) == (1, "source")

    def test_joined_column_already_present_matches_the_plan(self) -> None:
        left = self.LEFT.assign(name="old")
        step = {"step": "join", "source": {"table": "v"}, "on": ["id"], "columns": ["name"]}
        out = run(left, step, reader=self.reader([])).frame
        assert list(out.columns) == plan(list(left.columns), [step])


# -- aggregate -----------------------------------------------------------------------------


def reduce_group(present: list[Any], fn: str) -> Any:
    """An aggregation fn over a group's present values (plain Python)."""
    if fn == "sum":
        return sum(present)
    if fn == "count":
        return len(present)
    if fn == "count_distinct":
        return len(set(present))
    if not present:
        return None
    if fn == "mean":
        return sum(present) / len(present)
    if fn in ("min", "max"):
        return min(present) if fn == "min" else max(present)
    return present[0] if fn == "first" else present[-1]


def expected_aggregate(
    source: list[dict[str, Any]], group_by: Sequence[str], value: str, fn: str
) -> dict[tuple[Any, ...], Any]:
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for row in source:
        groups.setdefault(tuple(row[name] for name in group_by), []).append(row[value])
    return {
        key: reduce_group([v for v in values if v is not None], fn)
        for key, values in groups.items()
    }


class TestAggregate:
    FNS = ("sum", "mean", "min", "max", "count", "count_distinct", "first", "last")
    FRAME = pd.DataFrame(
        {
            "g": ["b", "a", "b", "a", "a", "c"],
            "h": [1, 2, 1, 1, 2, 1],
            "v": [4.0, 1.0, 4.0, 3.0, 7.0, 2.5],
        }
    )

    @pytest.mark.parametrize("group_by", [["g"], ["g", "h"], ["h", "g"]])
    def test_every_fn(self, group_by: list[str]) -> None:
        aggregations = {f"v_{fn}": {"column": "v", "fn": fn} for fn in self.FNS}
        step = {"step": "aggregate", "group_by": group_by, "aggregations": aggregations}
        out = run(self.FRAME, step).frame
        assert list(out.columns) == [*group_by, *aggregations]
        keys = [tuple(row[name] for name in group_by) for row in rows(out)]
        assert keys == sorted(set(keys))  # one row per group, in key order
        source = rows(self.FRAME)
        for fn in self.FNS:
            expected = expected_aggregate(source, group_by, "v", fn)
            assert set(keys) == set(expected)
            got = dict(zip(keys, column(out, f"v_{fn}"), strict=True))
            assert close([got[k] for k in keys], [expected[k] for k in keys]), fn

    def test_missing_values_are_left_out(self) -> None:
        frame = pd.DataFrame({"g": ["a", "a", "a", "b"], "v": [1.0, None, 3.0, None]})
        aggregations = {fn: {"column": "v", "fn": fn} for fn in self.FNS}
        out = aggregate(frame, ["g"], aggregations)
        by_group = {row["g"]: row for row in rows(out)}
        assert by_group["a"] == {
            "g": "a",
            "sum": 4.0,
            "mean": 2.0,
            "min": 1.0,
            "max": 3.0,
            "count": 2,
            "count_distinct": 2,
            "first": 1.0,
            "last": 3.0,
        }
        assert by_group["b"]["count"] == 0
        assert by_group["b"]["mean"] is None

    def test_a_missing_group_key_is_a_group_of_its_own(self) -> None:
        frame = pd.DataFrame({"g": ["a", None, "a", None], "v": [1, 2, 3, 4]})
        out = aggregate(frame, ["g"], {"total": {"column": "v", "fn": "sum"}})
        assert rows(out) == [{"g": "a", "total": 4}, {"g": None, "total": 6}]


# -- rolling -------------------------------------------------------------------------------


class TestWindowLength:
    @pytest.mark.parametrize("text", ["30d", "12h", "90m", "1d", "0m"])
    def test_units(self, text: str) -> None:
        assert window_length(text) == pd.Timedelta(my_window(text))

    @pytest.mark.parametrize("text", ["30", "d", "1w", "1.5d", " 3d", "3D", "-1d"])
    def test_refused(self, text: str) -> None:
        with pytest.raises(ValueError, match="not a window"):
            window_length(text)


class TestRolling:
    @pytest.mark.parametrize("window", ["3d", "12h", "90m"])
    @pytest.mark.parametrize("fn", ROLLING_FNS)
    def test_matches_brute_force_unsorted_two_keys(self, fn: str, window: str) -> None:
        frame = events(60, seed=1, ties=False)
        step = rolling_step(fn, window, keys=("k", "k2"))
        out = run(frame, step).frame
        expected = brute_rolling(frame, ["k", "k2"], "t", "v", window, fn)
        assert close(column(out, "out"), expected)
        assert list(out.columns) == [*frame.columns, "out"]

    @pytest.mark.parametrize("fn", ["sum", "count"])
    def test_ties_in_time_share_the_window(self, fn: str) -> None:
        frame = events(40, seed=2, ties=True)
        out = rolling(frame, rolling_step(fn, "1d", keys=("k",)))
        assert close(column(out, "out"), brute_rolling(frame, ["k"], "t", "v", "1d", fn))

    def test_ties_minimal(self) -> None:
        """Ties where the later tied row comes second: that row sees both (no ambiguity)."""
        frame = pd.DataFrame(
            {"k": ["a", "a", "a"], "t": ["2024-01-01", "2024-01-01", "2024-01-02"], "v": [1, 2, 4]}
        )
        out = rolling(frame, rolling_step("sum", "1d"))
        assert column(out, "out")[1:] == [3.0, 4.0]

    def test_window_excludes_rows_exactly_its_length_older(self) -> None:
        minutes = [0, 30, 89, 90, 91, 200]
        frame = pd.DataFrame(
            {
                "k": ["a"] * len(minutes),
                "t": [BASE + pd.Timedelta(minutes=m) for m in minutes],
                "v": [1.0, 2.0, 4.0, 8.0, 16.0, 32.0],
            }
        )
        out = rolling(frame, rolling_step("sum", "90m"))
        # (t - 90m, t]: at 90 the row at 0 is out (exactly 90m older); at 91 the one at 30 stays
        assert column(out, "out") == [1.0, 3.0, 7.0, 14.0, 30.0, 32.0]

    @pytest.mark.parametrize(
        ("window", "expected"),
        [("1d", [1.0, 2.0, 4.0]), ("2d", [1.0, 3.0, 6.0]), ("25h", [1.0, 3.0, 6.0])],
    )
    def test_units_days_hours(self, window: str, expected: list[float]) -> None:
        frame = pd.DataFrame(
            {"k": ["a"] * 3, "t": ["2024-01-01", "2024-01-02", "2024-01-03"], "v": [1, 2, 4]}
        )
        assert column(rolling(frame, rolling_step("sum", window)), "out") == expected

    def test_null_times_give_nan_and_are_in_no_window(self) -> None:
        frame = pd.DataFrame(
            {
                "k": ["a", "a", "a", "a"],
                "t": ["2024-01-01", None, "not a time", "2024-01-02"],
                "v": [1.0, 100.0, 1000.0, 2.0],
            }
        )
        out = rolling(frame, rolling_step("sum", "7d"))
        assert column(out, "out") == [1.0, None, None, 3.0]

    def test_keys_are_separate(self) -> None:
        frame = pd.DataFrame(
            {
                "k": ["a", "b", "a", "b"],
                "t": ["2024-01-01", "2024-01-01", "2024-01-02", "2024-01-03"],
                "v": [1, 10, 2, 20],
            }
        )
        assert column(rolling(frame, rolling_step("sum", "30d")), "out") == [1, 10, 3, 30]

    def test_output_may_overwrite_a_column(self) -> None:
        frame = pd.DataFrame({"k": ["a", "a"], "t": ["2024-01-01", "2024-01-02"], "v": [1, 2]})
        step = {**rolling_step("sum", "30d"), "output": "v"}
        out = run(frame, step).frame
        assert list(out.columns) == ["k", "t", "v"]
        assert column(out, "v") == [1.0, 3.0]

    def test_vendor_spend_example(self) -> None:
        frame = pd.DataFrame(
            {
                "vendorId": ["v1", "v2", "v1", "v1", "v2"],
                "expenseDate": [
                    "2024-03-01",
                    "2024-01-01",
                    "2024-01-15",
                    "2024-01-01",
                    "2024-01-20",
                ],
                "amount": [50.0, 7.0, 20.0, 10.0, 3.0],
            }
        )
        step = {
            "step": "rolling",
            "key": ["vendorId"],
            "time_column": "expenseDate",
            "column": "amount",
            "window": "30d",
            "fn": "sum",
            "output": "vendorSpend30d",
        }
        out = run(frame, step).frame
        assert column(out, "vendorSpend30d") == [50.0, 7.0, 30.0, 10.0, 10.0]


# -- encode --------------------------------------------------------------------------------


class TestEncode:
    FRAME = pd.DataFrame({"c": ["x", "y", None, "z", "x"], "n": [1, 2, 3, 4, 5]})

    def test_one_hot_with_categories(self) -> None:
        categories = ["x", "y", "w"]
        step = {"step": "encode", "column": "c", "method": "one_hot", "categories": categories}
        out = run(self.FRAME, step).frame
        assert list(out.columns) == ["n", "c_x", "c_y", "c_w"]
        for category in categories:
            expected = [1 if value == category else 0 for value in column(self.FRAME, "c")]
            assert column(out, f"c_{category}") == expected
        # the unseen 'z' and the missing value are 0 in every column
        assert rows(out)[2] == {"n": 3, "c_x": 0, "c_y": 0, "c_w": 0}
        assert rows(out)[3] == {"n": 4, "c_x": 0, "c_y": 0, "c_w": 0}

    def test_one_hot_defaults_to_the_sorted_seen_values(self) -> None:
        out = encode(self.FRAME, {"column": "c", "method": "one_hot"})
        assert list(out.columns) == ["n", "c_x", "c_y", "c_z"]
        assert column(out, "c_z") == [0, 0, 0, 1, 0]

    def test_ordinal_with_categories(self) -> None:
        categories = ["y", "x"]
        step = {"step": "encode", "column": "c", "method": "ordinal", "categories": categories}
        out = run(self.FRAME, step).frame
        assert list(out.columns) == ["c", "n"]
        expected = [
            categories.index(v) if v in categories else None for v in column(self.FRAME, "c")
        ]
        assert column(out, "c") == expected == [1, 0, None, None, 1]

    def test_ordinal_defaults_to_the_sorted_seen_values(self) -> None:
        out = encode(self.FRAME, {"column": "c", "method": "ordinal"})
        assert column(out, "c") == [0, 1, None, 2, 0]


# -- sql -----------------------------------------------------------------------------------


class TestSql:
    FRAME = pd.DataFrame({"g": ["b", "a", "b", "a", "c"], "v": [1.5, 2.0, 3.0, 4.5, 10.0]})

    def test_group_by(self) -> None:
        query = "SELECT g, SUM(v) AS total, COUNT(*) AS n FROM input GROUP BY g ORDER BY g"
        out = run(self.FRAME, {"step": "sql", "query": query}).frame
        totals: dict[str, list[float]] = {}
        for row in rows(self.FRAME):
            totals.setdefault(row["g"], []).append(row["v"])
        expected = [{"g": g, "total": sum(vs), "n": len(vs)} for g, vs in sorted(totals.items())]
        assert rows(out) == expected

    @pytest.mark.parametrize(
        "query",
        [
            "select g from input;",
            "  WITH t AS (SELECT * FROM input) SELECT g FROM t  ",
            "SeLeCt g FROM input",
        ],
    )
    def test_one_select_is_accepted(self, query: str) -> None:
        assert column(run_sql(self.FRAME, query), "g") == column(self.FRAME, "g")

    @pytest.mark.parametrize(
        "query",
        [
            "DELETE FROM input",
            "UPDATE input SET v = 0",
            "DROP TABLE input",
            "SELECT 1; SELECT 2",
            "SELECT * FROM input; DROP TABLE input",
            "ATTACH DATABASE ':memory:' AS other",
            "PRAGMA table_info(input)",
            "SELECT load_extension('x')",
            "SELECT * FROM sqlite_master",
            "SELECT * FROM pragma_table_info('input')",
            "VACUUM INTO '/tmp/urutiq-escape.db'",
            "SELECT sqlite_version()",
        ],
    )
    def test_refused(self, query: str) -> None:
        with pytest.raises(ValueError, match="SELECT|not allowed|may not read"):
            run_sql(self.FRAME, query)
        error = error_of(
            lambda: run(
                self.FRAME, {"step": "select", "columns": ["g"]}, {"step": "sql", "query": query}
            )
        )
        assert (error.index, error.field) == (1, "step")

    def test_datetimes_are_iso_text(self) -> None:
        frame = pd.DataFrame(
            {
                "d": pd.to_datetime(["2024-01-02 03:04:05", None]),
                "u": pd.to_datetime(["2024-05-06 07:08:09", "2024-12-31 00:00:00"], utc=True),
            }
        )
        out = run_sql(frame, "SELECT d, typeof(d) AS kind, u FROM input")
        assert column(out, "d") == ["2024-01-02T03:04:05", None]
        assert column(out, "kind") == ["text", "null"]
        assert column(out, "u") == ["2024-05-06T07:08:09", "2024-12-31T00:00:00"]

    def test_the_database_is_private(self) -> None:
        first = run_sql(self.FRAME, "SELECT COUNT(*) AS n FROM input")
        second = run_sql(self.FRAME.head(2), "SELECT COUNT(*) AS n FROM input")
        assert column(first, "n") == [5]
        assert column(second, "n") == [2]


# -- apply ---------------------------------------------------------------------------------


class TestApply:
    def test_reports_rows_in_and_out_per_step_in_order(self) -> None:
        frame = pd.DataFrame({"k": ["a", "a", "b", "b", "b"], "x": [1, 1, 2, 3, None]})
        steps: list[Step] = [
            {"step": "filter", "expression": "not_null(x)"},
            {"step": "deduplicate"},
            {"step": "derive", "column": "y", "expression": "x * 2"},
            {
                "step": "aggregate",
                "group_by": ["k"],
                "aggregations": {"n": {"column": "y", "fn": "count"}},
            },
        ]
        result = apply(frame, steps)
        assert [(r.step, r.rows_in, r.rows_out) for r in result.steps] == [
            ("filter", 5, 4),
            ("deduplicate", 4, 3),
            ("derive", 3, 3),
            ("aggregate", 3, 2),
        ]
        assert all(isinstance(r, StepReport) and r.seconds >= 0 for r in result.steps)
        assert result.skipped == 2
        assert rows(result.frame) == [{"k": "a", "n": 1}, {"k": "b", "n": 2}]

    def test_no_steps(self) -> None:
        frame = pd.DataFrame({"a": [1, 2]}, index=[7, 3])
        result = apply(frame, [])
        assert result.steps == []
        assert result.skipped == 0
        assert list(result.frame.index) == [0, 1]
        assert column(result.frame, "a") == [1, 2]

    def test_index_is_reset(self) -> None:
        frame = pd.DataFrame({"a": [5, 1, 7, 2]}, index=[40, 10, 30, 20])
        out = apply(frame, [{"step": "filter", "expression": "a > 1"}]).frame
        assert list(out.index) == [0, 1, 2]
        assert column(out, "a") == [5, 7, 2]

    def test_does_not_change_the_input(self) -> None:
        frame = pd.DataFrame({"a": [1.0, None], "t": ["2024-01-01", "2024-01-02"], "k": ["x", "x"]})
        before = frame.copy()
        apply(
            frame,
            [
                {"step": "fill_missing", "values": {"a": 0}},
                {"step": "derive", "column": "a", "expression": "a + 1"},
                {"step": "cast", "columns": {"t": "date"}},
                {**rolling_step("sum", "1d"), "column": "a", "time_column": "t"},
            ],
        )
        pd.testing.assert_frame_equal(frame, before)

    def test_chain_filter_derive_rolling_select(self) -> None:
        frame = pd.DataFrame(
            {
                "vendorId": ["v1", "v2", "v1", "v1", "v2", "v1"],
                "expenseDate": [
                    "2024-01-10",
                    "2024-01-01",
                    "2024-01-01",
                    "2024-02-20",
                    "2024-01-05",
                    "2024-01-20",
                ],
                "amount": [100.0, 5.0, -3.0, 40.0, 15.0, 60.0],
                "memo": ["a", "b", "c", "d", "e", "f"],
            },
            index=[11, 12, 13, 14, 15, 16],
        )
        steps: list[Step] = [
            {"step": "filter", "expression": "amount > 0"},
            {"step": "derive", "column": "net", "expression": "amount * 0.5"},
            {
                "step": "rolling",
                "key": ["vendorId"],
                "time_column": "expenseDate",
                "column": "net",
                "window": "30d",
                "fn": "sum",
                "output": "spend30",
            },
            {"step": "select", "columns": ["vendorId", "expenseDate", "spend30"]},
        ]
        result = apply(frame, steps)
        kept = [row for row in rows(frame) if row["amount"] > 0]
        expected = []
        for row in kept:
            day = pd.Timestamp(row["expenseDate"])
            spend = sum(
                other["amount"] * 0.5
                for other in kept
                if other["vendorId"] == row["vendorId"]
                and day - timedelta(days=30) < pd.Timestamp(other["expenseDate"]) <= day
            )
            expected.append(
                {"vendorId": row["vendorId"], "expenseDate": row["expenseDate"], "spend30": spend}
            )
        assert rows(result.frame) == expected
        assert list(result.frame.index) == list(range(len(expected)))
        assert [(r.rows_in, r.rows_out) for r in result.steps] == [(6, 5), (5, 5), (5, 5), (5, 5)]
        assert result.skipped == 1
        assert list(result.frame.columns) == plan(list(frame.columns), steps)


# -- plan ----------------------------------------------------------------------------------

COLUMNS = ["vendorId", "expenseDate", "amount", "memo", "category"]
JOIN = {
    "step": "join",
    "source": {"table": "vendors"},
    "on": ["vendorId"],
    "columns": ["vendorName"],
}


def other_columns(spec: Mapping[str, Any]) -> list[str]:
    assert spec == {"table": "vendors"}
    return ["vendorId", "vendorName", "country"]


class TestPlan:
    CHAIN: list[Step] = [
        {"step": "rename", "columns": {"memo": "note"}},
        {"step": "cast", "columns": {"amount": "number", "expenseDate": "date"}},
        {"step": "filter", "expression": "amount > 0 and not_null(note)"},
        {"step": "derive", "column": "net", "expression": "amount * 0.8"},
        {"step": "derive", "column": "amount", "expression": "round(amount, 2)"},
        {"step": "fill_missing", "values": {"note": ""}},
        {"step": "deduplicate", "columns": ["vendorId", "expenseDate"], "keep": "last"},
        JOIN,
        {
            "step": "rolling",
            "key": ["vendorId"],
            "time_column": "expenseDate",
            "column": "net",
            "window": "30d",
            "fn": "sum",
            "output": "spend30",
        },
        {
            "step": "encode",
            "column": "category",
            "method": "one_hot",
            "categories": ["food", "fuel"],
        },
        {
            "step": "select",
            "columns": ["vendorId", "vendorName", "spend30", "category_fuel", "net"],
        },
    ]

    def test_follows_columns_through_every_step(self) -> None:
        expected_after = [
            ["vendorId", "expenseDate", "amount", "note", "category"],
            ["vendorId", "expenseDate", "amount", "note", "category"],
            ["vendorId", "expenseDate", "amount", "note", "category"],
            ["vendorId", "expenseDate", "amount", "note", "category", "net"],
            ["vendorId", "expenseDate", "amount", "note", "category", "net"],
            ["vendorId", "expenseDate", "amount", "note", "category", "net"],
            ["vendorId", "expenseDate", "amount", "note", "category", "net"],
            ["vendorId", "expenseDate", "amount", "note", "category", "net", "vendorName"],
            [
                "vendorId",
                "expenseDate",
                "amount",
                "note",
                "category",
                "net",
                "vendorName",
                "spend30",
            ],
            [
                "vendorId",
                "expenseDate",
                "amount",
                "note",
                "net",
                "vendorName",
                "spend30",
                "category_food",
                "category_fuel",
            ],
            ["vendorId", "vendorName", "spend30", "category_fuel", "net"],
        ]
        for count, expected in enumerate(expected_after, start=1):
            assert plan(COLUMNS, self.CHAIN[:count], other_columns) == expected, count

    def test_plan_matches_apply_on_data(self) -> None:
        frame = pd.DataFrame(
            {
                "vendorId": ["v1", "v2", "v1"],
                "expenseDate": ["2024-01-01", "2024-01-02", "2024-01-03"],
                "amount": ["10", "20.5", "-1"],
                "memo": ["a", None, "c"],
                "category": ["food", "fuel", "fuel"],
            }
        )
        vendors = pd.DataFrame({"vendorId": ["v1", "v2"], "vendorName": ["One", "Two"]})
        result = apply(frame, self.CHAIN, lambda _spec, cols: vendors[list(cols)])
        assert list(result.frame.columns) == plan(COLUMNS, self.CHAIN)
        assert rows(result.frame) == [
            {"vendorId": "v1", "vendorName": "One", "spend30": 8.0, "category_fuel": 0, "net": 8.0}
        ]

    def test_aggregate_gives_group_by_and_outputs(self) -> None:
        step = {
            "step": "aggregate",
            "group_by": ["vendorId", "category"],
            "aggregations": {
                "total": {"column": "amount", "fn": "sum"},
                "n": {"column": "memo", "fn": "count"},
            },
        }
        assert plan(COLUMNS, [step]) == ["vendorId", "category", "total", "n"]

    def test_ordinal_keeps_columns_and_sql_is_unknown_until_it_runs(self) -> None:
        steps: list[Step] = [
            {"step": "encode", "column": "category", "method": "ordinal"},
            {"step": "sql", "query": "SELECT 1 AS one FROM input"},
        ]
        assert plan(COLUMNS, steps) == COLUMNS

    def test_rolling_output_already_present_is_not_repeated(self) -> None:
        step = {
            **rolling_step("sum", "1d"),
            "key": ["vendorId"],
            "time_column": "expenseDate",
            "column": "amount",
            "output": "amount",
        }
        assert plan(COLUMNS, [step]) == COLUMNS

    def test_join_without_other_columns_trusts_the_columns(self) -> None:
        assert plan(COLUMNS, [JOIN]) == [*COLUMNS, "vendorName"]

    @pytest.mark.parametrize(
        ("step", "field"),
        [
            ({"step": "select", "columns": ["amount", "nope"]}, "columns"),
            ({"step": "rename", "columns": {"nope": "x"}}, "columns"),
            ({"step": "cast", "columns": {"nope": "integer"}}, "columns"),
            ({"step": "filter", "expression": "nope > 1"}, "expression"),
            ({"step": "derive", "column": "x", "expression": "amount + nope"}, "expression"),
            ({"step": "fill_missing", "values": {"nope": 0}}, "values"),
            ({"step": "deduplicate", "columns": ["vendorId", "nope"]}, "columns"),
            ({**JOIN, "on": ["nope"]}, "on"),
            ({**JOIN, "columns": ["nope"]}, "columns"),
            ({**JOIN, "on": ["amount"]}, "on"),  # ours, but not the other side's
            (
                {
                    "step": "aggregate",
                    "group_by": ["nope"],
                    "aggregations": {"t": {"column": "amount", "fn": "sum"}},
                },
                "groupBy",
            ),
            (
                {
                    "step": "aggregate",
                    "group_by": ["vendorId"],
                    "aggregations": {"t": {"column": "nope", "fn": "sum"}},
                },
                "aggregations",
            ),
            (
                {
                    **rolling_step("sum", "1d"),
                    "key": ["nope"],
                    "time_column": "expenseDate",
                    "column": "amount",
                },
                "key",
            ),
            (
                {
                    **rolling_step("sum", "1d"),
                    "key": ["vendorId"],
                    "time_column": "nope",
                    "column": "amount",
                },
                "timeColumn",
            ),
            (
                {
                    **rolling_step("sum", "1d"),
                    "key": ["vendorId"],
                    "time_column": "expenseDate",
                    "column": "nope",
                },
                "column",
            ),
            ({"step": "encode", "column": "nope", "method": "ordinal"}, "column"),
            (
                {"step": "encode", "column": "nope", "method": "one_hot", "categories": ["a"]},
                "column",
            ),
            ({"step": "encode", "column": "category", "method": "one_hot"}, "categories"),
            (
                {"step": "encode", "column": "category", "method": "one_hot", "categories": []},
                "categories",
            ),
            ({"step": "filter", "expression": "amount ** 2 > 1"}, "expression"),
            ({"step": "derive", "column": "x", "expression": "__import__('os')"}, "expression"),
            ({"step": "filter", "expression": "amount.real > 0"}, "expression"),
            ({"step": "filter", "expression": "amount >"}, "expression"),
            ({"step": "pivot", "columns": ["amount"]}, "step"),
        ],
    )
    def test_names_the_step_and_field(self, step: Step, field: str) -> None:
        steps: list[Step] = [{"step": "rename", "columns": {"memo": "note"}}, step]
        error = error_of(lambda: plan(COLUMNS, steps, other_columns))
        assert (error.index, error.field) == (1, field)
        assert isinstance(error, MLError)
        assert str(error).startswith(f"transformations.1.{field}: ")

    def test_a_column_dropped_earlier_is_unknown_later(self) -> None:
        steps: list[Step] = [
            {"step": "select", "columns": ["vendorId", "amount"]},
            {"step": "rename", "columns": {"amount": "value"}},
            {"step": "filter", "expression": "amount > 0"},
        ]
        error = error_of(lambda: plan(COLUMNS, steps))
        assert (error.index, error.field) == (2, "expression")
        assert "'amount'" in error.reason


# -- errors at apply time ------------------------------------------------------------------


class TestApplyErrors:
    FRAME = pd.DataFrame({"s": ["a", "b", None], "n": [1, 2, 3]})
    FIRST: Step = {"step": "derive", "column": "m", "expression": "n + 1"}

    def failing(self, step: Step) -> StepError:
        return error_of(lambda: apply(self.FRAME, [self.FIRST, step]))

    @pytest.mark.parametrize(
        "step",
        [
            {"step": "sql", "query": "SELECT nope FROM input"},
            {"step": "sql", "query": "SELECT FROM WHERE"},
            {"step": "sql", "query": "PRAGMA table_info(input)"},
            {**rolling_step("sum", "30x"), "key": ["s"], "time_column": "s", "column": "n"},
            {"step": "select", "columns": ["nope"]},
            {"step": "filter", "expression": "s > 1"},  # ordering text against numbers
            {"step": "derive", "column": "x", "expression": "s * 2"},  # arithmetic on text
        ],
    )
    def test_step_error_names_the_index(self, step: Step) -> None:
        error = self.failing(step)
        assert (error.index, error.field) == (1, "step")
        assert str(error).startswith(f"transformations.1.step: {step['step']} failed: ")
        assert error.__cause__ is not None

    def test_invalid_sql_keeps_the_sqlite_message(self) -> None:
        error = self.failing({"step": "sql", "query": "SELECT nope FROM input"})
        assert "no such column: nope" in error.reason
        assert isinstance(error.__cause__, ValueError)

    def test_equality_of_text_with_numbers_is_false_not_an_error(self) -> None:
        equal = apply(self.FRAME, [{"step": "filter", "expression": "s == 1"}])
        assert len(equal.frame) == 0
        assert equal.skipped == 3
        differs = apply(self.FRAME, [{"step": "filter", "expression": "s != 1"}])
        # != is true for present text, false for the missing value (documented)
        assert column(differs.frame, "s") == ["a", "b"]
        assert differs.skipped == 1
        columns = apply(self.FRAME, [{"step": "filter", "expression": "s == n"}])
        assert len(columns.frame) == 0

    def test_unknown_step_kind_at_apply_time(self) -> None:
        error = error_of(lambda: apply(self.FRAME, [self.FIRST, {"step": "pivot"}]))
        assert error.index == 1


# -- a large frame -------------------------------------------------------------------------


class TestLargeFrame:
    def test_200k_rows_filter_derive_rolling(self) -> None:
        n = 200_000
        rng = np.random.default_rng(7)
        frame = pd.DataFrame(
            {
                "vendorId": rng.integers(0, 400, n).astype(str),
                "expenseDate": BASE
                + pd.to_timedelta(rng.choice(n * 10, n, replace=False), unit="min"),
                "amount": rng.normal(100.0, 60.0, n).round(2),
            }
        )
        steps: list[Step] = [
            {"step": "filter", "expression": "amount > 0"},
            {"step": "derive", "column": "net", "expression": "amount * 0.8"},
            {
                "step": "rolling",
                "key": ["vendorId"],
                "time_column": "expenseDate",
                "column": "net",
                "window": "30d",
                "fn": "sum",
                "output": "spend30",
            },
        ]
        result = apply(frame, steps)
        reference = frame[frame["amount"] > 0].reset_index(drop=True)
        reference["net"] = reference["amount"] * 0.8
        out = result.frame
        assert [(r.rows_in, r.rows_out) for r in result.steps] == [
            (n, len(reference)),
            (len(reference), len(reference)),
            (len(reference), len(reference)),
        ]
        assert result.skipped == n - len(reference)
        pd.testing.assert_frame_equal(out[["vendorId", "expenseDate", "amount", "net"]], reference)
        vendors = reference["vendorId"].to_numpy()
        times = reference["expenseDate"].dt.tz_localize(None).to_numpy()
        nets = reference["net"].to_numpy()
        width = np.timedelta64(30, "D")
        spend = out["spend30"].to_numpy()
        for i in rng.choice(len(reference), 300, replace=False):
            mask = (vendors == vendors[i]) & (times > times[i] - width) & (times <= times[i])
            assert math.isclose(spend[i], nets[mask].sum(), rel_tol=1e-9, abs_tol=1e-6)
