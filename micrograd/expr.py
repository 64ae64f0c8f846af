"""Safe expressions: text such as ``tanh(x*w + b)`` turned into a micrograd graph.

The text is parsed with Python's ``ast`` (a syntax tree only) and every node is checked
against a short whitelist before anything is computed; the text is never compiled to
code, never given to ``eval``. Allowed: numbers, the names given values, ``+ - * / **``, unary ``-``
and ``+``, parentheses, and calls of the engine's functions by name (``functions()``).
The one keyword is an optional operand (``alpha=`` of ``prelu`` and ``elu``), after the operand:
``prelu(x, alpha=0.1)`` is ``prelu(x, 0.1)``; ``prelu(alpha=0.1)`` (no operand) and any
other keyword (``tanh(x=1)``) are refused. Anything else (attributes, other names,
lambda, comprehensions, subscripts, strings) is an ``ExprError`` that says what was
wrong and at which column.
"""

from __future__ import annotations

import ast
import math
import operator
import re
import unicodedata
import warnings
from typing import Callable, Collection, Mapping, NoReturn

from . import OPS, DomainError, Value, dot
from . import sum as value_sum

MAX_LENGTH = 10_000  # characters of expression text
MAX_DEPTH = 200  # nesting of operations; a long sum is better written sum(a, b, c, ...)
#: Operators that Python's parser may have to nest: those of every group (parentheses, a call)
#: around a point, up to it. Python's parser nests one C call per level, and past about
#: 1,500 levels that overflows the stack of Python in WebAssembly (Pyodide), where no Python
#: error catches it; counting first gives the same error everywhere.
MAX_PARSE_NESTING = 800

# On Values, Python's operators (Value's own); on two plain numbers, the op table's row,
# which refuses what plain floats would not: (-1) ** 0.5 (complex), 9.0 ** 1e9 (overflow).
_BINARY: dict[type, Callable] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv, ast.Pow: operator.pow,
}
_SYMBOL = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.MatMult: "@", ast.Mod: "%",
    ast.FloorDiv: "//", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&",
}
_UNARY: dict[type, Callable] = {ast.USub: lambda a: -a, ast.UAdd: lambda a: a}
# what _Text.check_nesting counts: brackets, commas, operator symbols; strings, to skip them
_NESTING_TOKENS = re.compile(r"""'(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?|[][(){},]|[-+*/%@&|^~<>=!]|\bnot\b""")

def functions() -> dict[str, str]:
    """Every function an expression may call, with how to call it: each named row of the
    op table, read at call time (a row added to the table is a function at once)."""
    usage = {}
    for name, op in OPS.items():
        if name.isidentifier() and op.arity > 0:
            required = op.operands[: op.arity - len(op.defaults)]
            optional = [f"{n}={d!r}" for n, d in zip(op.operands[len(required) :], op.defaults)]
            usage[name] = f"{name}({', '.join([*required, *optional])})"
    usage["sum"] = "sum(a, b, ...) or sum([a, b, ...])"
    usage["dot"] = "dot([w1, w2, ...], [x1, x2, ...])"
    return usage


def _arguments(name: str) -> tuple[int, int | None]:
    """How many arguments ``name`` takes: (at least, at most); None: no limit."""
    if name in ("sum", "dot"):
        return (1, None) if name == "sum" else (2, 2)
    op = OPS[name]
    return op.arity - len(op.defaults), op.arity


def _optional(name: str) -> tuple[str, ...]:
    """The operands of ``name`` that may be left out or given by keyword (prelu's alpha)."""
    op = OPS.get(name)
    return op.operands[op.arity - len(op.defaults) :] if op is not None and op.arity > 0 else ()


# What to call the constructs that are refused, for the message.
_REFUSED = {
    ast.Lambda: "lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
    ast.Subscript: "a subscript ([...])",
    ast.Starred: "unpacking (*)",
    ast.Compare: "a comparison",
    ast.BoolOp: "'and'/'or'",
    ast.IfExp: "'if ... else'",
    ast.NamedExpr: "assignment (:=)",
    ast.JoinedStr: "a string",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "a slice",
}


class ExprError(ValueError):
    """The expression is not allowed or cannot be computed; ``column`` is 1-based."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message, column)
        self.message, self.column = message, column

    def __str__(self) -> str:
        return f"column {self.column}: {self.message}"


def parse(source: str, names: Collection[str]) -> ast.Expression:
    """The checked syntax tree of ``source``, in which only ``names`` may appear as variables.

    Raises ``ExprError`` for a syntax error or anything outside the whitelist.
    """
    if type(source) is not str:
        raise TypeError(f"parse: source must be a str, got {type(source).__name__}")
    text = _Text(source)
    tree = text.parse()
    _Checker(text, frozenset(names)).check(tree.body, 1)
    return tree


def variables(source: str, names: Collection[str]) -> set[str]:
    """The names among ``names`` that ``source`` uses (an ``ExprError`` as ``parse`` gives)."""
    names = {unicodedata.normalize("NFKC", name) for name in names}
    return {node.id for node in ast.walk(parse(source, names)) if isinstance(node, ast.Name) and node.id in names}


def evaluate(source: str, values: Mapping[str, Value | float]) -> Value | float:
    """Compute ``source`` with each name bound to its Value (or number) in ``values``.

    The result is a Value whose graph reaches the Values of ``values`` (a plain float when
    the expression uses no Value). Numbers in the text are constants, as in the engine.
    An operation outside its domain (log(0), 1/0) or a result too large for a float64
    is an ``ExprError`` at the column of that operation.
    """
    for name, v in values.items():
        if not math.isfinite(v.data if type(v) is Value else v):
            raise ValueError(f"evaluate: the value of {name} is {v!r}; every value must be a finite number")
    values = {unicodedata.normalize("NFKC", name): v for name, v in values.items()}  # as Python reads names
    tree = parse(source, values.keys())
    return _Evaluator(_Text(source), values).eval(tree.body)


class _Text:
    """The expression text, and columns in it (1-based characters; ast counts bytes)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.indent = len(source) - len(source.lstrip(" \t\f"))  # ast refuses leading blanks
        self.body = source[self.indent :]

    def parse(self) -> ast.Expression:
        if len(self.source) > MAX_LENGTH:
            raise ExprError(
                f"the expression is {len(self.source)} characters long; at most {MAX_LENGTH} are allowed", MAX_LENGTH + 1
            )
        for i, ch in enumerate(self.source):
            if ch in "\r\n":
                raise ExprError("the expression must be on one line", i + 1)
            if ch == "\0":
                raise ExprError("a NUL character is not allowed in an expression", i + 1)
        if not self.body.strip():
            raise ExprError("the expression is empty", len(self.source) + 1)
        self.check_nesting()
        try:
            with warnings.catch_warnings():  # e.g. "invalid decimal literal": the error, if any, says it
                warnings.simplefilter("ignore")
                return ast.parse(self.body, mode="eval")
        except SyntaxError as e:
            reason, offset = e.msg, e.offset if e.offset and e.offset > 0 else len(self.body) + 1
            if reason.startswith("Exceeds the limit"):  # Python's guard against huge int literals
                long_number = re.search(r"\d{4301,}", self.body)
                reason, offset = "a number with more than 4300 digits", long_number.start() + 1 if long_number else 1
            raise ExprError(f"syntax error: {reason}", self.indent + min(offset, len(self.body) + 1)) from None
        except (MemoryError, RecursionError):  # Python's parser gives up on pathological nesting
            raise ExprError("the expression is nested too deeply to parse", self.indent + 1) from None

    def check_nesting(self) -> None:
        """Refuse text that Python's parser would nest more than ``MAX_PARSE_NESTING`` deep,
        by counting, without parsing: the operator symbols of the groups open at each point
        (from the last comma in each) bound how deep the syntax tree is there."""
        counts, total = [0], 0  # per open group, its operators since its last comma; their sum
        for m in _NESTING_TOKENS.finditer(self.source):
            token = m.group()
            if token in "([{":
                counts.append(1)  # a group or a call is a level itself
                total += 1
            elif token in ")]}":
                if len(counts) > 1:  # an unbalanced one is the parser's to report
                    total -= counts.pop()
            elif token == ",":
                total -= counts[-1]
                counts[-1] = 0
            elif token[0] not in "'\"":  # an operator (a string is skipped whole)
                counts[-1] += 1
                total += 1
                if total > MAX_PARSE_NESTING:
                    raise ExprError(f"the expression is nested too deeply to parse: more than {MAX_PARSE_NESTING} "
                                    "operators inside one another; write long sums as sum(a, b, ...)", m.start() + 1)

    def column(self, node: ast.AST) -> int:
        """The 1-based character column where ``node`` starts."""
        prefix = self.body.encode("utf-8")[: node.col_offset].decode("utf-8", "replace")  # type: ignore[attr-defined]
        return self.indent + len(prefix) + 1

    def operator_column(self, node: ast.BinOp) -> int:
        """The 1-based column of the operator symbol of ``node`` (ast does not record it)."""
        data = self.body.encode("utf-8")
        between = data[node.left.end_col_offset : node.right.col_offset]  # type: ignore[misc]  # ")  ** (" and the like
        at = node.left.end_col_offset + between.find(_SYMBOL[type(node.op)].encode())  # type: ignore[operator]
        return self.indent + len(data[:at].decode("utf-8", "replace")) + 1

    def snippet(self, node: ast.AST) -> str:
        """The text of ``node``, shortened to 40 characters."""
        raw = self.body.encode("utf-8")[node.col_offset : node.end_col_offset]  # type: ignore[attr-defined]
        shown = raw.decode("utf-8", "replace")
        return shown if len(shown) <= 40 else shown[:37] + "..."


class _Checker:
    """Walks the tree once and refuses anything outside the whitelist."""

    def __init__(self, text: _Text, names: frozenset[str]) -> None:
        self.text, self.names = text, names

    def fail(self, node: ast.AST, message: str) -> NoReturn:
        raise ExprError(message, self.text.column(node))

    def check(self, node: ast.AST, depth: int) -> None:
        if depth > MAX_DEPTH:
            self.fail(node, f"the expression nests more than {MAX_DEPTH} operations; write long sums as sum(a, b, ...)")
        if isinstance(node, ast.Constant):
            self.number(node)
        elif isinstance(node, ast.Name):
            self.name(node)
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                where = self.text.operator_column(node)
                raise ExprError(f"the operator {_SYMBOL[type(node.op)]!r} is not allowed; use + - * / **", where)
            self.check(node.left, depth + 1)
            self.check(node.right, depth + 1)
        elif isinstance(node, ast.UnaryOp):
            if type(node.op) not in _UNARY:
                symbol = "not" if isinstance(node.op, ast.Not) else "~"
                self.fail(node, f"the operator {symbol!r} is not allowed; use unary - or +")
            self.check(node.operand, depth + 1)
        elif isinstance(node, ast.Call):
            self.call(node, depth)
        elif isinstance(node, (ast.List, ast.Tuple)):
            self.fail(node, "a list is allowed only as an argument of sum or dot")
        elif isinstance(node, ast.Attribute):
            self.fail(node, f"attribute access (.{node.attr}) is not allowed in an expression: {self.text.snippet(node)!r}")
        else:
            what = _REFUSED.get(type(node), f"this construct ({type(node).__name__})")
            self.fail(node, f"{what} is not allowed in an expression: {self.text.snippet(node)!r}")

    def number(self, node: ast.Constant) -> None:
        value = node.value
        if type(value) is str or type(value) is bytes:
            self.fail(node, f"a string is not allowed in an expression: {self.text.snippet(node)!r}")
        if type(value) not in (int, float):  # bool, None, complex, Ellipsis
            self.fail(node, f"{self.text.snippet(node)!r} is not a real number")
        try:
            finite = math.isfinite(float(value))
        except OverflowError:
            finite = False
        if not finite:
            self.fail(node, f"the number {self.text.snippet(node)} is too large for a float64 (at most about 1.8e308)")

    def name(self, node: ast.Name) -> None:
        if node.id in self.names:
            return
        usage = functions().get(node.id)
        if usage is not None:
            self.fail(node, f"{node.id} is a function; call it: {usage}")
        bound = ", ".join(sorted(self.names)) or "none"
        self.fail(node, f"unbound name {node.id!r}; give it a value, e.g. {node.id}=1.0 (names with values: {bound})")

    def call(self, node: ast.Call, depth: int) -> None:
        if isinstance(node.func, ast.Attribute):
            self.check(node.func, depth + 1)  # refused, with the attribute's own message
        known = functions()  # read from the op table once per call
        if not isinstance(node.func, ast.Name):
            self.fail(node, f"only the functions {', '.join(known)} can be called, by name: {self.text.snippet(node)!r}")
        name = node.func.id
        if name not in known:
            self.fail(node, f"unknown function {name!r}; the functions are {', '.join(known)}")
        usage = known[name]
        args = list(node.args)
        for a in args:
            if isinstance(a, ast.Starred):
                self.fail(a, f"unpacking (*) is not allowed in a call; {usage}")
        for k in node.keywords:  # only an optional operand (alpha=) is a keyword, after the operand
            if k.arg not in _optional(name):
                shown = "**" if k.arg is None else f"{k.arg}="
                self.fail(k, f"{name} takes no keyword argument {shown}; {usage}")
            if not node.args:
                self.fail(node, f"{name} needs its operand first, then {k.arg}: call it as {usage}")
            args.append(k.value)
        n, (least, most) = len(args), _arguments(name)
        if n < least or (most is not None and n > most):
            self.fail(node, f"{name} was given {n} argument(s); call it as {usage}")
        if name == "dot" or (name == "sum" and n == 1 and isinstance(args[0], (ast.List, ast.Tuple))):
            for a in args:
                if not isinstance(a, (ast.List, ast.Tuple)):
                    self.fail(a, f"dot takes two lists: {usage}")
                for item in a.elts:
                    self.check(item, depth + 1)
            sizes = [len(a.elts) for a in args]  # type: ignore[attr-defined]
            if name == "dot" and sizes[0] != sizes[1]:
                self.fail(node, f"dot: the lists have {sizes[0]} and {sizes[1]} entries; they must have the same length")
            return
        for a in args:
            self.check(a, depth + 1)


class _Evaluator:
    """Computes a checked tree; turns the engine's errors into ExprErrors at their column."""

    def __init__(self, text: _Text, values: Mapping[str, Value | float]) -> None:
        self.text, self.values = text, values

    def eval(self, node: ast.AST) -> Value | float:
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return self.values[node.id]
        if isinstance(node, ast.BinOp):
            a, b = self.eval(node.left), self.eval(node.right)
            on_values = type(a) is Value or type(b) is Value
            return self.apply(node, _BINARY[type(node.op)] if on_values else OPS[_SYMBOL[type(node.op)]], a, b)
        if isinstance(node, ast.UnaryOp):
            return self.apply(node, _UNARY[type(node.op)], self.eval(node.operand))
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        name = node.func.id
        args = [*node.args, *(k.value for k in node.keywords)]
        if name == "dot":
            ws, xs = ([self.eval(e) for e in a.elts] for a in args)  # type: ignore[attr-defined]
            return self.apply(node, dot, ws, xs)
        if name == "sum":
            items = args[0].elts if len(args) == 1 and isinstance(args[0], (ast.List, ast.Tuple)) else args
            return self.apply(node, value_sum, [self.eval(a) for a in items])
        operands = [self.eval(a) for a in args]
        return self.apply(node, OPS[name], *operands)  # the row fills in left-out operands

    def apply(self, node: ast.AST, function: Callable, *operands: object) -> Value | float:
        try:
            out = function(*operands)
        except (ArithmeticError, ValueError) as e:  # DomainError, DivisionByZeroError, overflows
            reason = str(e)
            if not isinstance(e, DomainError) and isinstance(e, OverflowError):  # a plain float overflow
                derivative = "" if all(type(a) is float for a in operands) else " or its derivative"
                reason = f"the result{derivative} is too large for a float64 (overflow)"
            raise ExprError(f"cannot compute {self.text.snippet(node)}: {reason}", self.where(node)) from None
        data = out.data if type(out) is Value else out
        if not math.isfinite(data):
            reason = f"the result is {data!r}, too large for a float64"
            raise ExprError(f"cannot compute {self.text.snippet(node)}: {reason}", self.where(node))
        return out

    def where(self, node: ast.AST) -> int:
        return self.text.operator_column(node) if isinstance(node, ast.BinOp) else self.text.column(node)

