"""The op table: every operation of the engine, one row each.

A row writes the op's value and its local derivatives as Python expressions over the
operands (``a, b`` or ``x, alpha``) and ``out``, the value just computed:

    Op("*", "a * b", ("b", "a"))            # a * b;  d/da = b, d/db = a

Each rule is written once, here, as text. The row compiles it into float functions
(what ``Value`` and ``backward()`` use), ``backward(create_graph=True)`` evaluates the
same text on Values (second derivatives), and ``micrograd.compile`` pastes it into
straight-line code. Adding a row adds the op everywhere: ``micrograd.<name>``, the
command line's functions, nn's activations (``activation=True``), the random programs
of ``micrograd.testing`` and the README's table.

Conventions at kinks, chosen once (``nonnegative`` below): where the left and right
derivatives differ, x = 0 belongs to the right-hand piece. So relu'(0) = 1, abs'(0) = 1,
prelu'(0) = 1 with d/dalpha = 0, elu'(0) = 1, and step' = 0 everywhere.

Overflow and non-finite data: ``exp`` and ``**`` raise ``FloatOverflowError`` where the
exact result exceeds float64; ``+ - * /`` follow plain floats (IEEE 754: overflow gives
inf). Data may be inf or nan and propagates as with floats, except that ops with a
restricted domain (log, sqrt, **) refuse nan, which is inside no domain.
"""

from __future__ import annotations

import ast
import builtins
import functools
import keyword
import math
import numbers
import operator
import warnings
from typing import Any, Callable, Iterable

from .errors import FloatOverflowError


class Op:
    """One row of the table: an operation's value and its local derivatives, as text.

    ``value``: the result, an expression over the operand names. ``grads``: d out / d
    operand, one expression per operand, over the operands and ``out``; for an n-ary op
    (operands ``("*xs",)``) one expression giving the whole tuple. ``domain``: a condition
    the operands must meet, with ``domain_text`` saying it in words. ``defaults``: values
    for trailing operands left out (prelu's alpha). ``kinks``: points where the
    derivative jumps. ``activation``: nn accepts the name as a unit's activation.
    """

    def __init__(
        self,
        name: str,
        value: str,
        grads: tuple[str, ...] | str,
        *,
        operands: tuple[str, ...] | None = None,
        domain: str = "",
        domain_text: str = "",
        defaults: tuple[float, ...] = (),
        kinks: tuple[float, ...] = (),
        activation: bool = False,
        doc: str = "",
        functions: dict[str, Any] | None = None,
    ) -> None:
        _check_row(name, grads, operands)
        if operands is None:
            operands = ("a", "b") if len(grads) == 2 else ("x",)
        self.name, self.value, self.grads, self.operands = name, value, grads, operands
        self.domain, self.domain_text, self.defaults = domain, domain_text, defaults
        self.kinks, self.activation = kinks, activation
        self.arity = -1 if operands[0].startswith("*") else len(operands)
        self.doc = doc or self.formula()
        self.functions = _with_old_names(name, dict(functions or {}), value, grads, domain)  # more float functions for its text
        # the float functions, compiled from the text above
        on_floats = {**FLOAT_FUNCTIONS, **self.functions}
        self.forward: Callable[..., float] = self.compile(value, on_floats)
        self.local_grads: Callable[..., tuple] = self.compile(_as_tuple(grads), on_floats, out=True)
        self.check: Callable[..., bool] | None = self.compile(domain, on_floats) if domain else None
        self._on_values: Callable[..., tuple] | None = None

    def compile(self, expression: str, namespace: dict[str, Any], out: bool = False) -> Callable:
        """``lambda [out,] <operands>: <expression>``, its names looked up in ``namespace``."""
        arguments = ", ".join((["out"] if out else []) + list(self.operands))
        return eval(f"lambda {arguments}: {expression}", dict(namespace))  # a row's text is code: never build one from data

    def grads_on_values(self, apply: Callable[..., Any]) -> Callable[..., tuple]:
        """The same derivative text on Values, for ``backward(create_graph=True)``: a helper
        that is also one of the engine's rows (``exp``, ``log``, ``sigmoid``, ...) builds its
        node through ``apply`` (the engine's), the others refuse a Value. Only the helpers and
        the row's own functions are in reach: never another row. Compiled once, on first use."""
        if self._on_values is None:
            functions = {**FLOAT_FUNCTIONS, **self.functions}
            namespace = {name: _floats_only(f, name, self.name) for name, f in functions.items()}
            namespace.update({name: functools.partial(apply, OPS[name]) for name in FLOAT_FUNCTIONS
                              if name in BUILT_IN and name not in self.functions})
            self._on_values = self.compile(_as_tuple(self.grads), namespace, out=True)
        return self._on_values

    def __call__(self, *operands: Any) -> Any:
        """The row as a function (``micrograd.tanh(x)``): a Value when an operand is a
        Value, a float otherwise; trailing operands left out take the row's defaults."""
        if OPS.get(self.name) is not self:
            raise ValueError(f"{self.name}: this op is not a row of micrograd.OPS; add it with micrograd.ops.add_row(op)")
        missing = self.arity - len(operands)
        if 0 < missing <= len(self.defaults):
            operands += self.defaults[len(self.defaults) - missing :]
        if self.arity >= 0 and len(operands) != self.arity:
            raise TypeError(f"{self.name}: takes {self.arity} operand(s), got {len(operands)}")
        return self.apply(self, *operands)

    #: How a row called as a function builds its node: the engine's ``apply``, which the
    #: engine sets when it is imported (it imports this table; the table never imports it).
    apply: Callable[..., Any]

    def formula(self) -> str:
        """The row in words: ``"a * b;  d/da = b, d/db = a"``."""
        if self.arity < 0:
            return f"{self.value};  local grads {self.grads}"
        return f"{self.value};  " + ", ".join(f"d/d{x} = {g}" for x, g in zip(self.operands, self.grads))

    def __repr__(self) -> str:
        return f"<op {self.name}: {self.formula()}>"


def _check_row(name: Any, grads: Any, operands: Any) -> None:
    """A TypeError naming the row for a name or a shape the table can not use."""
    if not (isinstance(name, str) and name and name.isprintable() and not any(c.isspace() for c in name) and len(name) <= 40):
        raise TypeError(f"Op: a name is up to 40 printable characters without spaces, got {name!r:.60}")
    if isinstance(grads, str) and (operands is None or not operands[0].startswith("*")):
        raise TypeError(f"Op {name}: grads is one text only for an n-ary row (operands=('*xs',)); give a tuple, one text per operand")
    if not isinstance(grads, str) and operands is not None and len(grads) != len(operands):
        raise TypeError(f"Op {name}: {len(grads)} derivative(s) for {len(operands)} operand(s) {operands}; give one per operand")


# Functions the rows' text may call on Values as they are (they compute with Value's operators).
_ON_VALUES_AS_THEY_ARE = frozenset({"nonnegative", "power_slope", "abs", "float", "len", "mul"})


def _floats_only(f: Any, name: str, row: str) -> Any:
    """``f`` where create_graph may call it; otherwise a guard that refuses a Value: a float
    function would return a float and silently cut the graph (no second derivative)."""
    if not callable(f) or name in _ON_VALUES_AS_THEY_ARE:
        return f

    def guard(*xs: Any) -> Any:
        if not all(isinstance(x, numbers.Number) for x in xs):  # a Value
            raise TypeError(
                f"create_graph: the derivative of row {row!r} calls {name}, a float function, not a row of the op "
                f"table, so it can not be differentiated again; write it with the table's ops (or add {name} as a row)"
            )
        return f(*xs)

    return guard


#: Names the rows' text used to call differently, kept for one version: old name -> new name.
RENAMED = {"right": "nonnegative"}


def _with_old_names(row: str, functions: dict[str, Any], *texts: Any) -> dict[str, Any]:
    """``functions``, plus the functions a row's text still calls by an old name (with a
    DeprecationWarning naming the new one)."""
    names = {node.id for text in texts for t in ([text] if isinstance(text, str) else text) if t
             for node in ast.walk(ast.parse(t, mode="eval")) if isinstance(node, ast.Name)}
    for old, new in RENAMED.items():
        if old in names and old not in functions:
            warnings.warn(f"Op {row}: the row's text calls {old}(), which is now {new}(); {old} goes in version 0.5",
                          DeprecationWarning, stacklevel=4)
            functions[old] = FLOAT_FUNCTIONS[new]
    return functions


def _as_tuple(grads: tuple[str, ...] | str) -> str:
    return grads if isinstance(grads, str) else "(" + "".join(g + ", " for g in grads) + ")"


# --- the functions the rows' text may call, on floats -----------------------------------


def nonnegative(x: Any) -> bool:
    """x >= 0: the kink convention, in its one place. Every kink of the table is at 0, and
    there x = 0 belongs to the right-hand piece, so relu'(0) = 1. (``not x < 0`` rather than
    ``x >= 0``, so that nan takes the right-hand piece and passes through.)"""
    return not (x if type(x) is float else x.data) < 0


def exp(x: float) -> float:
    """e^x; a FloatOverflowError past float64 (exp(x) is finite for x <= 709.78)."""
    try:
        return math.exp(x)
    except OverflowError:
        raise FloatOverflowError("exp", f"exp({x!r})", "the result overflows float64 (exp(x) is finite for x <= 709.78)") from None


def expm1(x: float) -> float:
    """e^x - 1, exact for small x; a FloatOverflowError past float64."""
    try:
        return math.expm1(x)
    except OverflowError:
        raise FloatOverflowError("expm1", f"expm1({x!r})", "the result overflows float64 (finite for x <= 709.78)") from None


def power(a: float, b: float) -> float:
    """a ** b; a FloatOverflowError past float64."""
    try:
        return a**b
    except OverflowError:
        raise FloatOverflowError("**", f"{a!r} ** {b!r}", "the result overflows float64") from None


def power_slope(out: Any, a: Any, b: Any) -> Any:
    """d/da a^b = b a^(b-1), with its limits where that formula fails: 0 at a = 0 for b = 0
    (0^0 = 1 is flat), inf at a = 0 for 0 < b < 1; where a^(b-1) overflows though a^b does not
    (a tiny base), as b a^b / a, which is +-inf past float64. Everywhere else, b = 0 included,
    it is the formula itself, so that on Values (create_graph) the slope keeps its dependence
    on b: d/db (b a^(b-1)) = a^(b-1) (1 + b ln a). For a < 0 the sign of (-1)^(b-1) comes
    from b's parity: past 2^53 every float is even, and b - 1 rounds to an even number."""
    if float(a) == 0 and float(b) < 1:
        return 0.0 if float(b) == 0 else math.inf
    try:
        slope = b * a ** (b - 1)
    except OverflowError:
        return b * out / a  # exact in sign, and +-inf where the slope is past float64
    if float(a) < 0 and float(b) % 2 == 0 and (float(b) - 1) % 2 == 0:  # b - 1 rounded to even
        return -slope
    return slope


def sigmoid(x: float) -> float:
    """1 / (1 + e^-x), never overflowing: for x < 0 as e^x / (1 + e^x)."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def fsum(xs: Any) -> float:
    """The correctly rounded sum; with inf or nan among the terms, or an overflow on the
    way, the plain float sum (inf, -inf or nan), as ``+`` would give."""
    try:
        return math.fsum(xs)
    except (OverflowError, ValueError):
        total = 0.0
        for x in xs:
            total += x
        return total


def step(x: float) -> float:
    """0 for x < 0, 1 for x >= 0 (nan stays nan)."""
    return (1.0 if nonnegative(x) else 0.0) if x == x else x


#: The names the rows' text may use, on floats.
FLOAT_FUNCTIONS: dict[str, Any] = {
    "nonnegative": nonnegative, "exp": exp, "power": power, "power_slope": power_slope, "sigmoid": sigmoid,
    "fsum": fsum, "step": step, "log": math.log, "sqrt": math.sqrt, "tanh": math.tanh,
    "atan": math.atan, "expm1": expm1, "log1p": math.log1p, "mul": operator.mul,
    "inf": math.inf, "nan": math.nan, "abs": abs, "max": max, "float": float, "len": len,
}

#: Every op by its name: the one table Value, the command line, nn and the tests read.
OPS: dict[str, Op] = {}


def add_row(op: Op, *, replace: bool = False) -> Op:
    """Put ``op`` in the table and return it: a new name, or with ``replace=True`` a row of
    the same name that was added this way (the engine's own rows stay as they are).
    ``replace`` is for re-running a notebook cell: a node keeps its op's name, so nodes
    built before are read with the new row by ``compile`` and ``create_graph``, which
    refuse a node whose data the new row does not reproduce; build them again.

    A row's text is Python code, run as it is written, with the trust you give any code
    you import: build rows from text you wrote, never from data. Its name may not be one
    of the functions the rows' text calls, a Python builtin or keyword, or a name of the
    ``micrograd`` package (a row is ``micrograd.<name>``)."""
    if not isinstance(op, Op):
        raise TypeError(f"add_row: expected an Op, got {type(op).__name__}: {op!r:.60}")
    if op.name in OPS and not (replace and op.name not in BUILT_IN):
        why = "one of the engine's own" if op.name in BUILT_IN else "pass replace=True to put a new version in its place"
        raise ValueError(f"the op table already has a row {op.name!r} ({why})")
    taken = reserved_names().get(op.name)
    if taken is not None and op.name not in OPS:
        raise ValueError(f"a row can not be named {op.name!r}: that is {taken}; give the row another name")
    OPS[op.name] = op
    return op


def _engine_row(op: Op) -> Op:
    """One of the engine's own rows, below: in the table under its name, whatever it is."""
    OPS[op.name] = op
    return op


_RESERVED: dict[str, str] = {}


def reserve(names: Iterable[str], what: str) -> None:
    """Keep rows from taking ``names`` (the package face reserves its own attributes here)."""
    _RESERVED.update((name, what.format(name=name)) for name in names)


def reserved_names() -> dict[str, str]:
    """Every name a new row may not take, with what it is."""
    found = {name: "a Python builtin" for name in dir(builtins)}
    found.update((name, "a Python keyword") for name in keyword.kwlist)
    found.update((name, "a function the rows' text calls") for name in (*FLOAT_FUNCTIONS, *RENAMED))
    found.update(_RESERVED)
    return found


# --- the rows -----------------------------------------------------------------------------
# Arithmetic: Value's operators.
ADD = _engine_row(Op("+", "a + b", ("1.0", "1.0")))
SUB = _engine_row(Op("-", "a - b", ("1.0", "-1.0")))
MUL = _engine_row(Op("*", "a * b", ("b", "a")))
DIV = _engine_row(Op("/", "a / b", ("1.0 / b", "-out / b"), domain="b != 0", domain_text="division by zero"))
NEG = _engine_row(Op("neg", "-x", ("-1.0",)))
ABS = _engine_row(Op("abs", "abs(x)", ("1.0 if nonnegative(x) else -1.0",), kinks=(0.0,)))
POW = _engine_row(Op(
    "**", "power(a, b)", ("power_slope(out, a, b)", "out * log(a) if float(a) > 0 else (0.0 if float(a) == 0 else nan)"),
    domain="b == b and (a > 0 or (a == 0 and b >= 0) or (a < 0 and float(b).is_integer()))",
    domain_text="a ** b needs a > 0, or a = 0 with b >= 0, or a < 0 with a whole-number b (and no nan)",
    doc="a ** b;  d/da = b a^(b-1), d/db = a^b ln(a) (0 at a = 0, nan for a < 0)",
))

# exp, log, sqrt.
EXP = _engine_row(Op("exp", "exp(x)", ("out",)))
EXPM1 = _engine_row(Op("expm1", "expm1(x)", ("exp(x)",), doc="e^x - 1, exact for small x;  d/dx = e^x"))
LOG = _engine_row(Op("log", "log(x)", ("1.0 / x",), domain="x > 0", domain_text="log is defined only for x > 0"))
SQRT = _engine_row(Op(
    "sqrt", "sqrt(x)", ("0.5 / out if float(out) != 0 else inf",),
    domain="x >= 0", domain_text="sqrt is defined only for x >= 0",
))

# Activation functions (theory §2). The derivatives avoid cancellation in the tails, where
# 1 - tanh(x)^2 and f(x) (1 - f(x)) would subtract two numbers that both round to 1.
IDENTITY = _engine_row(Op("identity", "x", ("1.0",), activation=True))
STEP = _engine_row(Op("step", "step(x)", ("0.0",), kinks=(0.0,), activation=True))
SIGMOID = _engine_row(Op(
    "sigmoid", "sigmoid(x)", ("out * sigmoid(-x)",), activation=True,
    doc="1 / (1 + e^-x);  d/dx = f(x) (1 - f(x)) = f(x) f(-x)",
))
TANH = _engine_row(Op(
    "tanh", "tanh(x)", ("1.0 - out * out if abs(float(x)) < 1.0 else 4.0 * exp(-2.0 * abs(x)) / (1.0 + exp(-2.0 * abs(x))) ** 2",),
    activation=True, doc="tanh x;  d/dx = 1 - tanh(x)^2 (in the tails as 4e^(-2|x|) / (1 + e^(-2|x|))^2)",
))
ARCTAN = _engine_row(Op("arctan", "atan(x)", ("1.0 / (1.0 + x * x)",), activation=True))
RELU = _engine_row(Op("relu", "x if nonnegative(x) else 0.0", ("1.0 if nonnegative(x) else 0.0",), kinks=(0.0,), activation=True))
PRELU = _engine_row(Op(
    "prelu", "x if nonnegative(x) else alpha * x", ("1.0 if nonnegative(x) else alpha", "0.0 if nonnegative(x) else x"),
    operands=("x", "alpha"), defaults=(0.25,), kinks=(0.0,), activation=True,
))
ELU = _engine_row(Op(
    "elu", "x if nonnegative(x) else alpha * expm1(x)", ("1.0 if nonnegative(x) else alpha * exp(x)", "0.0 if nonnegative(x) else expm1(x)"),
    operands=("x", "alpha"), defaults=(1.0,), kinks=(0.0,), activation=True,
))
SOFTPLUS = _engine_row(Op(
    "softplus", "max(x, 0.0) + log1p(exp(-abs(x)))", ("sigmoid(x)",), activation=True,
    doc="ln(1 + e^x);  d/dx = 1 / (1 + e^-x)",
))

# n-ary: one node for a whole sum (correctly rounded), and for sum_i w_i x_i.
SUM = _engine_row(Op("sum", "fsum(xs)", "(1.0,) * len(xs)", operands=("*xs",), doc="x_1 + ... + x_n;  d/dx_i = 1"))
DOT = _engine_row(Op(
    "dot", "fsum(map(mul, xs[: len(xs) // 2], xs[len(xs) // 2 :]))", "xs[len(xs) // 2 :] + xs[: len(xs) // 2]",
    operands=("*xs",), domain="len(xs) % 2 == 0", domain_text="dot takes w_1 .. w_n, then x_1 .. x_n: an even count", doc="w_1 x_1 + ... + w_n x_n (xs = w..., x...);  d/dw_i = x_i, d/dx_i = w_i",
))

#: The default slope alpha of prelu and elu (as in PyTorch), from their rows.
DEFAULT_ALPHA = {op.name: op.defaults[0] for op in (PRELU, ELU)}


def row_of(v: Any) -> Op:
    """The row that made the node ``v``, found by its op's name. A row added by a user may
    have been replaced since (``add_row(replace=True)``): a node the row no longer
    reproduces is refused rather than read with another rule."""
    if not v.op:
        raise ValueError(f"{v!r} was built by hand (Value(..., parents=...)), not by an op of the table: "
                         "compile and create_graph need its row; build it with an op")
    op = OPS[v.op]
    if op.name not in BUILT_IN:
        datas = [x if type(x) is float else x.data for x in v.operands]
        try:
            same = op.forward(*datas) == v.data or v.data != v.data
        except (ArithmeticError, ValueError):
            same = False
        if not same:
            raise ValueError(f"a node of {v.op!r} was built by an earlier row of that name (replaced since); build it again")
    return op

#: The names of the engine's own rows, which ``add_row`` never replaces.
BUILT_IN = frozenset(OPS)


def sum(values: Iterable[Any]) -> Any:  # noqa: A001 - micrograd.sum is one n-ary node
    """One node for x_1 + ... + x_n (correctly rounded); every local gradient is 1."""
    return SUM(*values)


def dot(ws: Iterable[Any], xs: Iterable[Any]) -> Any:
    """One node for sum_i w_i x_i; the local gradient is x_i for w_i and w_i for x_i."""
    ws, xs = tuple(ws), tuple(xs)
    if len(ws) != len(xs):
        raise ValueError(f"dot: ws has {len(ws)} entries but xs has {len(xs)}; they must have the same length")
    return DOT(*ws, *xs)


def markdown_table() -> str:
    """The table as Markdown, one line per row: what the README shows (a test keeps them equal)."""
    lines = ["| op | value | local derivatives | domain | kinks | nn activation |", "|---|---|---|---|---|---|"]
    for op in OPS.values():
        if op.arity < 0:
            grads = f"`{op.grads}` (from `xs`)"
        else:
            grads = ", ".join(f"d/d{x} = `{g}`" for x, g in zip(op.operands, op.grads))
        cells = [f"`{op.name}`", f"`{op.value}`", grads, f"`{op.domain}`" if op.domain else "",
                 ", ".join(map(str, op.kinks)), "yes" if op.activation else ""]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)
