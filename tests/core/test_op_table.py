"""The op table is the one place for an op: a row added here shows up everywhere."""

from __future__ import annotations

import io
import math
import re
from contextlib import redirect_stdout

import pytest
from hypothesis import HealthCheck, find, settings

import micrograd
import nn
from micrograd import OPS, Value, ops
from micrograd.cli import main
from micrograd.testing import programs
from repository import ROOT

README = ROOT / "README.md"


@pytest.fixture
def cube():
    """A row the table did not have: x^3, d/dx = 3x^2, an activation."""
    row = ops.add_row(ops.Op("cube", "x * x * x", ("3.0 * x * x",), activation=True))
    yield row
    del OPS["cube"]


def test_a_new_row_is_a_micrograd_function(cube):
    x = Value(2.0, "x")
    y = micrograd.cube(x)
    assert (y.data, y.op, y.parents, y.local_grads) == (8.0, "cube", (x,), (12.0,))
    assert micrograd.cube(3.0) == 27.0 and "cube" in dir(micrograd)


def test_a_new_row_is_a_function_of_the_command_line(cube):
    out = io.StringIO()
    with redirect_stdout(out):
        status = main(["grad", "cube(x)", "x=2"])
    assert status == 0
    assert re.search(r"^x\s+2\s+12$", out.getvalue(), re.MULTILINE), out.getvalue()


def test_a_new_activation_row_is_an_activation_nn_accepts(cube):
    unit = nn.Neuron(2, "cube", seed=0)
    z = unit([1.0, 2.0])
    assert z.op == "cube" and math.isclose(z.data, z.parents[0].data ** 3)


def test_a_new_row_is_in_the_generated_programs(cube):
    program = find(
        programs(min_ops=1, max_ops=3),
        lambda p: any(op == "cube" for op, _ in p.instructions),
        settings=settings(database=None, max_examples=2000, suppress_health_check=list(HealthCheck)),
    )
    assert any(op == "cube" for op, _ in program.instructions)


def test_a_new_row_is_in_the_readme_table(cube):
    assert "| `cube` | `x * x * x` | d/dx = `3.0 * x * x` |" in ops.markdown_table()


def test_a_new_row_works_under_create_graph(cube):
    assert micrograd.hessian(lambda x: micrograd.cube(x), [2.0]) == [[12.0]]  # d2/dx2 x^3 = 6x


def test_the_readme_shows_the_table_as_it_is():
    text = README.read_text(encoding="utf-8")
    start, end = text.index("<!-- op table -->\n") + len("<!-- op table -->\n"), text.index("<!-- end of op table -->")
    assert text[start:end].strip() == ops.markdown_table(), "regenerate: python -c 'import micrograd.ops as o; print(o.markdown_table())'"


def test_every_value_method_applies_the_row_of_its_name():
    x = Value(0.7)
    for name, op in OPS.items():
        method = getattr(Value, name, None)
        if method is not None and name.isidentifier():
            assert method(x).op == name, name
            assert method.__doc__, f"Value.{name} needs a docstring with its formula"


def test_a_row_name_can_not_be_taken_twice():
    with pytest.raises(ValueError, match="already has a row 'tanh'"):
        ops.add_row(ops.Op("tanh", "x", ("1.0",)))


def test_a_row_added_by_the_user_can_be_replaced_but_not_a_built_in_one(cube):
    with pytest.raises(ValueError, match="pass replace=True"):
        ops.add_row(ops.Op("cube", "x * x * x", ("3.0 * x * x",)))
    better = ops.add_row(ops.Op("cube", "x ** 3.0", ("3.0 * x ** 2.0",)), replace=True)
    assert OPS["cube"] is better and micrograd.cube(Value(2.0)).local_grads == (12.0,)
    with pytest.raises(ValueError, match="engine's own"):
        ops.add_row(ops.Op("relu", "x", ("1.0",)), replace=True)


def test_an_op_outside_the_table_is_refused_with_what_to_do():
    stray = ops.Op("stray", "2.0 * x", ("2.0",))
    with pytest.raises(ValueError, match=r"not a row of micrograd.OPS; add it with micrograd.ops.add_row"):
        stray(Value(1.0))


def test_a_row_may_bring_float_functions_for_its_value():
    row = ops.add_row(ops.Op("logcosh", "log(cosh(x))", ("tanh(x)",), functions={"cosh": math.cosh}))
    try:
        y = row(Value(0.8))
        assert y.data == math.log(math.cosh(0.8)) and y.local_grads == (math.tanh(0.8),)
        assert micrograd.hessian(lambda x: row(x), [0.8]) == [[1.0 - math.tanh(0.8) ** 2]]
    finally:
        del OPS["logcosh"]


def test_create_graph_refuses_a_derivative_written_with_a_float_function():
    # sinh is no row: on Values it would return a float and cut the graph (a second derivative of 0)
    row = ops.add_row(ops.Op("cosh2", "cosh(x)", ("sinh(x)",), functions={"cosh": math.cosh, "sinh": math.sinh}))
    try:
        assert row(Value(1.0)).local_grads == (math.sinh(1.0),)  # the first derivative is fine
        with pytest.raises(TypeError, match="calls sinh, a float function, not a row"):
            micrograd.hessian(lambda x: row(x), [1.0])
    finally:
        del OPS["cosh2"]


def test_a_node_of_a_replaced_row_is_refused_by_compile_and_create_graph(cube):
    y = micrograd.cube(Value(3.0))
    ops.add_row(ops.Op("cube", "x * x", ("2.0 * x",)), replace=True)  # another rule under the same name
    with pytest.raises(ValueError, match="earlier row of that name"):
        micrograd.compile(y)
    with pytest.raises(ValueError, match="earlier row of that name"):
        y.backward(create_graph=True)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: ops.Op("cube", "x ** 3", "3.0 * x * x"), "one text only for an n-ary row"),
        (lambda: ops.Op("two", "a * b", ("b",), operands=("a", "b")), r"1 derivative\(s\) for 2 operand"),
        (lambda: ops.Op("f\n    print('x')", "x", ("1.0",)), "printable characters without spaces"),
        (lambda: ops.Op("", "x", ("1.0",)), "printable characters without spaces"),
    ],
)
def test_a_malformed_row_is_refused_naming_it(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_a_row_may_not_hide_a_name_of_micrograd():
    with pytest.raises(ValueError, match="that is micrograd.compile; give the row another name"):
        ops.add_row(ops.Op("compile", "x", ("1.0",)))
    assert "compile" not in OPS


def test_dot_called_as_a_row_needs_an_even_count():
    with pytest.raises(micrograd.DomainError, match="even count"):
        OPS["dot"](Value(1.0), Value(2.0), Value(3.0))


# --- rows live in their own namespace --------------------------------------------------------


@pytest.mark.parametrize("name, what", [
    ("nonnegative", "a function the rows' text calls"), ("power_slope", "a function the rows' text calls"),
    ("fsum", "a function the rows' text calls"), ("right", "a function the rows' text calls"),
    ("float", "a function the rows' text calls"), ("zip", "a Python builtin"), ("print", "a Python builtin"), ("lambda", "a Python keyword"),
    ("viz", "micrograd.viz"), ("compile", "micrograd.compile"), ("engine", "micrograd.engine"), ("testing", "micrograd.testing"),
])
def test_a_row_may_not_take_the_name_of_a_helper_a_builtin_or_a_name_of_micrograd(name, what):
    with pytest.raises(ValueError, match=re.escape(f"a row can not be named {name!r}: that is {what}")):
        ops.add_row(ops.Op(name, "x", ("1.0",)))
    assert name not in OPS


def test_a_row_named_like_the_kink_helper_can_not_change_other_rows():
    # once, a row named "right" (the kink helper's old name) replaced it in every row's
    # create_graph: relu'(-2) came out 1.0
    with pytest.raises(ValueError):
        ops.add_row(ops.Op("right", "x", ("1.0",)))
    for build, want in [(lambda x: x.relu(), 0.0), (lambda x: abs(x), -1.0), (lambda x: x.prelu(), 0.25),
                        (lambda x: x.elu(), math.exp(-2.0))]:
        x = Value(-2.0)
        build(x).backward(create_graph=True)
        assert float(x.grad) == pytest.approx(want, rel=1e-15)


def test_a_users_row_is_not_in_reach_of_another_rows_text(cube):
    # the create_graph text of every engine row sees the helpers and the engine's own rows, never a user's row
    x = Value(0.7)
    (x.tanh() * x.sigmoid()).backward(create_graph=True)
    g = x.grad
    g.backward()
    assert "cube" not in {v.op for v in micrograd.backward_order(g)}


def test_text_with_the_old_name_of_the_kink_helper_still_works_and_says_the_new_one():
    with pytest.warns(DeprecationWarning, match=r"calls right\(\), which is now nonnegative\(\)"):
        row = ops.Op("hinge1", "x if right(x) else 0.0", ("1.0 if right(x) else 0.0",))
    ops.add_row(row)
    try:
        assert micrograd.hinge1(Value(-1.0)).local_grads == (0.0,) and micrograd.hinge1(Value(0.0)).local_grads == (1.0,)
        x = Value(0.5)
        prog = micrograd.compile(micrograd.hinge1(x) * 2.0)
        assert prog([-3.0]) == (0.0, [0.0]) and prog([3.0]) == (6.0, [2.0])
    finally:
        del OPS["hinge1"]
