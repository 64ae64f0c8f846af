"""Every op of the table against an independent central difference, the kink
conventions at their kinks, numerical stability, and the errors for bad input."""

import math
import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import micrograd as mg
from micrograd import Value

H = 1e-6


def central(f, x, h=H):
    return (f(x + h) - f(x - h)) / (2 * h)


def close(analytic, numeric, tol=1e-6):
    return abs(analytic - numeric) <= tol * max(1.0, abs(numeric))


# Plain-float references written from theory §2 and the calculus, independent of the engine.
UNARY = {
    "neg": (lambda v: -v, lambda x: -x, ()),
    "abs": (abs, abs, (0.0,)),
    "exp": (lambda v: v.exp(), math.exp, ()),
    "log": (lambda v: v.log(), math.log, ()),
    "sqrt": (lambda v: v.sqrt(), math.sqrt, ()),
    "identity": (lambda v: v.identity(), lambda x: x, ()),
    "sigmoid": (lambda v: v.sigmoid(), lambda x: 1 / (1 + math.exp(-x)), ()),
    "tanh": (lambda v: v.tanh(), lambda x: 2 / (1 + math.exp(-2 * x)) - 1, ()),
    "arctan": (lambda v: v.arctan(), math.atan, ()),
    "relu": (lambda v: v.relu(), lambda x: x if x >= 0 else 0.0, (0.0,)),
    "prelu": (lambda v: v.prelu(0.1), lambda x: x if x >= 0 else 0.1 * x, (0.0,)),
    "elu": (lambda v: v.elu(0.7), lambda x: x if x >= 0 else 0.7 * (math.exp(x) - 1), (0.0,)),
    "softplus": (lambda v: v.softplus(), lambda x: math.log(1 + math.exp(x)), ()),
    "step": (lambda v: v.step(), lambda x: 1.0 if x >= 0 else 0.0, (0.0,)),
}
POSITIVE_ONLY = {"log", "sqrt"}
point = st.floats(-5, 5, allow_nan=False)


@pytest.mark.parametrize("name", sorted(UNARY))
@given(x=point)
def test_unary_op_matches_central_difference(name, x):
    build, ref, kinks = UNARY[name]
    if name in POSITIVE_ONLY:
        x = abs(x) + 0.1
    assume(all(abs(x - k) > 1e-3 for k in kinks))
    v = Value(x)
    y = build(v)
    y.backward()
    assert y.op == name
    assert y.data == pytest.approx(ref(x), rel=1e-12, abs=1e-12)
    assert close(v.grad, central(ref, x))
    assert y.local_grads == (v.grad,)


BINARY = {
    "+": (lambda a, b: a + b, lambda a, b: a + b),
    "-": (lambda a, b: a - b, lambda a, b: a - b),
    "*": (lambda a, b: a * b, lambda a, b: a * b),
    "/": (lambda a, b: a / b, lambda a, b: a / b),
    "**": (lambda a, b: a**b, lambda a, b: a**b),
    "prelu": (lambda a, b: a.prelu(b), lambda a, b: a if a >= 0 else b * a),
    "elu": (lambda a, b: a.elu(b), lambda a, b: a if a >= 0 else b * (math.exp(a) - 1)),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(a=point, b=point)
def test_binary_op_matches_central_difference(name, a, b):
    build, ref = BINARY[name]
    if name == "/":
        assume(abs(b) > 0.1)
    if name == "**":
        a = abs(a) + 0.1
    if name in ("prelu", "elu"):
        assume(abs(a) > 1e-3)
    va, vb = Value(a), Value(b)
    y = build(va, vb)
    y.backward()
    assert y.op == name and y.parents == (va, vb)
    assert y.data == pytest.approx(ref(a, b), rel=1e-12, abs=1e-12)
    assert close(va.grad, central(lambda t: ref(t, b), a))
    assert close(vb.grad, central(lambda t: ref(a, t), b))


@given(a=point, c=st.floats(-3, 3, allow_nan=False))
def test_constants_are_not_nodes(a, c):
    v = Value(a)
    cases = ((v * c, c, (v, c)), (c * v, c, (c, v)), (v + c, 1.0, (v, c)), (c - v, -1.0, (c, v)), (v - c, 1.0, (v, c)))
    for y, grad, operands in cases:
        assert y.parents == (v,) and y.local_grads == (grad,)
        assert y.operands == operands and type(y.operands[operands.index(c)]) is float  # in order
        assert mg.backward_order(y) == [y, v]  # a constant is no node of the graph


def test_power_with_value_exponent_and_constant_base():
    b = Value(3.0)
    y = 2**b
    y.backward()
    assert y.data == 8.0 and y.parents == (b,)
    assert b.grad == pytest.approx(8.0 * math.log(2.0), rel=1e-15)
    a = Value(1.5)
    z = a**b
    z.backward()
    assert a.grad == pytest.approx(3 * 1.5**2, rel=1e-15)


@given(xs=st.lists(st.floats(-10, 10, allow_nan=False), min_size=1, max_size=30))
def test_sum_is_one_node_with_unit_local_grads(xs):
    vs = [Value(x) for x in xs]
    s = mg.sum(vs)
    assert s.op == "sum" and s.parents == tuple(vs) and s.local_grads == (1.0,) * len(xs)
    assert s.data == math.fsum(xs)
    s.backward()
    assert all(v.grad == 1.0 for v in vs)


@given(pairs=st.lists(st.tuples(st.floats(-10, 10, allow_nan=False), st.floats(-10, 10, allow_nan=False)), min_size=1, max_size=30))
def test_dot_is_one_node_whose_local_grads_are_the_other_factor(pairs):
    ws = [Value(w) for w, _ in pairs]
    xs = [Value(x) for _, x in pairs]
    u = mg.dot(ws, xs)
    assert u.op == "dot" and u.parents == tuple(ws) + tuple(xs)
    assert u.local_grads == tuple(x for _, x in pairs) + tuple(w for w, _ in pairs)
    assert u.data == pytest.approx(sum(w * x for w, x in pairs), abs=1e-9)


def test_dot_with_constant_inputs_keeps_only_values_as_parents():
    # the unit of theory §1 with its bias folded in: u = w.x + b = (w, b).(x, 1)
    w1, w2, b = Value(0.5), Value(-2.0), Value(0.25)
    u = mg.dot([w1, w2, b], [3.0, 4.0, 1.0])
    assert u.parents == (w1, w2, b) and u.local_grads == (3.0, 4.0, 1.0)
    assert u.operands == (w1, w2, b, 3.0, 4.0, 1.0)
    assert u.data == 0.5 * 3 - 2 * 4 + 0.25


# --- kink conventions: the x >= 0 piece owns the kink (theory §2: ReLU'(0) = 1) -----


@pytest.mark.parametrize(
    "build, expected",
    [
        (lambda v: v.relu(), 1.0),
        (lambda v: abs(v), 1.0),
        (lambda v: v.step(), 0.0),
        (lambda v: v.prelu(0.1), 1.0),
        (lambda v: v.elu(2.0), 1.0),
    ],
)
def test_kink_conventions_at_zero(build, expected):
    v = Value(0.0)
    build(v).backward()
    assert v.grad == expected


def test_step_derivative_is_zero_on_both_sides():
    for x in (-2.0, 2.0):
        v = Value(x)
        v.step().backward()
        assert v.grad == 0.0


def test_prelu_alpha_is_learnable():
    x, alpha = Value(-2.0), Value(0.25)
    y = x.prelu(alpha)
    y.backward()
    assert y.data == -0.5 and x.grad == 0.25 and alpha.grad == -2.0
    x2, alpha2 = Value(0.0), Value(0.25)
    x2.prelu(alpha2).backward()
    assert alpha2.grad == 0.0  # the kink belongs to the right piece: d/dalpha = 0 there


def test_sqrt_at_zero_has_infinite_derivative():
    v = Value(0.0)
    y = v.sqrt()
    y.backward()
    assert y.data == 0.0 and v.grad == math.inf


# --- stability: finite values and derivatives for any input in [-1000, 1000] ----------


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softplus", "elu"])
@given(x=st.floats(-1000, 1000, allow_nan=False))
def test_saturating_activations_stay_finite_and_accurate(name, x):
    v = Value(x)
    y = getattr(v, name)()
    y.backward()
    assert math.isfinite(y.data) and math.isfinite(v.grad)
    if name == "sigmoid":
        ref = 1 / (1 + math.exp(-x)) if x > -700 else 0.0
        assert y.data == pytest.approx(ref, rel=1e-12, abs=1e-300)
    if name == "softplus":
        ref = math.log1p(math.exp(x)) if x < 30 else x + math.exp(-x)
        assert y.data == pytest.approx(ref, rel=1e-12, abs=1e-300)


def test_softplus_and_sigmoid_at_the_ends():
    assert Value(1000.0).softplus().data == 1000.0
    assert Value(-1000.0).softplus().data == 0.0
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(-40.0).sigmoid().data == pytest.approx(math.exp(-40.0), rel=1e-12)


# --- bad input ------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["1.0", None, 1 + 2j, [1.0], {"x": 1}])
def test_non_numbers_are_type_errors_naming_the_type(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)
    v = Value(1.0)
    for op, apply in (("+", lambda: v + bad), ("*", lambda: bad * v), ("/", lambda: v / bad), ("-", lambda: bad - v)):
        with pytest.raises(TypeError, match=rf"^{re.escape(op)}: .*{type(bad).__name__}"):
            apply()


def test_label_must_be_a_string():
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)
    with pytest.raises(TypeError, match="label must be a str, got int: 3"):
        Value(1.0, 3)
    v = Value(1.0).exp()
    assert v.label == ""
    v.label = "e"
    assert v.label == "e" and "label='e'" in repr(v)


def test_value_of_a_value_suggests_detach():
    with pytest.raises(TypeError, match="detach"):
        Value(Value(1.0))


@pytest.mark.parametrize(
    "expr, op, shown",
    [
        (lambda: Value(0.0, "x").log(), "log", "log(0.0)"),
        (lambda: Value(-1.0, "x").log(), "log", "log(-1.0)"),
        (lambda: Value(-1.0, "x").sqrt(), "sqrt", "sqrt(-1.0)"),
        (lambda: Value(0.0, "x") ** -1, "**", "0.0 ** -1.0"),
        (lambda: Value(-8.0, "x") ** (1 / 3), "**", "-8.0 ** 0.3333"),
        (lambda: Value(-2.0, "x") ** Value(0.5), "**", "-2.0 ** 0.5"),
    ],
)
def test_domain_errors_name_op_value_and_label(expr, op, shown):
    with pytest.raises(mg.DomainError) as info:
        expr()
    err = info.value
    assert isinstance(err, ValueError)
    assert err.op == op and err.label == "x"
    assert shown in str(err) and "x" in str(err)


def test_division_by_zero_is_both_domain_and_zero_division_error():
    with pytest.raises(ZeroDivisionError, match=r"1\.0 / 0\.0.*at Value d"):
        Value(1.0) / Value(0.0, "d")
    with pytest.raises(mg.DomainError):
        2.0 / Value(0.0)


def test_plain_number_calls_get_the_same_errors():
    with pytest.raises(mg.DomainError, match="log"):
        mg.log(0.0)
    assert mg.tanh(0.5) == math.tanh(0.5)


def test_overflow_is_a_clear_error_not_a_math_range_error():
    with pytest.raises(mg.FloatOverflowError, match=r"exp\(1000\.0\).*709") as info:
        Value(1000.0, "big").exp()
    assert isinstance(info.value, OverflowError) and info.value.label == "big"
    with pytest.raises(mg.FloatOverflowError):
        Value(10.0) ** 1000


def test_non_finite_data_follows_ieee():
    inf, nan = math.inf, math.nan
    assert (Value(inf) + 1).data == inf
    assert math.isnan((Value(nan) * 2).data)
    assert Value(inf).tanh().data == 1.0
    with pytest.raises(mg.DomainError):
        Value(nan).log()


def test_dot_length_mismatch():
    with pytest.raises(ValueError, match="ws has 2 entries but xs has 3"):
        mg.dot([1.0, 2.0], [Value(1.0), 2.0, 3.0])


def test_a_slope_past_float64_is_an_infinite_local_grad_not_an_error():
    # 0.5 ** -1023 = 2^1023 fits in a float64; its slope -1023 * 2^1024 does not
    x = Value(0.5)
    y = x**-1023
    y.backward()
    assert y.data == 2.0**1023 and x.grad == -math.inf
    z = Value(-0.5)
    (z**-1022).backward()  # -1022 * (-0.5)^-1023 = +1022 * 2^1023
    assert z.grad == math.inf


def test_nan_passes_through_the_piecewise_activations():
    for name in ("relu", "step", "prelu", "elu", "abs"):
        assert math.isnan(getattr(Value(math.nan), name)().data if name != "abs" else abs(Value(math.nan)).data), name


def test_sum_and_dot_follow_plain_floats_past_fsum():
    assert mg.sum([Value(1e308), Value(1e308)]).data == math.inf  # fsum alone raises here
    assert math.isnan(mg.sum([Value(math.inf), Value(-math.inf)]).data)
    assert mg.dot([Value(1.0), Value(2.0)], [math.inf, 1.0]).data == math.inf


def test_bools_are_refused_as_numbers():
    with pytest.raises(TypeError, match="bool"):
        Value(True)
    with pytest.raises(TypeError, match=r"^\*: .*bool"):
        Value(1.0) * False


def test_power_overflow_names_the_values():
    with pytest.raises(mg.FloatOverflowError) as info:
        Value(10.0, "x") ** 400
    assert info.value.label == "x" and "at Value x" in str(info.value)


def test_the_value_constructor_asks_for_a_number():
    with pytest.raises(TypeError, match="Value: expected a number, got str"):
        Value("1")
