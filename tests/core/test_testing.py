"""micrograd.testing: the Program type, the programs() strategy's promises, and
the law helpers catching engines that break the laws."""

import contextlib
import math
import subprocess
import sys

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

import micrograd
from micrograd import DomainError, Value
from micrograd.testing import (
    Instruction,
    Program,
    apply_engine,
    assert_backward_matches_numeric,
    assert_backward_twice_doubles,
    assert_fan_out_sums,
    assert_leaf_order_invariant,
    assert_linearity,
    assert_no_grad_records_nothing,
    programs,
)
from repository import ROOT

def _depths(program):
    depth = [0] * program.n_leaves
    for _, args in program.instructions:
        depth.append(1 + max(depth[a] for a in args if type(a) is int))
    return depth


def _operands(program, registers):
    """For each instruction: its op and its operands' values, given all register values."""
    return [(op, [registers[a] if type(a) is int else a for a in args]) for op, args in program.instructions]




def _python(code):
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)


def test_hypothesis_is_imported_only_with_micrograd_testing():
    done = _python("import sys, micrograd, micrograd.gradcheck; print('hypothesis' in sys.modules)")
    assert done.stdout.strip() == "False", done.stderr


def test_without_hypothesis_micrograd_testing_says_what_to_install():
    done = _python("import sys; sys.modules['hypothesis'] = None; import micrograd.testing")
    assert "ImportError: micrograd.testing needs hypothesis: pip install 'micrograd-backprop[test]'" in done.stderr


# --- Program ----------------------------------------------------------------------------

EXAMPLE = Program((0.5, -1.0), [("*", (0, 1)), ("tanh", (2,)), ("**", (3, 2.0)), ("sum", (0, 4))])


def test_a_program_prints_as_lines_of_math():
    assert str(EXAMPLE) == "\n".join(
        ["x0 = 0.5, x1 = -1.0", "t0 = x0 * x1", "t1 = tanh(t0)", "t2 = t1 ** 2.0", "t3 = sum(x0, t2)"]
    )


def test_a_program_repr_rebuilds_it():
    assert eval(repr(EXAMPLE), {"Program": Program}) == EXAMPLE
    assert EXAMPLE.instructions[2] == Instruction("**", (3, 2.0))


def test_run_builds_engine_values_and_computes_floats():
    leaves = EXAMPLE.leaves()
    assert [(x.data, x.label) for x in leaves] == [(0.5, "x0"), (-1.0, "x1")]
    registers = EXAMPLE.run(leaves)
    expected = 0.5 + math.tanh(-0.5) ** 2
    assert registers[:2] == leaves
    assert [v.op for v in registers[2:]] == ["*", "tanh", "**", "sum"]
    assert registers[-1].data == pytest.approx(expected, rel=1e-15)
    assert EXAMPLE.run([0.5, -1.0])[-1] == pytest.approx(expected, rel=1e-15)
    assert EXAMPLE.build(EXAMPLE.leaves()).data == registers[-1].data


def test_run_wants_one_leaf_per_input():
    with pytest.raises(ValueError, match="the program has 2 leaves, got 1"):
        EXAMPLE.run([Value(1.0)])


@pytest.mark.parametrize(
    "inputs, instructions, message",
    [
        ((), [], "needs at least one leaf"),
        ((1.0,), [("cube", (0,))], "op 'cube', which is not in micrograd.OPS"),
        ((1.0,), [("tanh", (1,))], r"operand 1; an operand is an int naming an earlier register \(0 to 0\)"),
        ((1.0,), [("tanh", (-1,))], "operand -1"),
        ((1.0,), [("*", (0, "2"))], "operand '2'"),
        ((1.0,), [("*", (2.0, 3.0))], "must read at least one register"),
        ((1.0,), [("*", (0,))], r"gives \* 1 operands"),
        ((1.0,), [("dot", (0, 0, 0))], "gives dot 3 operands"),
        ((1.0,), [("sum", ())], "gives sum 0 operands"),
    ],
)
def test_a_malformed_program_is_refused(inputs, instructions, message):
    with pytest.raises(ValueError, match=message):
        Program(inputs, instructions)


def test_uses_count_every_read_repeats_included():
    p = Program((2.0, 3.0), [("*", (0, 0)), ("+", (2, 1)), ("*", (3, 0))])
    assert [p.uses(r) for r in range(5)] == [3, 1, 1, 1, 0]


def test_split_uses_gives_each_use_its_own_leaf():
    # L = (x0 * x0 + x1) * x0
    p = Program((2.0, 3.0), [("*", (0, 0)), ("+", (2, 1)), ("*", (3, 0))])
    assert p.split_uses(0) == Program((2.0, 3.0, 2.0, 2.0, 2.0), [("*", (2, 3)), ("+", (5, 1)), ("*", (6, 4))])
    assert p.split_uses(2) == Program((2.0, 3.0, 4.0), [("*", (0, 0)), ("+", (2, 1)), ("*", (4, 0))])
    # dL/dx0 = 3 x0^2 + x1 = 15, and the split uses get x0*x0 = 4, 4 and x0^2 + x1 = 7.
    split = p.split_uses(0)
    leaves = split.leaves()
    split.build(leaves).backward()
    assert [x.grad for x in leaves] == [0.0, 2.0, 4.0, 4.0, 7.0]


def test_apply_engine_uses_the_op_table_and_the_power_operator():
    w1, w2, x1, x2 = Value(1.0), Value(2.0), Value(3.0), Value(4.0)
    d = apply_engine("dot", [w1, w2, x1, x2])
    assert (d.op, d.data, d.parents) == ("dot", 11.0, (w1, w2, x1, x2))
    assert apply_engine("**", [x1, 2.0]).data == 9.0
    with pytest.raises(DomainError, match="whole-number b"):  # as user code would
        apply_engine("**", [Value(-2.0), Value(0.5)])


# --- the strategy's promises -----------------------------------------------------------------


@given(programs(min_leaves=2, max_leaves=3, min_ops=2, max_ops=5, max_depth=2))
def test_size_and_depth_stay_within_the_limits(program):
    assert 2 <= program.n_leaves <= 3
    body = program.instructions[:-1] if program.instructions[-1].op == "sum" else program.instructions
    assert len(body) <= 5
    assert max(_depths(program)) <= 3  # the final sum may sit one above max_depth
    assert max(_depths(program)[: program.n_leaves + len(body)]) <= 2


@given(programs())
def test_every_leaf_and_result_reaches_the_output(program):
    registers = program.n_leaves + len(program.instructions)
    assert all(program.uses(r) >= 1 for r in range(registers - 1))
    assert len(program.instructions) >= 1


@given(programs())
def test_floats_and_values_compute_the_same_numbers(program):
    floats = program.run(list(program.inputs))
    values = program.run(program.leaves())
    assert [v.data for v in values] == floats
    assert all(math.isfinite(x) and abs(x) <= 4e3 for x in floats)  # 1e3 each, the final sum of up to 4 more


@given(programs(), st.integers(0, 7), st.sampled_from([-1e-6, 1e-6]))
def test_a_leaf_step_of_1e_6_stays_in_every_domain_and_on_the_same_side_of_every_kink(program, leaf, step):
    leaf %= program.n_leaves
    moved = list(program.inputs)
    moved[leaf] += step
    here = _operands(program, program.run(list(program.inputs)))
    there = _operands(program, program.run(moved))  # raises DomainError if a step leaves a domain
    for (op, args), (_, a), (_, b) in zip(program.instructions, here, there):
        for k in micrograd.OPS[op].kinks if type(args[0]) is int else ():  # kinks are in the first operand
            assert (a[0] >= k) == (b[0] >= k) and abs(a[0] - k) > 1e-3, f"{op} at {a[0]} moved to {b[0]}\n{program}"


@given(programs(ops=["+", "exp", "log"]))
def test_ops_limits_the_ops_used(program):
    assert {op for op, _ in program.instructions} <= {"+", "exp", "log", "sum"}


@given(st.data())
def test_inputs_fixes_the_leaves(data):
    xs = data.draw(st.lists(st.floats(-2, 2), min_size=1, max_size=3))
    assert data.draw(programs(inputs=xs)).inputs == tuple(xs)


def test_unknown_ops_are_refused():
    with pytest.raises(ValueError, match=r"ops must be names from micrograd.OPS, got \['cube'\]"):
        find(programs(ops=["cube"]), lambda p: True)


def _features(strategy, found):
    """What 400 programs (the same 400 every run) show, by the names in ``found``."""
    seen = set()

    @settings(max_examples=400, derandomize=True, database=None)
    @given(strategy)
    def collect(p):
        seen.update(name for name, has in found.items() if has(p))

    collect()
    return seen


def test_every_op_shared_results_constants_and_deep_chains_get_generated():
    body = lambda p: p.instructions[:-1] if p.instructions[-1].op == "sum" else p.instructions  # noqa: E731
    found = {name: (lambda p, name=name: any(op == name for op, _ in body(p))) for name in micrograd.OPS}
    found.update({
        "a result read twice": lambda p: any(p.uses(r) >= 2 for r in range(p.n_leaves, p.n_leaves + len(p.instructions))),
        "a register read twice by one op": lambda p: any(len(set(a)) < len(a) for _, a in p.instructions),
        "a constant": lambda p: any(type(a) is float for _, args in p.instructions for a in args),
        "a chain five ops deep": lambda p: max(_depths(p)) >= 5,
    })
    assert _features(programs(), found) == set(found)


def test_with_kinks_allowed_some_op_sits_exactly_at_its_kink():
    def at_kink(p):
        return any(a[0] in micrograd.OPS[op].kinks for op, a in _operands(p, p.run(list(p.inputs))))

    assert _features(programs(avoid_kinks=False), {"at a kink": at_kink}) == {"at a kink"}


# --- the helpers catch engines that break the laws -----------------------------------------------


def test_backward_matches_numeric_catches_a_wrong_derivative(monkeypatch):
    p = Program((0.5,), [("tanh", (0,))])
    assert_backward_matches_numeric(p)
    monkeypatch.setattr(micrograd.OPS["tanh"], "local_grads", lambda out, x: (1.0 - out,))
    with pytest.raises(AssertionError, match=r"(?s)disagree for 1 of 1 inputs.*on the program\nx0 = 0.5\nt0 = tanh\(x0\)"):
        assert_backward_matches_numeric(p)


def test_backward_matches_numeric_fails_at_a_kink_unless_allowed():
    p = Program((0.0,), [("relu", (0,))])
    with pytest.raises(AssertionError, match=r"(?s)at a kink.*t0 = relu\(x0\)"):
        assert_backward_matches_numeric(p)
    assert_backward_matches_numeric(p, allow_kinks=True)


def test_backward_matches_numeric_takes_other_inputs_and_tolerances():
    p = Program((0.0,), [("relu", (0,))])
    assert_backward_matches_numeric(p, inputs=[1.0], eps=1e-4, atol=1e-8, rtol=0.0)


def _overwriting_backward(self):
    """The classic slip: p.grad = ... instead of p.grad += ..., so fan-out loses gradient."""
    order = micrograd.backward_order(self)
    for v in order:
        v.grad = 0.0
    self.grad = 1.0
    for v in order:
        for p, local in zip(v.parents, v.local_grads):
            p.grad = local * v.grad


def test_fan_out_sums_catches_a_backward_that_overwrites(monkeypatch):
    p = Program((3.0,), [("*", (0, 0))])
    assert_fan_out_sums(p)
    monkeypatch.setattr(Value, "backward", _overwriting_backward)
    with pytest.raises(AssertionError, match=r"dL/dx0 = 3.0, but its 2 uses, split apart, get \[3.0, 3.0\]"):
        assert_fan_out_sums(p)


def test_backward_twice_catches_a_backward_that_resets_leaves(monkeypatch):
    p = Program((3.0, 2.0), [("*", (0, 1))])
    assert_backward_twice_doubles(p)
    monkeypatch.setattr(Value, "backward", _overwriting_backward)  # zeroes leaf gradients too
    with pytest.raises(AssertionError, match="after two backward"):
        assert_backward_twice_doubles(p)


def test_no_grad_helper_catches_a_no_grad_that_records(monkeypatch):
    p = Program((3.0,), [("exp", (0,))])
    assert_no_grad_records_nothing(p)
    monkeypatch.setattr("micrograd.testing.no_grad", contextlib.nullcontext)
    with pytest.raises(AssertionError, match="recorded 'exp'"):
        assert_no_grad_records_nothing(p)


def test_linearity_catches_a_wrong_product_rule(monkeypatch):
    f, g = Program((0.3,), [("tanh", (0,))]), Program((0.3,), [("exp", (0,))])
    assert_linearity(f, g, 2.0, -3.0)
    monkeypatch.setattr(micrograd.OPS["*"], "local_grads", lambda out, a, b: (1.0, 1.0))
    with pytest.raises(AssertionError, match=r"d\(a\*f \+ b\*g\)/dx0"):
        assert_linearity(f, g, 2.0, -3.0)


def test_linearity_needs_shared_inputs():
    with pytest.raises(ValueError, match="the same inputs"):
        assert_linearity(Program((1.0,), [("exp", (0,))]), Program((2.0,), [("exp", (0,))]), 1.0, 1.0)


def test_leaf_order_needs_a_permutation():
    p = Program((1.0, 2.0), [("*", (0, 1))])
    assert_leaf_order_invariant(p, [1, 0])
    with pytest.raises(ValueError, match=r"a permutation of range\(2\), got \[0, 0\]"):
        assert_leaf_order_invariant(p, [0, 0])


@given(programs(max_ops=10))
def test_constants_keep_away_from_zero(program):
    # a constant divisor like 6e-67 would bend x*x / c too sharply for central differences
    for instruction in program.instructions:
        for arg in instruction.args:
            if type(arg) is float:
                assert abs(arg) >= 0.1
