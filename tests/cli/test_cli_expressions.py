"""The command line's expression language, as laws over generated text.

- Any expression of the grammar (numbers, bound names, + - * / **, unary minus,
  parentheses) has, through ``micrograd grad``, the value Python's own float arithmetic
  gives the same text; where Python cannot compute it (division by zero, a complex
  power, an overflow), the command refuses it in one line with status 2.
- Any text at all, as the expression or as an input, ends in status 0 or 2, never a
  traceback; a refusal is one line.

Python's ``eval`` of the text, in a namespace holding only the bound floats, is the
independent reference here, in the test; micrograd itself never evaluates text.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import tempfile

from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd.cli import main

NAMES = ("x", "y", "z")
# Values on a grid of quarters: exact in binary, so no subnormal differences whose
# reciprocal's derivative overflows while the value does not.
GRID = st.integers(-40, 40).map(lambda k: k / 4)
# Literals written as floats, so that Python computes the text in floats too (an int
# literal would make 3 ** 40 exact in Python and rounded in float64).
LITERALS = st.sampled_from(["0.0", "0.5", "1.0", "2.0", "2.5", "3.0", "10.0", "0.25", "1e1", "7.5"])
EXPONENTS = st.sampled_from(["2.0", "3.0", "0.5", "-1.0", "(-2.0)", "1.0"])


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


@contextlib.contextmanager
def in_empty_directory():
    """Run in a fresh directory: generated text such as --svg=f must not write here."""
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)
        try:
            yield scratch
        finally:
            os.chdir(here)


def expressions() -> st.SearchStrategy[str]:
    """Text of the grammar; ``**`` takes a literal exponent (a Value exponent needs a
    positive base in micrograd, which Python does not ask of floats)."""
    leaves = st.one_of(st.sampled_from(NAMES), LITERALS)

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from([" + ", " - ", " * ", " / ", "+", "-", "*", "/"]), inner).map("".join),
            st.tuples(inner, st.sampled_from(["**", " ** "]), EXPONENTS).map("".join),
            inner.map(lambda e: f"-{e}"),
            inner.map(lambda e: f"({e})"),
        )

    return st.recursive(leaves, extend, max_leaves=8)


def python_value(text: str, values: dict[str, float]) -> float | None:
    """What Python's float arithmetic gives for ``text``; None where it gives no real,
    finite number."""
    try:
        result = eval(text, {"__builtins__": {}}, dict(values))  # the reference, in the test only
    except (ZeroDivisionError, OverflowError):
        return None
    if isinstance(result, complex) or not math.isfinite(result):
        return None
    return float(result)


@settings(max_examples=100)
@given(expressions(), st.fixed_dictionaries({name: GRID for name in NAMES}))
def test_grad_computes_what_python_computes(text, values):
    values = {n: v for n, v in values.items() if n in text}  # an input the text does not use is refused
    argv = ["grad", text, *(f"{n}={v!r}" for n, v in values.items()), "--digits", "17"]
    status, out, err = run(argv)
    expected = python_value(text, values)
    if expected is None:
        assert status == 2 and out == "" and err.count("\n") == 1, (text, values, status, err)
        assert err.startswith("micrograd grad: error: column ")
        return
    assert (status, err) == (0, ""), (text, values, err)
    first = out.splitlines()[0]
    assert first.startswith(f"{text.strip()} = ")
    assert float(first.rsplit(" = ", 1)[1]) == expected, (text, values, first)  # 17 digits: every float64 exactly


JUNK = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="xyz0123456789.eE+-*/%@()[]{},:;=<>!~&|^'\"\\ _ab\t", max_size=40),
    st.lists(st.sampled_from(["x", "1", "2.5", "+", "-", "*", "/", "**", "(", ")", "tanh", "sum", "dot", "[", "]", ",", "alpha=", "=", " "]), max_size=15).map("".join),
)


@settings(max_examples=100)
@given(JUNK, st.lists(st.one_of(JUNK, st.builds("x={}".format, JUNK)), max_size=3))
def test_any_text_ends_in_status_0_or_2_and_never_a_traceback(expression, inputs):
    with in_empty_directory():
        status, out, err = run(["grad", expression, *inputs])
    assert status in (0, 2), (expression, inputs, status, err)
    assert "Traceback" not in err
    if status == 2:
        assert err.count("\n") == 1 and err.startswith("micrograd grad: error: "), (expression, inputs, err)
