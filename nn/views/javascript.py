"""The network's forward pass in the replay page's JavaScript, so the page draws each
snapshot's decision boundary itself from the weights (in a millisecond) instead of
``micrograd train --html`` computing 40 x 40 points per snapshot in Python.

An activation is translated from its op-table row's text (``x if nonnegative(x) else
0.0``), read with Python's ``ast`` and a whitelist: numbers, the row's operands, ``+ - * /
**``, comparisons, ``and``/``or``/``not``, ``a if c else b`` and the functions in
``FUNCTIONS``. A row that uses anything else, or a custom callable, gives None: the page
then carries the boundary computed in Python. The browser tests check each translated
row against the row's own ``forward`` on floats.
"""

from __future__ import annotations

import ast
import json
import math
from typing import Any

from micrograd import OPS

#: The functions a row's text may call, as JavaScript: Math's, or the three small helpers of
#: ``HELPERS`` (the kink convention, sigmoid written so it never overflows, the step).
FUNCTIONS = {
    "exp": "Math.exp", "expm1": "Math.expm1", "log": "Math.log", "log1p": "Math.log1p", "sqrt": "Math.sqrt",
    "tanh": "Math.tanh", "atan": "Math.atan", "abs": "Math.abs", "max": "Math.max", "power": "Math.pow",
    "nonnegative": "nonnegative", "sigmoid": "sigmoid", "step": "step", "float": "",
}
HELPERS = """
function nonnegative(v) { return !(v < 0); }
function sigmoid(v) { if (v >= 0) return 1 / (1 + Math.exp(-v)); const e = Math.exp(v); return e / (1 + e); }
function step(v) { return v !== v ? v : (nonnegative(v) ? 1 : 0); }
"""

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_COMPARE = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "===", ast.NotEq: "!=="}


class Untranslatable(Exception):
    """The row's text uses something the page's script does not have."""


def expression(node: ast.AST, names: dict[str, str]) -> str:
    """``node`` (a row's expression) as JavaScript."""
    if isinstance(node, ast.Expression):
        return expression(node.body, names)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float, bool):
        value = float(node.value)
        return "Infinity" if value == math.inf else json.dumps(value)
    if isinstance(node, ast.Name):
        if node.id in names:
            return names[node.id]
        if node.id in ("inf", "nan"):
            return "Infinity" if node.id == "inf" else "NaN"
        raise Untranslatable(node.id)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return f"({expression(node.left, names)} {_BINARY[type(node.op)]} {expression(node.right, names)})"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        return f"Math.pow({expression(node.left, names)}, {expression(node.right, names)})"
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Not)):
        sign = {ast.USub: "-", ast.UAdd: "+", ast.Not: "!"}[type(node.op)]
        return f"({sign}{expression(node.operand, names)})"
    if isinstance(node, ast.IfExp):
        return f"({expression(node.test, names)} ? {expression(node.body, names)} : {expression(node.orelse, names)})"
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        return f"({expression(node.left, names)} {_COMPARE[type(node.ops[0])]} {expression(node.comparators[0], names)})"
    if isinstance(node, ast.BoolOp):
        joiner = " && " if isinstance(node.op, ast.And) else " || "
        return "(" + joiner.join(expression(v, names) for v in node.values) + ")"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS and not node.keywords:
        return f"{FUNCTIONS[node.func.id]}({', '.join(expression(a, names) for a in node.args)})"
    raise Untranslatable(ast.dump(node)[:60])


def activation(name: Any) -> str | None:
    """The activation ``name`` as a JavaScript function ``(x, alpha) => f(x)``, from its row's
    text; None for a callable, or a row whose text uses what the page does not have."""
    if not isinstance(name, str) or name not in OPS:
        return None
    op = OPS[name]
    if op.arity < 1 or op.arity > 2 or any(f in op.functions for f in FUNCTIONS):
        return None
    names = {op.operands[0]: "x"}
    if op.arity == 2:
        names[op.operands[1]] = "alpha"
    try:
        body = expression(ast.parse(op.value, mode="eval"), names)
    except (Untranslatable, SyntaxError):
        return None
    return f"function (x, alpha) {{ return {body}; }}"


def network(history: Any) -> dict[str, Any] | None:
    """What the page's script needs to run the network from a snapshot's parameters: per
    layer the index of its function in ``functions``, and per unit the positions of its
    weights, bias and learned slope; plus each layer's default slope. None when some layer's
    activation has no translation."""
    sources, layers = [], []
    for weights, biases, alphas, f in zip(history.weight_index, history.bias_index, history.alpha_index, history.functions):
        source = activation(f)
        if source is None:
            return None
        if source not in sources:
            sources.append(source)
        op = OPS[f]
        default = float(op.defaults[0]) if op.arity == 2 and op.defaults else None
        layers.append({"f": sources.index(source), "alpha": default,
                       "units": [[w, -1 if b is None else b, -1 if a is None else a] for w, b, a in zip(weights, biases, alphas)]})
    if len(layers) != len(history.sizes):
        return None
    return {"functions": sources, "layers": layers}
