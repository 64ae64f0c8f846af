"""micrograd.cli.playground, what the playground page runs in the browser, reads an expression
and its inputs as ``micrograd grad`` does: the same table, and for bad input the same
one-line message the command prints (after its ``micrograd grad: error: ``). Here in
CPython, with the dot program; tests/course/test_playground.py drives the page itself."""

from __future__ import annotations

import json

import pytest

from micrograd import Value
from micrograd.cli import main
from micrograd.cli.playground import run

PREFIX = "micrograd grad: error: "


def command(capsys, expression: str, inputs: str) -> tuple[int, str, str]:
    status = main(["grad", expression, *inputs.split()])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("expression, inputs", [
    ("tanh(x*w + b)", "x=2 w=-0.5 b=0.3"),
    ("relu(a) * a - 3", "a=1.5"),
    ("2 + 3", ""),
    ("x", "x=4"),
])
def test_the_table_is_the_command_s(capsys, dot_program, expression, inputs):
    status, out, _ = command(capsys, expression, inputs)
    shown = json.loads(run(expression, inputs))
    assert status == 0 and shown["table"] == out.rstrip("\n")


@pytest.mark.parametrize("expression, inputs", [
    ("tanh(x*w + c)", "x=2 w=-0.5 b=0.3"),
    ("tanh(x*w + b)", "x=2 w=-0.5"),
    ("tanh(x*w + b", "x=2 w=-0.5 b=0.3"),
    ("tanhh(x)", "x=1"),
    ("x.data", "x=1"),
    ("log(x)", "x=0"),
    ("x", "x=two"),
    ("x", "x=1 x=2"),
    ("x", "x=1 y=2"),
    ("x", "1x=2"),
])
def test_bad_input_gets_the_command_s_message(capsys, expression, inputs):
    status, out, err = command(capsys, expression, inputs)
    assert status == 2 and err.startswith(PREFIX)
    assert json.loads(run(expression, inputs)) == {"error": err[len(PREFIX):].rstrip("\n")}


def test_an_empty_expression_and_an_unclosed_quote_are_said_so():
    assert "type an expression" in json.loads(run("  ", "x=1"))["error"]
    assert json.loads(run("x", 'x="1'))["error"].startswith("inputs 'x=\"1': No closing quotation")


def test_what_cannot_be_drawn_or_compiled_says_why(dot_program):
    constant = json.loads(run("2 + 3", ""))
    assert constant["table"] == "2 + 3 = 5" and constant["graph"] is None and constant["program"] is None
    assert constant["notes"]["graph"] == "'2 + 3' uses no input, so it has no graph to draw"
    leaf = json.loads(run("x", "x=4"))
    assert leaf["program"] is None and "is a leaf" in leaf["notes"]["program"] and leaf["steps"]
    big = json.loads(run("sum(" + ", ".join(f"x*{k} + 1" for k in range(200)) + ")", "x=1"))  # x, 400 terms, the sum
    assert big["graph"] is None and big["steps"] is None
    assert "the graph has 402 values; the page draws at most 300" in big["notes"]["graph"]
    assert big["program"] and big["table"].startswith("sum(") and big["table"].split("\n")[0].endswith(" = 20100")
    assert big["table"].split("\n")[2].split() == ["x", "1", "19900"]


def test_the_picture_and_the_steps_are_micrograd_s(dot_program):
    shown = json.loads(run("tanh(x*w + b)", "x=2 w=-0.5 b=0.3"))
    assert shown["steps"].startswith('<div class="mg-steps"') and "step 0 of 6" in shown["steps"]
    assert shown["graph"].startswith('<div class="mg-drawing"')
    x, w, b = Value(2.0, "x"), Value(-0.5, "w"), Value(0.3, "b")
    from micrograd import compile

    assert shown["program"] == compile((x * w + b).tanh()).source
