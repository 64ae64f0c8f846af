"""backward_steps: the backward pass one node at a time, with every contribution

    parent.grad += local_grad * node.grad        (dL/dp += dv/dp * dL/dv)

written down as it is made, in the order ``backward()`` uses (``backward_order``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterator

from .. import Value
from ..engine import backpropagate, backward_order
from ..ops import OPS
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


# --- the local derivative's rule, as the op table's row writes it ----------------------------

RULE_WIDTH = 60  # characters of a rule in a caption; past this, names in it are shortened


def rule(v: Value, k: int) -> str:
    """d v / d (v's k-th parent) as the row of ``v.op`` writes it (``Op.doc``), in this
    graph's names: for ``x*w``, parent 0, ``"w"``; for ``tanh(u)``, ``"1 - tanh(u)^2"``.
    "" where the rule is a plain number (the number says it all) or ``v`` has no row."""
    op = OPS.get(v.op) if v.op else None
    if op is None or ";" not in op.doc:
        return ""
    derivatives = op.doc.split(";", 1)[1]
    operands = _operands(v)
    positions = [i for i, o in enumerate(operands) if type(o) is Value]
    if k >= len(positions):
        return ""
    at = positions[k]
    for width in (NAME_WIDTH, 12):
        def name(x: Value | float) -> str:
            return number(x) if type(x) is not Value else describe(x, width)

        if op.arity < 0:
            text = _nary_rule(derivatives, len(operands), lambda j: name(operands[j]), at)  # names only what it shows
        else:
            names = dict(zip(op.operands, map(name, operands)))
            names["out"] = name(v)
            text = _written(_rule_text(derivatives, op.operands[at]), names, op.name)
        if len(text) <= RULE_WIDTH:
            break
    if not text or _is_number(text):
        return ""
    return text


def _rule_text(derivatives: str, operand: str) -> str:
    """The text after ``d/d<operand> = `` in a row's doc, up to the next ``, d/d``; its first
    form where it gives several (``f(x) (1 - f(x)) = f(x) f(-x)``), without a closing
    remark in words (``(in the tails as ...)``)."""
    found = re.search(rf"d/d{re.escape(operand)} = (.*?)(?:, d/d|$)", derivatives)
    if not found:
        return ""
    text = found.group(1).split(" = ")[0].strip()
    if text.endswith(")"):
        depth, start = 0, 0
        for i in range(len(text) - 1, -1, -1):  # the "(" that the last ")" closes
            depth += {")": 1, "(": -1}.get(text[i], 0)
            if depth == 0:
                start = i
                break
        if start > 0 and text[start - 1] == " " and re.match(r"\(\s*[A-Za-z]{2,}\s", text[start:]):
            text = text[: start - 1].rstrip()
    return text


def _written(text: str, names: dict[str, str], op_name: str) -> str:
    """``text`` with each operand's name (and ``out``) replaced by the graph's (in
    parentheses where it is an expression inside a bigger one), ``f(`` by the op's name."""
    def swap(m: re.Match) -> str:
        word = m.group(0)
        if word == "f" and text[m.end():m.end() + 1] == "(":
            return op_name
        if word not in names:
            return word
        name = names[word]
        alone = m.group(0) == text or (text[m.start() - 1 : m.start()] == "(" and text[m.end() : m.end() + 1] == ")")
        return name if alone or _atomic(name) else f"({name})"

    return re.sub(r"[A-Za-z_]\w*", swap, text)


def _atomic(text: str) -> bool:
    """A name, a number, a call or a parenthesised whole: needs no parentheses inside an expression."""
    head = re.match(r"-?[\w.\[\],]*", text)
    rest = text[head.end():] if head else text
    if not rest:
        return bool(text)
    depth = 0
    for i, c in enumerate(rest):  # one group, opened first and closed last
        depth += {"(": 1, ")": -1}.get(c, 0)
        if depth == 0 and i < len(rest) - 1:
            return False
    return rest[0] == "(" and depth == 0


def _nary_rule(derivatives: str, n: int, name: Callable[[int], str], at: int) -> str:
    """An n-ary row's rule for operand ``at`` of ``n`` (``name(j)``: operand j's name):
    ``d/dx_i = 1``, or one per group of operands (dot: ``d/dw_i = x_i, d/dx_i = w_i``, the
    w's first, then as many x's)."""
    groups = re.findall(r"d/d([A-Za-z]+)_i = (.*?)(?=, d/d|$)", derivatives)
    if not groups:
        return ""
    size = n // len(groups) if n % len(groups) == 0 else 0
    if size == 0:
        return ""
    g, i = divmod(at, size)
    index = {group: h for h, (group, _) in enumerate(groups)}
    return re.sub(r"\b([A-Za-z]+)_i\b", lambda m: name(index[m.group(1)] * size + i) if m.group(1) in index else m.group(0), groups[g][1].strip())


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Contribution:
    """One application of the chain rule along one edge:
    ``parent.grad`` went from ``before`` to ``after = before + local_grad * grad``.
    ``rule``: the local derivative as the op table writes it (``rule()``), "" for a number."""

    parent: Value
    local_grad: float  # d node / d parent, recorded when the node was made
    grad: float  # dL/d node, final
    amount: float  # local_grad * grad
    before: float
    after: float
    rule: str = ""

    def describe(self, fmt: str = DEFAULT_FORMAT) -> str:
        """``w.grad += x * 1 = 0.5 * 1 = 0.5  (0 -> 0.5)``: the rule, then the numbers."""
        f = lambda x: number(x, fmt)  # noqa: E731
        said = ""
        if self.rule:
            factor = self.rule if _atomic(self.rule) else f"({self.rule})"
            said = f"{factor} * {f(self.grad)} = "
        return (
            f"{_named(self.parent)}.grad += {said}{f(self.local_grad)} * {f(self.grad)} = {f(self.amount)}"
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
    for k, (p, local) in enumerate(zip(v.parents, v.local_grads)):
        amount = local * g
        made.append(Contribution(p, local, g, amount, before[id(p)], before[id(p)] + amount, rule(v, k)))
        before[id(p)] += amount
    return Step(index, v, g, tuple(made), order)
