"""Random expression graphs for hypothesis, and the laws ``backward()`` must obey on them.

``programs()`` is a hypothesis strategy for a ``Program``: a straight-line list of
instructions over leaf registers x0, x1, ... (``t3 = tanh(t1)``, ``t4 = x0 * t3``), each
op taken from ``micrograd.OPS``, each result free to be used many times (fan-out). A
program can be run on any leaves: Values, floats, or another library's tensors, so the
same graph can be differentiated by ``backward()``, by central differences and by PyTorch.
The ``assert_*`` helpers state the laws: backward agrees with central differences,
is linear, sums over fan-out, and so on.

Needs hypothesis (``pip install micrograd-backprop[test]``); ``import micrograd`` does not
import this module.
"""

from __future__ import annotations

import itertools
import math
import operator
import warnings
from typing import Any, Callable, Iterable, NamedTuple, Sequence

try:
    from hypothesis import strategies as st
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError("micrograd.testing needs hypothesis: pip install 'micrograd-backprop[test]'") from e

from .engine import Value, no_grad
from .gradcheck import GradcheckWarning, gradcheck
from .ops import OPS, Op

__all__ = [
    "Instruction", "Program", "programs", "apply_engine",
    "assert_backward_matches_numeric", "assert_linearity", "assert_leaf_order_invariant",
    "assert_fan_out_sums", "assert_backward_twice_doubles", "assert_no_grad_records_nothing",
]


class Instruction(NamedTuple):
    """``op`` (a name in ``micrograd.OPS``) applied to ``args``: an int is a register
    (the leaves first, then one register per earlier instruction), a float a constant."""

    op: str
    args: tuple[int | float, ...]


def apply_engine(op: str, operands: Sequence[Any]) -> Any:
    """Apply the engine's op ``op`` to Values and constants: ``OPS[op](*operands)``."""
    return OPS[op](*operands)


class Program:
    """A straight-line program over ``len(inputs)`` leaves; its last register is the output.

    ``inputs`` are the leaf values it was generated at (every op inside its domain there);
    ``run`` evaluates it on any leaves.
    """

    __slots__ = ("inputs", "instructions")

    def __init__(self, inputs: Iterable[float], instructions: Iterable[Instruction]) -> None:
        self.inputs = tuple(float(x) for x in inputs)
        self.instructions = tuple(Instruction(op, tuple(args)) for op, args in instructions)
        registers = len(self.inputs)
        if registers == 0:
            raise ValueError("Program: needs at least one leaf (inputs is empty)")
        for k, (op, args) in enumerate(self.instructions):
            if op not in OPS:
                raise ValueError(f"Program: instruction {k} uses op {op!r}, which is not in micrograd.OPS")
            arity = OPS[op].arity
            if (arity >= 0 and len(args) != arity) or (op == "dot" and len(args) % 2) or not args:
                raise ValueError(f"Program: instruction {k} gives {op} {len(args)} operands: {args}")
            for a in args:
                if not (type(a) is float or (type(a) is int and 0 <= a < registers)):
                    raise ValueError(
                        f"Program: instruction {k} ({op}) has operand {a!r}; an operand is an int naming an earlier "
                        f"register (0 to {registers - 1}) or a float constant"
                    )
            if not any(type(a) is int for a in args):
                raise ValueError(f"Program: instruction {k} ({op}) must read at least one register, got only constants {args}")
            registers += 1

    def __eq__(self, other: object) -> bool:
        return type(other) is Program and (self.inputs, self.instructions) == (other.inputs, other.instructions)

    def __hash__(self) -> int:
        return hash((self.inputs, self.instructions))

    @property
    def n_leaves(self) -> int:
        return len(self.inputs)

    def __repr__(self) -> str:
        return f"Program(inputs={self.inputs!r}, instructions={list(map(tuple, self.instructions))!r})"

    def __str__(self) -> str:
        """The program as lines of math, e.g. ``t0 = x0 * 2.0``."""
        n = self.n_leaves
        name = lambda a: repr(a) if type(a) is float else (f"x{a}" if a < n else f"t{a - n}")  # noqa: E731
        lines = [", ".join(f"x{i} = {x!r}" for i, x in enumerate(self.inputs))]
        for k, (op, args) in enumerate(self.instructions):
            shown = list(map(name, args))
            expr = f" {op} ".join(shown) if len(args) == 2 and not op.isidentifier() else f"{op}({', '.join(shown)})"
            lines.append(f"t{k} = {expr}")
        return "\n".join(lines)

    def leaves(self) -> list[Value]:
        """Fresh leaf Values at ``inputs``, labelled x0, x1, ..."""
        return [Value(x, f"x{i}") for i, x in enumerate(self.inputs)]

    def run(self, leaves: Sequence[Any], apply: Callable[[str, Sequence[Any]], Any] = apply_engine) -> list[Any]:
        """Every register, leaves first, output last. ``apply(op, operands)`` computes one
        instruction; the default builds engine Values (or floats, given floats)."""
        if len(leaves) != self.n_leaves:
            raise ValueError(f"Program.run: the program has {self.n_leaves} leaves, got {len(leaves)}")
        registers = list(leaves)
        for op, args in self.instructions:
            registers.append(apply(op, [registers[a] if type(a) is int else a for a in args]))
        return registers

    def build(self, leaves: Sequence[Any]) -> Any:
        """The output register, built over ``leaves``."""
        return self.run(leaves)[-1]

    def uses(self, register: int) -> int:
        """How many times ``register`` is read (fan-out), repeats in one instruction counted."""
        return sum(1 for _, args in self.instructions for a in args if type(a) is int and a == register)

    def split_uses(self, register: int) -> Program:
        """The same program with every use of ``register`` reading a new leaf of its own
        (appended after the old leaves, holding the register's value at ``inputs``).

        The total derivative: dL/d(register) = the sum of dL/d(new leaf) over the uses.
        """
        n = self.n_leaves
        value = self.run(list(self.inputs))[register]
        width = self.uses(register)
        copies = itertools.count(n)

        def renumber(a: int | float) -> int | float:
            if type(a) is float:
                return a
            if a == register:
                return next(copies)
            return a if a < n else a + width  # results move up past the new leaves

        instructions = [(op, tuple(map(renumber, args))) for op, args in self.instructions]
        return Program(self.inputs + (value,) * width, instructions)


# --- the strategy ---------------------------------------------------------------

_CONSTANTS = (2.0, -1.0, 0.5, 3.0, -2.0, 1.5, -0.5)


def _operand_count(draw: Callable, op: Op) -> int:
    if op.arity >= 0:
        return op.arity
    if op.name == "dot":  # w_1 .. w_n, x_1 .. x_n
        return 2 * draw(st.integers(1, 3))
    return draw(st.integers(1, 4))


class _Register(NamedTuple):
    """What the strategy knows about a register at ``inputs``."""

    data: float
    depth: int  # ops on the longest path down to a leaf
    slope: float  # a bound on |d data / d leaf| for every leaf
    near_kink: bool  # may move across a kink (or a jump) when a leaf moves by 1e-6


def _fit(op: Op, args: list[int | float], registers: list[_Register], avoid_kinks: bool,
         margin: float, max_magnitude: float, max_slope: float) -> _Register | None:
    """The result's register when ``op`` is well inside its domain at ``args``, else None.

    Registers may move by ``margin`` and the op must stay defined; with ``avoid_kinks``
    the first operand keeps ``margin`` away from the op's kinks; the result stays within
    ``max_magnitude``, and the bound sum_i |d out / d operand_i| * slope_i on how fast the
    result moves with any leaf stays within ``max_slope``. A register that may cross a
    kink (whose value may jump, as a step's does) never feeds an op with a domain.
    """
    read = [registers[a] if type(a) is int else None for a in args]
    datas = [r.data if r else a for r, a in zip(read, args)]
    if op.check is not None:
        if any(r and r.near_kink for r in read):
            return None
        # Every edge of a domain in the table is at 0 (x / 0, log 0, sqrt 0, 0 ** b): test
        # the ends and the middle of [d - margin, d + margin], and 0 when it lies inside.
        near = [(d - margin, d, d + margin) + ((0.0,) if abs(d) <= margin else ()) if r else (d,) for r, d in zip(read, datas)]
        if not all(op.check(*point) for point in itertools.product(*near)):
            return None
    at_kink = bool(read[0]) and any(abs(datas[0] - k) <= margin for k in op.kinks)
    if avoid_kinks and at_kink:
        return None
    try:
        out = op.forward(*datas)
        local_grads = op.local_grads(out, *datas)
    except (ArithmeticError, ValueError):
        return None
    if not (math.isfinite(out) and abs(out) <= max_magnitude):
        return None
    slope = 0.0
    for g, r in zip(local_grads, read):
        if r:
            if g is None or not math.isfinite(g):
                return None
            slope += abs(g) * r.slope
    if slope > max_slope:
        return None
    depth = 1 + max(r.depth for r in read if r)
    return _Register(out, depth, slope, at_kink or any(r.near_kink for r in read if r))


@st.composite
def programs(
    draw: Callable,
    *,
    min_leaves: int = 1,
    max_leaves: int = 4,
    min_ops: int = 1,
    max_ops: int = 8,
    max_depth: int = 5,
    ops: Iterable[str] | None = None,
    inputs: Sequence[float] | None = None,
    input_range: float = 3.0,
    avoid_kinks: bool = True,
    margin: float = 1e-3,
    max_magnitude: float = 1e3,
    max_slope: float = 1e2,
) -> Program:
    """A random ``Program``: ``min_ops`` to ``max_ops`` instructions over ``min_leaves`` to
    ``max_leaves`` leaves drawn from [-input_range, input_range] (or exactly ``inputs``).

    Each instruction applies an op from ``ops`` (default: all of ``micrograd.OPS``) to
    earlier registers (any of them, so results are shared) and constants; no result lies
    more than ``max_depth`` ops above a leaf. Every op is kept ``margin`` inside its domain
    and, with ``avoid_kinks``, ``margin`` away from its kinks; every result within
    ``max_magnitude`` and changing at most ``max_slope`` times as fast as any leaf, so
    exp and ** never overflow and a step of 1e-6 in a leaf never leaves the domain or
    crosses a kink. The results nothing reads are gathered by one final ``sum``, so every
    leaf and every instruction reaches the output.
    """
    names = sorted(OPS) if ops is None else list(ops)
    unknown = [n for n in names if n not in OPS]
    if unknown or not names:
        raise ValueError(f"programs: ops must be names from micrograd.OPS, got {names!r}")
    if inputs is None:
        floats = st.floats(-input_range, input_range, allow_nan=False, allow_infinity=False)
        inputs = draw(st.lists(floats, min_size=min_leaves, max_size=max_leaves))
    registers = [_Register(float(x), 0, 1.0, False) for x in inputs]
    used = [False] * len(registers)
    # constants at least 0.1 from 0: a tiny divisor (x*x / 6e-67) bends the result far too
    # sharply for any central difference, though its slope at the point is small
    magnitudes = st.floats(0.1, max(input_range, 0.1), allow_nan=False)
    constants = st.one_of(st.sampled_from(_CONSTANTS), st.builds(operator.mul, magnitudes, st.sampled_from((1.0, -1.0))))
    is_constant = st.sampled_from((False, False, False, True))
    instructions: list[Instruction] = []
    for _ in range(draw(st.integers(min_ops, max_ops))):
        readable = st.sampled_from([k for k, r in enumerate(registers) if r.depth < max_depth])
        for _attempt in range(8):
            op = OPS[draw(st.sampled_from(names))]
            args: list[int | float] = [draw(constants) if draw(is_constant) else draw(readable) for _ in range(_operand_count(draw, op))]
            if not any(type(a) is int for a in args):
                args[0] = draw(readable)
            result = _fit(op, args, registers, avoid_kinks, margin, max_magnitude, max_slope)
            if result is not None:
                instructions.append(Instruction(op.name, tuple(args)))
                registers.append(result)
                used.append(False)
                for a in args:
                    if type(a) is int:
                        used[a] = True
                break
    unread = [r for r, u in enumerate(used) if not u]
    if len(unread) > 1:
        instructions.append(Instruction("sum", tuple(unread)))
    return Program(inputs, instructions)


# --- the laws ------------------------------------------------------------------------


def assert_backward_matches_numeric(program: Program, inputs: Sequence[float] | None = None, allow_kinks: bool = False, **tolerances: float) -> None:
    """backward() agrees with central differences (``gradcheck``) at ``inputs``
    (default: the program's own). Unless ``allow_kinks``, an input at a kink fails too."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GradcheckWarning)
        try:
            gradcheck(lambda *leaves: program.build(leaves), program.inputs if inputs is None else inputs, **tolerances)
        except AssertionError as e:
            raise AssertionError(f"{e}\non the program\n{program}") from None
    kinks = [w for w in caught if issubclass(w.category, GradcheckWarning)]
    if kinks and not allow_kinks:
        raise AssertionError(f"{kinks[0].message}\non the program\n{program}")
    for w in caught:
        if not issubclass(w.category, GradcheckWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _close(got: float, expected: float, scale: float) -> bool:
    """Equal up to rounding: within 1e-9 of the size of the terms that were summed."""
    return abs(got - expected) <= 1e-9 * (1.0 + scale)


def _gradients(program: Program) -> list[float]:
    leaves = program.leaves()
    program.build(leaves).backward()
    return [x.grad for x in leaves]


def assert_linearity(f: Program, g: Program, a: float, b: float) -> None:
    """The gradient of a*f + b*g is a * grad f + b * grad g (f and g share their inputs)."""
    if f.inputs != g.inputs:
        raise ValueError(f"assert_linearity: f and g must have the same inputs, got {f.inputs} and {g.inputs}")
    leaves = f.leaves()
    (a * f.build(leaves) + b * g.build(leaves)).backward()
    for i, (x, df, dg) in enumerate(zip(leaves, _gradients(f), _gradients(g))):
        expected = a * df + b * dg
        assert _close(x.grad, expected, abs(a * df) + abs(b * dg)), (
            f"d(a*f + b*g)/dx{i} = {x.grad!r}, but a*df/dx{i} + b*dg/dx{i} = {expected!r} (a={a!r}, b={b!r})\nf:\n{f}\ng:\n{g}"
        )


def assert_leaf_order_invariant(program: Program, order: Sequence[int]) -> None:
    """Creating the leaves in another order (``order``, a permutation of their indices)
    gives bit-for-bit the same output and gradients."""
    if sorted(order) != list(range(program.n_leaves)):
        raise ValueError(f"assert_leaf_order_invariant: order must be a permutation of range({program.n_leaves}), got {order!r}")
    made = {i: Value(program.inputs[i], f"x{i}") for i in order}
    leaves = [made[i] for i in range(program.n_leaves)]
    out = program.build(leaves)
    out.backward()
    reference = program.leaves()
    expected = program.build(reference)
    expected.backward()
    assert out.data == expected.data, f"output {out.data!r} != {expected.data!r} with leaves created in order {order}\n{program}"
    got, want = [x.grad for x in leaves], [x.grad for x in reference]
    assert got == want, f"gradients {got} != {want} with leaves created in order {order}\n{program}"


def assert_fan_out_sums(program: Program) -> None:
    """Every register used k times gets the sum of the gradients its k uses would get
    each on its own: dL/dv = sum over uses of dL/d(use), the total derivative."""
    registers = program.run(program.leaves())
    registers[-1].backward()
    for r, v in enumerate(registers[:-1]):
        if program.uses(r) == 0:
            continue
        split = program.split_uses(r)
        leaves = split.leaves()
        split.build(leaves).backward()
        parts = [x.grad for x in leaves[program.n_leaves:]]
        total = math.fsum(parts)
        name = f"x{r}" if r < program.n_leaves else f"t{r - program.n_leaves}"
        assert _close(v.grad, total, sum(map(abs, parts))), (
            f"dL/d{name} = {v.grad!r}, but its {len(parts)} uses, split apart, get {parts} (sum {total!r})\n{program}"
        )


def assert_backward_twice_doubles(program: Program) -> None:
    """A second backward() adds the same gradients again to every leaf (leaf gradients
    accumulate): they double; every other gradient is recomputed, bit for bit the same."""
    leaves = program.leaves()
    registers = program.run(leaves)
    registers[-1].backward()
    first = [v.grad for v in registers]
    registers[-1].backward()
    for k, (v, g) in enumerate(zip(registers, first)):
        # A leaf adds its contributions one by one onto the first total: equal up to rounding.
        ok = _close(v.grad, 2 * g, abs(2 * g)) if v.is_leaf() else v.grad == g
        expected = 2 * g if v.is_leaf() else g
        assert ok, f"register {k}: grad {v.grad!r} after two backward() calls, expected {expected!r}\n{program}"


def assert_no_grad_records_nothing(program: Program) -> None:
    """Inside ``no_grad()`` the same values come out, every result is a leaf, and
    backward() from the output reaches no input."""
    expected = [v.data for v in program.run(program.leaves())]
    leaves = program.leaves()
    with no_grad():
        registers = program.run(leaves)
    assert [v.data for v in registers] == expected, f"no_grad changed the values\n{program}"
    for k, v in enumerate(registers):
        assert v.is_leaf() and v.parents == () and v.op == "", f"register {k} recorded {v.op!r} with parents under no_grad\n{program}"
    out = registers[-1]
    out.backward()
    assert all(x.grad == 0.0 for x in leaves if x is not out), f"backward() under no_grad reached an input\n{program}"
