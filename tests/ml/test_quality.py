"""Data-quality accumulators: known answers on small hand-made frames for every check, the
same measurement whatever the chunking, ``grade`` and the failing-row masks pipelines use."""

import io
import math
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from urutiq_ai.ml.expressions import parse
from urutiq_ai.ml.quality import (
    SAMPLE_ROWS,
    Allowed,
    Check,
    ControlTotal,
    ExpressionCheck,
    Freshness,
    GroupBalance,
    Measurement,
    NotNull,
    Pattern,
    Range,
    ReferenceMatch,
    ReferenceSum,
    RowCheck,
    TypeCheck,
    Unique,
    ValueType,
    feed,
    grade,
)

AS_OF = datetime(2024, 6, 30, 12, 0, tzinfo=UTC)


def split(frame: pd.DataFrame, sizes: Sequence[int]) -> list[pd.DataFrame]:
    """``frame`` cut into consecutive chunks whose sizes cycle through ``sizes``."""
    chunks, start, turn = [], 0, 0
    while start < len(frame):
        size = sizes[turn % len(sizes)]
        chunks.append(frame.iloc[start : start + size])
        start, turn = start + size, turn + 1
    return chunks


def measure(
    check: Check,
    frames: Iterable[pd.DataFrame] | pd.DataFrame,
    reference: Iterable[pd.DataFrame] | pd.DataFrame = (),
) -> Measurement:
    """Feed the reference (if any), then the frames, to ``check`` and finish it."""
    if isinstance(reference, pd.DataFrame):
        reference = [reference]
    for part in reference:
        assert isinstance(check, ReferenceSum | ReferenceMatch)
        check.update_reference(part)
    feed([check], [frames] if isinstance(frames, pd.DataFrame) else frames)
    return check.finish()


def one_column(check: Check, column: list[Any]) -> Measurement:
    return measure(check, pd.DataFrame({"x": column}))


def sample_values(measurement: Measurement, column: str = "x") -> list[Any]:
    return [row[column] for row in measurement.sample]


# -- grade --------------------------------------------------------------------------------


class TestGrade:
    @pytest.mark.parametrize(
        ("metric", "expected"),
        [(1.0, "pass"), (0.98, "pass"), (0.97, "warning"), (0.95, "warning"), (0.94, "fail")],
    )
    def test_higher_is_better(self, metric: float, expected: str) -> None:
        assert grade(metric, 0.98, 0.95, higher_is_better=True) == expected

    @pytest.mark.parametrize(
        ("metric", "expected"),
        [(0.0, "pass"), (2.0, "pass"), (3.0, "warning"), (5.0, "warning"), (5.1, "fail")],
    )
    def test_lower_is_better(self, metric: float, expected: str) -> None:
        assert grade(metric, 2.0, 5.0, higher_is_better=False) == expected

    def test_without_a_warning_band_a_miss_fails(self) -> None:
        assert grade(0.97, 0.98, None, higher_is_better=True) == "fail"
        assert grade(3.0, 2.0, None, higher_is_better=False) == "fail"

    @pytest.mark.parametrize("higher_is_better", [True, False])
    def test_nan_fails(self, higher_is_better: bool) -> None:
        assert grade(math.nan, 0.0, None, higher_is_better=higher_is_better) == "fail"
        assert grade(math.nan, 0.5, 0.5, higher_is_better=higher_is_better) == "fail"


# -- row checks ---------------------------------------------------------------------------


class TestNotNull:
    def test_blank_text_counts_as_missing(self) -> None:
        frame = pd.DataFrame(
            {"id": range(7), "x": ["a", None, "", "  ", "\t\n", "b", np.nan]}, dtype=object
        )
        result = measure(NotNull(["x"], sample_columns=["id"]), frame)
        assert result.rows_checked == 7
        assert result.rows_failed == 5
        assert result.metric_value == pytest.approx(2 / 7)
        assert result.details == {"rows": 7, "rowsSkipped": 0}
        assert result.sample == [
            {"id": 1, "x": None},
            {"id": 2, "x": ""},
            {"id": 3, "x": "  "},
            {"id": 4, "x": "\t\n"},
            {"id": 6, "x": None},
        ]

    def test_string_dtype(self) -> None:
        column = pd.array(["a", pd.NA, " ", "b "], dtype="string")
        result = measure(NotNull(["x"]), pd.DataFrame({"x": column}))
        assert (result.rows_checked, result.rows_failed) == (4, 2)

    def test_numbers(self) -> None:
        result = one_column(NotNull(["x"]), [0.0, math.nan, 1.5])
        assert (result.rows_checked, result.rows_failed) == (3, 1)
        assert sample_values(result) == [None]

    def test_empty_source_passes(self) -> None:
        result = measure(NotNull(["x"]), [])
        assert (result.metric_value, result.rows_checked, result.rows_failed) == (1.0, 0, 0)


class TestTypeCheck:
    @pytest.mark.parametrize(
        ("value_type", "column", "failing"),
        [
            (ValueType.number, [1, "2.5", "-3e2", " 7 ", "abc", None, ""], ["abc", ""]),
            (ValueType.string, ["a", 1, None, "2", 2.5], [1, 2.5]),
            (
                ValueType.boolean,
                ["yes", "No", " t ", "FALSE", "maybe", 1, 0, 2, None],
                ["maybe", 2],
            ),
            (
                ValueType.date,
                ["2024-01-31", "2024-02-30", "not a date", "2024-01-31 10:00", None],
                ["2024-02-30", "not a date"],
            ),
            (
                ValueType.integer,
                [1, "2", 3.0, "-4", 2.5, "x", None, "1e400"],
                [2.5, "x", "1e400"],
            ),
        ],
    )
    def test_values_of_the_type_pass_and_nulls_are_skipped(
        self, value_type: ValueType, column: list[Any], failing: list[Any]
    ) -> None:
        frame = pd.DataFrame({"x": pd.Series(column, dtype=object)})
        result = measure(TypeCheck("x", value_type), frame)
        present = sum(value is not None for value in column)
        assert result.rows_checked == present
        assert result.rows_failed == len(failing)
        assert result.details == {"rows": len(column), "rowsSkipped": len(column) - present}
        assert sample_values(result) == failing

    def test_booleans_are_booleans_but_not_numbers(self) -> None:
        frame = pd.DataFrame({"x": [True, False, True]})
        assert measure(TypeCheck("x", ValueType.boolean), frame).rows_failed == 0
        assert measure(TypeCheck("x", ValueType.number), frame).rows_failed == 3

    def test_typed_columns(self) -> None:
        dates = pd.DataFrame({"x": pd.to_datetime(["2024-01-01", None, "2024-05-01"])})
        assert measure(TypeCheck("x", ValueType.date), dates).rows_failed == 0
        assert measure(TypeCheck("x", ValueType.date), dates).rows_checked == 2
        numbers = pd.DataFrame({"x": [1.5, math.nan, -2.0]})
        assert measure(TypeCheck("x", ValueType.number), numbers).rows_failed == 0
        assert measure(TypeCheck("x", ValueType.string), numbers).rows_failed == 2

    def test_dates_with_different_offsets_are_dates(self) -> None:
        column = ["2024-01-31T10:00:00+01:00", "2024-07-31T10:00:00+02:00", "2024-08-01"]
        assert one_column(TypeCheck("x", ValueType.date), column).rows_failed == 0


class TestRange:
    def test_bounds_are_inclusive_and_text_that_is_not_a_number_fails(self) -> None:
        column = [0, 10, -0.01, 10.01, "5", "five", None, ""]
        result = one_column(Range("x", 0, 10), column)
        assert result.rows_checked == 7
        assert result.rows_failed == 4
        assert result.metric_value == pytest.approx(3 / 7)
        assert result.details == {"rows": 8, "rowsSkipped": 1}
        assert sample_values(result) == [-0.01, 10.01, "five", ""]

    def test_one_bound(self) -> None:
        column = [-5.0, 0.0, 1e9, math.nan]
        assert sample_values(one_column(Range("x", 0, None), column)) == [-5.0]
        assert sample_values(one_column(Range("x", None, 0), column)) == [1e9]
        assert one_column(Range("x", None, None), column).rows_failed == 0

    def test_sample_columns_come_first(self) -> None:
        frame = pd.DataFrame({"x": [1.0, 50.0], "id": ["a", "b"], "other": [1, 2]})
        result = measure(Range("x", 0, 10, sample_columns=["id", "x"]), frame)
        assert result.sample == [{"id": "b", "x": 50.0}]
        assert list(result.sample[0]) == ["id", "x"]


class TestPattern:
    def test_whole_text_must_match(self) -> None:
        column = ["INV-0001", "INV-1", "inv-0002", "xINV-0003", "INV-00012", None, 42]
        result = one_column(Pattern("x", r"INV-\d{4}"), column)
        assert (result.rows_checked, result.rows_failed) == (6, 5)
        assert sample_values(result) == ["INV-1", "inv-0002", "xINV-0003", "INV-00012", 42]

    def test_numbers_are_matched_as_text(self) -> None:
        result = one_column(Pattern("x", r"\d{3}"), [123, 12, 1234])
        assert sample_values(result) == [12, 1234]


class TestAllowed:
    def test_values_from_the_list(self) -> None:
        column = ["cash", "bank", "Cash", None, " cash", "bank"]
        result = one_column(Allowed("x", ["cash", "bank"]), column)
        assert (result.rows_checked, result.rows_failed) == (5, 2)
        assert result.details == {"rows": 6, "rowsSkipped": 1}
        assert sample_values(result) == ["Cash", " cash"]

    def test_numbers(self) -> None:
        result = one_column(Allowed("x", [1, 2]), [1.0, 3.0, math.nan, 2.0])
        assert sample_values(result) == [3.0]


class TestExpressionCheck:
    FRAME = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e"],
            "quantity": [2.0, 3.0, None, 1.0, 4.0],
            "unitPrice": [1.5, 2.0, 1.0, None, 0.5],
            "amount": [3.0, 6.5, 1.0, 1.0, 2.005],
        }
    )

    def test_rows_reading_a_null_are_skipped(self) -> None:
        expression = parse("abs(quantity * unitPrice - amount) <= 0.01")
        check = ExpressionCheck(expression, sample_columns=["id"])
        result = measure(check, self.FRAME)
        assert check.columns == {"id", "quantity", "unitPrice", "amount"}
        assert result.rows_checked == 3
        assert result.rows_failed == 1
        assert result.details == {"rows": 5, "rowsSkipped": 2}
        assert result.sample == [{"id": "b", "amount": 6.5, "quantity": 3.0, "unitPrice": 2.0}]

    def test_dates_in_text(self) -> None:
        frame = pd.DataFrame(
            {
                "issueDate": ["2024-01-01", "2024-02-01", "2024-03-01"],
                "dueDate": ["2024-01-31", "2024-01-15", None],
            }
        )
        result = measure(ExpressionCheck(parse("days_between(issueDate, dueDate) >= 0")), frame)
        assert (result.rows_checked, result.rows_failed) == (2, 1)
        assert result.sample == [{"dueDate": "2024-01-15", "issueDate": "2024-02-01"}]


# -- failures -----------------------------------------------------------------------------


class TestFailures:
    FRAME = pd.DataFrame(
        {"x": [5.0, None, -1.0, 20.0, ""], "s": ["a", "", None, "b", "c"]},
        index=[40, 30, 20, 10, 0],
    )

    @pytest.mark.parametrize(
        ("make", "expected"),
        [
            (lambda: Range("x", 0, 10), [False, False, True, True, True]),
            (lambda: NotNull(["s"]), [False, True, True, False, False]),
            (lambda: NotNull(["x"]), [False, True, False, False, True]),
            (lambda: Allowed("s", ["a", "b"]), [False, True, False, False, True]),
            (lambda: Pattern("s", "[ab]"), [False, True, False, False, True]),
            (lambda: TypeCheck("s", ValueType.string), [False, False, False, False, False]),
            (lambda: ExpressionCheck(parse("s != 'b'")), [False, False, False, True, False]),
        ],
    )
    def test_mask_of_checked_failing_rows(
        self, make: Callable[[], RowCheck], expected: list[bool]
    ) -> None:
        frame = self.FRAME.astype({"x": object})
        check = make()
        mask = check.failures(frame)
        assert isinstance(mask, np.ndarray)
        assert mask.dtype == bool
        assert mask.tolist() == expected
        # asking does not count: the accumulator is untouched, and update agrees
        assert (check.rows, check.rows_checked, check.rows_failed) == (0, 0, 0)
        check.update(frame)
        assert check.rows_failed == sum(expected)

    def test_mask_selects_the_rejects(self) -> None:
        frame = pd.DataFrame({"amount": [10.0, -3.0, None, 7.0]}, index=["a", "b", "c", "d"])
        rejects = frame[Range("amount", 0, None).failures(frame)]
        assert rejects.index.tolist() == ["b"]


# -- unique -------------------------------------------------------------------------------


class TestUnique:
    FRAME = pd.DataFrame(
        {
            "a": [1, 1, 2, 1, None, 2, 1],
            "b": ["x", "y", "x", "x", "x", "x", "x"],
            "row": range(7),
        }
    )

    @pytest.mark.parametrize("size", [7, 3, 1])
    def test_compound_keys(self, size: int) -> None:
        result = measure(Unique(["a", "b"], sample_columns=["row"]), split(self.FRAME, [size]))
        assert result.rows_checked == 6
        assert result.rows_failed == 3
        assert result.metric_value == pytest.approx(3 / 6)
        assert result.details == {
            "rows": 7,
            "rowsSkipped": 1,
            "distinctKeys": 3,
            "repeatedKeys": 2,
            "rowsWithRepeatedKeys": 5,
        }
        # second and later occurrences, in order
        assert result.sample == [
            {"a": 1.0, "b": "x", "row": 3},
            {"a": 2.0, "b": "x", "row": 5},
            {"a": 1.0, "b": "x", "row": 6},
        ]

    def test_one_key_column(self) -> None:
        result = measure(Unique(["b"]), self.FRAME)
        assert result.details["distinctKeys"] == 2
        assert result.details["repeatedKeys"] == 1
        assert result.details["rowsWithRepeatedKeys"] == 6
        assert result.rows_failed == 5

    def test_all_distinct(self) -> None:
        result = measure(Unique(["row"]), split(self.FRAME, [2]))
        assert (result.metric_value, result.rows_failed, result.sample) == (1.0, 0, [])

    def test_sample_is_bounded(self) -> None:
        frame = pd.DataFrame({"k": [1] * (SAMPLE_ROWS + 30)})
        result = measure(Unique(["k"]), split(frame, [4]))
        assert len(result.sample) == SAMPLE_ROWS
        assert result.rows_failed == SAMPLE_ROWS + 29

    def test_duplicates_found_across_csv_chunks_with_nulls(self) -> None:
        text = "k,v\n1,a\n2,b\n,c\n1,d\n"
        chunks = list(pd.read_csv(io.StringIO(text), chunksize=2))
        assert measure(Unique(["k"]), chunks).rows_failed == 1


# -- group balance ------------------------------------------------------------------------


def journal() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "entry": ["e1", "e1", "e2", "e3", None, "e5", "e5", "e6"],
            "debit": [100.0, 0.0, 1.5, 10.0, 99.0, 30.0, None, 5.0],
            "credit": [0.0, 100.0, 1.25, 9.0, 0.0, None, 30.0, None],
        }
    )


class TestGroupBalance:
    @pytest.mark.parametrize("size", [8, 3, 1])
    def test_groups_spanning_chunks(self, size: int) -> None:
        result = measure(GroupBalance(["entry"], "debit", "credit", 0.25), split(journal(), [size]))
        # e1, e2 (off by exactly the tolerance), e5 (split over rows) balance; e3, e6 do not
        assert result.rows_checked == 5
        assert result.rows_failed == 2
        assert result.metric_value == pytest.approx(3 / 5)
        assert result.details == {"rows": 8, "groups": 5, "unbalancedGroups": 2}
        assert result.sample == [
            {"entry": "e6", "debit": 5.0, "credit": None, "difference": 5.0},
            {"entry": "e3", "debit": 10.0, "credit": 9.0, "difference": 1.0},
        ]

    @pytest.mark.parametrize(
        ("tolerance", "unbalanced"),
        [
            (0.0, {"e2", "e3", "e6"}),
            (0.2499, {"e2", "e3", "e6"}),
            (0.25, {"e3", "e6"}),
            (1.0, {"e6"}),
            (5.0, set()),
        ],
    )
    def test_tolerance_boundaries(self, tolerance: float, unbalanced: set[str]) -> None:
        result = measure(GroupBalance(["entry"], "debit", "credit", tolerance), journal())
        assert {row["entry"] for row in result.sample} == unbalanced
        assert result.rows_failed == len(unbalanced)

    def test_compound_groups_and_text_amounts(self) -> None:
        frame = pd.DataFrame(
            {
                "company": ["c1", "c1", "c2", "c2"],
                "entry": [1, 1, 1, 1],
                "debit": ["10", "x", "4", "0"],
                "credit": ["0", "10", "0", "3"],
            }
        )
        result = measure(GroupBalance(["company", "entry"], "debit", "credit", 0.0), frame)
        assert result.details == {"rows": 4, "groups": 2, "unbalancedGroups": 1}
        assert result.sample == [
            {"company": "c2", "entry": 1, "debit": 4.0, "credit": 3.0, "difference": 1.0}
        ]

    def test_no_groups_passes(self) -> None:
        frame = pd.DataFrame({"entry": [None, None], "debit": [1.0, 2.0], "credit": [0.0, 0.0]})
        result = measure(GroupBalance(["entry"], "debit", "credit", 0.0), frame)
        assert (result.metric_value, result.rows_checked, result.rows_failed) == (1.0, 0, 0)
        assert result.details == {"rows": 2, "groups": 0, "unbalancedGroups": 0}


# -- reference checks ---------------------------------------------------------------------


class TestReferenceSum:
    INVOICES = pd.DataFrame(
        {"invoice": ["A", "B", "C", "D", None], "amount": [100.0, 50.0, 20.0, 0.0, 9.0]}
    )
    LINES = pd.DataFrame(
        {
            "invoiceId": ["A", "B", "A", "B", "E", None],
            "lineAmount": [60.0, 30.0, 40.0, 30.0, 5.0, 1.0],
        }
    )

    @pytest.mark.parametrize("size", [6, 2, 1])
    def test_sums_per_key(self, size: int) -> None:
        check = ReferenceSum(["invoice"], "amount", ["invoiceId"], "lineAmount", 0.01)
        result = measure(check, split(self.INVOICES, [size]), split(self.LINES, [size]))
        assert check.columns == {"invoice", "amount"}
        assert check.reference_columns == {"invoiceId", "lineAmount"}
        # A matches; B is 50 against 60; C and D have no lines (missing counts as 0)
        assert result.rows_checked == 4
        assert result.rows_failed == 2
        assert result.metric_value == pytest.approx(2 / 4)
        assert result.details == {
            "rows": 5,
            "keys": 4,
            "mismatchedKeys": 2,
            "keysMissingInReference": 2,
            "referenceKeysWithoutRow": 1,
        }
        assert result.sample == [
            {"invoice": "C", "value": 20.0, "referenceSum": None, "difference": 20.0},
            {"invoice": "B", "value": 50.0, "referenceSum": 60.0, "difference": -10.0},
        ]

    def test_tolerance(self) -> None:
        invoices = pd.DataFrame({"invoice": ["A", "B"], "amount": [100.01, 100.02]})
        lines = pd.DataFrame({"invoiceId": ["A", "B"], "lineAmount": [100.0, 100.0]})
        check = ReferenceSum(["invoice"], "amount", ["invoiceId"], "lineAmount", 0.01)
        result = measure(check, invoices, lines)
        assert [row["invoice"] for row in result.sample] == ["B"]

    def test_reference_rows_without_keys(self) -> None:
        check = ReferenceSum(["invoice"], "amount", ["invoiceId"], "lineAmount", 0.0)
        result = measure(check, self.INVOICES, self.LINES.iloc[-1:])
        assert result.details["keysMissingInReference"] == 4
        assert result.details["referenceKeysWithoutRow"] == 0
        assert result.rows_failed == 3  # D's 0.0 equals a missing sum

    def test_without_reference_rows(self) -> None:
        check = ReferenceSum(["invoice"], "amount", ["invoiceId"], "lineAmount", 0.0)
        result = measure(check, self.INVOICES)
        assert result.details["keysMissingInReference"] == 4
        assert result.details["referenceKeysWithoutRow"] == 0
        assert result.rows_failed == 3  # D's 0.0 equals a missing sum


class TestReferenceMatch:
    RATES = pd.DataFrame(
        {
            "code": ["USD", "EUR", "GBP", "EUR", "CHF", None],
            "rate": [1.0, 0.9, 0.79, 0.5, None, 7.0],
        }
    )
    ROWS = pd.DataFrame(
        {
            "currency": ["USD", "EUR", "GBP", "JPY", None, "CHF", "EUR"],
            "rate": [1.0, 0.905, 0.80, 150.0, 1.0, 1.0, None],
        }
    )

    @pytest.mark.parametrize("size", [7, 2, 1])
    def test_values_agree_within_tolerance(self, size: int) -> None:
        check = ReferenceMatch(["currency"], "rate", ["code"], "rate", 0.005)
        result = measure(check, split(self.ROWS, [size]), split(self.RATES, [size]))
        # USD agrees, EUR within 0.005 of the first EUR; GBP is off; JPY and CHF are missing
        assert result.rows_checked == 5
        assert result.rows_failed == 3
        assert result.metric_value == pytest.approx(2 / 5)
        assert result.details == {
            "rows": 7,
            "rowsSkipped": 2,
            "missingInReference": 2,
            "referenceKeys": 3,
        }
        assert result.sample == [
            {"currency": "GBP", "rate": 0.80, "referenceValue": 0.79},
            {"currency": "JPY", "rate": 150.0, "referenceValue": None},
            {"currency": "CHF", "rate": 1.0, "referenceValue": None},
        ]

    def test_text_values_match_exactly(self) -> None:
        reference = pd.DataFrame({"id": [1, 2, 3], "name": ["Acme", "Globex", "7"]})
        rows = pd.DataFrame({"id": [1, 2, 3, 4], "name": ["Acme", "globex", "7", "x"]})
        result = measure(ReferenceMatch(["id"], "name", ["id"], "name", 0.0), rows, reference)
        assert sample_values(result, "name") == ["globex", "x"]
        assert result.details["missingInReference"] == 1

    def test_compound_keys(self) -> None:
        reference = pd.DataFrame({"k1": [1, 1], "k2": ["a", "b"], "v": [10.0, 20.0]})
        rows = pd.DataFrame({"k1": [1, 1, 2], "k2": ["b", "a", "a"], "v": [20.0, 11.0, 10.0]})
        result = measure(ReferenceMatch(["k1", "k2"], "v", ["k1", "k2"], "v", 0.5), rows, reference)
        assert result.sample == [
            {"k1": 1, "k2": "a", "v": 11.0, "referenceValue": 10.0},
            {"k1": 2, "k2": "a", "v": 10.0, "referenceValue": None},
        ]


# -- control total and freshness ----------------------------------------------------------


class TestControlTotal:
    FRAME = pd.DataFrame(
        {
            "amount": pd.Series([10, 20.5, None, "x", 30, 4], dtype=object),
            "kind": ["sale", "sale", "sale", "sale", "refund", None],
        }
    )

    def test_absolute_difference_from_the_expected_total(self) -> None:
        result = measure(ControlTotal("amount", 60.0), split(self.FRAME, [4]))
        assert result.metric_value == pytest.approx(4.5)
        assert result.rows_checked == 4
        assert result.rows_failed == 0
        assert result.details == pytest.approx(
            {"rows": 6, "actualTotal": 64.5, "expectedTotal": 60.0, "difference": 4.5}
        )

    def test_total_below_expected(self) -> None:
        result = measure(ControlTotal("amount", 100.0), self.FRAME)
        assert result.metric_value == pytest.approx(35.5)
        assert result.details["difference"] == pytest.approx(-35.5)

    @pytest.mark.parametrize("size", [6, 1])
    def test_where_keeps_some_rows(self, size: int) -> None:
        check = ControlTotal("amount", 30.0, where=parse("kind == 'sale'"))
        result = measure(check, split(self.FRAME, [size]))
        assert check.columns == {"amount", "kind"}
        assert result.metric_value == pytest.approx(0.5)
        assert result.rows_checked == 2
        assert result.details == pytest.approx(
            {"rows": 6, "actualTotal": 30.5, "expectedTotal": 30.0, "difference": 0.5}
        )

    def test_nothing_counted(self) -> None:
        check = ControlTotal("amount", 12.0, where=parse("kind == 'none'"))
        result = measure(check, self.FRAME)
        assert (result.metric_value, result.rows_checked) == (12.0, 0)


class TestFreshness:
    def test_naive_datetimes_are_utc(self) -> None:
        column = pd.to_datetime(["2024-06-29 12:00", "2024-06-30 00:00", None])
        result = measure(Freshness("x", as_of=AS_OF), pd.DataFrame({"x": column}))
        assert result.metric_value == pytest.approx(12.0)
        assert result.rows_checked == 2
        assert result.rows_failed == 0
        assert result.details == {
            "rows": 3,
            "newest": "2024-06-30T00:00:00+00:00",
            "asOf": "2024-06-30T12:00:00+00:00",
        }

    def test_aware_datetimes(self) -> None:
        column = pd.to_datetime(["2024-06-30 08:00", "2024-06-29 23:00"]).tz_localize(
            "Europe/Paris"
        )
        result = measure(Freshness("x", as_of=AS_OF), pd.DataFrame({"x": column}))
        assert result.metric_value == pytest.approx(6.0)  # 08:00 in Paris is 06:00 UTC
        assert result.details["newest"] == "2024-06-30T06:00:00+00:00"

    @pytest.mark.parametrize("size", [5, 2, 1])
    def test_text_dates_in_chunks(self, size: int) -> None:
        column = ["2024-06-29", "2024-06-30T10:00:00+02:00", "garbage", None, "2024-06-30 01:00"]
        frames = split(pd.DataFrame({"x": column}), [size])
        result = measure(Freshness("x", as_of=AS_OF), frames)
        assert result.metric_value == pytest.approx(4.0)
        assert result.rows_checked == 3
        assert result.details["rows"] == 5

    def test_naive_and_aware_as_of(self) -> None:
        frame = pd.DataFrame({"x": ["2024-06-30 10:30"]})
        naive = measure(Freshness("x", as_of=datetime(2024, 6, 30, 12, 0)), frame)
        offset = timezone(timedelta(hours=2))
        aware = measure(Freshness("x", as_of=datetime(2024, 6, 30, 14, 0, tzinfo=offset)), frame)
        assert naive.metric_value == pytest.approx(1.5)
        assert aware.metric_value == pytest.approx(1.5)
        assert naive.details["asOf"] == "2024-06-30T12:00:00+00:00"

    def test_default_as_of_is_now(self) -> None:
        hour_ago = datetime.now(UTC) - timedelta(hours=1)
        result = measure(Freshness("x"), pd.DataFrame({"x": [hour_ago]}))
        assert result.metric_value == pytest.approx(1.0, abs=0.01)

    def test_no_dated_rows(self) -> None:
        frame = pd.DataFrame({"x": pd.Series([None, "garbage"], dtype=object)})
        result = measure(Freshness("x", as_of=AS_OF), split(frame, [1]))
        assert math.isnan(result.metric_value)
        assert result.rows_checked == 0
        assert result.details["newest"] is None
        assert grade(result.metric_value, 24.0, 48.0, higher_is_better=False) == "fail"


# -- feed ---------------------------------------------------------------------------------


class TestFeed:
    def test_every_check_sees_every_frame_once(self) -> None:
        frames = split(journal(), [3])
        checks: list[Check] = [NotNull(["entry"]), Unique(["entry"]), ControlTotal("debit", 0.0)]
        assert feed(checks, iter(frames)) == 8
        assert [check.finish().details["rows"] for check in checks] == [8, 8, 8]

    def test_measurement_defaults(self) -> None:
        result = Measurement(metric_value=1.0, rows_checked=0, rows_failed=0)
        assert (result.details, result.sample) == ({}, [])

    def test_a_check_failing_on_the_values_stops_with_the_reason(self) -> None:
        frames = [pd.DataFrame({"s": ["a", "b"], "n": [1, 2]})] * 3
        broken, where, other = (
            ExpressionCheck(parse("s * 2 > 1")),
            ControlTotal("n", 9.0, where=parse("s * n > 0")),
            NotNull(["n"]),
        )
        assert feed([broken, where, other], frames) == 6
        assert broken.error is not None
        assert "cannot evaluate 's * 2 > 1'" in broken.error
        assert where.error is not None
        assert (other.error, other.finish().rows_checked) == (None, 6)


# -- chunk invariance ---------------------------------------------------------------------

REFERENCE_IDS = 180


@cache
def reference_rates(seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = np.arange(REFERENCE_IDS, dtype=float)
    return pd.DataFrame({"id": ids, "amount": np.round(rng.uniform(1, 300, REFERENCE_IDS), 2)})


@cache
def ledger(seed: int = 3) -> pd.DataFrame:
    """Rows with nulls, blanks, repeated keys, junk text and entries that mostly balance, each
    spread over the table."""
    rng = np.random.default_rng(seed)
    entries, debits, credits = [], [], []
    for entry in range(70):
        lines = int(rng.integers(2, 7))
        amounts = np.round(rng.uniform(1, 100, lines), 2)
        debit_lines = int(rng.integers(1, lines))
        total = float(amounts[:debit_lines].sum())
        shares = rng.dirichlet(np.ones(lines - debit_lines)) * total
        credit_amounts = np.round(shares, 2)
        credit_amounts[-1] = round(total - float(credit_amounts[:-1].sum()), 2)
        credit_amounts[-1] += rng.choice([0.0, 0.0, 0.0, 0.01, 0.5, -3.0])
        entries += [f"E{entry:03d}"] * lines
        debits += [*amounts[:debit_lines], *([0.0] * (lines - debit_lines))]
        credits += [*([0.0] * debit_lines), *credit_amounts]
    order = rng.permutation(len(entries))
    n = len(order)
    frame = pd.DataFrame(
        {
            "entry": np.array(entries, dtype=object)[order],
            "debit": np.array(debits)[order],
            "credit": np.array(credits)[order],
        }
    )
    ids = rng.integers(0, 220, n).astype(float)
    ids[rng.random(n) < 0.06] = np.nan
    rates = reference_rates()["amount"].to_numpy()
    amount = np.round(rng.normal(120, 90, n), 2)
    known = (ids < REFERENCE_IDS) & (rng.random(n) < 0.7)
    amount[known] = rates[ids[known].astype(int)] + rng.choice([0.0, 0.01, 0.02], known.sum())
    amount[rng.random(n) < 0.05] = np.nan
    raw_choices = np.array(
        ["12", 3.5, -7, "abc", "", "yes", "2024-02-30", 0, "1e3", True, "2024-03-01"], dtype=object
    )
    raw = raw_choices[rng.integers(0, len(raw_choices), n)]
    raw[rng.random(n) < 0.1] = None
    account = rng.choice(np.array(["cash", "bank", "sales", "Cash", " ", ""]), n).astype(object)
    account[rng.random(n) < 0.08] = None
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 170, n), unit="D")
    day = days.strftime("%Y-%m-%d").to_numpy(dtype=object)
    day[rng.random(n) < 0.1] = "not a day"
    day[rng.random(n) < 0.05] = None
    posted = (days + pd.to_timedelta(rng.integers(0, 24, n), unit="h")).strftime(
        "%Y-%m-%dT%H:00:00+02:00"
    )
    code = np.array([f"INV-{i:04d}" for i in rng.integers(0, 10_000, n)], dtype=object)
    code[rng.random(n) < 0.15] = "bad"
    code[rng.random(n) < 0.05] = None
    frame = frame.assign(
        id=ids,
        amount=amount,
        raw=raw,
        account=account,
        day=day,
        posted=np.where(rng.random(n) < 0.1, None, posted.to_numpy(dtype=object)),
        code=code,
        kind=rng.choice(np.array(["sale", "refund"]), n),
    )
    return frame


@cache
def lines_reference() -> pd.DataFrame:
    """Credits per entry from another source: some entries missing, some extra."""
    frame = ledger()[["entry", "credit"]]
    kept = frame[~frame["entry"].isin(["E003", "E010", "E042"])]
    extra = pd.DataFrame({"entry": ["X1", "X2"], "credit": [5.0, 6.0]})
    return pd.concat([kept.iloc[::-1], extra], ignore_index=True)


CHECKS: dict[str, Callable[[], Check]] = {
    "not_null": lambda: NotNull(["account"], sample_columns=["id"]),
    "type_number": lambda: TypeCheck("raw", ValueType.number),
    "type_string": lambda: TypeCheck("raw", ValueType.string),
    "type_boolean": lambda: TypeCheck("raw", ValueType.boolean, sample_columns=["id"]),
    "type_date": lambda: TypeCheck("day", ValueType.date),
    "range": lambda: Range("amount", -50, 250, sample_columns=["id"]),
    "range_text": lambda: Range("raw", 0, None),
    "pattern": lambda: Pattern("code", r"INV-\d{4}"),
    "allowed": lambda: Allowed("account", ["cash", "bank", "sales"]),
    "expression": lambda: ExpressionCheck(parse("debit >= credit or account == 'cash'"), ["id"]),
    "unique": lambda: Unique(["id"], sample_columns=["entry"]),
    "unique_compound": lambda: Unique(["entry", "account"]),
    "group_balance": lambda: GroupBalance(["entry"], "debit", "credit", 0.01),
    "group_balance_compound": lambda: GroupBalance(["entry", "kind"], "debit", "credit", 0.0),
    "reference_sum": lambda: ReferenceSum(["entry"], "debit", ["entry"], "credit", 0.01),
    "reference_match": lambda: ReferenceMatch(["id"], "amount", ["id"], "amount", 0.01),
    "control_total": lambda: ControlTotal("amount", 20_000.0),
    "control_total_where": lambda: ControlTotal("amount", 0.0, where=parse("kind == 'sale'")),
    "freshness": lambda: Freshness("posted", as_of=AS_OF),
}
REFERENCES: dict[str, Callable[[], pd.DataFrame]] = {
    "reference_sum": lines_reference,
    "reference_match": reference_rates,
}
CHUNKINGS: dict[str, tuple[Sequence[int], int | None]] = {
    # (chunk sizes, cycled; rows of the ledger used): one row a chunk is slow, so fewer rows
    "ones": ([1], 80),
    "1-3-7": ([1, 3, 7], None),
    "random": ([int(size) for size in np.random.default_rng(11).integers(1, 40, 50)], None),
}
REFERENCE_CHUNKS = [9, 2, 17]


def rounded(value: Any) -> Any:
    """Floats rounded to 9 places, recursively: chunked sums may differ in the last bits."""
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [rounded(item) for item in value]
    if isinstance(value, float) and not math.isnan(value):
        return round(value, 9)
    return value


def comparable(measurement: Measurement) -> dict[str, Any]:
    sample: list[Any] = measurement.sample
    if "groups" in measurement.details or "keys" in measurement.details:
        # the largest differences are shown: groups with equal ones may come in any order
        sample = sorted(abs(row["difference"]) for row in sample)
    metric = measurement.metric_value
    return rounded(
        {
            "metric_value": "nan" if math.isnan(metric) else metric,
            "rows_checked": measurement.rows_checked,
            "rows_failed": measurement.rows_failed,
            "details": measurement.details,
            "sample": sample,
        }
    )


class TestChunkInvariance:
    @pytest.mark.parametrize("chunking", list(CHUNKINGS))
    @pytest.mark.parametrize("name", list(CHECKS))
    def test_same_measurement_whatever_the_chunks(self, name: str, chunking: str) -> None:
        sizes, rows = CHUNKINGS[chunking]
        frame = ledger().iloc[:rows]
        reference = REFERENCES[name]() if name in REFERENCES else None
        whole_reference = [] if reference is None else [reference]
        chunked_reference = [] if reference is None else split(reference, REFERENCE_CHUNKS)
        whole = measure(CHECKS[name](), [frame], whole_reference)
        chunked = measure(CHECKS[name](), split(frame, sizes), chunked_reference)
        assert comparable(chunked) == comparable(whole)

    @pytest.mark.parametrize("name", list(CHECKS))
    def test_the_ledger_exercises_every_check(self, name: str) -> None:
        """Invariance on a table where nothing fails would prove little."""
        reference = [REFERENCES[name]()] if name in REFERENCES else []
        result = measure(CHECKS[name](), [ledger()], reference)
        if isinstance(result.details.get("asOf"), str):
            assert 0 < result.rows_checked < len(ledger())
        elif "actualTotal" in result.details:
            assert result.metric_value > 1.0
        else:
            assert 0 < result.rows_failed < result.rows_checked
        if "rowsSkipped" in result.details:
            assert result.details["rowsSkipped"] > 0 or name == "not_null"

    def test_type_integer(self) -> None:
        whole = measure(TypeCheck("raw", ValueType.integer), ledger())
        chunked = measure(TypeCheck("raw", ValueType.integer), split(ledger(), [1, 3, 7]))
        assert comparable(chunked) == comparable(whole)


# -- properties ---------------------------------------------------------------------------

KEYS = st.one_of(st.none(), st.integers(0, 6))
CHUNK_SIZES = st.lists(st.integers(1, 12), min_size=1, max_size=6)
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class TestProperties:
    @PROPERTY
    @given(rows=st.lists(st.tuples(KEYS, st.sampled_from("ab")), max_size=40), sizes=CHUNK_SIZES)
    def test_unique_counts(self, rows: list[tuple[int | None, str]], sizes: list[int]) -> None:
        frame = pd.DataFrame(
            {"k": pd.Series([k for k, _ in rows], dtype=float), "c": [c for _, c in rows]}
        )
        keyed = [(k, c) for k, c in rows if k is not None]
        counts = {key: keyed.count(key) for key in keyed}
        result = measure(Unique(["k", "c"]), split(frame, sizes))
        assert result.rows_checked == len(keyed)
        assert result.rows_failed == len(keyed) - len(counts)
        assert result.details == {
            "rows": len(rows),
            "rowsSkipped": len(rows) - len(keyed),
            "distinctKeys": len(counts),
            "repeatedKeys": sum(count > 1 for count in counts.values()),
            "rowsWithRepeatedKeys": sum(count for count in counts.values() if count > 1),
        }
        later = [i for i, key in enumerate(keyed) if key in keyed[:i]][:SAMPLE_ROWS]
        assert [(row["k"], row["c"]) for row in result.sample] == [keyed[i] for i in later]

    @PROPERTY
    @given(
        rows=st.lists(
            st.tuples(KEYS, st.none() | st.integers(-5, 5), st.none() | st.integers(-5, 5)),
            max_size=40,
        ),
        sizes=CHUNK_SIZES,
        tolerance=st.sampled_from([0.0, 1.0, 2.0]),
    )
    def test_group_balance_counts(
        self,
        rows: list[tuple[int | None, int | None, int | None]],
        sizes: list[int],
        tolerance: float,
    ) -> None:
        frame = pd.DataFrame(
            [(k, left, right) for k, left, right in rows], columns=["k", "left", "right"]
        ).astype(float)
        differences: dict[int, float] = {}
        for k, left, right in rows:
            if k is not None:
                differences[k] = differences.get(k, 0.0) + (left or 0) - (right or 0)
        unbalanced = sum(abs(gap) > tolerance for gap in differences.values())
        result = measure(GroupBalance(["k"], "left", "right", tolerance), split(frame, sizes))
        assert result.rows_checked == len(differences)
        assert result.rows_failed == unbalanced
        assert result.details == {
            "rows": len(rows),
            "groups": len(differences),
            "unbalancedGroups": unbalanced,
        }
        assert result.metric_value == pytest.approx(
            (len(differences) - unbalanced) / len(differences) if differences else 1.0
        )
        assert {row["k"] for row in result.sample} == {
            k for k, gap in differences.items() if abs(gap) > tolerance
        }


class TestExpressionOnDirtyText:
    def test_text_among_numbers_fails_its_rows_instead_of_the_check(self) -> None:
        chunks = pd.read_csv(io.StringIO("amount\n5\n-1\nn/a?\n7\n"), chunksize=2)
        result = measure(ExpressionCheck(parse("amount > 0")), list(chunks))
        assert (result.rows_checked, result.rows_failed) == (4, 2)
        assert [row["amount"] for row in result.sample] == [-1, "n/a?"]

    def test_text_among_numbers_in_arithmetic_fails_its_rows(self) -> None:
        chunks = pd.read_csv(io.StringIO("amount\n5\n-1\nn/a?\n7\n"), chunksize=2)
        result = measure(ExpressionCheck(parse("amount * 2 > 0")), list(chunks))
        assert (result.rows_checked, result.rows_failed) == (4, 2)
