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

        return evaluate(self.tree, frame)

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
    return Expression(text=text, columns=frozenset(columns), tree=tree)


def _check(node: ast.AST, columns: set[str]) -> None:  # noqa: C901 - one branch per node kind
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
