"""Every row of the op table against a 50-digit reference, over wide ranges of its operands.

For each row of ``micrograd.OPS`` the local derivatives a node records (``local_grads``),
and the gradients ``backward(create_graph=True)`` derives again from the same rule, are
compared with closed forms evaluated in mpmath at 50 significant digits, at the exact
float operands: on a grid from 5e-324 (the smallest subnormal) to 1e10 in size, of both
signs, and at any finite floats hypothesis draws, wherever the op is defined and its
result is finite. The closed forms are written here, independently of the engine, and are
themselves checked against mpmath's numerical differentiation of the forward formula
(``test_reference_derivatives_agree_with_mpmath_diff``). The values are checked too.

The bound is a relative error of ``REL`` = 1e-12 where the exact derivative is a normal
float64 (a correctly computed derivative is within a few units in the last place, 2.2e-16
each; 1e-12 leaves room for formulas such as b a^(b-1), whose rounded b - 1 costs up to
|b ln a| ulps, never more than about 8e-14 where a^b is finite). Where the exact value is
below ``TINY``, the smallest normal float64 (2.2e-308), an answer within TINY of it (0
included) is accepted: underflow there is not a defect. Above it the relative bound holds,
so alpha e^x at x = -700 (9.9e-305) must not come out as 0. Where the exact value is past
the largest float64, the answer must be an infinity of the right sign. No row needs a
looser bound today (``LOOSER`` is empty); a row that ever does must say why there.

Cancellation is what this file is for: a derivative written as the difference of two
nearly equal floats (1 - tanh(x)^2, s (1 - s), f(x) + alpha, e^x - 1) loses every digit
the two have in common, which a test near 0 never sees; and so is overflow on the way
to a finite answer (b a^(b-1) at a subnormal base a).
"""

from __future__ import annotations

import math
from itertools import product
from typing import Callable, NamedTuple

import mpmath
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import micrograd
from micrograd import Value

mp = mpmath.mp
mp.dps = 50
mpf = mpmath.mpf

REL = 1e-12
TINY = mpf(2) ** -1022  # the smallest normal float64, 2.2e-308: below it floats lose relative precision
LARGEST = mpf(2) ** 1024 * (1 - mpf(2) ** -53)  # the largest float64, 1.797...e308
#: Rows allowed a looser relative bound than REL, each with the reason. Empty: none needs one.
LOOSER: dict[str, float] = {}

MAGNITUDES = (5e-324, 1e-310, 1e-300, 1e-10, 1e-3, 0.5, 1.0, 1.5, 3.0, 10.0, 20.0, 30.0, 40.0, 700.0, 1e10)
POINTS = tuple(sorted({s * m for m in MAGNITUDES for s in (1.0, -1.0)} | {0.0}))
ALPHAS = (-0.5, 0.01, 0.25, 1.0, 1.6732632423543772, 10.0)  # slopes of prelu and elu
MODERATE = (-1.7, -0.3, 0.6, 2.2)  # away from every kink: for checking the closed forms


def _right(x) -> bool:
    """The engine's documented kink convention: x = 0 belongs to the right-hand piece."""
    return x >= 0


class Reference(NamedTuple):
    """A row's forward and its closed-form derivatives in mpmath, and where to test it.

    ``grid()`` lists operand tuples of floats, of which those inside ``domain`` are tested
    (and hypothesis draws more); ``build(*floats)`` makes the node from fresh leaf Values
    (by default the row applied to one Value per operand) and returns it with the leaves
    whose derivatives it records, in ``local_grads`` order.
    """

    forward: Callable[..., mpf]
    derivative: Callable[..., tuple]
    grid: Callable[[], list]
    domain: Callable[..., bool] = lambda *xs: True
    build: Callable[..., tuple] | None = None


def _points():
    return [(x,) for x in POINTS]


def _pairs(seconds=POINTS):
    return lambda: list(product(POINTS, seconds))


def _sum_grid():
    picks = (-700.0, -1.0, -1e-10, 0.0, 1e-300, 3.0, 40.0, 1e10)
    return [(x,) for x in picks] + list(product(picks[::2], picks[1::2])) + [(1e10, -1e10, 1e-10), (0.5, 0.5, 0.5, 0.5)]


def _dot_grid():  # (w_1, ..., w_n, x_1, ..., x_n)
    picks = (-700.0, -1.5, -1e-10, 0.0, 1e-300, 3.0, 1e10)
    return list(product(picks, picks)) + [(1.5, -3.0, 1e-10, 20.0), (-1e10, 0.5, 0.25, 30.0, -40.0, 1e-3)]


#: Whole-number exponents past 2^53, where every float is even and b - 1 rounds to an even
#: number: the sign of b a^(b-1) at a < 0 must come from b's parity (found by hypothesis at
#: (-1.0, 9007199254740994.0), which gave +9.007e15).
HUGE_EXPONENTS = (2.0**53 - 1, 2.0**53, 2.0**53 + 2, 2.0**60, 1e300)


def _pow_grid():
    huge = [(a, s * b) for a in (-1.0, 1.0, -0.5, -1.5) for b in HUGE_EXPONENTS for s in (1.0, -1.0)]
    return list(product(POINTS, POINTS)) + list(product(POINTS, (-3.0, -1.0, 1.0, 2.0, 3.0, 7.0, 40.0))) + huge


def _pow_domain(a, b) -> bool:
    """a > 0 with any exponent (both derivatives); a < 0 only with a whole-number exponent,
    where d/db a^b does not exist: that node is built as Value ** constant (d/da only)."""
    return a > 0 or (a < 0 and float(b).is_integer())


def _pow_build(a: float, b: float) -> tuple:
    base = Value(a)
    if a > 0:
        exponent = Value(b)
        return base**exponent, (base, exponent)
    return base**b, (base,)


def _pow_derivative(a, b):
    if a < 0:  # b is whole: the sign of (-1)^(b-1) from the integer, as b - 1 rounds even at 50 digits past 1e50
        return ((-1) ** ((int(b) - 1) % 2) * b * abs(a) ** (b - 1),)
    d_a = b * a ** (b - 1)
    return (d_a, a**b * mpmath.log(a)) if a > 0 else (d_a,)


def _n(forward):
    return lambda *xs: forward(xs)


REFERENCES: dict[str, Reference] = {
    "+": Reference(lambda a, b: a + b, lambda a, b: (1, 1), _pairs()),
    "-": Reference(lambda a, b: a - b, lambda a, b: (1, -1), _pairs()),
    "*": Reference(lambda a, b: a * b, lambda a, b: (b, a), _pairs()),
    "/": Reference(lambda a, b: a / b, lambda a, b: (1 / b, -a / b**2), _pairs(), lambda a, b: b != 0),
    "neg": Reference(lambda x: -x, lambda x: (-1,), _points),
    "abs": Reference(abs, lambda x: (1 if _right(x) else -1,), _points),
    "**": Reference(lambda a, b: a**b, _pow_derivative, _pow_grid, _pow_domain, _pow_build),
    "exp": Reference(mpmath.exp, lambda x: (mpmath.exp(x),), _points),
    "expm1": Reference(mpmath.expm1, lambda x: (mpmath.exp(x),), _points),
    "log": Reference(mpmath.log, lambda x: (1 / x,), _points, lambda x: x > 0),
    "sqrt": Reference(mpmath.sqrt, lambda x: (1 / (2 * mpmath.sqrt(x)),), _points, lambda x: x > 0),
    "identity": Reference(lambda x: x, lambda x: (1,), _points),
    "step": Reference(lambda x: 1 if _right(x) else 0, lambda x: (0,), _points),
    "sigmoid": Reference(lambda x: 1 / (1 + mpmath.exp(-x)), lambda x: (mpmath.exp(-x) / (1 + mpmath.exp(-x)) ** 2,), _points),
    "tanh": Reference(mpmath.tanh, lambda x: (mpmath.sech(x) ** 2,), _points),
    "arctan": Reference(mpmath.atan, lambda x: (1 / (1 + x**2),), _points),
    "relu": Reference(lambda x: x if _right(x) else 0, lambda x: (1 if _right(x) else 0,), _points),
    "prelu": Reference(
        lambda x, alpha: x if _right(x) else alpha * x,
        lambda x, alpha: (1, 0) if _right(x) else (alpha, x),
        _pairs(ALPHAS),
    ),
    "elu": Reference(
        lambda x, alpha: x if _right(x) else alpha * mpmath.expm1(x),
        lambda x, alpha: (1, 0) if _right(x) else (alpha * mpmath.exp(x), mpmath.expm1(x)),
        _pairs(ALPHAS),
    ),
    "softplus": Reference(lambda x: mpmath.log1p(mpmath.exp(x)), lambda x: (1 / (1 + mpmath.exp(-x)),), _points),
    "sum": Reference(_n(mpmath.fsum), lambda *xs: (1,) * len(xs), _sum_grid),
    "dot": Reference(
        _n(lambda wx: mpmath.fsum(w * x for w, x in zip(wx[: len(wx) // 2], wx[len(wx) // 2 :]))),
        lambda *wx: wx[len(wx) // 2 :] + wx[: len(wx) // 2],
        _dot_grid,
        lambda *wx: len(wx) % 2 == 0,
    ),
}


def _testable(name: str, xs: tuple) -> bool:
    """Inside the row's domain, and the exact result is a finite float64."""
    ref = REFERENCES[name]
    return ref.domain(*xs) and abs(ref.forward(*map(mpf, xs))) <= LARGEST


def _cases(name: str) -> list[tuple]:
    """The row's grid points that are testable."""
    return [xs for xs in REFERENCES[name].grid() if _testable(name, xs)]


def _build(name: str, xs: tuple) -> tuple:
    ref = REFERENCES[name]
    if ref.build is not None:
        return ref.build(*xs)
    leaves = tuple(Value(x) for x in xs)
    return micrograd.OPS[name](*leaves), leaves


def _error(got, exact) -> float | None:
    """The relative error of ``got`` against ``exact``; None when ``got`` is acceptable
    though not comparable (underflow below TINY, the right infinity past LARGEST)."""
    got = float(got)
    if abs(exact) < TINY:
        return None if abs(mpf(got) - exact) <= TINY else math.inf
    if abs(exact) > LARGEST:
        return None if math.isinf(got) and (got > 0) == (exact > 0) else math.inf
    if math.isnan(got) or math.isinf(got):
        return math.inf
    return float(abs((mpf(got) - exact) / exact))


def _case_failures(name: str, xs: tuple, derivatives_of: Callable[[tuple], tuple]) -> list[str]:
    """What is wrong with the derivatives at one operand tuple: [] when all are in bounds."""
    try:
        got = derivatives_of(xs)
    except Exception as e:  # noqa: BLE001 - any error at a point of the domain is a failure
        return [f"{name}{xs}: raised {type(e).__name__}: {e}"]
    exact = REFERENCES[name].derivative(*map(mpf, xs))
    if len(got) != len(exact) and not (name == "**" and xs[0] < 0 and len(got) == 1):
        return [f"{name}{xs}: {len(got)} derivatives, expected {len(exact)}"]
    failures = []
    for i, (g, e) in enumerate(zip(got, exact)):
        err = _error(g, mpf(e))
        if err is not None and not err <= LOOSER.get(name, REL):
            failures.append(f"{name}{xs} d/d operand {i}: got {float(g)!r}, exact {mpmath.nstr(e, 17)}, relative error {err:.3g}")
    return failures


def _failures(name: str, derivatives_of: Callable[[tuple], tuple]) -> list[str]:
    return [failure for xs in _cases(name) for failure in _case_failures(name, xs, derivatives_of)]


def _local_grads(name: str) -> Callable[[tuple], tuple]:
    def local_grads(xs):
        node, leaves = _build(name, xs)
        same = len(node.parents) == len(leaves) and all(p is q for p, q in zip(node.parents, leaves))
        assert node.op == name and same, f"{name}{xs}: built {node.op!r} from {node.parents}"
        return node.local_grads

    return local_grads


def _report(name: str, failures: list[str]) -> str:
    shown = "\n  ".join(failures[:40])
    more = f"\n  ... and {len(failures) - 40} more" if len(failures) > 40 else ""
    return f"{name}: {len(failures)} derivative(s) off by more than {LOOSER.get(name, REL):g} relative:\n  {shown}{more}"


def test_every_row_has_a_reference():
    """A new row of the table must come with its reference here: none is skipped silently."""
    missing = sorted(set(micrograd.OPS) - set(REFERENCES))
    assert not missing, f"rows of micrograd.OPS without a 50-digit reference in this file: {missing}"
    for name in micrograd.OPS:
        assert _cases(name), f"{name}: no test point inside the domain"


@pytest.mark.parametrize("name", sorted(micrograd.OPS))
def test_local_grads_match_the_50_digit_reference(name):
    """local_grads as recorded by the forward pass (what backward() uses)."""
    if name not in REFERENCES:
        pytest.fail(f"{name}: a row of micrograd.OPS without a reference in this file")

    failures = _failures(name, _local_grads(name))
    assert not failures, _report(name, failures)


# Between the grid points: any finite float, with extra weight where exp and friends are finite.
wide = st.floats(-800.0, 800.0) | st.floats(allow_nan=False, allow_infinity=False)


# The slope alpha of prelu and elu is of order one in use; drawn up to 100 in size, so that
# alpha e^x with e^x below the normal range (x < -708) stays within the bound above TINY.
slopes = st.floats(-100.0, 100.0)


def _operands(name: str) -> st.SearchStrategy:
    arity = micrograd.OPS[name].arity
    if name in ("prelu", "elu"):
        return st.tuples(wide, slopes)
    if arity >= 0:
        return st.tuples(*[wide] * arity)
    if name == "dot":
        return st.integers(1, 3).flatmap(lambda n: st.tuples(*[wide] * (2 * n)))
    return st.lists(wide, min_size=1, max_size=4).map(tuple)


@pytest.mark.parametrize("name", sorted(micrograd.OPS))
@given(data=st.data())
def test_local_grads_match_the_50_digit_reference_anywhere(name, data):
    """The same comparison at operands hypothesis draws from all finite floats."""
    if name not in REFERENCES:
        pytest.fail(f"{name}: a row of micrograd.OPS without a reference in this file")
    xs = data.draw(_operands(name), label="operands")
    assume(_testable(name, xs))
    failures = _case_failures(name, xs, _local_grads(name))
    assert not failures, _report(name, failures)


@pytest.mark.parametrize("name", sorted(micrograd.OPS))
def test_create_graph_gradients_match_the_50_digit_reference(name):
    """The gradients backward(create_graph=True) derives again from the row's rule, as Values."""
    if name not in REFERENCES:
        pytest.fail(f"{name}: a row of micrograd.OPS without a reference in this file")

    def grads(xs):
        node, leaves = _build(name, xs)
        node.backward(create_graph=True)
        return tuple(leaf.grad for leaf in leaves)

    failures = _failures(name, grads)
    assert not failures, _report(name, failures)


@pytest.mark.parametrize("name", sorted(micrograd.OPS))
def test_forward_matches_the_50_digit_reference(name):
    """The value itself, within 4 ulps relative to the sum of the magnitudes of its terms
    (for sum and dot, whose result may cancel; for every other row, of the result)."""
    if name not in REFERENCES:
        pytest.fail(f"{name}: a row of micrograd.OPS without a reference in this file")
    ref = REFERENCES[name]
    failures = []
    for xs in _cases(name):
        node, _ = _build(name, xs)
        exact = ref.forward(*map(mpf, xs))
        if name == "sum":
            scale = mpmath.fsum(abs(mpf(x)) for x in xs)
        elif name == "dot":
            n = len(xs) // 2
            scale = mpmath.fsum(abs(mpf(w) * x) for w, x in zip(xs[:n], xs[n:]))
        else:
            scale = abs(exact)
        if scale < TINY:
            ok = abs(mpf(node.data) - exact) <= TINY
        else:
            ok = abs(mpf(node.data) - exact) <= 4 * 2.0**-53 * scale
        if not ok:
            failures.append(f"{name}{xs}: got {node.data!r}, exact {mpmath.nstr(exact, 17)}")
    assert not failures, f"{name}: {len(failures)} value(s) off by more than 4 ulps:\n  " + "\n  ".join(failures[:40])


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_reference_derivatives_agree_with_mpmath_diff(name):
    """The closed forms above against mpmath.diff of the forward formula, at points away
    from every kink: a slip in a reference would otherwise go unnoticed."""
    ref = REFERENCES[name]
    arity = micrograd.OPS[name].arity if name in micrograd.OPS else 1
    sizes = (arity,) if arity >= 0 else ((1, 2, 3) if name == "sum" else (2, 4))
    for n in sizes:
        for start in range(len(MODERATE)):
            xs = tuple(mpf(MODERATE[(start + k) % len(MODERATE)]) for k in range(n))
            if name in ("log", "sqrt"):
                xs = tuple(abs(x) for x in xs)
            if name == "**":
                xs = (abs(xs[0]), xs[1])
            exact = ref.derivative(*xs)
            for i in range(n):
                order = tuple(int(k == i) for k in range(n))
                numeric = mpmath.diff(ref.forward, xs, order)
                assert abs(numeric - exact[i]) <= mpf("1e-30") * max(1, abs(exact[i])), (
                    f"{name}{tuple(map(float, xs))} d/d operand {i}: closed form {exact[i]}, mpmath.diff {numeric}"
                )
