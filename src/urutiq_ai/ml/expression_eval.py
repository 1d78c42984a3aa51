"""Evaluating a checked expression tree on a DataFrame (see :mod:`urutiq_ai.ml.expressions`)."""

import ast
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd  # no stubs in the environment

from urutiq_ai.ml.expressions import (
    BINARY,
    COMPARE,
    CONSTANT_NAMES,
    EvaluationError,
    constant_list,
)

# What pandas, numpy and pyarrow raise on values an operation does not take: a checked tree
# fails on data only in these ways (pyarrow's errors derive from them too).
_TYPE_ERRORS = (TypeError, NotImplementedError)
_VALUE_ERRORS = (ArithmeticError, ValueError, LookupError)


def evaluate(tree: ast.Expression, frame: pd.DataFrame) -> pd.Series:
    """The value of a tree checked by ``parse`` for every row of ``frame``; raises
    :class:`EvaluationError` with the reason when the values do not allow it."""
    value = _evaluate(tree.body, frame)
    if not isinstance(value, pd.Series):
        value = pd.Series([value] * len(frame), index=frame.index)
    return value


def _evaluate(node: ast.AST, frame: pd.DataFrame) -> Any:
    try:
        with np.errstate(all="ignore"):  # inf and NaN are values here, not errors
            return _Evaluator(frame).visit(node)
    except EvaluationError:
        raise
    except _TYPE_ERRORS as exc:
        raise EvaluationError(_reason(exc), type_mismatch=True) from exc
    except _VALUE_ERRORS as exc:
        raise EvaluationError(_reason(exc)) from exc


def _reason(exc: Exception) -> str:
    return str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__


def check_constants(parts: list[ast.expr]) -> None:
    """Evaluate the parts of an expression that read no column (``1 / 0``, ``'a' + 1``) on
    one empty row: what fails there fails on every row, so ``parse`` refuses it."""
    frame = pd.DataFrame(index=pd.RangeIndex(1))
    for part in parts:
        try:
            _evaluate(part, frame)
        except EvaluationError as exc:
            raise EvaluationError(f"cannot evaluate {ast.unparse(part)!r}: {exc}") from exc


def _datetimes(value: Any) -> pd.Series:
    return pd.to_datetime(value, errors="coerce", utc=True, format="mixed")


def _text(value: Any) -> Any:
    return value.astype("string") if isinstance(value, pd.Series) else value


def _round(value: Any, digits: int = 0) -> Any:
    """``parse`` allows only a whole number of digits, written in the expression."""
    return value.round(digits) if isinstance(value, pd.Series) else round(value, digits)


def _coalesce(*values: Any) -> Any:
    result = values[0]
    for value in values[1:]:
        result = result.fillna(value) if isinstance(result, pd.Series) else value
    return result


def _is_null(value: Any) -> Any:
    return value.isna() if isinstance(value, pd.Series) else value is None


def _days_between(start: Any, end: Any) -> Any:
    return (_datetimes(end) - _datetimes(start)).dt.days


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": lambda x: x.abs() if isinstance(x, pd.Series) else abs(x),
    "round": _round,
    "lower": lambda x: _text(x).str.lower(),
    "upper": lambda x: _text(x).str.upper(),
    "length": lambda x: _text(x).str.len(),
    "is_null": _is_null,
    "not_null": lambda x: ~_is_null(x) if isinstance(x, pd.Series) else x is not None,
    "coalesce": _coalesce,
    "year": lambda x: _datetimes(x).dt.year,
    "month": lambda x: _datetimes(x).dt.month,
    "day": lambda x: _datetimes(x).dt.day,
    "weekday": lambda x: _datetimes(x).dt.day_of_week,
    "hour": lambda x: _datetimes(x).dt.hour,
    "days_between": _days_between,
}


class _Evaluator:
    """Evaluates a checked tree on a frame; every node it meets was allowed by :func:`_check`."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def visit(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Name):
            if node.id in CONSTANT_NAMES:
                return CONSTANT_NAMES[node.id]
            return self.frame[node.id]
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.BinOp):
            left, right = self.visit(node.left), self.visit(node.right)
            if not isinstance(node.op, ast.Add) and (_is_text(left) or _is_text(right)):
                raise EvaluationError(
                    "text can only be joined with +, not used in arithmetic", type_mismatch=True
                )
            return BINARY[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp):
            operand = self.visit(node.operand)
            if isinstance(node.op, ast.Not):
                return ~as_bool(operand) if isinstance(operand, pd.Series) else not operand
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BoolOp):
            values = [as_bool(self.visit(value)) for value in node.values]
            combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            result = values[0]
            for value in values[1:]:
                result = combine(result, value)
            return result
        if isinstance(node, ast.Compare):
            return self._compare(node)
        assert isinstance(node, ast.Call)
        assert isinstance(node.func, ast.Name)
        args = [self.visit(arg) for arg in node.args]
        # functions work on columns: a constant argument becomes one (round's digits stay)
        if node.func.id == "round":
            args[0] = self._column(args[0])
        elif node.func.id != "coalesce":  # coalesce takes constants as fallbacks
            args = [self._column(arg) for arg in args]
        elif not isinstance(args[0], pd.Series):
            args[0] = self._column(args[0])
        return FUNCTIONS[node.func.id](*args)

    def _column(self, value: Any) -> Any:
        if isinstance(value, pd.Series):
            return value
        return pd.Series([value] * len(self.frame), index=self.frame.index, dtype=object)

    def _compare(self, node: ast.Compare) -> Any:
        result: Any = True
        left = self.visit(node.left)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                values = constant_list(right_node)
                if isinstance(left, pd.Series):
                    inside = left.isin(values)
                    part = (~inside & left.notna()) if isinstance(op, ast.NotIn) else inside
                else:
                    inside = left in values
                    part = (
                        (not inside and left is not None) if isinstance(op, ast.NotIn) else inside
                    )
                right = left
            else:
                right = self.visit(right_node)
                part = _null_aware(COMPARE[type(op)], left, right)
            result = np.logical_and(result, as_bool(part))
            left = right
        return result


def _null_aware(compare: Callable[[Any, Any], Any], left: Any, right: Any) -> Any:
    """Comparisons where either side is missing are false (also for ``!=``)."""
    if left is None or right is None:
        return False
    result = compare(left, right)
    if isinstance(result, pd.Series):
        missing = (left.isna() if isinstance(left, pd.Series) else False) | (
            right.isna() if isinstance(right, pd.Series) else False
        )
        result = as_bool(result) & ~missing
    return result


def as_bool(value: Any) -> Any:
    """A condition's truth per row: missing values are false."""
    if isinstance(value, pd.Series):
        if value.dtype == bool:
            return value
        present = value.notna().to_numpy(dtype=bool)
        truth = np.zeros(len(value), dtype=bool)
        truth[present] = value[present].astype(bool).to_numpy()
        return pd.Series(truth, index=value.index)
    return bool(value)


def _is_text(value: Any) -> bool:
    """A string, or a column holding strings (arithmetic on text could build huge values)."""
    if isinstance(value, str):
        return True
    if not isinstance(value, pd.Series):
        return False
    if isinstance(value.dtype, pd.StringDtype):
        return True
    return value.dtype == object and bool(value.map(lambda v: isinstance(v, str)).any())
