"""Every operation of the engine, one row each: its forward and its local derivatives.

A row is ``Op(name, arity, forward, derivative, doc, ...)``. ``derivative(out, *xs)``
returns d out / d x_i for each operand, written with arithmetic and the ops of this
table only, so the one rule serves ``backward()`` (on floats) and
``backward(create_graph=True)`` (on Values). Adding an op is adding a row here.

Conventions at kinks, chosen once: where the left and right derivatives differ, the
point belongs to the right-hand piece, x >= 0 (``_right`` below). So relu'(0) = 1
(facts §2), abs'(0) = 1, prelu'(0) = 1 with d/dalpha = 0, elu'(0) = 1, and step'(x) = 0
everywhere (the step is flat on both sides; at its jump it has no derivative at all).

Overflow and non-finite data: ``exp`` and ``**`` raise ``FloatOverflowError`` where the
exact result exceeds float64; ``+ - * /`` follow plain floats (IEEE 754: overflow gives
inf). Data may be inf or nan and propagates as with floats, except that ops with a
restricted domain (log, sqrt, **) refuse nan, which is not inside any domain.
"""

from __future__ import annotations

import builtins
import math
import operator
from typing import Iterable

from .engine import Op, Value, as_float, binary, nary, unary
from .errors import DomainError, FloatOverflowError


def _right(x: Value | float) -> bool:
    """The kink convention, in its one place: x = 0 belongs to the right-hand piece.
    (Written as "not below 0" so that nan takes the right-hand piece and passes through.)"""
    return not (x.data if type(x) is Value else x) < 0


def _data(x: Value | float) -> float:
    return x.data if type(x) is Value else x


# --- arithmetic ------------------------------------------------------------

ADD = Op("+", 2, operator.add, lambda out, a, b: (1.0, 1.0), "a + b;  d/da = 1, d/db = 1")
SUB = Op("-", 2, operator.sub, lambda out, a, b: (1.0, -1.0), "a - b;  d/da = 1, d/db = -1")
MUL = Op("*", 2, operator.mul, lambda out, a, b: (b, a), "a * b;  d/da = b, d/db = a")
DIV = Op(
    "/", 2, operator.truediv, lambda out, a, b: (1.0 / b, -out / b),
    "a / b;  d/da = 1/b, d/db = -a/b^2 = -(a/b)/b",
    domain=lambda a, b: b != 0, domain_text="division by zero",
)
NEG = Op("neg", 1, operator.neg, lambda out, x: (-1.0,), "-x;  d/dx = -1")
ABS = Op("abs", 1, abs, lambda out, x: (1.0 if _right(x) else -1.0,), "|x|;  d/dx = sign(x), 1 at 0", kinks=(0.0,))


def _pow(a: float, b: float) -> float:
    try:
        return a**b
    except OverflowError:
        raise FloatOverflowError("**", f"{a!r} ** {b!r}", "the result overflows float64") from None


def _pow_derivative(out, a, b):
    # d/da a^b = b a^(b-1): at a = 0 it is 0 for b > 1, 1 for b = 1, inf for 0 < b < 1, and
    # 0 for b = 0 (a^0 = 1 is flat). d/db a^b = a^b ln a, defined only for a > 0.
    if _data(a) == 0 and _data(b) < 1:
        d_a = 0.0 if _data(b) == 0 else math.inf
    else:
        try:
            d_a = b * a ** (b - 1)
        except OverflowError:  # the slope is past float64 though the value is not (0.5 ** -1023)
            odd = _data(a) < 0 and (_data(b) - 1) % 2 == 1
            d_a = -math.inf if (_data(b) < 0) != odd else math.inf
    # (on floats math.log directly: with a constant exponent this entry is dropped, so keep it cheap)
    d_b = (out * (LOG(a) if type(a) is Value else math.log(a))) if _data(a) > 0 else None  # None: no derivative; __pow__ refuses a Value exponent there
    return (d_a, d_b)


POW = Op(
    "**", 2, _pow, _pow_derivative,
    "a ** b;  d/da = b a^(b-1), d/db = a^b ln(a) (needs a > 0)",
    domain=lambda a, b: (a > 0) or (a == 0 and b >= 0) or (a < 0 and float(b).is_integer()),
    domain_text="a ** b needs a > 0, or a = 0 with b >= 0, or a < 0 with a whole-number b",
)


# --- exp, log, sqrt ------------------------------------------------------------


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        raise FloatOverflowError("exp", f"exp({x!r})", "the result overflows float64 (exp(x) is finite for x <= 709.78)") from None


EXP = Op("exp", 1, _exp, lambda out, x: (out,), "e^x;  d/dx = e^x")
LOG = Op(
    "log", 1, math.log, lambda out, x: (1.0 / x,), "ln x;  d/dx = 1/x",
    domain=lambda x: x > 0, domain_text="log is defined only for x > 0",
)
SQRT = Op(
    "sqrt", 1, math.sqrt, lambda out, x: (0.5 / out if _data(out) != 0 else math.inf,),
    "sqrt(x);  d/dx = 1 / (2 sqrt(x)), inf at 0",
    domain=lambda x: x >= 0, domain_text="sqrt is defined only for x >= 0",
)


# --- activation functions (facts §2) ---------------------------------------------


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # never overflows for x < 0
    return e / (1.0 + e)


IDENTITY = Op("identity", 1, lambda x: x, lambda out, x: (1.0,), "x;  d/dx = 1")
STEP = Op("step", 1, lambda x: (1.0 if _right(x) else 0.0) if x == x else x, lambda out, x: (0.0,), "0 for x < 0, 1 for x >= 0;  d/dx = 0", kinks=(0.0,))
SIGMOID = Op("sigmoid", 1, _sigmoid, lambda out, x: (out * (1.0 - out),), "1 / (1 + e^-x);  d/dx = f(x) (1 - f(x))")
TANH = Op("tanh", 1, math.tanh, lambda out, x: (1.0 - out * out,), "tanh x;  d/dx = 1 - tanh(x)^2")
ARCTAN = Op("arctan", 1, math.atan, lambda out, x: (1.0 / (1.0 + x * x),), "atan x;  d/dx = 1 / (x^2 + 1)")
RELU = Op("relu", 1, lambda x: x if _right(x) else 0.0, lambda out, x: (1.0 if _right(x) else 0.0,), "max(0, x);  d/dx = 0 for x < 0, 1 for x >= 0", kinks=(0.0,))
PRELU = Op(
    "prelu", 2, lambda x, alpha: x if _right(x) else alpha * x,
    lambda out, x, alpha: (1.0, 0.0) if _right(x) else (alpha, x),
    "alpha x for x < 0, x for x >= 0;  d/dx = alpha or 1, d/dalpha = x or 0", kinks=(0.0,),
)
ELU = Op(
    "elu", 2, lambda x, alpha: x if _right(x) else alpha * math.expm1(x),
    lambda out, x, alpha: (1.0, 0.0) if _right(x) else (out + alpha, EXP(x) - 1.0),
    "alpha (e^x - 1) for x < 0, x for x >= 0;  d/dx = f(x) + alpha or 1, d/dalpha = e^x - 1 or 0", kinks=(0.0,),
)
SOFTPLUS = Op(
    "softplus", 1, lambda x: max(x, 0.0) + math.log1p(math.exp(-abs(x))),
    lambda out, x: (SIGMOID(x),), "ln(1 + e^x);  d/dx = 1 / (1 + e^-x)",
)


# --- n-ary: one node for a whole sum -------------------------------------------------


def _halves(wx: tuple) -> tuple:  # (w1..wn, x1..xn) -> (x1..xn, w1..wn)
    n = len(wx) // 2
    return wx[n:] + wx[:n]


def _fsum(xs) -> float:
    """The correctly rounded sum; with inf or nan among the terms, or an overflow on the
    way, the plain float sum instead (IEEE 754: inf, -inf or nan), as ``+`` would give."""
    try:
        return math.fsum(xs)
    except (OverflowError, ValueError):
        return builtins.sum(xs, 0.0)


SUM = Op("sum", -1, lambda *xs: _fsum(xs), lambda out, *xs: (1.0,) * len(xs), "x_1 + ... + x_n;  d/dx_i = 1")
DOT = Op(
    "dot", -1, lambda *wx: _fsum(list(map(operator.mul, wx[: len(wx) // 2], wx[len(wx) // 2 :]))),
    lambda out, *wx: _halves(wx), "w_1 x_1 + ... + w_n x_n;  d/dw_i = x_i, d/dx_i = w_i",
)

#: Every op by its name: the table that ``micrograd.testing`` and the command line read.
OPS: dict[str, Op] = {
    op.name: op
    for op in (ADD, SUB, MUL, DIV, NEG, ABS, POW, EXP, LOG, SQRT, IDENTITY, STEP, SIGMOID, TANH, ARCTAN, RELU, PRELU, ELU, SOFTPLUS, SUM, DOT)
}


def sum(values: Iterable[Value | float]) -> Value | float:  # noqa: A001 - micrograd.sum, as the issue names it
    """One node for x_1 + ... + x_n (correctly rounded); every local gradient is 1."""
    return nary(SUM, tuple(values))


def dot(ws: Iterable[Value | float], xs: Iterable[Value | float]) -> Value | float:
    """One node for sum_i w_i x_i; the local gradient is x_i for w_i and w_i for x_i."""
    ws, xs = tuple(ws), tuple(xs)
    if len(ws) != len(xs):
        raise ValueError(f"dot: ws has {len(ws)} entries but xs has {len(xs)}; they must have the same length")
    return nary(DOT, ws + xs)


def power(base: Value | float, exponent: Value | float) -> Value | float:
    """base ** exponent. A Value exponent needs a positive base: d/db a^b = a^b ln a."""
    if type(exponent) is Value:
        b = base.data if type(base) is Value else as_float(base, "**")
        if not b > 0:
            label = base.label if type(base) is Value else ""
            raise DomainError("**", f"{b!r} ** {exponent.data!r}", "a Value exponent needs a base > 0 (d/db a^b = a^b ln a)", label)
    try:
        return binary(POW, base, exponent)
    except FloatOverflowError as e:  # say which Values it was
        e.label = ", ".join(v.label for v in (base, exponent) if type(v) is Value and v.label)
        raise


# --- Value's Python operators and named methods, each one line over the table ------

Value.__add__ = lambda self, other: binary(ADD, self, other)  # type: ignore[assignment]
Value.__radd__ = lambda self, other: binary(ADD, other, self)  # type: ignore[assignment]
Value.__sub__ = lambda self, other: binary(SUB, self, other)  # type: ignore[assignment]
Value.__rsub__ = lambda self, other: binary(SUB, other, self)  # type: ignore[assignment]
Value.__mul__ = lambda self, other: binary(MUL, self, other)  # type: ignore[assignment]
Value.__rmul__ = lambda self, other: binary(MUL, other, self)  # type: ignore[assignment]
Value.__truediv__ = lambda self, other: binary(DIV, self, other)  # type: ignore[assignment]
Value.__rtruediv__ = lambda self, other: binary(DIV, other, self)  # type: ignore[assignment]
Value.__pow__ = lambda self, other: power(self, other)  # type: ignore[assignment]
Value.__rpow__ = lambda self, other: power(other, self)  # type: ignore[assignment]
Value.__neg__ = lambda self: unary(NEG, self)  # type: ignore[assignment]
Value.__pos__ = lambda self: self  # type: ignore[assignment]
Value.__abs__ = lambda self: unary(ABS, self)  # type: ignore[assignment]


#: The default slope alpha of prelu and elu, as in PyTorch.
DEFAULT_ALPHA = {"prelu": 0.25, "elu": 1.0}


def _method(op: Op):
    if op.arity == 1:
        def method(self: Value) -> Value:
            return unary(op, self)  # type: ignore[return-value]
    else:  # prelu, elu: the second operand is alpha
        def method(self: Value, alpha: Value | float = DEFAULT_ALPHA[op.name]) -> Value:
            return binary(op, self, alpha)  # type: ignore[return-value]
    method.__name__ = method.__qualname__ = op.name
    method.__doc__ = op.doc
    return method


for _op in (EXP, LOG, SQRT, IDENTITY, STEP, SIGMOID, TANH, ARCTAN, RELU, PRELU, ELU, SOFTPLUS):
    setattr(Value, _op.name, _method(_op))
