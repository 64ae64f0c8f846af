"""micrograd.compile: the generated program computes what backward() computes, bit for bit,
at any new leaf values; labels never become code; bad input gets a clear error."""

import contextlib
import io
import math
import os
import sys
import tokenize

import pytest
from hypothesis import given
from hypothesis import strategies as st

import micrograd
from micrograd import DomainError, Value
from micrograd.testing import programs

compile_module = sys.modules["micrograd.compiler"]


@contextlib.contextmanager
def part_lines(n):
    """Generated functions of at most n lines (so that small graphs are split too)."""
    old = compile_module.PART_LINES
    compile_module.PART_LINES = n
    try:
        yield
    finally:
        compile_module.PART_LINES = old


def bits(x):
    """A float as its exact text: -0.0 and 0.0 differ, every nan is 'nan'."""
    return repr(x)


def engine_at(program, inputs):
    """The engine's value and gradients for ``program`` rebuilt on leaves at ``inputs``,
    or the error it raised while building."""
    leaves = [Value(x, f"x{i}") for i, x in enumerate(inputs)]
    try:
        root = program.build(leaves)
    except Exception as e:  # noqa: BLE001 - the compiled program must raise the same
        return e
    root.backward()
    return root.data, leaves


def assert_same_as_engine(prog, program, inputs):
    """``prog`` at ``inputs`` equals the engine on the same graph rebuilt there, bit for bit."""
    expected = engine_at(program, inputs)
    order = [int(x.label[1:]) for x in prog.leaves]  # prog.leaves are the traced x0, x1, ...
    values = [inputs[i] for i in order]
    if isinstance(expected, Exception):
        # Where several ops are outside their domain, the program may meet another one first
        # (it runs the nodes in a topological order, not in the order they were built).
        with pytest.raises(DomainError if isinstance(expected, DomainError) else type(expected)) as caught:
            prog(values)
        if isinstance(expected, DomainError):
            error = caught.value
            assert error.op in {op for op, _ in program.instructions} and str(error).startswith(f"{error.op}: {error.value}")
        return
    data, leaves = expected
    value, grads = prog(values)
    assert bits(value) == bits(data), f"value {value!r} != {data!r}\n{program}\nat {inputs}\n{prog.source}"
    assert list(map(bits, grads)) == [bits(leaves[i].grad) for i in order], f"{program}\nat {inputs}\n{prog.source}"


moved = st.floats(-3.0, 3.0, allow_nan=False)


@given(st.data(), programs(avoid_kinks=False))
def test_the_compiled_program_equals_backward_at_new_leaf_values(data, program):
    prog = micrograd.compile(program.build(program.leaves()))
    with part_lines(5):
        split = micrograd.compile(program.build(program.leaves()))
    for _ in range(3):
        inputs = data.draw(st.lists(moved, min_size=program.n_leaves, max_size=program.n_leaves), label="new inputs")
        assert_same_as_engine(prog, program, inputs)
        assert_same_as_engine(split, program, inputs)


@given(programs(max_leaves=6, max_ops=24, max_depth=10))
def test_the_compiled_program_equals_backward_on_larger_graphs_slightly_moved(program):
    prog = micrograd.compile(program.build(program.leaves()))
    inputs = [x + 1e-7 * (-1) ** i for i, x in enumerate(program.inputs)]  # inside the domain, past no kink
    assert_same_as_engine(prog, program, inputs)


@given(st.data(), programs())
def test_backward_on_the_leaves_accumulates_as_backward_does(data, program):
    leaves = program.leaves()
    root = program.build(leaves)
    prog = micrograd.compile(root)
    old = data.draw(st.lists(moved, min_size=len(leaves), max_size=len(leaves)), label="old grads")
    for x, g in zip(leaves, old):
        x.grad = g
    prog.backward()
    got = [x.grad for x in leaves]
    again = program.leaves()
    for x, g in zip(again, old):
        x.grad = g
    expected = program.build(again)
    expected.backward()
    assert list(map(bits, got)) == [bits(x.grad) for x in again]
    assert bits(root.data) == bits(expected.data)


def test_tanh_x_w_plus_b_reads_as_the_chain_rule():
    x, w, b = Value(0.5, "x"), Value(-1.5, "w"), Value(0.25, "b")
    prog = micrograd.compile((x * w + b).tanh())
    assert prog.leaves == (x, w, b)
    lines = [line.strip() for line in prog.source.splitlines()]
    for expected in ("v1 = x * w  # *", "v2 = v1 + b  # +", "out = tanh(v2)  # tanh",
                     "g_v1 = 0.0 + g_v2  # +", "g_b += g_v2  # +", "g_x += w * g_v1  # *", "g_w += x * g_v1  # *"):
        assert expected in lines, f"{expected!r} not in\n{prog.source}"
    # d/dx tanh(xw + b) = (1 - tanh^2) w, and so on
    t = math.tanh(0.5 * -1.5 + 0.25)
    value, grads = prog([0.5, -1.5, 0.25])
    assert value == t
    assert grads == pytest.approx([(1 - t * t) * -1.5, (1 - t * t) * 0.5, 1 - t * t], rel=1e-15)


def test_n_ary_rows_get_one_line_per_edge_with_the_partner_named():
    w1, w2, x1, x2 = (Value(v, n) for v, n in ((0.5, "w1"), (-2.0, "w2"), (3.0, "x1"), (1.5, "x2")))
    prog = micrograd.compile(micrograd.sum([micrograd.dot([w1, w2], [x1, x2]), x1, 2.0]))
    lines = [line.strip() for line in prog.source.splitlines()]
    for expected in ("v1 = fsum(map(mul, (w1, w2), (x1, x2)))  # dot", "out = fsum((v1, x1, 2.0))  # sum",
                     "g_w1 += x1 * g_v1  # dot", "g_x2 += w2 * g_v1  # dot", "g_x1 += g_out  # sum"):
        assert expected in lines, f"{expected!r} not in\n{prog.source}"
    assert prog([0.5, -2.0, 3.0, 1.5]) == (0.5 * 3.0 - 2.0 * 1.5 + 3.0 + 2.0, [3.0, 1.5, 1.5, -2.0])


def test_control_flow_seen_while_tracing_is_baked_in_but_kinks_inside_ops_are_not():
    x = Value(2.0, "x")
    y = (x * 3.0 if x.data > 0 else x * -1.0).relu()  # Python's `if` looked at x.data once
    prog = micrograd.compile(y)
    assert prog([-1.0]) == (0.0, [0.0])  # still x * 3, and relu is off at -3
    assert prog([1.0]) == (3.0, [3.0])


HOSTILE = [
    "x; __import__('os').system('id')", "a\nb = 1\nimport os", "quote ' and \" both", "back\\slash\\n",
    "θ", "é", "x", "x", "lambda", "class", "print", "exp", "tanh", "fail", "v1", "g_x", "out", "values", "grads",
    "state", "backprop", "part1", "\r\u2028# line?", "",
]


def hostile_graph(labels):
    """Leaves labelled ``labels``, interior nodes labelled with them in reverse, summed."""
    leaves = [Value(0.1 * (k + 1), label) for k, label in enumerate(labels)]
    terms = []
    for k, x in enumerate(leaves):
        t = (x * leaves[k - 1]).tanh() if k % 2 else x.exp()
        t.label = labels[-1 - k]
        terms.append(t)
    root = micrograd.sum(terms)
    root.label = "out" if labels[0] else ""
    return leaves, root


def code_lines(source):
    return [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type == tokenize.NEWLINE]


def test_hostile_labels_leave_the_program_inert_and_correct(monkeypatch):
    monkeypatch.setattr("os.system", lambda *a: pytest.fail("a label ran as code"))
    leaves, root = hostile_graph(HOSTILE)
    root.backward()
    for size in (compile_module.PART_LINES, 7):
        with part_lines(size):
            prog = micrograd.compile(root)
            plain = micrograd.compile(hostile_graph([""] * len(HOSTILE))[1])
        value, grads = prog([x.data for x in prog.leaves])
        assert value == root.data and grads == [x.grad for x in prog.leaves]
        tokens = list(tokenize.generate_tokens(io.StringIO(prog.source).readline))
        names = {t.string for t in tokens if t.type == tokenize.NAME}
        assert all(n.isascii() and n.isidentifier() for n in names)
        assert not names & {"__import__", "os", "system", "import", "θ", "é"}
        strings = [t.string for t in tokens if t.type == tokenize.STRING]
        assert len(strings) == 1 and strings[0].startswith('"""The forward pass')  # the docstring only
        comments = " ".join(t.string for t in tokens if t.type == tokenize.COMMENT)
        for label in HOSTILE:
            assert repr(label) in comments or label in names or not label
        # one line per node and per edge, plus the fixed lines: no label added a line of code
        assert len(code_lines(prog.source)) == len(code_lines(plain.source))


def test_a_domain_error_at_run_time_names_the_op_the_value_and_the_label():
    x = Value(2.0, "x")
    prog = micrograd.compile(x.log() * 3.0)
    with pytest.raises(DomainError) as caught:
        prog([-1.0])
    with pytest.raises(DomainError) as engine:
        Value(-1.0, "x").log()
    assert str(caught.value) == str(engine.value) == "log: log(-1.0) at Value x: log is defined only for x > 0"
    assert (caught.value.op, caught.value.label) == ("log", "x")


def test_division_by_zero_at_run_time_is_the_engines_error():
    a, b = Value(1.0, "a"), Value(2.0, "b")
    prog = micrograd.compile(a / b)
    with pytest.raises(micrograd.DivisionByZeroError, match="division by zero") as caught:
        prog([1.0, 0.0])
    assert caught.value.label == "a, b"


def test_an_overflow_at_run_time_is_the_engines_float_overflow_error():
    x = Value(1.0, "x")
    prog = micrograd.compile(x.exp())
    with pytest.raises(micrograd.FloatOverflowError, match=r"exp\(800.0\)"):
        prog([800.0])


def test_constants_inf_and_nan_are_inlined_and_right():
    x = Value(1.0, "x")
    root = micrograd.sum([x * -2.0, x + math.inf, x * math.nan, x - -0.0])
    prog = micrograd.compile(root)
    assert "(-2.0)" in prog.source and "inf" in prog.source and "nan" in prog.source
    value, grads = prog([3.0])
    root.backward()
    assert bits(value) == bits(root.data) and bits(grads[0]) == bits(x.grad)


def test_outputs_beyond_the_roots_graph_are_computed_too_and_send_no_gradient():
    u, other = Value(0.5, "u"), Value(2.0, "other")
    y = u.sigmoid()  # what bce scores, while its loss reads u
    loss = (-u).softplus()
    prog = micrograd.compile(loss, outputs=[y, other * u, other])
    assert prog.leaves == (u, other)
    u.data, other.data = -1.0, 3.0
    prog.backward()
    assert y.data == micrograd.sigmoid(-1.0) and loss.data == micrograd.softplus(1.0)
    assert (u.grad, other.grad) == (-micrograd.sigmoid(1.0), 0.0)


def test_backward_writes_root_and_outputs_data_and_leaves_other_nodes_alone():
    x = Value(1.0, "x")
    y = x * 2.0
    z = y.exp()
    prog = micrograd.compile(z, outputs=[y])
    x.data, x.grad = 0.5, 10.0
    prog.backward()
    assert (z.data, y.data, x.grad) == (math.exp(1.0), 1.0, 10.0 + 2.0 * math.exp(1.0))
    assert y.grad == 0.0


@pytest.mark.parametrize("values, error, message", [
    ([1.0], ValueError, r"program: expected 2 values, one per leaf \('a', 'b'\), got 1"),
    ([1.0, 2.0, 3.0], ValueError, r"expected 2 values, one per leaf \('a', 'b'\), got 3"),
    ([1.0, "2"], TypeError, r"program: value 1 \(leaf 'b'\): expected a number, got str: '2'"),
    ([True, 2.0], TypeError, r"value 0 \(leaf 'a'\): expected a number, got bool"),
    ([Value(1.0), 2.0], TypeError, r"got a Value; use v.detach\(\)"),
    (3.0, TypeError, r"program: expected a list of 2 numbers, one per leaf \('a', 'b'\), got float: 3.0"),
])
def test_wrong_values_get_an_error_naming_the_count_and_the_leaves(values, error, message):
    prog = micrograd.compile(Value(1.0, "a") * Value(2.0, "b"))
    with pytest.raises(error, match=message):
        prog(values)


def test_whole_numbers_are_accepted_as_values():
    prog = micrograd.compile(Value(1.0, "a") * Value(2.0, "b"))
    assert prog([3, 4]) == (12.0, [4.0, 3.0])


def test_compile_of_something_that_is_not_a_value_or_of_a_leaf_says_what_it_got():
    with pytest.raises(TypeError, match="compile: expected the root Value of a graph, got float: 3.0"):
        micrograd.compile(3.0)
    with pytest.raises(ValueError, match="is a leaf, computed from nothing"):
        micrograd.compile(Value(1.0, "x"))
    with pytest.raises(TypeError, match=r"outputs\[0\] must be a Value, got float: 3.0"):
        micrograd.compile(Value(1.0) * 2.0, outputs=[3.0])


def test_a_program_holds_no_node_between_its_leaves_and_its_root():
    import gc
    import weakref

    x = Value(1.0, "x")
    middle = x * 2.0
    ref = weakref.ref(middle)
    prog = micrograd.compile(middle.tanh())
    prog.root.parents = prog.root.operands = ()  # cut the root off: only the program could keep the middle alive
    del middle
    gc.collect()
    assert ref() is None
    assert prog([0.25]) == (math.tanh(0.5), [pytest.approx(2 * (1 - math.tanh(0.5) ** 2), rel=1e-15)])


def test_leaves_in_a_given_order_with_an_extra_one_whose_gradient_stays():
    x, w, spare = Value(2.0, "x"), Value(3.0, "w"), Value(7.0, "spare")
    prog = micrograd.compile(x * w, leaves=[spare, w, x])
    assert prog.leaves == (spare, w, x)
    assert prog([7.0, 3.0, 2.0]) == (6.0, [0.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="leaves must list every leaf of the graph; missing Value"):
        micrograd.compile(x * w, leaves=[x])
    with pytest.raises(ValueError, match="leaves lists a Value twice"):
        micrograd.compile(x * w, leaves=[x, w, x])
    with pytest.raises(TypeError, match=r"leaves\[0\] must be a leaf Value"):
        micrograd.compile(x * w, leaves=[x * w, x, w])


def test_run_with_a_seed_adds_what_backward_adds_from_a_larger_sum():
    # L = 0.25 * y with y = x * w: dL/dy = 0.25 is the seed, the gradients are added to the old ones
    x, w = Value(2.0, "x"), Value(3.0, "w")
    y = x * w
    prog = micrograd.compile(y)
    x.grad, w.grad = 1.0, -1.0
    (y * 0.25).backward()
    assert prog.run([2.0, 3.0], [1.0, -1.0], 0.25) == (6.0, [x.grad, w.grad], [])


def test_a_row_that_brings_its_own_float_function_compiles_with_it(monkeypatch):
    from micrograd import ops

    row = ops.Op("logcosh_test", "log(cosh(x))", ("tanh(x)",), functions={"cosh": math.cosh})
    monkeypatch.setitem(ops.OPS, row.name, row)
    x = Value(0.5, "x")
    y = row(x * 2.0)
    prog = micrograd.compile(y)
    assert "cosh__" in prog.source
    value, grads = prog([-1.5])
    assert value == math.log(math.cosh(-3.0)) and grads == [2.0 * math.tanh(-3.0)]


# --- at real sizes: linear in the edges, for any fan-in ------------------------------------


def _compile_peak(build, n: int) -> int:
    import tracemalloc

    root = build(n)
    tracemalloc.start()
    try:
        micrograd.compile(root)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("build", [
    lambda n: micrograd.sum([Value(float(k)) for k in range(n)]),
    lambda n: micrograd.dot([Value(float(k)) for k in range(n)], [Value(1.0 / (k + 1)) for k in range(n)]),
], ids=["sum", "dot"])
def test_compiling_an_n_ary_node_takes_memory_linear_in_its_operands(build):
    # once, each edge of an n-operand node kept all n operand names: 4k / 8k / 16k operands
    # took 160 MB / 551 MB / 2.06 GB. Four times the operands must take about four times the
    # memory (16 times was the quadratic).
    small, large = _compile_peak(build, 1000), _compile_peak(build, 4000)
    assert large / small < 6, f"1000 operands: {small / 1e6:.1f} MB, 4000: {large / 1e6:.1f} MB"


class _Code(str):
    """A str whose repr and str are code: what a label must never pass on."""

    def __repr__(self) -> str:
        return "0); __import__('os').environ.__setitem__('MICROGRAD_PWNED', '1'); ("

    __str__ = __repr__


@pytest.mark.parametrize("when", ["built", "assigned"])
def test_a_label_is_stored_as_its_characters_so_no_repr_of_yours_reaches_a_program(when):
    # once, a str subclass assigned to .label after construction had its __repr__ pasted into the program
    text = _Code("x\n# not code")
    x = Value(2.0, text) if when == "built" else Value(2.0)
    if when == "assigned":
        x.label = text
    assert type(x.label) is str and x.label == "x\n# not code"
    prog = micrograd.compile((x * 3.0).tanh())
    assert "MICROGRAD_PWNED" not in prog.source and "__import__" not in prog.source
    assert prog([0.5]) == (math.tanh(1.5), [pytest.approx(3.0 * (1 - math.tanh(1.5) ** 2), rel=1e-15)])
    assert "MICROGRAD_PWNED" not in os.environ
