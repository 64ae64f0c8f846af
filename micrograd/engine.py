"""The Value graph and the backward pass.

A Value holds one float. A Value made by an operation also records, as plain data,
the Values it was computed from (``parents``) and the derivative of its result with
respect to each of them (``local_grads``). ``backward()`` visits the graph from the
root down and applies the chain rule, one edge at a time:

    parent.grad += local_grad * node.grad        (dL/dp += dv/dp * dL/dv)

Nothing here holds a closure or a reference back up the graph, so a graph is freed
by reference counting as soon as its root is dropped. The operations themselves,
each a row of forward and derivative, are in ``ops.py``.
"""

from __future__ import annotations

import contextlib
import numbers
from itertools import compress
from typing import Any, Callable, Iterator, Sequence

from .errors import DivisionByZeroError, DomainError, FloatOverflowError

_grad_enabled = True  # False inside ``with no_grad():``


class Value:
    """One real number in a computation graph.

    ``data`` and ``grad`` are floats (``grad`` is dL/d(this Value) after ``backward``);
    ``parents``, ``local_grads``, ``operands`` and ``op`` are read-only records of
    the operation that made it (empty for a leaf).
    """

    # How a node is stored. A one- or two-operand op keeps its operands in order in _a
    # (and _b), each a Value or a constant float, with d self/d operand in _da (and _db):
    # a float for a Value, None for a constant, which has no gradient. A sum or dot node
    # keeps a tuple of its Value parents in _a and of their local grads in _da, and all
    # its operands in _b when some are constants. A leaf has _a None.
    # The cyclic garbage collector looks over every node while a graph is built, and
    # every object and every filled slot costs it time: so constants sit inline rather
    # than in a tuple, and _grad and _label stay empty until set (``grad`` reads 0.0
    # and ``label`` "" until then; backward() fills _grad on every node it reaches).
    __slots__ = ("data", "_grad", "_label", "_op", "_a", "_b", "_da", "_db", "__weakref__")

    def __init__(self, data: float, label: str = "") -> None:
        if type(data) is Value:
            raise TypeError("Value: expected a number, got a Value; use v.detach() for a new leaf with its data")
        self.data = as_float(data, "Value", "a number")
        self._grad = 0.0
        if type(label) is not str or label:
            self.label = label
        self._op: Op | None = None
        self._a = self._b = self._da = self._db = None

    @property
    def grad(self) -> Any:
        """dL/d(this Value), a float (a Value after ``backward(create_graph=True)``);
        0.0 until a backward pass reaches it."""
        try:
            return self._grad
        except AttributeError:  # a node no backward pass has reached yet
            return 0.0

    @grad.setter
    def grad(self, grad: Any) -> None:
        self._grad = grad

    @property
    def label(self) -> str:
        """A name for this Value, shown in errors and pictures; "" for none."""
        try:
            return self._label
        except AttributeError:
            return ""

    @label.setter
    def label(self, label: str) -> None:
        if type(label) is not str:
            raise TypeError(f"Value: label must be a str, got {type(label).__name__}: {label!r}")
        self._label = label

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this one was computed from, in argument order, repeats kept."""
        a = self._a
        if a is None or type(a) is tuple:
            return a or ()
        return tuple([x for x, local in ((a, self._da), (self._b, self._db)) if local is not None])

    @property
    def local_grads(self) -> tuple[Any, ...]:
        """d self / d parent for each parent, same order: floats."""
        a = self._a
        if a is None or type(a) is tuple:
            return self._da or ()
        return tuple([local for local in (self._da, self._db) if local is not None])

    @property
    def operands(self) -> tuple[Value | float, ...]:
        """Every operand in order, plain-number constants included (``x * 2`` has ``(x, 2.0)``)."""
        a, b = self._a, self._b
        if a is None:
            return ()
        if type(a) is tuple:  # sum, dot: constants in _b as given, floats from here
            return a if b is None else tuple([x if type(x) is Value else float(x) for x in b])
        return (a,) if b is None else (a, b)

    @property
    def op(self) -> str:
        """The operation's short name (``"*"``, ``"tanh"``, ...), ``""`` for a leaf."""
        return self._op.name if self._op is not None else ""

    def is_leaf(self) -> bool:
        """True for a Value not computed from other Values (an input, a parameter)."""
        return self._a is None

    def __repr__(self) -> str:
        extra = f", label={self.label!r}" if self.label else ""
        extra += f", op={self.op!r}" if self._op is not None else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{extra})"

    def __float__(self) -> float:
        return float(self.data)

    def __format__(self, spec: str) -> str:
        return format(self.data, spec)

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from this graph."""
        return Value(self.data, self.label)

    def zero_grad(self) -> None:
        """Set the gradient of every Value in this graph, leaves included, to 0.0."""
        for v in backward_order(self):
            v.grad = 0.0

    def backward(self, create_graph: bool = False) -> None:
        """Set dL/dL = 1 for this root and propagate to every Value it depends on.

        Leaf gradients accumulate across calls; every other gradient is computed
        afresh on each call. A Value used several times receives the sum over its uses.
        With ``create_graph=True`` every gradient is itself a Value with a graph of its
        own, so it can be differentiated again.
        """
        if create_graph:
            _backward_with_graph(start_backward(self, Value(1.0, "1")))
            return
        order = start_backward(self)
        for v in order:
            a = v._a
            if a is None:  # a leaf: nothing further down
                continue
            g = v._grad
            if type(a) is tuple:  # sum, dot
                for p, local in zip(a, v._da):
                    p._grad += local * g
            else:  # a None local grad marks a constant operand
                local = v._da
                if local is not None:
                    a._grad += local * g
                local = v._db
                if local is not None:
                    v._b._grad += local * g


def backward_order(root: Value) -> list[Value]:
    """Every Value that ``root`` depends on, root first, each before all of its parents.

    This is the order in which ``backward()`` finalises gradients. Built with an
    explicit stack (a post-order depth-first walk), never recursion, so graphs of
    any depth work at Python's default recursion limit.
    """
    if type(root) is not Value:
        raise TypeError(f"backward_order: expected a Value, got {type(root).__name__}")
    seen: set[Value] = set()
    post: list[Value] = []  # every node after all of its parents
    stack: list[Value | None] = [root]
    push, pop, push_all, mark, done = stack.append, stack.pop, stack.extend, seen.add, post.append
    while stack:
        v = pop()
        if v is None:  # marker: the node below it now has all its parents in post
            done(pop())  # type: ignore[arg-type]
        elif v not in seen:
            mark(v)
            a = v._a
            if a is None:
                done(v)
                continue
            push(v)
            push(None)
            if type(a) is tuple:
                push_all(a)
            else:
                if v._da is not None:
                    push(a)
                if v._db is not None:
                    push(v._b)
    post.reverse()
    return post


def start_backward(root: Value, seed: Any = 1.0) -> list[Value]:
    """The first half of ``backward()``, shared with anything that walks it step by
    step: the order (``backward_order``), every non-leaf gradient back to 0, and
    dL/dL = ``seed`` added at the root (a leaf root accumulates, as leaves do)."""
    order = backward_order(root)
    for v in order:
        if v._a is not None:
            v._grad = 0.0
    _accumulate(root, seed)
    return order


def _backward_with_graph(order: list[Value]) -> None:
    """backward(create_graph=True): the same walk, with each local derivative
    re-derived as a Value from the op's own rule, so the gradients have graphs."""
    for v in order:
        if v._a is None:
            continue
        g = v.grad
        operands = v.operands
        for operand, local in zip(operands, v._op.derivative(v, *operands)):  # type: ignore[union-attr]
            if type(operand) is Value:
                _accumulate(operand, local * g)


def _accumulate(v: Value, contribution: Any) -> None:
    grad = v.grad
    v.grad = contribution if (type(grad) is float and grad == 0.0) else grad + contribution


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Within this block operations compute values but record no parents:
    every result is a leaf. Nests; not shared across threads safely."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


def is_grad_enabled() -> bool:
    """False inside ``no_grad()``."""
    return _grad_enabled


# ---------------------------------------------------------------------------
# Rows of the op table, and the code that turns a row into a graph node.


class Op:
    """One operation: its forward on floats and its local derivatives, side by side.

    ``forward(*xs) -> float`` computes the result from the operands' floats.
    ``derivative(out, *xs) -> tuple`` gives d out / d x_i for every operand. It is
    written with arithmetic and other ops only, so it evaluates on floats (for
    ``backward``) and on Values (for ``backward(create_graph=True)``) alike.
    ``domain(*xs) -> bool``, when given, tells whether the operands are allowed;
    ``domain_text`` says so in words for the error. ``kinks`` lists the points of a
    one-operand op where its derivative jumps (``conventions`` in ops.py).
    """

    __slots__ = ("name", "arity", "forward", "derivative", "domain", "domain_text", "kinks", "doc")

    def __init__(
        self,
        name: str,
        arity: int,
        forward: Callable[..., float],
        derivative: Callable[..., tuple],
        doc: str,
        domain: Callable[..., bool] | None = None,
        domain_text: str = "",
        kinks: tuple[float, ...] = (),
    ) -> None:
        self.name, self.arity, self.forward, self.derivative = name, arity, forward, derivative
        self.domain, self.domain_text, self.kinks = domain, domain_text, kinks
        self.doc = doc

    def __repr__(self) -> str:
        return f"<op {self.name}>"

    def __call__(self, *operands: Value | float) -> Value | float:
        """Apply the op: a Value when any operand is a Value, a plain float otherwise."""
        if self.arity >= 0 and len(operands) != self.arity:
            raise TypeError(f"{self.name}: takes {self.arity} operand(s), got {len(operands)}")
        if self.arity == 1:
            return unary(self, operands[0])
        if self.arity == 2:
            return binary(self, operands[0], operands[1])
        return nary(self, operands)


def as_float(x: Any, where: str, expected: str = "a number or a Value") -> float:
    """A plain real number as a float; a TypeError naming ``where`` for anything else
    (True and False too: a bool among numbers is almost always a mistake)."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        try:
            return float(x)
        except OverflowError:
            raise FloatOverflowError(where, f"{x!r:.60}", "too large for a float64") from None
    shown = repr(x)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    raise TypeError(f"{where}: expected {expected}, got {type(x).__name__}: {shown}")


def _check(op: Op, datas: Sequence[float], operands: Sequence[Any]) -> None:
    """Raise the op's DomainError when ``datas`` lie outside its domain."""
    if op.domain(*datas):  # type: ignore[misc]
        return
    shown = [repr(d) for d in datas]
    value = f" {op.name} ".join(shown) if not op.name.isidentifier() and len(datas) == 2 else f"{op.name}({', '.join(shown)})"
    labels = ", ".join(a.label for a in operands if type(a) is Value and a.label)
    kind = DivisionByZeroError if op.name == "/" else DomainError
    raise kind(op.name, value, op.domain_text, labels)


def _node(data: float, op: Op, a: Any, b: Any, da: Any, db: Any) -> Value:
    """A new Value made by ``op`` from operands ``a`` (and ``b``) with local derivatives
    ``da`` (and ``db``, None for a constant), laid out as the comment in Value says.
    Under ``no_grad`` a leaf."""
    v = _new_value(Value)
    v.data = data
    if _grad_enabled:
        v._op, v._a, v._b, v._da, v._db = op, a, b, da, db
    else:
        v._grad = 0.0
        v._op = v._a = v._b = v._da = v._db = None
    return v


_new_value = object.__new__


def unary(op: Op, x: Value | float) -> Value | float:
    """Apply a one-operand op; plain numbers in, a plain float out."""
    if type(x) is not Value:
        d = as_float(x, op.name)
        if op.domain is not None:
            _check(op, (d,), (x,))
        return op.forward(d)
    d = x.data
    if op.domain is not None:
        _check(op, (d,), (x,))
    try:
        out = op.forward(d)
    except DomainError as e:  # an overflow: say which Value it was
        e.label = x.label
        raise
    (dx,) = op.derivative(out, d)
    return _node(out, op, x, None, dx, None)


def binary(op: Op, a: Value | float, b: Value | float) -> Value | float:
    """Apply a two-operand op; a plain-number operand stays a constant, not a node."""
    if type(a) is Value:
        ad = a.data
        if type(b) is Value:
            bd = b.data
            if op.domain is not None:
                _check(op, (ad, bd), (a, b))
            out = op.forward(ad, bd)
            da, db = op.derivative(out, ad, bd)
            return _node(out, op, a, b, da, db)
        bd = as_float(b, op.name)
        if op.domain is not None:
            _check(op, (ad, bd), (a, b))
        out = op.forward(ad, bd)
        return _node(out, op, a, bd, op.derivative(out, ad, bd)[0], None)
    ad = as_float(a, op.name)
    if type(b) is Value:
        bd = b.data
        if op.domain is not None:
            _check(op, (ad, bd), (a, b))
        out = op.forward(ad, bd)
        return _node(out, op, ad, b, None, op.derivative(out, ad, bd)[1])
    bd = as_float(b, op.name)
    if op.domain is not None:
        _check(op, (ad, bd), (a, b))
    return op.forward(ad, bd)


def nary(op: Op, operands: Sequence[Value | float]) -> Value | float:
    """Apply an op of any number of operands (sum, dot) as one node."""
    operands = tuple(operands)
    datas = [a.data if type(a) is Value else (a if type(a) is float else as_float(a, op.name)) for a in operands]
    if op.domain is not None:
        _check(op, datas, operands)
    out = op.forward(*datas)
    is_value = [type(a) is Value for a in operands]
    parents = tuple(compress(operands, is_value))
    if not parents:
        return out
    local_grads = tuple(op.derivative(out, *datas))
    if len(parents) == len(datas):
        return _node(out, op, parents, None, local_grads, None)
    kept = tuple(compress(local_grads, is_value))
    return _node(out, op, parents, operands, kept, None)  # constants as given: see ``operands``
