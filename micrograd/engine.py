"""The Value graph and the backward pass.

A Value made by an operation records, as plain data, the Values it was computed from
(``parents``) and the derivative of its result with respect to each (``local_grads``).
``backward()`` walks the graph from the root down, applying the chain rule edge by edge:

    p.grad += local * v.grad        (dL/dp += dv/dp * dL/dv)

Each operator below is one line that applies its row of the op table (``ops.py``).
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
from typing import Any, Iterator, Sequence

from . import ops
from .errors import DomainError, as_float, domain_error, labels


class Value:
    """One real number in a computation graph, and how it was computed: ``parents`` in
    argument order (repeats kept), ``local_grads`` d(this)/d(parent) in the same order,
    ``op`` the op's name ("" for a leaf or a node built by hand), ``operands`` every
    operand with plain-number constants included (``x * 2``: parents ``(x,)``, operands
    ``(x, 2.0)``).

    Build a node by hand as the smallest engines do, ``Value(6.0, parents=(a, b),
    local_grads=(3.0, 2.0))``; ``backward()`` reads it like any other."""

    __slots__ = ("data", "grad", "parents", "local_grads", "op", "operands", "_label", "__weakref__")

    def __init__(self, data: float, label: str = "", parents: Sequence[Value] = (), local_grads: Sequence[float] = ()) -> None:
        self.data = number(data, "Value")
        self.grad: Any = 0.0
        self.label = label  # checked by the property below
        self.parents: tuple[Value, ...] = tuple(parents)
        self.local_grads: tuple[Any, ...] = tuple(local_grads)
        self.op = ""
        self.operands: tuple[Value | float, ...] = self.parents
        if self.parents or self.local_grads:
            check_by_hand(self)

    @classmethod
    def node(cls, data: float, op: str, parents: tuple[Value, ...], local_grads: tuple[Any, ...],
             operands: tuple[Value | float, ...]) -> Value:
        """The node an op makes (``apply``): the constructor without its checks, which the
        op's row has done already."""
        v = cls.__new__(cls)
        v.data = data
        v.grad = 0.0
        v._label = ""
        v.parents = parents
        v.local_grads = local_grads
        v.op = op
        v.operands = operands
        return v

    @property
    def label(self) -> str:
        """A name for pictures, programs and messages: always a plain ``str``."""
        return self._label

    @label.setter
    def label(self, text: str) -> None:
        self._label = checked_label(text)

    def __add__(self, other: Value | float) -> Value:
        """a + b;  d/da = 1, d/db = 1"""
        return apply(ops.ADD, self, other)
    def __radd__(self, other: Value | float) -> Value:
        return apply(ops.ADD, other, self)

    def __sub__(self, other: Value | float) -> Value:
        """a - b;  d/da = 1, d/db = -1"""
        return apply(ops.SUB, self, other)
    def __rsub__(self, other: Value | float) -> Value:
        return apply(ops.SUB, other, self)

    def __mul__(self, other: Value | float) -> Value:
        """a * b;  d/da = b, d/db = a"""
        return apply(ops.MUL, self, other)
    def __rmul__(self, other: Value | float) -> Value:
        return apply(ops.MUL, other, self)

    def __truediv__(self, other: Value | float) -> Value:
        """a / b;  d/da = 1/b, d/db = -a/b^2"""
        return apply(ops.DIV, self, other)
    def __rtruediv__(self, other: Value | float) -> Value:
        return apply(ops.DIV, other, self)

    def __pow__(self, other: Value | float) -> Value:
        """a ** b;  d/da = b a^(b-1), d/db = a^b ln(a)"""
        return apply(ops.POW, self, other)
    def __rpow__(self, other: Value | float) -> Value:
        return apply(ops.POW, other, self)

    def __neg__(self) -> Value:
        """-x;  d/dx = -1"""
        return apply(ops.NEG, self)

    def __pos__(self) -> Value:
        return self  # +x is x itself: no node

    def __abs__(self) -> Value:
        """|x|;  d/dx = sign(x), 1 at x = 0"""
        return apply(ops.ABS, self)

    def exp(self) -> Value:
        """e^x;  d/dx = e^x"""
        return apply(ops.EXP, self)

    def log(self) -> Value:
        """ln x;  d/dx = 1/x"""
        return apply(ops.LOG, self)

    def sqrt(self) -> Value:
        """sqrt(x);  d/dx = 1 / (2 sqrt(x))"""
        return apply(ops.SQRT, self)

    def identity(self) -> Value:
        """x;  d/dx = 1"""
        return apply(ops.IDENTITY, self)

    def step(self) -> Value:
        """0 for x < 0, 1 for x >= 0;  d/dx = 0"""
        return apply(ops.STEP, self)

    def sigmoid(self) -> Value:
        """f(x) = 1 / (1 + e^-x);  d/dx = f(x) (1 - f(x))"""
        return apply(ops.SIGMOID, self)

    def tanh(self) -> Value:
        """tanh x;  d/dx = 1 - tanh(x)^2"""
        return apply(ops.TANH, self)

    def arctan(self) -> Value:
        """atan x;  d/dx = 1 / (1 + x^2)"""
        return apply(ops.ARCTAN, self)

    def relu(self) -> Value:
        """max(0, x);  d/dx = 0 for x < 0, 1 for x >= 0"""
        return apply(ops.RELU, self)

    def prelu(self, alpha: Value | float = ops.PRELU.defaults[0]) -> Value:
        """alpha x for x < 0, x for x >= 0;  d/dx = alpha or 1, d/dalpha = x or 0"""
        return apply(ops.PRELU, self, alpha)

    def elu(self, alpha: Value | float = ops.ELU.defaults[0]) -> Value:
        """alpha (e^x - 1) for x < 0, x for x >= 0;  d/dx = alpha e^x or 1, d/dalpha = e^x - 1 or 0"""
        return apply(ops.ELU, self, alpha)

    def softplus(self) -> Value:
        """ln(1 + e^x);  d/dx = 1 / (1 + e^-x)"""
        return apply(ops.SOFTPLUS, self)

    def backward(self, create_graph: bool = False) -> None:
        """The chain rule from this root to every Value it depends on: dL/dL = 1, then along
        every edge ``p.grad += local * v.grad``. Leaf gradients accumulate across calls; the
        others are computed afresh. ``create_graph``: the gradients are Values, to
        differentiate again (they refer back to the leaves, a cycle; see the README)."""
        order = backward_order(self)  # each node before its parents
        for v in order:
            if v.parents:  # a leaf keeps what it has: leaf gradients accumulate
                v.grad = 0.0
        self.grad += Value(1.0, "dL/dL") if create_graph else 1.0
        for v in order:
            local_grads = grads_as_values(v) if create_graph and v.parents else v.local_grads
            for p, local in zip(v.parents, local_grads):
                p.grad += local * v.grad

    def zero_grad(self) -> None:
        """Set the gradient of every Value in this graph, leaves included, to 0.0."""
        for v in backward_order(self):
            v.grad = 0.0

    def is_leaf(self) -> bool:
        """True for a Value not computed from other Values (an input, a parameter)."""
        return not self.parents

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from this graph."""
        return Value(self.data, self.label)

    if sys.platform == "emscripten":  # Python in WebAssembly (Pyodide): see free_one_at_a_time
        def __del__(self) -> None:
            free_one_at_a_time(self)  # a chain of any length, without deep recursion

    def __repr__(self) -> str:
        extra = (f", label={self.label!r}" if self.label else "") + (f", op={self.op!r}" if self.op else "")
        return f"Value(data={self.data!r}, grad={self.grad!r}{extra})"

    def __float__(self) -> float:
        return self.data

    def __format__(self, spec: str) -> str:
        return format(self.data, spec)


def backward_order(root: Value) -> list[Value]:
    """Every Value ``root`` depends on, root first, each before all of its parents.
    An explicit stack, no recursion: any depth works at the default recursion limit."""
    if type(root) is not Value:
        raise TypeError(f"backward_order: expected a Value, got {type(root).__name__}")
    seen, post, stack = set(), [], [root]  # post: every node after all of its parents
    while stack:
        v = stack.pop()
        if v is None:  # a marker: the node under it now has all its parents in post
            post.append(stack.pop())
        elif v not in seen:
            seen.add(v)
            if v.parents:
                stack += (v, None, *v.parents)
            else:
                post.append(v)
    post.reverse()
    return post


def backpropagate(root: Value, create_graph: bool = False) -> Iterator[Value]:
    """``root.backward()`` one node at a time, for pictures (``micrograd.viz``): the same
    steps in the same order, pausing at each node v (yielded) just before its gradient
    flows to its parents. Run to the end, it leaves exactly what ``backward()`` leaves."""
    order = backward_order(root)
    for v in order:
        if v.parents:
            v.grad = 0.0
    root.grad += Value(1.0, "dL/dL") if create_graph else 1.0
    for v in order:
        yield v
        local_grads = grads_as_values(v) if create_graph and v.parents else v.local_grads
        for p, local in zip(v.parents, local_grads):
            p.grad += local * v.grad


def grads_as_values(v: Value) -> tuple[Any, ...]:
    """v's local gradients re-derived from its row's text on Values, so they have graphs."""
    local_grads = ops.row_of(v).grads_on_values(apply)(v, *v.operands)
    return tuple(g for g, x in zip(local_grads, v.operands) if type(x) is Value)


_dying: list[tuple[Value, ...]] = []  # parents of freed Values, let go of one tuple at a time
_letting_go = False


def free_one_at_a_time(v: Value) -> None:
    """What ``Value.__del__`` does in WebAssembly: free a graph of any depth without deep recursion.

    Freed the usual way, a Value frees its parents from inside its own freeing, one C call
    deeper per link. CPython's own guard keeps that off the end of a native stack, but not in
    WebAssembly (Pyodide), where a chain of a few thousand overflowed it. So there a dying Value
    hands its parents to a list, and the outermost freeing lets go of them one by one: each
    parent dies one call deep. (Elsewhere a call per freed Value would only cost time.) (With threads, parents handed over as
    another thread finishes emptying the list wait there until the next Value is freed.)"""
    global _letting_go
    if not getattr(v, "parents", ()):  # a leaf, or a Value whose constructor failed: no chain
        return
    _dying.append(v.parents)
    v.parents = v.operands = ()  # operands: the same Values, and plain numbers
    if _letting_go:
        return  # an outer freeing is emptying the list: it will let go of these too
    _letting_go = True
    try:
        while _dying:
            _dying.pop()
    except IndexError:  # another thread emptied it first
        pass
    finally:
        _letting_go = False


_recording = contextvars.ContextVar("recording", default=True)


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Within this block ops compute values but record no parents: every result is a leaf.
    Local to the thread and the async task (a context variable), as in PyTorch."""
    token = _recording.set(False)
    try:
        yield
    finally:
        _recording.reset(token)


def is_grad_enabled() -> bool:
    return _recording.get()  # False inside no_grad()


def apply(op: ops.Op, *operands: Value | float) -> Any:
    """A row of the op table on its operands: a new Value recording its parents and local
    gradients, or a float when no operand is a Value."""
    datas, parents = [], []  # every operand's number; the operands that are Values
    for x in operands:
        if type(x) is Value:
            datas.append(x.data)
            parents.append(x)
        else:
            datas.append(as_float(x, op.name))
    if op.check is not None and not op.check(*datas):
        raise domain_error(op, datas, operands)
    try:
        out = op.forward(*datas)
    except DomainError as e:  # an overflow: say which Values it was
        e.label = labels(operands)
        raise
    if not parents:
        return out
    if not _recording.get():  # inside no_grad(): a leaf
        return Value(out)
    local_grads = op.local_grads(out, *datas)
    if len(parents) == len(operands):
        return Value.node(out, op.name, operands, local_grads, operands)
    # a plain-number operand is a constant: kept in operands, no parent, no gradient
    local_grads = tuple([g for g, x in zip(local_grads, operands) if type(x) is Value])
    constants = tuple([x if type(x) is Value else d for x, d in zip(operands, datas)])
    return Value.node(out, op.name, tuple(parents), local_grads, constants)


ops.Op.apply = staticmethod(apply)  # a row called as a function, micrograd.tanh(x), builds its node here


# --- checks of what a user gives the constructor -------------------------------------------


def number(x: Any, where: str) -> float:
    """``x`` as a float; a TypeError from ``where`` for anything else."""
    if type(x) is Value:
        raise TypeError(f"{where}: expected a number, got a Value; use v.detach() for a new leaf with its data")
    return as_float(x, where, "a number")


def checked_label(label: Any) -> str:
    """``label`` as a plain str (a str subclass gives its characters, never its own ``__str__``
    or ``__repr__``); a TypeError naming what it is otherwise."""
    if type(label) is str:
        return label
    if isinstance(label, str):
        return str.__str__(label)
    raise TypeError(f"Value: label must be a str, got {type(label).__name__}: {label!r:.60}")


def check_by_hand(v: Value) -> None:
    """A node built by hand: Values for parents, one number for each as its local gradient."""
    for k, p in enumerate(v.parents):
        if type(p) is not Value:
            raise TypeError(f"Value: parents[{k}] must be a Value, got {type(p).__name__}: {p!r:.60}")
    if len(v.local_grads) != len(v.parents):
        raise ValueError(f"Value: {len(v.parents)} parent(s) but {len(v.local_grads)} local gradient(s); give one per parent")
    v.local_grads = tuple(number(g, f"Value: local_grads[{k}]") for k, g in enumerate(v.local_grads))
