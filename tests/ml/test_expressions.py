"""The safe expression language: what it computes on small frames (arithmetic, comparisons,
lists, logic, every function), how missing values compare, which columns it reads, and
everything outside the language refused with :class:`ExpressionError` naming the construct."""

import re
from typing import Any

import pandas as pd
import pytest

from urutiq_ai.ml.errors import MLError
from urutiq_ai.ml.expressions import (
    ARITY,
    MAX_EXPRESSION_CHARS,
    EvaluationError,
    ExpressionError,
    parse,
)


def values(text: str, frame: pd.DataFrame) -> list[Any]:
    """The expression's value per row as plain Python values (missing -> None)."""
    return [None if pd.isna(value) else value for value in parse(text).evaluate(frame).tolist()]


def condition(text: str, frame: pd.DataFrame) -> list[bool]:
    return [bool(value) for value in parse(text).boolean(frame).tolist()]


def refused(text: str, fragment: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(fragment)):
        parse(text)


NUMBERS = pd.DataFrame({"a": [1, 2], "b": [3, 4]})
WITH_NULLS = pd.DataFrame({"x": [1.0, None, 3.0], "y": [1.0, 1.0, None], "s": ["a", None, "b"]})

# -- arithmetic ---------------------------------------------------------------------------


class TestArithmetic:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("a + b", [4, 6]),
            ("a - b", [-2, -2]),
            ("a * b", [3, 8]),
            ("b / a", [3.0, 2.0]),
            ("b % a", [0, 0]),
            ("b % 3", [0, 1]),
            ("-a", [-1, -2]),
            ("+a", [1, 2]),
            ("a + b * 2", [7, 10]),
            ("(a + b) * 2", [8, 12]),
            ("a - -b", [4, 6]),
            ("1.5 * a", [1.5, 3.0]),
            ("10 - 4", [6, 6]),
        ],
    )
    def test_operators(self, text: str, expected: list[float]) -> None:
        assert values(text, NUMBERS) == pytest.approx(expected)

    def test_missing_values_propagate(self) -> None:
        assert values("x + y", WITH_NULLS) == [2.0, None, None]

    def test_result_keeps_the_frames_index(self) -> None:
        frame = pd.DataFrame({"a": [1, 2]}, index=[10, 20])
        assert parse("a * 2").evaluate(frame).index.tolist() == [10, 20]
        assert parse("1").evaluate(frame).index.tolist() == [10, 20]

    def test_string_concatenation(self) -> None:
        frame = pd.DataFrame({"s": ["ab", "c"]})
        assert values("s + '-x'", frame) == ["ab-x", "c-x"]


# -- comparisons --------------------------------------------------------------------------


class TestComparisons:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("a == 1", [True, False]),
            ("a != 1", [False, True]),
            ("a < 2", [True, False]),
            ("a <= 2", [True, True]),
            ("a > 1", [False, True]),
            ("a >= 2", [False, True]),
            ("b > a", [True, True]),
        ],
    )
    def test_operators(self, text: str, expected: list[bool]) -> None:
        assert values(text, NUMBERS) == expected

    def test_chain_is_a_conjunction(self) -> None:
        frame = pd.DataFrame({"x": [-1.0, 0.0, 9.99, 10.0, None]})
        assert values("0 <= x < 10", frame) == [False, True, True, False, False]
        assert values("10 > x >= 0", frame) == [False, True, True, False, False]

    def test_chain_of_columns(self) -> None:
        frame = pd.DataFrame({"a": [1, 1, 3], "b": [2, 2, 2], "c": [3, 1, 4]})
        assert values("a < b < c", frame) == [True, False, False]

    def test_strings_compare(self) -> None:
        frame = pd.DataFrame({"d": ["2024-01-31", "2024-03-01"], "e": ["2024-02-01"] * 2})
        assert values("d < e", frame) == [True, False]
        assert values("d == '2024-03-01'", frame) == [False, True]

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("x == y", [True, False, False]),
            ("x != y", [False, False, False]),
            ("x != 2", [True, False, True]),
            ("x < 100", [True, False, True]),
            ("x >= y", [True, False, False]),
            ("s == 'a'", [True, False, False]),
            ("s != 'a'", [False, False, True]),
            ("x == null", [False, False, False]),
            ("x != null", [False, False, False]),
            ("null == null", [False, False, False]),
            ("null != 1", [False, False, False]),
        ],
    )
    def test_comparisons_with_missing_values_are_false(
        self, text: str, expected: list[bool]
    ) -> None:
        assert values(text, WITH_NULLS) == expected
        assert condition(text, WITH_NULLS) == expected


class TestLists:
    FRAME = pd.DataFrame({"n": [-1, 1, 2.5, -2.5], "s": ["a", "b", "c", "a"]})

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("n in [-1, 2.5]", [True, False, True, False]),
            ("n not in [-1, 2.5]", [False, True, False, True]),
            ("n in [-2.5]", [False, False, False, True]),
            ("n in [1]", [False, True, False, False]),
            ("n in (1, -1)", [True, True, False, False]),
            ("s in ['a', 'c']", [True, False, True, True]),
            ("s not in ['a']", [False, True, True, False]),
            ("n in []", [False, False, False, False]),
        ],
    )
    def test_membership(self, text: str, expected: list[bool]) -> None:
        assert values(text, self.FRAME) == expected

    def test_missing_value_is_not_in_a_list(self) -> None:
        assert values("x in [1, 3]", WITH_NULLS) == [True, False, True]

    def test_negated_string_in_a_list_is_refused(self) -> None:
        refused("s in [-'a']", "only numbers can be negative")


class TestLogic:
    FRAME = pd.DataFrame({"a": [1, 1, 0, 0], "b": [1, 0, 1, 0]})

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("a > 0 and b > 0", [True, False, False, False]),
            ("a > 0 or b > 0", [True, True, True, False]),
            ("not a > 0", [False, False, True, True]),
            ("not (a > 0 and b > 0)", [False, True, True, True]),
            ("a > 0 and b > 0 or a == 0", [True, False, True, True]),
            ("a > 0 and (b > 0 or a == 0)", [True, False, False, False]),
            ("a > 0 and b > 0 and a == b", [True, False, False, False]),
            ("a == 0 or b == 0 or a == 5", [False, True, True, True]),
            ("a > 0 and true", [True, True, False, False]),
            ("a > 0 or false", [True, True, False, False]),
        ],
    )
    def test_operators(self, text: str, expected: list[bool]) -> None:
        assert values(text, self.FRAME) == expected

    def test_missing_operands_count_as_false(self) -> None:
        assert values("x > 0 or y > 0", WITH_NULLS) == [True, True, True]
        assert values("x > 0 and y > 0", WITH_NULLS) == [True, False, False]


class TestConstants:
    FRAME = pd.DataFrame({"flag": [True, False]})

    def test_true_false_null(self) -> None:
        assert values("true", self.FRAME) == [True, True]
        assert values("false", self.FRAME) == [False, False]
        assert values("null", self.FRAME) == [None, None]
        assert condition("null", self.FRAME) == [False, False]

    def test_constants_compare_with_columns(self) -> None:
        assert values("flag == true", self.FRAME) == [True, False]
        assert values("flag == false", self.FRAME) == [False, True]
        assert values("is_null(null)", self.FRAME) == [True, True]
        assert values("not_null(null)", self.FRAME) == [False, False]

    def test_boolean_treats_numbers_and_missing_as_conditions(self) -> None:
        frame = pd.DataFrame({"x": [2.0, 0.0, None]})
        assert condition("x", frame) == [True, False, False]
        assert parse("x > 1").boolean(frame).dtype == bool


# -- functions ----------------------------------------------------------------------------

FUNCTIONS = pd.DataFrame(
    {
        "x": [-1.26, 2.74, None],
        "s": ["AbC", "", None],
        "a": [None, 2.0, None],
        "b": [5.0, 6.0, None],
        # a Tuesday afternoon, a Sunday just before midnight
        "d": ["2024-03-05 14:30", "2023-12-31 23:59:59", None],
        "start": ["2024-01-01", "2024-03-01", None],
        "end": ["2024-01-31", "2024-02-01", "2024-01-01"],
    }
)
FUNCTION_CASES: list[tuple[str, list[Any]]] = [
    ("abs(x)", [1.26, 2.74, None]),
    ("abs(-3)", [3, 3, 3]),
    ("round(x)", [-1.0, 3.0, None]),
    ("round(x, 1)", [-1.3, 2.7, None]),
    ("lower(s)", ["abc", "", None]),
    ("upper(s)", ["ABC", "", None]),
    ("length(s)", [3, 0, None]),
    ("is_null(a)", [True, False, True]),
    ("is_null(s)", [False, False, True]),
    ("not_null(a)", [False, True, False]),
    ("coalesce(a, b)", [5.0, 2.0, None]),
    ("coalesce(a, b, 0)", [5.0, 2.0, 0.0]),
    ("coalesce(null, a, 7)", [7.0, 2.0, 7.0]),
    ("year(d)", [2024, 2023, None]),
    ("month(d)", [3, 12, None]),
    ("day(d)", [5, 31, None]),
    ("weekday(d)", [1, 6, None]),
    ("hour(d)", [14, 23, None]),
    ("days_between(start, end)", [30, -29, None]),
    ("days_between(start, '2024-01-11')", [10, -50, None]),
]


class TestFunctions:
    @pytest.mark.parametrize(("text", "expected"), FUNCTION_CASES)
    def test_function(self, text: str, expected: list[Any]) -> None:
        assert values(text, FUNCTIONS) == pytest.approx(expected)

    def test_every_function_has_a_case(self) -> None:
        called = {text.split("(", 1)[0] for text, _ in FUNCTION_CASES}
        assert called == set(ARITY)

    def test_functions_compose(self) -> None:
        frame = pd.DataFrame({"q": [2, 3], "p": [1.5, 2.0], "amount": [3.0, 6.5]})
        assert values("abs(q * p - amount) <= 0.01", frame) == [True, False]
        assert values("length(lower(upper(s))) + 1", FUNCTIONS) == [4, 1, None]


# -- columns ------------------------------------------------------------------------------


class TestColumns:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("a + b > c", {"a", "b", "c"}),
            (
                "coalesce(amount, 0) > limit and not is_null(dueDate)",
                {"amount", "limit", "dueDate"},
            ),
            ("x in [1, 2]", {"x"}),
            ("year(d) == 2024", {"d"}),
            ("'abs' == name", {"name"}),
            ("x > 1 and x < 9", {"x"}),
            ("true or null == false", set()),
            ("1 + 2", set()),
        ],
    )
    def test_columns_are_the_names_read(self, text: str, expected: set[str]) -> None:
        expression = parse(text)
        assert expression.columns == frozenset(expected)
        assert expression.text == text

    def test_evaluation_needs_only_those_columns(self) -> None:
        expression = parse("a + b > c")
        frame = pd.DataFrame({"a": [1], "b": [2], "c": [2]})
        assert values(expression.text, frame[sorted(expression.columns)]) == [True]


# -- safety -------------------------------------------------------------------------------

REFUSED: list[tuple[str, str]] = [
    # attribute access and subscripts
    ("x.__class__", "attribute access is not allowed"),
    ("x.real + 1", "attribute access is not allowed"),
    ("().__class__.__bases__[0].__subclasses__()", "unknown function 'attribute access'"),
    ("x.lower()", "unknown function 'attribute access'"),
    ("__import__('os').system('true')", "unknown function 'attribute access'"),
    ("x[0]", "a subscript is not allowed"),
    ("x['a']", "a subscript is not allowed"),
    ("x[1:2]", "a subscript is not allowed"),
    ("abs(x[0])", "a subscript is not allowed"),
    # calls of other names
    ("__import__('os')", "unknown function '__import__'"),
    ("open(x)", "unknown function 'open'"),
    ("eval('1')", "unknown function 'eval'"),
    ("exec('1')", "unknown function 'exec'"),
    ("getattr(x, 'y')", "unknown function 'getattr'"),
    ("globals()", "unknown function 'globals'"),
    ("abs(x)(y)", "unknown function 'Call'"),
    ("(lambda: 1)()", "unknown function 'a lambda'"),
    ("round(open(x))", "unknown function 'open'"),
    # keyword and starred arguments
    ("abs(x=1)", "abs() takes no keyword arguments"),
    ("abs(**{'x': 1})", "abs() takes no keyword arguments"),
    ("round(x, digits=2)", "round() takes no keyword arguments"),
    ("abs(*x)", "*arguments are not allowed"),
    # operators outside the language
    ("x ** 2", "the ** operator is not allowed"),
    ("9 ** 9 ** 9", "the ** operator is not allowed"),
    ("x // 2", "the // operator is not allowed"),
    ("x & y", "BitAnd is not allowed"),
    ("x | y", "BitOr is not allowed"),
    ("x ^ y", "BitXor is not allowed"),
    ("x << 2", "LShift is not allowed"),
    ("x >> 2", "RShift is not allowed"),
    ("x @ y", "MatMult is not allowed"),
    ("~x", "Invert is not allowed"),
    ("x is None", "'is' (use is_null(x))"),
    ("x is not None", "'is not' (use not_null(x))"),
    ("x > 1 is true", "'is' (use is_null(x))"),
    # other constructs
    ("lambda: 1", "a lambda is not allowed"),
    ("x if y else z", "a conditional expression is not allowed"),
    ("[v for v in x]", "ListComp is not allowed"),
    ("{v for v in x}", "SetComp is not allowed"),
    ("{v: v for v in x}", "DictComp is not allowed"),
    ("(v for v in x)", "GeneratorExp is not allowed"),
    ("abs([v for v in x])", "ListComp is not allowed"),
    ("f'{x}'", "JoinedStr is not allowed"),
    ("f'{x.__class__}' == s", "JoinedStr is not allowed"),
    ("(y := 1)", "NamedExpr is not allowed"),
    ("await x", "Await is not allowed"),
    ("(yield x)", "Yield is not allowed"),
    ("[1, 2]", "List is not allowed"),
    ("(1, 2)", "Tuple is not allowed"),
    ("{1}", "Set is not allowed"),
    ("{'a': 1}", "Dict is not allowed"),
    ("b'x'", "constant b'x' is not allowed"),
    ("1j", "constant 1j is not allowed"),
    ("...", "constant Ellipsis is not allowed"),
    # 'in' needs a literal list of constants
    ("x in y", "'in' needs a list of constants"),
    ("x in [y]", "'in' needs a list of constants"),
    ("x not in [abs(y)]", "'in' needs a list of constants"),
    ("x in ['a', x.__class__]", "'in' needs a list of constants"),
    ("x in [[1]]", "'in' needs a list of constants"),
    ("x in {1, 2}", "'in' needs a list of constants"),
    ("x in [- -1]", "'in' needs a list of constants"),
    # the violation is found wherever it is nested
    ("a > 0 and (b < 1 or c.__dict__)", "attribute access is not allowed"),
    ("not (x // 2)", "the // operator is not allowed"),
    ("-(lambda: 1)", "a lambda is not allowed"),
    ("0 < x < y[0]", "a subscript is not allowed"),
    ("coalesce(a, b, x ** 2)", "the ** operator is not allowed"),
]


class TestSafety:
    @pytest.mark.parametrize(("text", "fragment"), REFUSED)
    def test_refused_naming_the_construct(self, text: str, fragment: str) -> None:
        refused(text, fragment)

    def test_unknown_function_lists_the_known_ones(self) -> None:
        with pytest.raises(ExpressionError) as caught:
            parse("open(x)")
        for name in ARITY:
            assert name in str(caught.value)

    def test_expression_error_is_an_ml_error(self) -> None:
        assert issubclass(ExpressionError, MLError)

    @pytest.mark.parametrize("name", sorted(ARITY))
    def test_wrong_arity_is_refused(self, name: str) -> None:
        fewest, most = ARITY[name]
        wanted = str(fewest) if fewest == most else f"{fewest} to {most}"
        for count in (fewest - 1, most + 1):
            if count < 0:
                continue
            text = f"{name}({', '.join(['x'] * count)})"
            refused(text, f"{name}() takes {wanted} arguments, got {count}")

    @pytest.mark.parametrize("name", sorted(ARITY))
    def test_right_arity_is_accepted(self, name: str) -> None:
        fewest, most = ARITY[name]
        for count in {fewest, most}:
            args = ["x"] * count if name != "round" else ["x", "2"][:count]
            assert parse(f"{name}({', '.join(args)})").columns == {"x"}

    @pytest.mark.parametrize("text", ["", "   ", "\n\t"])
    def test_empty_text(self, text: str) -> None:
        refused(text, "the expression is empty")

    def test_over_long_text(self) -> None:
        refused("x" * (MAX_EXPRESSION_CHARS + 1), f"longer than {MAX_EXPRESSION_CHARS}")
        # surrounding blanks count too: the limit is on the text as given
        refused(" " * MAX_EXPRESSION_CHARS + "x", f"longer than {MAX_EXPRESSION_CHARS}")

    def test_text_at_the_limit_is_accepted(self) -> None:
        assert parse("x" * MAX_EXPRESSION_CHARS).columns == {"x" * MAX_EXPRESSION_CHARS}

    @pytest.mark.parametrize(
        "text", ["x +", "(x", "x = 1", "import os", "x; y", "x y", "def f(): pass", "1 +* 2"]
    )
    def test_syntax_errors(self, text: str) -> None:
        refused(text, "syntax error at character")

    def test_surrounding_blanks_are_ignored(self) -> None:
        assert values("  a + 1\n", NUMBERS) == [2, 3]


class TestRuntimeSafety:
    """What parsing cannot see: text columns in arithmetic, constants, division by zero."""

    def test_text_constants_are_refused_in_arithmetic(self) -> None:
        refused("'a' * 10000000000", "text can only be joined with +")
        refused("'%0999999999d' % 1", "text can only be joined with +")

    def test_a_text_column_is_refused_in_arithmetic(self) -> None:
        frame = pd.DataFrame({"s": ["a", "b"]})
        with pytest.raises(ExpressionError, match="text can only be joined"):
            parse("s * 1000000000 == ''").evaluate(frame)

    def test_text_joins_with_plus(self) -> None:
        frame = pd.DataFrame({"s": ["a", "b"]})
        assert values("s + '!' == 'a!'", frame) == [True, False]

    def test_a_missing_value_is_not_outside_a_list_either(self) -> None:
        assert values("x not in [1]", WITH_NULLS) == [False, False, True]

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("length('abc') == 3", True),
            ("year('2024-01-05') == 2024", True),
            ("days_between('2024-01-01', '2024-01-31') == 30", True),
            ("round(2.567, 1) == 2.6", True),
        ],
    )
    def test_functions_of_constants(self, text: str, expected: bool) -> None:
        assert values(text, WITH_NULLS) == [expected] * 3

    def test_division_of_constants_by_zero(self) -> None:
        with pytest.raises(ExpressionError, match="cannot evaluate"):
            parse("x > 1 / 0").evaluate(WITH_NULLS)


class TestKnownFromTheText:
    """A part that reads no column has one value for every row: ``parse`` evaluates it, so
    what would fail on every row is refused before any row is read (a request's 422)."""

    @pytest.mark.parametrize(
        ("text", "fragment"),
        [
            ("x > 1 / 0", "cannot evaluate '1 / 0': division by zero"),
            ("x > (1 - 1) % 0", "cannot evaluate '(1 - 1) % 0': integer modulo by zero"),
            ("x > 'a' + 1", "cannot evaluate \"'a' + 1\""),
            ("abs('text') > x", "cannot evaluate \"abs('text')\""),
            ("x == 7 % 0", "modulo by zero"),
        ],
    )
    def test_failing_constants_are_refused(self, text: str, fragment: str) -> None:
        refused(text, fragment)

    @pytest.mark.parametrize(
        "text", ["x > 1 / 2", "x in [1, -2]", "not x", "x > -1", "upper('a') == s", "null == x"]
    )
    def test_working_constants_are_kept(self, text: str) -> None:
        assert parse(text).columns <= {"x", "s"}

    def test_an_in_list_is_not_evaluated(self) -> None:
        assert values("x in [1, 3]", WITH_NULLS) == [True, False, True]

    @pytest.mark.parametrize("digits", ["'a'", "1.5", "x", "101", "-101", "true", "1 + 1"])
    def test_round_digits_must_be_a_whole_number_written_out(self, digits: str) -> None:
        refused(f"round(x, {digits}) > 1", "round()'s digits must be a whole number")

    @pytest.mark.parametrize(("digits", "expected"), [("0", 3.0), ("-1", 0.0), ("+1", 2.6)])
    def test_round_digits(self, digits: str, expected: float) -> None:
        frame = pd.DataFrame({"x": [2.56]})
        assert values(f"round(x, {digits})", frame) == [expected]


class TestFailingOnTheValues:
    """What depends on the values fails when evaluated, as an EvaluationError naming the
    expression and the reason (never a pandas, numpy or pyarrow exception)."""

    TEXT = pd.DataFrame({"s": ["a", "b"], "n": [1, 2]})

    @pytest.mark.parametrize(
        "text",
        ["s * 2 > 1", "s - n", "abs(s) > 0", "-s == 'a'", "s > 1", "n + s", "lower(n) > 1"],
    )
    def test_is_an_evaluation_error(self, text: str) -> None:
        with pytest.raises(EvaluationError, match=re.escape(f"cannot evaluate {text!r}")):
            parse(text).evaluate(self.TEXT)

    def test_an_evaluation_error_is_an_expression_error(self) -> None:
        assert issubclass(EvaluationError, ExpressionError)

    def test_integers_past_64_bits(self) -> None:
        with pytest.raises(EvaluationError, match="cannot evaluate"):
            parse("n + 99999999999999999999999 > 1").evaluate(self.TEXT)

    def test_division_of_a_column_by_zero_is_infinity(self) -> None:
        assert values("n / 0", self.TEXT) == [float("inf"), float("inf")]
