"""A small, safe expression language over the columns of a table.

Used by data-quality ``expression`` checks (``dueDate >= issueDate``,
``abs(quantity * unitPrice - amount) <= 0.01``) and by pipelines' filter and derive steps.
User text is never evaluated by Python: it is parsed with :mod:`ast`, every node is checked
against the short list below, and the tree is then evaluated column-wise with pandas.

* Names are column names (Python identifiers, as camelCase names are); ``true``,
  ``false`` and ``null`` are constants, as are numbers and quoted strings.
* Arithmetic ``+ - * / %``, unary ``-``; comparisons ``== != < <= > >=`` (chains such as
  ``0 <= x < 10`` too); ``in`` / ``not in`` a list of constants; ``and``, ``or``, ``not``.
* Functions: ``abs``, ``round(x, digits)``, ``lower``, ``upper``, ``length``, ``is_null``,
  ``not_null``, ``coalesce(a, b, ...)``, ``year``, ``month``, ``day``, ``weekday``
  (Monday = 0), ``hour``, ``days_between(a, b)`` (whole days from a to b).

Anything else (attribute access, subscripts, calls of other names, keyword arguments,
lambdas, comprehensions, ``**``) is refused with the offending construct named.
Comparisons involving a missing value are false.

What can be known from the text alone is refused by :func:`parse`: a part that reads no
column is evaluated there (``1 / 0``, ``'a' + 1``, ``lower(1)``), and ``round``'s digits
must be a whole number. What depends on the values (a text column in arithmetic) fails
only when evaluated, as an :class:`EvaluationError` naming the expression and the reason.

Its column-wise speed is measured by ``benchmarks/pipeline_run.py`` (the filter and derive
steps' seconds over 1,000,000 rows in ``docs/benchmarks.md``, "Pipeline over 1,000,000 rows
on PostgreSQL") and ``benchmarks/quality_run.py`` (an ``expression`` check among twelve,
"Data quality, 1,000,000 rows").
"""

import ast
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from urutiq_ai.ml.errors import MLError

if TYPE_CHECKING:
    import pandas as pd

MAX_EXPRESSION_CHARS = 1_000
MAX_ROUND_DIGITS = 100
CONSTANT_NAMES: dict[str, Any] = {"true": True, "false": False, "null": None}

BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
}
COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_NODE_NAMES: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "a subscript",
    ast.Lambda: "a lambda",
    ast.IfExp: "a conditional expression",
    ast.Pow: "the ** operator",
    ast.FloorDiv: "the // operator",
    ast.Is: "'is' (use is_null(x))",
    ast.IsNot: "'is not' (use not_null(x))",
}


class ExpressionError(MLError):
    """An expression that cannot be parsed or uses something outside the language."""


class EvaluationError(ExpressionError):
    """A checked expression that fails on the values it meets (text in arithmetic, a
    division of constants by zero). ``type_mismatch``: the values' types do not fit the
    operation (text among numbers), so a caller may retry with the numbers it can read."""

    def __init__(self, message: str, *, type_mismatch: bool = False) -> None:
        super().__init__(message)
        self.type_mismatch = type_mismatch


ARITY: dict[str, tuple[int, int]] = {
    # name: (fewest arguments, most arguments); implemented in ml/expression_eval.py
    "abs": (1, 1),
    "round": (1, 2),
    "lower": (1, 1),
    "upper": (1, 1),
    "length": (1, 1),
    "is_null": (1, 1),
    "not_null": (1, 1),
    "coalesce": (2, 8),
    "year": (1, 1),
    "month": (1, 1),
    "day": (1, 1),
    "weekday": (1, 1),
    "hour": (1, 1),
    "days_between": (2, 2),
}


@dataclass(frozen=True)
class Expression:
    """A checked expression: its text, the columns it reads, and its tree."""

    text: str
    columns: frozenset[str]
    tree: ast.Expression

    def evaluate(self, frame: "pd.DataFrame") -> "pd.Series":
        """The value of the expression for every row of ``frame`` (a Series on its index)."""
        from urutiq_ai.ml.expression_eval import evaluate

        try:
            return evaluate(self.tree, frame)
        except EvaluationError as exc:
            raise EvaluationError(
                f"cannot evaluate {self.text.strip()!r}: {exc}", type_mismatch=exc.type_mismatch
            ) from exc

    def boolean(self, frame: "pd.DataFrame") -> "pd.Series":
        """The expression as a condition: true rows are True; false or missing are False."""
        from urutiq_ai.ml.expression_eval import as_bool

        result: pd.Series = as_bool(self.evaluate(frame))
        return result


def parse(text: str) -> Expression:
    """Parse and check ``text``; raises :class:`ExpressionError` naming what is refused."""
    if not text.strip():
        raise ExpressionError("the expression is empty")
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(f"longer than {MAX_EXPRESSION_CHARS} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error at character {exc.offset or 0}: {exc.msg}") from exc
    columns: set[str] = set()
    _check(tree.body, columns)
    constant = _constant_parts(tree.body)
    if constant:
        from urutiq_ai.ml.expression_eval import check_constants  # pandas: on first need

        check_constants(constant)
    return Expression(text=text, columns=frozenset(columns), tree=tree)


def _reads_a_column(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id not in CONSTANT_NAMES
    if isinstance(node, ast.Call):  # the function's own name is no column
        return any(_reads_a_column(arg) for arg in node.args)
    return any(_reads_a_column(child) for child in ast.iter_child_nodes(node))


def _constant_parts(node: ast.AST) -> list[ast.expr]:
    """The largest parts of the tree that read no column and compute something (not a bare
    constant, nor an ``in`` list): their value is known before any row is read."""
    if not _reads_a_column(node):
        is_literal = isinstance(node, ast.Constant | ast.Name) or (
            isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant)
        )
        return [] if is_literal or not isinstance(node, ast.expr) else [node]
    parts: list[ast.expr] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(node, ast.Compare) and child in node.comparators:
            index = node.comparators.index(child)
            if isinstance(node.ops[index], ast.In | ast.NotIn):
                continue
        parts.extend(_constant_parts(child))
    return parts


def _check(node: ast.AST, columns: set[str]) -> None:
    if isinstance(node, ast.Name):
        if node.id not in CONSTANT_NAMES:
            columns.add(node.id)
        return
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, int | float | str | bool | type(None)):
            raise ExpressionError(f"constant {node.value!r} is not allowed")
        return
    if isinstance(node, ast.BinOp):
        if type(node.op) not in BINARY:
            raise ExpressionError(f"{_describe(node.op)} is not allowed")
        if not isinstance(node.op, ast.Add) and any(
            isinstance(side, ast.Constant) and isinstance(side.value, str)
            for side in (node.left, node.right)
        ):
            raise ExpressionError("text can only be joined with +, not used in arithmetic")
        _check(node.left, columns)
        _check(node.right, columns)
        return
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd | ast.Not):
            raise ExpressionError(f"{_describe(node.op)} is not allowed")
        _check(node.operand, columns)
        return
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _check(value, columns)
        return
    if isinstance(node, ast.Compare):
        _check(node.left, columns)
        for op, right in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                constant_list(right)
            elif type(op) not in COMPARE:
                raise ExpressionError(f"{_describe(op)} is not allowed")
            else:
                _check(right, columns)
        return
    if isinstance(node, ast.Call):
        _check_call(node, columns)
        return
    raise ExpressionError(f"{_describe(node)} is not allowed")


def _check_call(node: ast.Call, columns: set[str]) -> None:
    if not isinstance(node.func, ast.Name) or node.func.id not in ARITY:
        name = node.func.id if isinstance(node.func, ast.Name) else _describe(node.func)
        raise ExpressionError(
            f"unknown function {name!r}; functions are: {', '.join(sorted(ARITY))}"
        )
    if node.keywords:
        raise ExpressionError(f"{node.func.id}() takes no keyword arguments")
    fewest, most = ARITY[node.func.id]
    if not fewest <= len(node.args) <= most:
        wanted = str(fewest) if fewest == most else f"{fewest} to {most}"
        raise ExpressionError(f"{node.func.id}() takes {wanted} arguments, got {len(node.args)}")
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            raise ExpressionError("*arguments are not allowed")
        _check(arg, columns)
    if node.func.id == "round" and len(node.args) == 2:
        _round_digits(node.args[1])


def _round_digits(node: ast.AST) -> None:
    """``round``'s digits: a whole number written in the expression, e.g. ``round(x, 2)``."""
    negative = isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd)
    inner = node.operand if isinstance(node, ast.UnaryOp) and negative else node
    value = inner.value if isinstance(inner, ast.Constant) else None
    if not isinstance(value, int) or isinstance(value, bool) or abs(value) > MAX_ROUND_DIGITS:
        raise ExpressionError(
            f"round()'s digits must be a whole number from -{MAX_ROUND_DIGITS} to "
            f"{MAX_ROUND_DIGITS}, e.g. round(x, 2)"
        )


def constant_list(node: ast.AST) -> list[Any]:
    """The constants of an ``in`` list (numbers may carry a minus sign)."""
    if not isinstance(node, ast.List | ast.Tuple):
        raise ExpressionError("'in' needs a list of constants, e.g. x in ['a', 'b']")
    values: list[Any] = []
    for item in node.elts:
        negative = isinstance(item, ast.UnaryOp) and isinstance(item.op, ast.USub)
        inner = item.operand if isinstance(item, ast.UnaryOp) and negative else item
        if not isinstance(inner, ast.Constant) or not isinstance(inner.value, int | float | str):
            raise ExpressionError("'in' needs a list of constants, e.g. x in ['a', 'b']")
        value = inner.value
        if negative:
            if isinstance(value, str | bool):
                raise ExpressionError("only numbers can be negative in an 'in' list")
            value = -value
        values.append(value)
    return values


def _describe(node: ast.AST) -> str:
    for kind, name in _NODE_NAMES.items():
        if isinstance(node, kind):
            return name
    return type(node).__name__
