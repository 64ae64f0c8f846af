"""backward(create_graph=True): second derivatives of every op against central
differences of the first derivative, third derivatives of a polynomial, Newton's
method on y = x^4 - 2x^2, and a two-variable Hessian."""

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import micrograd as mg
from micrograd import Value
from micrograd import gradient, hessian

H = 1e-5

# Each op as a function of one Value, with where it is smooth.
UNARY = {
    "neg": (lambda v: -v, (-5, 5)),
    "abs": (lambda v: abs(v), (0.1, 5)),
    "exp": (lambda v: v.exp(), (-5, 5)),
    "log": (lambda v: v.log(), (0.2, 5)),
    "sqrt": (lambda v: v.sqrt(), (0.2, 5)),
    "identity": (lambda v: v.identity(), (-5, 5)),
    "step": (lambda v: v.step(), (0.1, 5)),
    "sigmoid": (lambda v: v.sigmoid(), (-5, 5)),
    "tanh": (lambda v: v.tanh(), (-5, 5)),
    "arctan": (lambda v: v.arctan(), (-5, 5)),
    "relu": (lambda v: v.relu(), (0.1, 5)),
    "prelu": (lambda v: v.prelu(0.3), (-5, -0.1)),
    "elu": (lambda v: v.elu(0.7), (-5, -0.1)),
    "softplus": (lambda v: v.softplus(), (-5, 5)),
    "pow": (lambda v: v**3.5, (0.2, 3)),
    "rpow": (lambda v: 2.0**v, (-3, 3)),
    "div": (lambda v: 1.5 / v, (0.2, 5)),
    "mul": (lambda v: v * v * 0.5, (-5, 5)),
    "sum": (lambda v: mg.sum([v, v * v, 3.0]), (-5, 5)),
    "dot": (lambda v: mg.dot([v, v.tanh()], [v, 2.0]), (-3, 3)),
}


def first_derivative(build, x):
    v = Value(x)
    build(v).backward()
    return v.grad


def second_derivative(build, x):
    v = Value(x)
    build(v).backward(create_graph=True)
    g = v.grad
    v.grad = 0.0
    if not isinstance(g, Value):
        return 0.0
    g.backward()
    return v.grad


@pytest.mark.parametrize("name", sorted(UNARY))
@given(t=st.floats(0, 1))
def test_second_derivative_matches_central_difference_of_the_first(name, t):
    build, (lo, hi) = UNARY[name]
    x = lo + t * (hi - lo)
    numeric = (first_derivative(build, x + H) - first_derivative(build, x - H)) / (2 * H)
    analytic = second_derivative(build, x)
    assert analytic == pytest.approx(numeric, rel=1e-5, abs=1e-5)


@given(a=st.floats(0.2, 3), b=st.floats(-2, 2))
def test_mixed_second_derivatives_of_binary_ops(a, b):
    # f(a, b) = a^b + a/b' + a*b: compare the Hessian with central differences of the gradient
    assume(abs(b) > 0.2)

    def f(x, y):
        return x**y + x / y + x * y

    H_ = hessian(f, [a, b])
    for j in range(2):
        up = [a, b]
        down = [a, b]
        up[j] += H
        down[j] -= H
        numeric = [(u - d) / (2 * H) for u, d in zip(gradient(f, up), gradient(f, down))]
        assert [row[j] for row in H_] == pytest.approx(numeric, rel=1e-5, abs=1e-5)
    assert H_[0][1] == pytest.approx(H_[1][0], rel=1e-12)


def test_gradients_are_values_and_the_default_stays_float():
    x = Value(1.5)
    (x * x * x).backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == pytest.approx(3 * 1.5**2)
    y = Value(1.5)
    (y * y * y).backward()
    assert type(y.grad) is float


def test_third_derivative_of_a_polynomial():
    # p(x) = 3x^5 - 2x^3 + x;  p' = 15x^4 - 6x^2 + 1;  p'' = 60x^3 - 12x;  p''' = 180x^2 - 12
    for x0 in (-1.3, 0.0, 0.7, 2.0):
        x = Value(x0)
        p = 3 * x**5 - 2 * x**3 + x
        p.backward(create_graph=True)
        d1 = x.grad
        x.grad = 0.0
        d1.backward(create_graph=True)
        d2 = x.grad
        x.grad = 0.0
        d2.backward()
        d3 = x.grad
        assert d1.data == pytest.approx(15 * x0**4 - 6 * x0**2 + 1, abs=1e-12)
        assert d2.data == pytest.approx(60 * x0**3 - 12 * x0, abs=1e-12)
        assert d3 == pytest.approx(180 * x0**2 - 12, abs=1e-12)


def newton_iterates(x0, steps):
    """Newton's method x <- x - y'(x) / y''(x) on y = x^4 - 2x^2, both derivatives by the engine."""
    xs = [x0]
    for _ in range(steps):
        x = Value(xs[-1])
        y = x**4 - 2 * x**2
        y.backward(create_graph=True)
        dy = x.grad
        x.grad = 0.0
        dy.backward()
        xs.append(xs[-1] - dy.data / x.grad)
    return xs[1:]


def test_newton_on_a_quartic_from_two():
    engine = newton_iterates(2.0, 5)
    by_hand, x = [], 2.0  # y' = 4x^3 - 4x, y'' = 12x^2 - 4
    for _ in range(5):
        x = x - (4 * x**3 - 4 * x) / (12 * x**2 - 4)
        by_hand.append(x)
    assert engine == pytest.approx(by_hand, abs=1e-9)
    assert engine == pytest.approx([1.4545, 1.1510, 1.0253, 1.0009, 1.0000012], abs=5e-5)
    assert engine[-1] == pytest.approx(1.0000012, abs=1e-7)


def test_hessian_of_a_two_variable_function_and_a_newton_step():
    # f(x, y) = x^2 y + y^3 - 3y:  grad = (2xy, x^2 + 3y^2 - 3),  H = [[2y, 2x], [2x, 6y]]
    def f(x, y):
        return x * x * y + y**3 - 3 * y

    x, y = 0.5, 1.5
    assert gradient(f, [x, y]) == pytest.approx([2 * x * y, x * x + 3 * y * y - 3], abs=1e-12)
    (a, b), (c, d) = hessian(f, [x, y])
    assert [a, b, c, d] == pytest.approx([2 * y, 2 * x, 2 * x, 6 * y], abs=1e-12)
    # Newton steps [x, y] <- [x, y] - H^-1 grad converge to the minimum at (0, 1)
    p = [x, y]
    for _ in range(8):
        (a, b), (c, d) = hessian(f, p)
        g0, g1 = gradient(f, p)
        det = a * d - b * c
        p = [p[0] - (d * g0 - b * g1) / det, p[1] - (-c * g0 + a * g1) / det]
    assert p == pytest.approx([0.0, 1.0], abs=1e-12)


def test_second_backward_through_a_value_used_twice():
    # y = x * exp(x): y'' = (x + 2) e^x
    x = Value(0.3)
    y = x * x.exp()
    y.backward(create_graph=True)
    g = x.grad
    x.grad = 0.0
    g.backward()
    assert x.grad == pytest.approx((0.3 + 2) * math.exp(0.3), rel=1e-14)


def test_hessian_needs_a_value():
    with pytest.raises(TypeError, match="must return a Value"):
        hessian(lambda x: 3.0, [1.0])


def test_gradient_and_hessian_name_themselves_and_the_bad_coordinate():
    with pytest.raises(TypeError, match=r"gradient: f must return a Value"):
        gradient(lambda x: 3.0, [1.0])
    with pytest.raises(TypeError, match=r"hessian: point\[1\]: expected a number, got str"):
        hessian(lambda x, y: x * y, [1.0, "2"])


# --- a ** b: second derivatives keep b's dependence, and are inf where they overflow --------


def _pow_hessian_reference(a: float, b: float) -> list[list[float]]:
    """d2/da2 = b (b-1) a^(b-2), d2/da db = a^(b-1) (1 + b ln a), d2/db2 = a^b (ln a)^2, in 50 digits."""
    import mpmath

    with mpmath.workdps(50):
        A, B = mpmath.mpf(a), mpmath.mpf(b)
        aa = B * (B - 1) * A ** (B - 2)
        ab = A ** (B - 1) * (1 + B * mpmath.log(A))
        bb = A**B * mpmath.log(A) ** 2
        return [[float(aa), float(ab)], [float(ab), float(bb)]]


@pytest.mark.parametrize("a", [0.25, 0.5, 1.0, 2.0, 3.0, 10.0])
@pytest.mark.parametrize("b", [0.0, 1.0, 2.0, 0.5, -1.0, 3.0])
def test_the_hessian_of_a_to_the_b_is_the_symmetric_50_digit_one(a, b):
    # once, the slope of ** returned the constant 0.0 at b = 0, cutting b's dependence:
    # hessian(a ** b, [2, 0]) was [[0, 0], [0.5, 0.4805]], not [[0, 0.5], [0.5, 0.4805]]
    got, want = hessian(lambda x, y: x**y, [a, b]), _pow_hessian_reference(a, b)
    for i in range(2):
        for j in range(2):
            assert got[i][j] == pytest.approx(want[i][j], rel=1e-12, abs=1e-300), (a, b, i, j, got, want)
    assert got[0][1] == pytest.approx(got[1][0], rel=1e-12, abs=1e-300)


def test_the_second_derivative_of_a_power_is_inf_where_the_exact_value_overflows():
    # a^-0.5 at a = 1e-300: d2/da2 = 0.75 a^-2.5 = 7.5e749, past float64 (it came out 0)
    assert hessian(lambda x: x**-0.5, [1e-300]) == [[math.inf]]
    assert gradient(lambda x: x**-0.5, [1e-300]) == [-math.inf]
