"""backward_steps: the backward pass one node at a time, with every contribution

    parent.grad += local_grad * node.grad        (dL/dp += dv/dp * dL/dv)

written down as it is made, in the order ``backward()`` uses (``backward_order``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .. import Value
from ..engine import backpropagate, backward_order
from .formatting import DEFAULT_FORMAT, number

NAME_WIDTH = 40  # characters of a name shown in a picture or a caption; longer ones end in "…"


# How tightly each operator binds, for parentheses in ``describe``; function-style ops bind tightest.
_INFIX = {"+": 1, "-": 1, "*": 2, "/": 2, "**": 4}
_NEG = 3
_ATOM = 5


def describe(v: Value, width: int = NAME_WIDTH) -> str:
    """A Value's name for the reader, the same in pictures and captions: its label (on
    one line, cut to ``width`` characters with "…"), else the expression that made it
    from labelled Values (``"x*w + b"``), or ``"(* result)"`` past ``width`` characters."""
    name = shown(v.label, width)
    if name:
        return name
    for depth in (4, 3, 2):
        text = _expression(v, depth)[0]
        if len(text) <= width and "..." not in text:
            return text
    return f"({v.op} result)" if v.op else format(v.data, "g")


def shown(text: str, width: int = NAME_WIDTH) -> str:
    """``text`` on one line (any run of whitespace or control characters becomes one
    space), cut to ``width`` characters ending in "…" when longer."""
    line = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return line if len(line) <= width else line[: width - 1] + "…"


def _operands(v: Value) -> tuple[Value | float, ...]:
    """Every operand, constants included where the Value records them; else its parents."""
    return getattr(v, "operands", v.parents)


def _expression(x: Value | float, depth: int) -> tuple[str, int]:
    """(text, binding strength) of the expression for x, at most ``depth`` ops deep."""
    if type(x) is not Value:
        return format(x, "g"), _ATOM
    if x.label or x.is_leaf():
        return shown(x.label) or format(x.data, "g"), _ATOM
    operands = _operands(x)
    if depth == 0 or len(operands) > 4:  # too long to read anyway; keeps the walk small
        return "...", _ATOM
    args = [_expression(o, depth - 1) for o in operands]
    op = x.op
    if op in _INFIX and len(args) == 2:
        strength = _INFIX[op]
        (a, sa), (b, sb) = args
        right_assoc = op == "**"
        a = a if sa > strength or (sa == strength and not right_assoc) else f"({a})"
        b = b if sb > strength or (sb == strength and right_assoc) else f"({b})"
        sep = f" {op} " if strength == 1 else op
        return f"{a}{sep}{b}", strength
    if op == "neg":
        a, sa = args[0]
        return "-" + (a if sa > _NEG else f"({a})"), _NEG
    return f"{op}({', '.join(a for a, _ in args)})", _ATOM


def _named(v: Value) -> str:
    """``x`` for a labelled Value, ``(x*w)`` for an expression, ready for ``.grad``."""
    name = describe(v)
    return name if v.label or name == f"({v.op} result)" else f"({name})"


@dataclass(frozen=True)
class Contribution:
    """One application of the chain rule along one edge:
    ``parent.grad`` went from ``before`` to ``after = before + local_grad * grad``."""

    parent: Value
    local_grad: float  # d node / d parent, recorded when the node was made
    grad: float  # dL/d node, final
    amount: float  # local_grad * grad
    before: float
    after: float

    def describe(self, fmt: str = DEFAULT_FORMAT) -> str:
        """``w.grad += 0.5 * 1 = 0.5  (0 -> 0.5)``."""
        f = lambda x: number(x, fmt)  # noqa: E731
        return (
            f"{_named(self.parent)}.grad += {f(self.local_grad)} * {f(self.grad)} = {f(self.amount)}"
            f"  ({f(self.before)} -> {f(self.after)})"
        )


@dataclass(frozen=True)
class Step:
    """The state right after one step of the backward pass.

    ``node`` is ``order[index]``: its gradient ``grad`` has just become final (every
    Value that uses it came earlier in ``order``), and ``contributions`` are what it
    passed on to its parents, in parent order. ``order`` is ``backward_order(root)``:
    ``order[:index]`` are final already, ``order[index + 1:]`` are still pending.
    """

    index: int
    node: Value
    grad: float
    contributions: tuple[Contribution, ...]
    order: tuple[Value, ...]

    @property
    def root(self) -> Value:
        return self.order[0]

    def headline(self, fmt: str = DEFAULT_FORMAT, counter: bool = True) -> str:
        """``step 2 of 6: dL/d(x*w) = 0.42 is final`` (without ``step 2 of 6: ``
        when ``counter`` is False, for a page that counts the steps itself)."""
        what = f"dL/d({describe(self.node)}) = {number(self.grad, fmt)} is final"
        return f"step {self.index + 1} of {len(self.order)}: {what}" if counter else what

    def describe(self, fmt: str = DEFAULT_FORMAT, counter: bool = True) -> str:
        """The headline, then one line per contribution (or why there is none)."""
        lines = [self.headline(fmt, counter)]
        lines += ["  " + c.describe(fmt) for c in self.contributions]
        if not self.contributions:
            lines.append("  a leaf: nothing further to pass on")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()


def backward_steps(root: Value) -> Iterator[Step]:
    """``root.backward()``, one node per ``next()``: yields a ``Step`` after each node
    has passed its gradient on, ``p.grad += local_grad * node.grad`` for every parent p.

    Same semantics as ``backward()``, made on the first ``next()``: gradients of
    non-leaf Values start afresh at 0, the root's is set to 1 (a leaf root: += 1), and
    leaf gradients accumulate across calls. Exhausted, every gradient equals what
    ``backward()`` gives, to the last bit. Draw a step before asking for the next
    one: the Values carry the gradients of that moment.
    """
    if type(root) is not Value:
        raise TypeError(f"backward_steps: root must be a Value, got {type(root).__name__}: {root!r:.60}")
    return _steps(root)


def _steps(root: Value) -> Iterator[Step]:
    """The engine's own walk (``backpropagate``), one Step per node once its edges are done."""
    order = tuple(backward_order(root))
    pending = None
    for index, v in enumerate(backpropagate(root)):  # pauses at v, before v's edges
        if pending is not None:
            yield _step(*pending, order)
        pending = (index, v, v.grad, {id(p): p.grad for p in v.parents})
    if pending is not None:
        yield _step(*pending, order)


def _step(index: int, v: Value, g: float, before: dict[int, float], order: tuple[Value, ...]) -> Step:
    """The Step of node v: each edge's ``p.grad += local * g``, replayed on the grads before."""
    made = []
    for p, local in zip(v.parents, v.local_grads):
        amount = local * g
        made.append(Contribution(p, local, g, amount, before[id(p)], before[id(p)] + amount))
        before[id(p)] += amount
    return Step(index, v, g, tuple(made), order)
