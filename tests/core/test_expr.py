"""Tests for micrograd.expr: the safe expression parser.

Golden numbers are computed here with plain float code (math), never by the code under
test. The fuzz tests state the law: any text gives a clean result or an ExprError.
"""

from __future__ import annotations

import ast
import builtins
import math
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd import OPS, Value
from micrograd.expr import functions, MAX_DEPTH, MAX_LENGTH, MAX_PARSE_NESTING, ExprError, evaluate, parse


def inputs(**values: float) -> dict[str, Value]:
    return {name: Value(v, name) for name, v in values.items()}


def error(source: str, **values: float) -> ExprError:
    with pytest.raises(ExprError) as e:
        evaluate(source, inputs(**values))
    return e.value


# --- what is computed ---------------------------------------------------------------


def test_tanh_neuron_value_and_gradients_by_hand():
    v = inputs(x=0.5, w=-1.2, b=0.3)
    out = evaluate("tanh(x*w + b)", v)
    out.backward()
    t = math.tanh(0.5 * -1.2 + 0.3)
    slope = 1 - t * t  # d tanh(u)/du
    assert out.data == pytest.approx(t, rel=1e-15)
    assert v["x"].grad == pytest.approx(slope * -1.2, rel=1e-14)
    assert v["w"].grad == pytest.approx(slope * 0.5, rel=1e-14)
    assert v["b"].grad == pytest.approx(slope, rel=1e-14)


def test_a_name_used_twice_gets_the_sum_of_its_gradients():
    v = inputs(x=3.0)
    out = evaluate("x*x + x", v)
    out.backward()
    assert out.data == 12.0
    assert v["x"].grad == 2 * 3.0 + 1  # d/dx (x^2 + x)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("-x**2", -9.0),  # ** binds tighter than unary minus
        ("2**3**2", 512.0),  # ** is right-associative
        ("x - 1 - 1", 1.0),  # - is left-associative
        ("x / 2 / 3", 0.5),
        ("+x", 3.0),
        ("(x + 1) * 2", 8.0),
        ("2 * 3", 6.0),
        ("1_000 + 0x10", 1016.0),
        ("x # a comment", 3.0),
    ],
)
def test_arithmetic_follows_python_precedence(source, expected):
    out = evaluate(source, inputs(x=3.0))
    assert float(out) == expected


def test_constants_only_give_a_plain_float():
    out = evaluate("2 * 3 + tanh(0)", {})
    assert type(out) is float and out == 6.0


def test_numbers_in_the_text_are_constants_not_nodes():
    v = inputs(x=2.0)
    out = evaluate("x * 5", v)
    assert out.parents == (v["x"],)
    assert out.operands == (v["x"], 5.0)


@pytest.mark.parametrize(
    "name, reference",
    [
        ("exp", math.exp),
        ("log", math.log),
        ("sqrt", math.sqrt),
        ("tanh", math.tanh),
        ("arctan", math.atan),
        ("sigmoid", lambda x: 1 / (1 + math.exp(-x))),
        ("softplus", lambda x: math.log(1 + math.exp(x))),
        ("relu", lambda x: max(x, 0.0)),
        ("abs", abs),
        ("identity", lambda x: x),
        ("step", lambda x: 1.0 if x >= 0 else 0.0),
        ("neg", lambda x: -x),
    ],
)
def test_each_function_of_one_operand(name, reference):
    for x in (0.7, 2.5):
        assert evaluate(f"{name}(x)", inputs(x=x)).data == pytest.approx(reference(x), rel=1e-14)


def test_every_one_operand_op_of_the_engine_is_callable():
    one = {name for name, op in OPS.items() if op.arity == 1 and name.isidentifier()}
    assert one <= set(functions())
    for name in one:
        evaluate(f"{name}(x)", inputs(x=0.5))


@pytest.mark.parametrize(
    "source, expected",
    [
        ("prelu(x)", 0.25 * -2.0),  # the engine's default slope
        ("prelu(x, 0.1)", 0.1 * -2.0),
        ("prelu(x, alpha=0.1)", 0.1 * -2.0),
        ("elu(x)", math.exp(-2.0) - 1),
        ("elu(x, 2)", 2 * (math.exp(-2.0) - 1)),
        ("prelu(-x, 0.1)", 2.0),
    ],
)
def test_prelu_and_elu_take_an_optional_alpha(source, expected):
    assert evaluate(source, inputs(x=-2.0)).data == pytest.approx(expected, rel=1e-14)


def test_alpha_may_be_an_input_with_its_own_gradient():
    v = inputs(x=-2.0, a=0.1)
    out = evaluate("prelu(x, a)", v)
    out.backward()
    assert v["a"].grad == -2.0  # d/da (a x) = x for x < 0
    assert v["x"].grad == 0.1


def test_alpha_by_name_is_alpha():
    v = inputs(x=-3.0, a=0.1)
    out = evaluate("prelu(x, alpha=a)", v)
    out.backward()
    assert out.data == pytest.approx(0.1 * -3.0, rel=1e-15)
    assert (v["x"].grad, v["a"].grad) == (0.1, -3.0)  # d/dx = alpha, d/dalpha = x for x < 0
    v = inputs(x=-3.0, a=2.0)
    assert evaluate("elu(x, alpha=a)", v).data == pytest.approx(2.0 * math.expm1(-3.0), rel=1e-15)


@pytest.mark.parametrize(
    "source, column, words",
    [
        ("prelu(alpha=x)", 1, "prelu needs its operand first, then alpha: call it as prelu(x, alpha=0.25)"),
        ("1 + elu(alpha=x)", 5, "elu needs its operand first, then alpha: call it as elu(x, alpha=1.0)"),
        ("tanh(x=1)", 6, "tanh takes no keyword argument x=; tanh(x)"),
        ("prelu(x=x, alpha=1)", 7, "prelu takes no keyword argument x="),
        ("sum(a=x)", 5, "sum takes no keyword argument a="),
    ],
)
def test_a_keyword_is_refused_unless_it_is_alpha_after_the_operand(source, column, words):
    e = error(source, x=-3.0)
    assert e.column == column and words in e.message


def test_sum_and_dot_are_one_node_each():
    v = inputs(w1=2.0, w2=3.0, x1=5.0, x2=7.0)
    s = evaluate("sum(w1, w2, 1)", v)
    assert s.op == "sum" and s.data == 6.0
    assert evaluate("sum([w1, w2])", v).data == 5.0
    d = evaluate("dot([w1, w2], [x1, x2])", v)
    assert d.op == "dot" and d.data == 2 * 5 + 3 * 7
    d.backward()
    assert (v["w1"].grad, v["x2"].grad) == (5.0, 3.0)


def test_unicode_names_as_python_reads_them():
    assert evaluate("ﬁ * 2", inputs(fi=1.5)).data == 3.0  # NFKC: the ligature is "fi"


# --- what is refused, and where -------------------------------------------------------


@pytest.mark.parametrize(
    "source, column, words",
    [
        ("foo(x)", 1, "unknown function 'foo'"),
        ("x + foo(x)", 5, "unknown function 'foo'"),
        ("__import__('os')", 1, "unknown function '__import__'"),
        ("x.real", 1, "attribute access (.real)"),
        ("x + x.__class__", 5, "attribute access (.__class__)"),
        ("__import__('os').system('true')", 1, "attribute access (.system)"),
        ("lambda: 1", 1, "lambda"),
        ("[x for x in [1]]", 1, "comprehension"),
        ("sum(x for x in [1])", 4, "comprehension"),
        ("x[0]", 1, "subscript"),
        ("z + 1", 1, "unbound name 'z'"),
        ("x * y", 5, "unbound name 'y'"),
        ("tanh + 1", 1, "tanh is a function"),
        ("x +", 4, "syntax error"),
        ("x +* 2", 4, "syntax error"),
        ("tanh(x", 5, "syntax error"),
        ("x % 2", 3, "operator '%'"),
        ("x // 2", 3, "operator '//'"),
        ("(x) @ (x)", 5, "operator '@'"),
        ("not x", 1, "operator 'not'"),
        ("~x", 1, "operator '~'"),
        ("x < 1", 1, "comparison"),
        ("x if x else 1", 1, "'if ... else'"),
        ("'a'", 1, "string"),
        ("f'{x}'", 1, "string"),
        ("True", 1, "not a real number"),
        ("1j", 1, "not a real number"),
        ("None", 1, "not a real number"),
        ("1e999", 1, "too large"),
        ("(y := 1)", 2, "assignment"),
        ("tanh(x, x)", 1, "tanh was given 2 argument(s)"),
        ("tanh()", 1, "tanh was given 0 argument(s)"),
        ("tanh(*[x])", 6, "unpacking"),
        ("tanh(**{})", 6, "no keyword argument"),
        ("elu(x, beta=1)", 8, "no keyword argument beta="),
        ("prelu(x, 0.1, alpha=0.2)", 1, "prelu was given 3 argument(s)"),
        ("exp(x)(1)", 1, "can be called, by name"),
        ("dot(x, x)", 5, "dot takes two lists"),
        ("dot([x], [x, x])", 1, "same length"),
        ("[x, x]", 1, "only as an argument of sum or dot"),
        ("x, x", 1, "only as an argument of sum or dot"),
        ("", 1, "empty"),
        ("   ", 4, "empty"),
        ("x\n+ 1", 2, "one line"),
        ("x\0", 2, "NUL"),
    ],
)
def test_refused_with_what_and_where(source, column, words):
    e = error(source, x=1.0)
    assert words in e.message
    assert e.column == column
    assert str(e).startswith(f"column {column}: ")
    assert "\n" not in str(e)


@pytest.mark.parametrize(
    "source, column, words",
    [
        ("log(x - 1)", 1, "log is defined only for x > 0"),
        ("x + sqrt(-x)", 5, "sqrt is defined only for x >= 0"),
        ("1 / (x - 1)", 3, "division by zero"),
        ("(x - 2) ** 0.5", 9, "whole-number"),
        ("exp(1000 * x)", 1, "overflows"),
        ("(x + 1) ** 1e6 + 1", 9, "overflows"),
        ("9**9**9", 2, "overflows"),  # numbers in the text are floats: no huge integer is ever built
        ("(-1) ** 0.5", 6, "whole-number"),  # plain floats would give a complex number
        ("1 / 0", 3, "division by zero"),
        ("1e308 * x * 10", 11, "too large for a float64"),
    ],
)
def test_a_computation_outside_its_domain_names_the_operation_and_its_column(source, column, words):
    e = error(source, x=1.0)
    assert words in e.message
    assert e.column == column


def test_columns_count_characters_not_bytes_and_include_leading_blanks():
    assert error("é + foo(x)", x=1.0, é=1.0).column == 5  # é is two bytes in UTF-8
    assert error("  foo(x)", x=1.0).column == 3
    assert error("  x +", x=1.0).column == 6
    assert evaluate("  x * 2", inputs(x=1.5)).data == 3.0


def test_limits_on_size_and_depth():
    assert "at most" in error("x" + " " * MAX_LENGTH).message
    deep = "+".join(["x"] * (MAX_DEPTH + 2))
    assert "nests more than" in error(deep, x=1.0).message
    assert evaluate("sum(" + ", ".join(["x"] * 1000) + ")", inputs(x=1.0)).data == 1000.0
    assert "4300 digits" in error("x + " + "1" * 5000, x=1.0).message
    assert error("x + " + "1" * 5000, x=1.0).column == 5
    error("-" * 5000 + "x", x=1.0)  # Python's own parser gives up; still an ExprError


def test_nesting_too_deep_for_the_parser_is_refused_before_parsing_on_every_python():
    # Python's parser nests a C call per level; in WebAssembly (Pyodide) a few thousand levels
    # overflowed the interpreter's stack, no Python error; CPython gave up in another way
    for deep in ("-" * 5000 + "x", "x" + "+x" * 4999, "(" * 150 + "-" * 700 + "x" + ")" * 150, "x + " + "1e-5*" * 1000 + "x"):
        e = error(deep, x=1.0)
        assert e.message == (f"the expression is nested too deeply to parse: more than {MAX_PARSE_NESTING} operators "
                             "inside one another; write long sums as sum(a, b, ...)")
    assert error("-" * 5000 + "x", x=1.0).column == MAX_PARSE_NESTING + 1  # at the first operator too many
    assert error("x" + "+x" * 4999, x=1.0).column == 2 * (MAX_PARSE_NESTING + 1)
    # a comma ends a count, strings are not operators: these reach the checks after parsing
    assert evaluate("sum(" + ", ".join(["x*x*x"] * 1000) + ")", inputs(x=1.0)).data == 1000.0
    assert "nests more than 200" in error("-" * MAX_PARSE_NESTING + "x", x=1.0).message
    assert "a string is not allowed" in error("'" + "-" * 2000 + "'", x=1.0).message


def test_nothing_is_evaluated_by_python(monkeypatch, tmp_path):
    def refuse(*args, **kwargs):
        raise AssertionError("eval/exec must not be used")

    real_compile = builtins.compile

    def syntax_tree_only(source, filename, mode, flags=0, *args, **kwargs):
        assert flags & ast.PyCF_ONLY_AST, "compile may only build a syntax tree (ast.parse), never code"
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    monkeypatch.setattr(builtins, "compile", syntax_tree_only)
    assert evaluate("tanh(x) * 2", inputs(x=0.0)).data == 0.0
    marker = tmp_path / "pwned"
    with pytest.raises(ExprError):
        evaluate(f"__import__('os').system('touch {marker}')", {})
    assert not os.path.exists(marker)


def test_values_must_be_finite():
    with pytest.raises(ValueError, match="the value of x is inf"):
        evaluate("x", {"x": math.inf})


def test_parse_checks_without_computing():
    tree = parse("log(x - 1)", {"x"})  # log(0) only at x = 1: nothing computed here
    assert tree.body is not None
    with pytest.raises(ExprError):
        parse("y", {"x"})
    with pytest.raises(TypeError):
        parse(b"x", {"x"})  # type: ignore[arg-type]


# --- fuzz: clean results or clean errors, nothing else --------------------------------

NAMES = {"x": 0.5, "y": -1.5, "z": 2.0}

TOKENS = [
    *NAMES, *functions(), "0", "1", "2.5", "1e3", "1e308", "0.0", "-", "+", "*", "/", "**", "(", ")", ",", "[", "]",
    " ", ".", "alpha=", "=", "lambda", ":", "for", "in", "if", "else", "'s'", "__import__", "os", "@", "%", "//",
    "not", "<", "j", "_", "\t", "#", ";", "*", "{", "}", "é",
]


def check_clean(source: str) -> None:
    try:
        out = evaluate(source, inputs(**NAMES))
    except ExprError as e:
        assert e.column >= 1
        assert "\n" not in str(e)
        return
    assert type(out) in (Value, float)
    data = out.data if type(out) is Value else out
    assert math.isfinite(data)
    if type(out) is Value:
        out.backward()


@given(st.text(max_size=80))
def test_fuzz_any_text(source):
    check_clean(source)


@given(st.lists(st.sampled_from(TOKENS), max_size=25).map("".join))
def test_fuzz_token_soup(source):
    check_clean(source)


# Well-formed expressions, with a plain-float reference computed alongside.
UNARY = {
    "exp": math.exp, "log": math.log, "sqrt": math.sqrt, "tanh": math.tanh, "arctan": math.atan,
    "sigmoid": lambda a: 1 / (1 + math.exp(-a)), "relu": lambda a: max(a, 0.0), "abs": abs,
}


def _leaf():
    return st.one_of(
        st.sampled_from(sorted(NAMES)).map(lambda n: (n, NAMES[n])),
        st.floats(-10, 10, allow_nan=False).map(lambda c: (repr(abs(c)), abs(c))),
    )


def _combine(children):
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/", "**"]), children).map(_binary)
    unary = st.tuples(st.sampled_from(sorted(UNARY)), children).map(_call)
    negate = children.map(lambda c: (f"-({c[0]})", None if c[1] is None else -c[1]))
    return st.one_of(binary, unary, negate)


def _binary(t):
    (a, va), op, (b, vb) = t
    text = f"({a}) {op} ({b})"
    if va is None or vb is None:
        return text, None
    try:
        value = {"+": va + vb, "-": va - vb, "*": va * vb}.get(op)
        if op == "/":
            value = va / vb
        elif op == "**":
            value = va**vb
    except (ArithmeticError, ValueError):
        return text, None
    return text, value if isinstance(value, float) and math.isfinite(value) else None


def _call(t):
    name, (a, va) = t
    try:
        value = None if va is None else UNARY[name](va)
    except (ArithmeticError, ValueError):
        value = None
    return f"{name}({a})", value if isinstance(value, float) and math.isfinite(value) else None


@given(st.recursive(_leaf(), _combine, max_leaves=12))
def test_fuzz_well_formed_expressions_agree_with_float_arithmetic(case):
    source, reference = case
    try:
        out = evaluate(source, inputs(**NAMES))
    except ExprError as e:  # the text is well formed: only a computation may be refused
        assert "cannot compute" in e.message
        return
    data = out.data if type(out) is Value else out
    if reference is not None:
        assert data == pytest.approx(reference, rel=1e-9, abs=1e-12)
