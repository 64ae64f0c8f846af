"""gradcheck: passes correct gradients, fails wrong ones with a readable table,
says "at a kink" where a central difference cannot judge, and refuses bad input."""

import math
import random
import warnings

import pytest

import micrograd
from micrograd import FloatOverflowError, Value
from micrograd.gradcheck import GradcheckError, GradcheckWarning, gradcheck


def _no_warnings(f, inputs, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return gradcheck(f, inputs, **options)


# --- correct gradients pass ----------------------------------------------------------


def test_smooth_function_of_floats_and_values_passes():
    f = lambda x, w: (x * w).tanh() + x.exp() / w  # noqa: E731
    assert _no_warnings(f, [0.3, Value(-0.7, "w")]) is True


def test_theory_6_network_loss_passes_for_all_ten_weights():
    # theory §6: 3-2-2 net, sigmoid hidden layer, identity output, E = 1/2 sum (y - t)^2
    x, t = (1.0, 2.0, 3.0), (0.0, 1.0)

    def loss(*w):
        w1, w2 = [w[0:3], w[3:6]], [w[6:8], w[8:10]]
        z = [micrograd.dot(row, x).sigmoid() for row in w1]
        y = [micrograd.dot(row, z) for row in w2]
        return micrograd.sum([0.5 * (yk - tk) ** 2 for yk, tk in zip(y, t)])

    assert _no_warnings(loss, [0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 1.0, 2.0, 3.0, 4.0]) is True


def test_theory_8_softmax_cross_entropy_layer_passes():
    # theory §8: a 2 -> 3 layer without bias, softmax + cross-entropy, x = (0.6, 0.9), t = (0, 0, 1)
    x, t = (0.6, 0.9), (0.0, 0.0, 1.0)

    def loss(*w):
        a = [micrograd.dot((w[k], w[3 + k]), x) for k in range(3)]
        total = micrograd.sum([ak.exp() for ak in a])
        return -micrograd.sum([tk * (ak.exp() / total).log() for tk, ak in zip(t, a)])

    assert _no_warnings(loss, [0.47, 0.99, 0.84, 0.35, 0.97, 0.69]) is True


def test_inputs_are_left_untouched():
    x = Value(2.0, "x")
    gradcheck(lambda v: v * v, [x])
    assert (x.data, x.grad, x.label, x.is_leaf()) == (2.0, 0.0, "x", True)


def test_f_receives_one_leaf_value_per_input_with_its_label():
    seen = []

    def f(*vs):
        seen.append([(type(v), v.data, v.label) for v in vs])
        return vs[0] + vs[1] + vs[2]

    gradcheck(f, [1, 2.5, Value(-1.0, "b")])
    assert seen[0] == [(Value, 1.0, ""), (Value, 2.5, ""), (Value, -1.0, "b")]


# --- wrong gradients fail, with a table -------------------------------------------------


def test_wrong_gradient_raises_an_assertion_error_with_a_table():
    # x * x.detach() is x^2 to the central difference (6 at x = 3) but backward sees 3.
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: x * x.detach() + y, [3.0, Value(1.0, "y")])
    error = info.value
    assert isinstance(error, AssertionError)
    text = str(error)
    assert "disagree for 1 of 2 inputs" in text
    assert "eps=1e-06, atol=1e-05, rtol=0.0001" in text
    header, row = text.splitlines()[1:3]
    assert header.split() == ["input", "value", "analytic", "numeric", "abs", "err", "rel", "err", "status"]
    assert row.split() == ["inputs[0]", "3", "3", "6", "3.00e+00", "5.00e-01", "FAIL"]
    assert "inputs[1] y" not in text  # the input that agrees is left out of the table


def test_rows_hold_every_inputs_numbers():
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: x * x.detach() + y, [3.0, Value(1.0, "y")])
    bad, good = info.value.rows
    assert (bad.name, bad.value, bad.analytic, bad.status) == ("inputs[0]", 3.0, 3.0, "FAIL")
    assert bad.numeric == pytest.approx(6.0, abs=1e-8)  # d/dx x^2 = 2x
    assert bad.abs_err == pytest.approx(3.0, abs=1e-8)
    assert bad.rel_err == pytest.approx(0.5, abs=1e-8)
    assert (good.name, good.analytic, good.status) == ("inputs[1] y", 1.0, "ok")
    assert good.numeric == pytest.approx(1.0, abs=1e-8)


def test_tolerance_is_atol_plus_rtol_times_numeric():
    f = lambda x: x * x.detach()  # noqa: E731  analytic 3, numeric 6: abs err 3 = 0.5 * 6
    assert gradcheck(f, [3.0], atol=0.0, rtol=0.51)
    assert gradcheck(f, [3.0], atol=3.01, rtol=0.0)
    with pytest.raises(GradcheckError):
        gradcheck(f, [3.0], atol=0.0, rtol=0.49)
    with pytest.raises(GradcheckError):
        gradcheck(f, [3.0], atol=1.0, rtol=0.3)


def test_a_wrong_derivative_in_the_op_table_is_caught(monkeypatch):
    # The classic slip d/dx tanh = 1 - tanh(x) instead of 1 - tanh(x)^2.
    monkeypatch.setattr(micrograd.OPS["tanh"], "local_grads", lambda out, x: (1.0 - out,))
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: x.tanh(), [Value(0.5, "u")])
    (row,) = info.value.rows
    assert row.name == "inputs[0] u"
    assert row.analytic == pytest.approx(1 - math.tanh(0.5), rel=1e-12)
    assert row.numeric == pytest.approx(1 - math.tanh(0.5) ** 2, rel=1e-8)


# --- kinks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, f, left, right, analytic",
    [
        ("relu", lambda x: x.relu(), 0.0, 1.0, 1.0),
        ("abs", lambda x: abs(x), -1.0, 1.0, 1.0),
        ("prelu", lambda x: x.prelu(0.25), 0.25, 1.0, 1.0),
        ("elu", lambda x: x.elu(1.0), 1.0, 1.0, 1.0),  # elu(alpha=1) is smooth at 0: no kink
        ("step", lambda x: x.step(), 1e6, 0.0, 0.0),  # a jump: the left difference is 1/eps
    ],
)
def test_at_a_kink_it_passes_and_warns_instead_of_failing(name, f, left, right, analytic):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert gradcheck(f, [0.0]) is True
    if left == right:
        assert caught == []
        return
    (w,) = caught
    assert w.category is GradcheckWarning
    text = str(w.message)
    assert "1 of 1 inputs are at a kink" in text
    assert f"at a kink: left {left:.6g}, right {right:.6g}" in text
    assert f" {analytic:.10g} " in text.splitlines()[2]


def test_a_kink_just_inside_the_step_is_reported_too():
    # relu(x) at x = 4e-7: the central difference straddles 0 and gives 0.7, not 1.
    with pytest.warns(GradcheckWarning, match=r"left 0\.4, right 1"):
        assert gradcheck(lambda x: x.relu(), [4e-7])


def test_kink_rows_appear_beside_failures_without_counting_as_failures():
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: x.relu() + y * y.detach(), [0.0, 2.0])
    text = str(info.value)
    assert "disagree for 1 of 2 inputs" in text
    assert [r.status for r in info.value.rows] == ["kink", "FAIL"]
    assert "at a kink: left 0, right 1" in text


def test_a_gradient_outside_the_one_sided_differences_still_fails():
    # |x| + 5x seen by backward as |x| (the 5x is detached): 1 is not within [4, 6].
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: abs(x) + 5 * x.detach(), [0.0])
    (row,) = info.value.rows
    assert row.status == "FAIL"
    assert (row.left, row.right) == (pytest.approx(4.0), pytest.approx(6.0))


# --- the step is relative to the input --------------------------------------------------


@pytest.mark.parametrize("x", [1e12, -3e15, 1e300, 1e-300, 0.0])
def test_inputs_of_any_size_are_checked_with_a_step_of_their_size(x):
    assert _no_warnings(lambda v: v * 2.0, [x]) is True
    assert _no_warnings(lambda v: v * v + v, [x] if abs(x) < 1e150 else [1e150]) is True


def test_the_step_scales_with_the_input():
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda v: v * v.detach(), [1e12])  # analytic x, numeric 2x
    (row,) = info.value.rows
    assert row.numeric == pytest.approx(2e12, rel=1e-9)
    assert row.right - row.left == pytest.approx(2 * 1e-6 * 1e12, rel=1e-3)  # f'' h with h = eps |x| (rounding: 1e-4)


@pytest.mark.parametrize(
    "x, eps, message",
    [
        (1.0, 1e-17, r"at input inputs\[0\] = 1.0 the step h = 1e-17 is lost in rounding \(x \+ h == x\).*use eps >= 1e-15"),
        (1e20, 1e-17, r"the step h = 1000 is lost in rounding"),
        (1.7976931348623157e308, 1e-6, r"too close to the largest float64: x \+- h overflows"),
    ],
)
def test_no_difference_can_be_taken_is_a_clear_error(x, eps, message):
    with pytest.raises(ValueError, match=message):
        gradcheck(lambda v: v * 0.5, [x], eps=eps)


# --- noise is not a kink ----------------------------------------------------------------


def _noisy(f, seed, size=1e-4):
    """f plus a different random number at every call: noise of the given size."""
    rng = random.Random(seed)
    return lambda x: f(x) + rng.uniform(-size, size)


def test_a_wrong_gradient_on_a_noisy_function_fails_and_is_not_called_a_kink():
    # x * x.detach(): backward says x, the differences 2x; noise 1e-4 swamps them (1e-4 / h = 100)
    for seed in range(50):
        with pytest.raises(GradcheckError) as info:
            gradcheck(_noisy(lambda x: x * x.detach(), seed), [0.7])
        (row,) = info.value.rows
        assert row.status == "FAIL", f"seed {seed}: {row}"
        assert "disagree for 1 of 1 inputs" in str(info.value)
        assert "not as at a kink" in str(info.value) and "noisy" in str(info.value)


def test_a_right_gradient_on_a_noisy_function_cannot_pass_either():
    for seed in range(10):
        with pytest.raises(GradcheckError, match="not as at a kink"):
            gradcheck(_noisy(lambda x: x * 3.0, seed), [0.7])


def test_a_large_step_sees_through_small_noise():
    assert _no_warnings(_noisy(lambda x: x * 3.0, 0, size=1e-12), [0.7], eps=1e-3) is True


def test_a_kink_is_claimed_only_where_each_side_matches_backward_on_that_side():
    # relu with a slope of 3 on the right, but backward told 2 everywhere right of 0
    def f(x):
        return x.relu() * 2.0 + x.detach().relu() * 1.0

    with pytest.raises(GradcheckError) as info:
        gradcheck(f, [0.0])
    (row,) = info.value.rows
    assert (row.status, row.left, row.right) == ("FAIL", 0.0, pytest.approx(3.0))


# --- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "f, inputs, options, error, message",
    [
        (lambda x: 1.0, [1.0], {}, TypeError, "f must return a Value, got float"),
        ("not a function", [1.0], {}, TypeError, "f must be a function"),
        (lambda x: x, [], {}, ValueError, "inputs is empty"),
        (lambda x: x, 1.0, {}, TypeError, r"inputs must be a list .* write \[x\]"),
        (lambda x: x, Value(1.0), {}, TypeError, "inputs must be a list"),
        (lambda x: x, ["1.0"], {}, TypeError, r"inputs\[0\] must be a number or a Value, got str"),
        (lambda x: x, [math.nan], {}, ValueError, r"input inputs\[0\] is nan"),
        (lambda x: x, [1.0], {"eps": 0.0}, ValueError, "eps must be a finite number > 0, got 0.0"),
        (lambda x: x, [1.0], {"eps": -1e-6}, ValueError, "eps must be a finite number > 0, got -1e-06"),
        (lambda x: x, [1.0], {"eps": math.nan}, ValueError, "eps must be"),
        (lambda x: x, [1.0], {"atol": -1.0}, ValueError, "atol must be a finite number >= 0, got -1.0"),
        (lambda x: x, [1.0], {"rtol": "0.1"}, ValueError, "rtol must be a finite number >= 0, got '0.1'"),
        (lambda x: x.log(), [0.0], {}, ValueError, "cannot be evaluated at the inputs: log"),
        (lambda x: x.sqrt(), [0.0], {}, ValueError, r"cannot be evaluated at inputs\[0\] = -1e-06: sqrt"),
    ],
)
def test_bad_input_gets_a_clear_error(f, inputs, options, error, message):
    with pytest.raises(error, match=message):
        gradcheck(f, inputs, **options)


def test_an_undefined_neighbour_keeps_the_domain_error_as_its_cause():
    with pytest.raises(ValueError) as info:
        gradcheck(lambda x: x.sqrt(), [0.0])
    assert isinstance(info.value.__cause__, micrograd.DomainError)
    assert "use a smaller eps" in str(info.value)


def test_a_bool_input_is_refused_as_value_refuses_it():
    # once, gradcheck(f, [True]) checked f at 1.0
    with pytest.raises(TypeError, match=r"gradcheck: inputs\[0\] must be a number or a Value, got bool: True"):
        gradcheck(lambda x: x * x, [True])
    with pytest.raises(TypeError, match="got bool"):
        Value(True)
    with pytest.raises(ValueError, match="eps must be a finite number > 0, got True"):
        gradcheck(lambda x: x * x, [1.0], eps=True)


def test_an_input_too_large_for_a_float_is_an_error_naming_it():
    # once, gradcheck(f, [10**400]) raised a bare OverflowError naming no input
    with pytest.raises(FloatOverflowError, match=r"gradcheck: inputs\[1\]: .*too large for a float64"):
        gradcheck(lambda x, y: x * y, [1.0, 10**400])
