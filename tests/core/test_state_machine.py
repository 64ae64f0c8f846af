"""The engine against a naive reference engine, driven by random sequences of operations.

A hypothesis state machine builds graphs step by step: new leaves, binary and unary ops
(constants on either side), sums and dots, nodes used many times, ``backward()`` (once
or twice in a row, from any node), ``zero_grad()``, resetting a leaf's grad, ops under
``no_grad()`` and ``detach()``, in any order. After every step, every node ever made is
compared with its twin in ``Ref``, a reference engine of plain floats written here: its
own recursive topological order, the derivatives written again from the calculus, and the
semantics of PyTorch: leaf grads accumulate across backward calls, every other grad is
recomputed from scratch, results made under no_grad are leaves.

Tolerances: the two engines may round differently (fsum, sigmoid's formula), and a
difference of one rounding grows as it travels through the graph. So each Ref node also
carries a bound on the size of what its value and its gradient are made of (``dbound``,
``gbound``: the same sums with every term taken in absolute value), and the check allows
1e-9 of that plus 1e-12. An error in the graph machinery (a lost or doubled term, a leaf
not accumulating, a stale gradient) is of the size of the gradient itself, far beyond it.
Inputs are kept where every op is well conditioned (|x| <= 5 for tanh and sigmoid, log
of x >= 1e-3, division by |b| >= 1e-3, results up to 1e6), because the precision of
each op over its whole range is the subject of test_derivative_precision.py.
"""

from __future__ import annotations

import math
import operator

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, multiple, rule

import micrograd
from micrograd import Value


class _Shouting(str):
    """A str whose repr and str are not its characters."""

    def __repr__(self) -> str:
        return "__import__('os')"

    __str__ = __repr__


class Ref:
    """The reference: a node of plain floats with its parents and local derivatives."""

    def __init__(self, data: float, parents: tuple = (), locals_: tuple = ()) -> None:
        self.data, self.parents, self.locals = data, parents, locals_
        self.grad = self.gbound = 0.0
        self.dbound = abs(data) + sum(abs(d) * p.dbound for p, d in zip(parents, locals_))

    def graph(self) -> list[Ref]:
        """Every node this one depends on, each after all of its parents (recursively)."""
        order, seen = [], set()

        def visit(v: Ref) -> None:
            if id(v) not in seen:
                seen.add(id(v))
                for p in v.parents:
                    visit(p)
                order.append(v)

        visit(self)
        return order

    def backward(self) -> None:
        order = self.graph()[::-1]  # root first
        for v in order:
            if v.parents:  # not a leaf: computed afresh
                v.grad = v.gbound = 0.0
        self.grad += 1.0
        self.gbound += 1.0
        for v in order:
            for p, d in zip(v.parents, v.locals):
                p.grad += d * v.grad
                p.gbound += abs(d) * v.gbound

    def zero_grad(self) -> None:
        for v in self.graph():
            v.grad = v.gbound = 0.0


# name: (forward, local derivatives, domain), on plain floats; written from the calculus.
REF_OPS = {
    "+": (operator.add, lambda a, b: (1.0, 1.0), None),
    "-": (operator.sub, lambda a, b: (1.0, -1.0), None),
    "*": (operator.mul, lambda a, b: (b, a), None),
    "/": (operator.truediv, lambda a, b: (1.0 / b, -a / b**2), lambda a, b: abs(b) >= 1e-3),
    "**": (operator.pow, lambda a, b: (b * a ** (b - 1), a**b * math.log(a) if a > 0 else math.nan), None),
    "neg": (operator.neg, lambda x: (-1.0,), None),
    "abs": (abs, lambda x: (1.0 if x >= 0 else -1.0,), None),  # the engine's kink convention
    "exp": (math.exp, lambda x: (math.exp(x),), lambda x: abs(x) <= 10),
    "log": (math.log, lambda x: (1.0 / x,), lambda x: x >= 1e-3),
    "sqrt": (math.sqrt, lambda x: (0.5 / math.sqrt(x),), lambda x: x >= 1e-3),
    "tanh": (math.tanh, lambda x: (1.0 / math.cosh(x) ** 2,), lambda x: abs(x) <= 5),
    "sigmoid": (lambda x: 1.0 / (1.0 + math.exp(-x)), lambda x: (math.exp(-x) / (1.0 + math.exp(-x)) ** 2,), lambda x: abs(x) <= 5),
    "relu": (lambda x: max(x, 0.0), lambda x: (1.0 if x >= 0 else 0.0,), None),
    "arctan": (math.atan, lambda x: (1.0 / (1.0 + x * x),), None),
    "softplus": (lambda x: math.log1p(math.exp(x)), lambda x: (1.0 / (1.0 + math.exp(-x)),), lambda x: abs(x) <= 20),
    "sum": (lambda *xs: math.fsum(xs), lambda *xs: (1.0,) * len(xs), None),
    "dot": (
        lambda *wx: math.fsum(w * x for w, x in zip(wx[: len(wx) // 2], wx[len(wx) // 2 :])),
        lambda *wx: wx[len(wx) // 2 :] + wx[: len(wx) // 2],
        None,
    ),
}
BINARY = ["+", "-", "*", "/"]
UNARY = ["neg", "abs", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "arctan", "softplus"]
KINKED = {"abs", "relu"}  # where the two engines' data must lie on the same side of 0
EXPONENTS = [2.0, 3.0, -1.0, 0.5, -0.5]
LARGEST = 1e6  # results kept as nodes stay below this in size

# How the engine applies each op: Python's operators and Value's methods (the user's way).
ENGINE_OPS = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow,
    "neg": operator.neg, "abs": abs,
    "sum": lambda *xs: micrograd.sum(xs),
    "dot": lambda *wx: micrograd.dot(wx[: len(wx) // 2], wx[len(wx) // 2 :]),
}
ENGINE_OPS.update({name: getattr(Value, name) for name in UNARY if name not in ENGINE_OPS})

assert set(REF_OPS) <= set(micrograd.OPS), sorted(set(REF_OPS) - set(micrograd.OPS))

leaf_data = st.floats(-3.0, 3.0, allow_nan=False) | st.sampled_from([0.0, 1.0, -1.0, 0.5])
constants = st.floats(-3.0, 3.0, allow_nan=False)


def _close(got, want: float, bound: float) -> bool:
    return abs(float(got) - want) <= 1e-9 * bound + 1e-12


class GraphMachine(RuleBasedStateMachine):
    nodes = Bundle("nodes")  # pairs (engine Value, Ref twin)

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[tuple[Value, Ref]] = []  # every node made, for the invariant
        self.twin: dict[int, Value] = {}  # id(Ref) -> its engine Value

    # --- making nodes -----------------------------------------------------------------

    def _make(self, name: str, operands: list, recording: bool = True):
        """Apply op ``name`` to operands, each a (Value, Ref) pair or a float constant, in
        both engines; returns the new pair, or nothing where the op is out of the range
        kept (see the module docstring)."""
        forward, derivative, domain = REF_OPS[name]
        ref_data = [x[1].data if isinstance(x, tuple) else x for x in operands]
        engine_data = [x[0].data if isinstance(x, tuple) else x for x in operands]
        if domain is not None and not (domain(*ref_data) and domain(*engine_data)):
            return multiple()
        if name in KINKED and (ref_data[0] >= 0) != (engine_data[0] >= 0):
            return multiple()
        try:
            out = forward(*ref_data)
            locals_ = derivative(*ref_data)
        except (ZeroDivisionError, ValueError, OverflowError):
            return multiple()
        if not abs(out) <= LARGEST:
            return multiple()
        engine_operands = [x[0] if isinstance(x, tuple) else x for x in operands]
        if recording:
            value = ENGINE_OPS[name](*engine_operands)
            kept = [(x[1], d) for x, d in zip(operands, locals_) if isinstance(x, tuple)]
            ref = Ref(out, tuple(p for p, _ in kept), tuple(d for _, d in kept))
        else:
            with micrograd.no_grad():
                value = ENGINE_OPS[name](*engine_operands)
            ref = Ref(out)
        assert type(value) is Value, f"{name}{tuple(engine_data)} gave {value!r}, not a Value"
        return self._keep(value, ref)

    @initialize(target=nodes, xs=st.lists(leaf_data, min_size=2, max_size=3))
    def leaves(self, xs):
        return multiple(*(self._leaf(x) for x in xs))

    def _keep(self, value: Value, ref: Ref):
        self.pairs.append((value, ref))
        self.twin[id(ref)] = value
        return (value, ref)

    def _leaf(self, x: float):
        return self._keep(Value(x), Ref(x))

    @rule(target=nodes, x=leaf_data)
    def new_leaf(self, x):
        return self._leaf(x)

    @rule(target=nodes, name=st.sampled_from(BINARY), a=nodes, b=nodes)
    def binary(self, name, a, b):
        return self._make(name, [a, b])

    @rule(target=nodes, name=st.sampled_from(BINARY), a=nodes, c=constants, constant_first=st.booleans())
    def binary_with_constant(self, name, a, c, constant_first):
        return self._make(name, [c, a] if constant_first else [a, c])

    @rule(target=nodes, name=st.sampled_from(["+", "*", "-"]), a=nodes)
    def with_itself(self, name, a):
        return self._make(name, [a, a])

    @rule(target=nodes, a=nodes, c=st.sampled_from(EXPONENTS))
    def power_of_constant(self, a, c):
        if (c != int(c) and not a[1].data >= 1e-2) or (c < 0 and not abs(a[1].data) >= 1e-2):
            return multiple()
        return self._make("**", [a, c])

    @rule(target=nodes, a=nodes, b=nodes)
    def power_of_value(self, a, b):
        if not (a[0].data >= 1e-2 and a[1].data >= 1e-2 and abs(b[1].data) <= 3):
            return multiple()
        return self._make("**", [a, b])

    @rule(target=nodes, c=st.floats(0.1, 3.0), b=nodes)
    def constant_to_the_power(self, c, b):
        if not abs(b[1].data) <= 3:
            return multiple()
        return self._make("**", [c, b])

    @rule(target=nodes, xs=st.lists(nodes | constants, min_size=1, max_size=4))
    def sum_of(self, xs):
        if not any(isinstance(x, tuple) for x in xs):
            return multiple()
        return self._make("sum", xs)

    @rule(target=nodes, wx=st.lists(st.tuples(nodes | constants, nodes), min_size=1, max_size=3))
    def dot_of(self, wx):
        ws, xs = zip(*wx)
        return self._make("dot", list(ws) + list(xs))

    @rule(target=nodes, name=st.sampled_from(BINARY + UNARY), a=nodes, b=nodes)
    def under_no_grad(self, name, a, b):
        return self._make(name, [a, b] if name in BINARY else [a], recording=False)

    @rule(target=nodes, a=nodes)
    def detach(self, a):
        value = a[0].detach()
        assert value is not a[0]
        return self._keep(value, Ref(a[1].data))

    @rule(target=nodes, ps=st.lists(nodes, min_size=1, max_size=3), data=st.data())
    def built_by_hand(self, ps, data):
        """A node written by hand, ``Value(d, parents=..., local_grads=...)``, as the smallest engines do."""
        locals_ = data.draw(st.lists(st.floats(-3.0, 3.0), min_size=len(ps), max_size=len(ps)), label="local_grads")
        d = data.draw(st.floats(-5.0, 5.0), label="data")
        value = Value(d, parents=[v for v, _ in ps], local_grads=locals_)
        return self._keep(value, Ref(d, tuple(r for _, r in ps), tuple(locals_)))

    @rule(a=nodes, text=st.text(max_size=8))
    def relabel(self, a, text):
        """A label of a str subclass with its own repr: stored as its characters."""
        a[0].label = _Shouting(text)
        assert type(a[0].label) is str and a[0].label == text

    # --- gradients ----------------------------------------------------------------------

    @rule(root=nodes)
    def backward(self, root):
        root[0].backward()
        root[1].backward()

    @rule(root=nodes)
    def backward_twice(self, root):
        for _ in range(2):
            root[0].backward()
            root[1].backward()

    @rule(root=nodes)
    def zero_grad(self, root):
        root[0].zero_grad()
        root[1].zero_grad()

    @rule(a=nodes, zero=st.sampled_from([0, 0.0]))
    def reset_leaf_grad(self, a, zero):
        if a[1].parents:
            return
        a[0].grad = zero
        a[1].grad = a[1].gbound = 0.0

    # --- after every step ---------------------------------------------------------------

    @invariant()
    def every_node_agrees_with_the_reference(self):
        for i, (value, ref) in enumerate(self.pairs):
            assert value.is_leaf() == (not ref.parents), f"node {i} {value!r}: is_leaf() is {value.is_leaf()}"
            parents = tuple(self.twin[id(p)] for p in ref.parents)
            assert len(value.parents) == len(parents) and all(map(operator.is_, value.parents, parents)), (
                f"node {i} {value!r}: parents {value.parents}, expected {parents}"
            )
            assert all(math.isclose(g, d, rel_tol=1e-9, abs_tol=1e-12) for g, d in zip(value.local_grads, ref.locals)), (
                f"node {i} {value!r}: local_grads {value.local_grads}, reference {ref.locals}"
            )
            assert _close(value.data, ref.data, ref.dbound), f"node {i} {value!r}: data {value.data!r}, reference {ref.data!r}"
            assert _close(value.grad, ref.grad, ref.gbound), f"node {i} {value!r}: grad {value.grad!r}, reference {ref.grad!r}"


def _unary_rule(name: str):
    def apply(self, a):
        return self._make(name, [a])

    apply.__name__ = f"apply_{name}"
    return rule(target=GraphMachine.nodes, a=GraphMachine.nodes)(apply)


for _name in UNARY:  # one rule per op, so that each is drawn as often as a binary op
    setattr(GraphMachine, f"apply_{_name}", _unary_rule(_name))

GraphMachine.TestCase.settings = settings(stateful_step_count=30)  # max_examples from the profile (tests/conftest.py)
TestGraphMachine = GraphMachine.TestCase
