"""``calculator``: arithmetic on numbers, evaluated from the expression's syntax tree (never
``eval``), with bounds that keep one expression from taking the service's time or memory."""

from __future__ import annotations

import ast
import datetime as dt
import math
import operator
from collections.abc import Callable
from typing import Any

from services.tool_runner.core.builtins.base import BuiltinSpec, json_output
from services.tool_runner.core.execution import ToolCall, ToolResult

MAX_EXPRESSION = 1000
MAX_EXPONENT = 10_000
MAX_MAGNITUDE = 10**1000

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.UAdd: operator.pos, ast.USub: operator.neg,
}
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs, "round": round, "min": min, "max": max, "sqrt": math.sqrt, "exp": math.exp,
    "log": math.log, "log10": math.log10, "log2": math.log2, "sin": math.sin, "cos": math.cos,
    "tan": math.tan, "asin": math.asin, "acos": math.acos, "atan": math.atan,
    "floor": math.floor, "ceil": math.ceil, "factorial": math.factorial, "gcd": math.gcd,
}
_CONSTANTS = {"pi": math.pi, "e": math.e, "tau": math.tau}


class CalculationError(ValueError):
    """The expression is not arithmetic this calculator does, or its value is out of bounds."""


def evaluate(expression: str) -> int | float:
    """The value of an arithmetic ``expression`` (``2 * (3 + 4) ** 2``, ``sqrt(2)``).

    Raises:
        CalculationError: Syntax other than numbers, + - * / // % **, parentheses and the
            functions and constants above; a division by zero; a value out of bounds.
    """
    if len(expression) > MAX_EXPRESSION:
        raise CalculationError(f"expression longer than {MAX_EXPRESSION} characters")
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as error:
        raise CalculationError(f"not an expression: {error.msg}") from error
    try:
        value: int | float = _value(tree.body)
    except ZeroDivisionError as error:
        raise CalculationError("division by zero") from error
    except (OverflowError, ValueError) as error:
        raise CalculationError(str(error) or type(error).__name__) from error
    return value


def _value(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_value(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _value(node.left), _value(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise CalculationError(f"exponent larger than {MAX_EXPONENT}")
        result = _BINARY[type(node.op)](left, right)
        if isinstance(result, complex):
            raise CalculationError("the result is not a real number")
        if isinstance(result, int) and abs(result) > MAX_MAGNITUDE:
            raise CalculationError("the result has more than 1000 digits")
        return result
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCTIONS and not node.keywords):
        arguments = [_value(argument) for argument in node.args]
        if node.func.id == "factorial" and arguments and abs(arguments[0]) > 1000:
            raise CalculationError("factorial of more than 1000")
        return _FUNCTIONS[node.func.id](*arguments)
    raise CalculationError(f"not allowed in an expression: {ast.unparse(node)!r}")


class Calculator:
    """The ``calculator`` built-in."""

    spec = BuiltinSpec(
        name="calculator", display_name="Calculator",
        description=("Evaluates an arithmetic expression exactly: numbers, + - * / // % **, "
                     "parentheses, functions (sqrt, log, exp, sin, cos, tan, floor, ceil, "
                     "abs, round, min, max, factorial, gcd) and constants (pi, e, tau)."),
        input_schema={"type": "object", "required": ["expression"],
                      "properties": {"expression": {"type": "string", "minLength": 1,
                                                    "maxLength": MAX_EXPRESSION}}},
        output_schema={"type": "object", "properties": {"value": {"type": "number"}}},
        timeout=dt.timedelta(seconds=5), idempotent=True)

    async def run(self, call: ToolCall) -> ToolResult:
        try:
            return json_output({"value": evaluate(call.input["expression"])})
        except CalculationError as error:
            return ToolResult.failed(str(error))
