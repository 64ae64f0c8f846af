"""Losses of theory §3 against independent float formulas, their gradients, stability at
logits of +-1000, and bad targets."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from micrograd import Value

reals = st.floats(-20, 20)


def values(xs):
    return [Value(x) for x in xs]


def grads_of(loss, ys):
    loss.backward()
    return [y.grad for y in ys]


def float_softmax(a):
    m = max(a)
    e = [math.exp(x - m) for x in a]
    return [x / sum(e) for x in e]


@given(st.lists(st.tuples(reals, reals), min_size=1, max_size=5))
def test_squared_error_and_mse(pairs):
    y, t = [p[0] for p in pairs], [p[1] for p in pairs]
    ys = values(y)
    loss = nn.squared_error(ys, t)
    assert loss.data == pytest.approx(0.5 * sum((a - b) ** 2 for a, b in zip(y, t)), rel=1e-12, abs=1e-12)
    assert grads_of(loss, ys) == pytest.approx([a - b for a, b in zip(y, t)], rel=1e-12, abs=1e-12)
    ys = values(y)
    loss = nn.mse(ys, t)
    assert loss.data == pytest.approx(sum((a - b) ** 2 for a, b in zip(y, t)) / len(y), rel=1e-12, abs=1e-12)
    assert grads_of(loss, ys) == pytest.approx([2 * (a - b) / len(y) for a, b in zip(y, t)], rel=1e-12, abs=1e-12)


@given(reals, st.sampled_from([0.0, 1.0, 0.25]))
def test_bce_with_logits_is_cross_entropy_of_the_sigmoid(u, t):
    p = 1 / (1 + math.exp(-u))
    minus_log_p, minus_log_1_minus_p = math.log1p(math.exp(-u)), math.log1p(math.exp(u))
    uv = Value(u)
    loss = nn.bce_with_logits(uv, t)
    assert loss.data == pytest.approx(t * minus_log_p + (1 - t) * minus_log_1_minus_p, rel=1e-12)
    assert grads_of(loss, [uv]) == pytest.approx([p - t], rel=1e-12, abs=1e-15)


@given(st.floats(0.01, 0.99), st.sampled_from([0.0, 1.0, 0.3]))
def test_bce_on_a_probability(p, t):
    pv = Value(p)
    loss = nn.bce(pv, t)
    assert loss.data == pytest.approx(-(t * math.log(p) + (1 - t) * math.log(1 - p)), rel=1e-12)
    assert grads_of(loss, [pv]) == pytest.approx([-t / p + (1 - t) / (1 - p)], rel=1e-12)


@given(reals, st.sampled_from([0.0, 1.0]))
def test_bce_of_a_sigmoid_equals_bce_with_logits_of_its_input(u, t):
    a, b = Value(u), Value(u)
    la, lb = nn.bce(a.sigmoid(), t), nn.bce_with_logits(b, t)
    assert la.data == lb.data
    assert grads_of(la, [a]) == grads_of(lb, [b])


@given(st.lists(reals, min_size=1, max_size=5), st.data())
def test_softmax_cross_entropy_with_a_class_index_and_one_hot(a, data):
    c = data.draw(st.integers(0, len(a) - 1))
    y = float_softmax(a)
    for target in (c, [1.0 if k == c else 0.0 for k in range(len(a))]):
        av = values(a)
        loss = nn.softmax_cross_entropy(av, target)
        assert loss.data == pytest.approx(-math.log(y[c]), rel=1e-9, abs=1e-12)
        assert grads_of(loss, av) == pytest.approx([yk - (k == c) for k, yk in enumerate(y)], rel=1e-9, abs=1e-12)


def test_softmax_cross_entropy_with_soft_targets_and_the_softmax():
    a, t = [1.0, 2.0, 3.0], [0.2, 0.3, 0.5]
    y = float_softmax(a)
    av = values(a)
    loss = nn.softmax_cross_entropy(av, t)
    assert loss.data == pytest.approx(-sum(tk * math.log(yk) for tk, yk in zip(t, y)), rel=1e-12)
    assert grads_of(loss, av) == pytest.approx([yk - tk for yk, tk in zip(y, t)], rel=1e-12)
    assert nn.softmax(a) == pytest.approx(y, rel=1e-15)
    assert [v.data for v in nn.softmax(values(a))] == pytest.approx(y, rel=1e-15)


@given(st.lists(st.tuples(reals, st.sampled_from([-1.0, 1.0])), min_size=1, max_size=4))
def test_hinge_is_max_of_zero_and_one_minus_t_y(pairs):
    y, t = [p[0] for p in pairs], [p[1] for p in pairs]
    ys = values(y)
    loss = nn.hinge(ys, t)
    assert loss.data == pytest.approx(sum(max(0.0, 1 - b * a) for a, b in zip(y, t)), rel=1e-12, abs=1e-12)
    # d/dy max(0, 1 - t y) = -t where the margin is violated (the point 1 - t y = 0 belongs to the right piece)
    assert grads_of(loss, ys) == [-b if 1 - b * a >= 0 else 0.0 for a, b in zip(y, t)]


def test_a_single_value_and_a_number_work_like_one_element_lists():
    assert nn.squared_error(Value(3.0), 1.0).data == 2.0
    assert nn.hinge(Value(0.5), -1).data == 1.5


# --- stability: logits of +-1000 ------------------------------------------------------------


@pytest.mark.parametrize("u", [1000.0, -1000.0])
@pytest.mark.parametrize("t", [0.0, 1.0])
def test_binary_cross_entropy_is_finite_at_logits_of_1000(u, t):
    expected = max(u, 0.0) - t * u  # softplus(u) - t u, exact at |u| = 1000
    for loss_of in (lambda v: nn.bce_with_logits(v, t), lambda v: nn.bce(v.sigmoid(), t)):
        v = Value(u)
        loss = loss_of(v)
        loss.backward()
        assert loss.data == expected and v.grad == (1.0 if u > 0 else 0.0) - t


@pytest.mark.parametrize("a", [[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0], [1000.0, 1000.0, 1000.0]])
@pytest.mark.parametrize("c", [0, 2])
def test_softmax_cross_entropy_is_finite_at_logits_of_1000(a, c):
    av = values(a)
    loss = nn.softmax_cross_entropy(av, c)
    loss.backward()
    m = max(a)
    expected = m + math.log(sum(math.exp(x - m) for x in a)) - a[c]
    assert math.isfinite(loss.data) and loss.data == pytest.approx(expected, rel=1e-12)
    assert all(math.isfinite(v.grad) for v in av)
    assert [v.grad for v in av] == pytest.approx([yk - (k == c) for k, yk in enumerate(float_softmax(a))], abs=1e-12)


def test_bce_at_a_saturated_plain_probability_names_bce_the_output_and_the_fix():
    with pytest.raises(ValueError, match=r"bce: y\[0\] = 1.0 must lie strictly between 0 and 1.*bce_with_logits"):
        nn.bce(Value(1.0) * 1.0, 0.0)
    with pytest.raises(ValueError, match=r"bce: y\[1\] = 0.0 must lie strictly between 0 and 1"):
        nn.bce([Value(0.5) * 1.0, Value(0.0) * 1.0], [1.0, 0.5])
    assert nn.bce(Value(1.0) * 1.0, 1.0).data == 0.0  # the term with weight 0 is left out
    assert nn.bce(Value(0.0) * 1.0, 0.0).data == 0.0


# --- bad targets -------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", [nn.squared_error, nn.mse, nn.bce, nn.bce_with_logits, nn.hinge])
def test_a_target_of_the_wrong_length_names_t_and_both_lengths(loss):
    with pytest.raises(ValueError, match=rf"{loss.__name__}: target t has 3 entries but the output y has 2: t = \[1, 1, 1\]"):
        loss([Value(0.5), Value(0.5)], [1, 1, 1])


def test_a_class_index_out_of_range_names_the_index_and_the_range():
    with pytest.raises(ValueError, match=r"target class index 3 is out of range for 3 classes \(0 to 2\)"):
        nn.softmax_cross_entropy(values([1.0, 2.0, 3.0]), 3)
    with pytest.raises(ValueError, match="target class index -1 is out of range"):
        nn.softmax_cross_entropy(values([1.0, 2.0]), -1)
    with pytest.raises(ValueError, match=r"target has 2 entries but there are 3 logits"):
        nn.softmax_cross_entropy(values([1.0, 2.0, 3.0]), [0.0, 1.0])
    with pytest.raises(ValueError, match="logits is empty"):
        nn.softmax_cross_entropy([], 0)
    with pytest.raises(ValueError, match="softmax: logits is empty"):
        nn.softmax([])


def test_targets_outside_their_range():
    with pytest.raises(ValueError, match=r"hinge: target t\[0\] must be -1 or \+1, got 0.0"):
        nn.hinge(Value(0.3), 0)
    with pytest.raises(ValueError, match=r"bce: target t\[0\] must be a probability between 0 and 1, got 2.0"):
        nn.bce(Value(0.3), 2)
    with pytest.raises(ValueError, match=r"t\[0\] must be a number, got str"):
        nn.squared_error(Value(0.3), "1")


# --- the registry: each loss with its paired output activation and its accuracy ---------------


def test_the_registry_holds_every_loss_by_its_name_and_calls_it():
    assert set(nn.LOSSES) == {"squared_error", "mse", "bce", "bce_with_logits", "softmax_cross_entropy", "hinge"}
    for name, entry in nn.LOSSES.items():
        assert entry.name == name and getattr(nn, name) is entry.function and entry.description
    y = [Value(0.5), Value(-1.0)]
    assert nn.LOSSES["squared_error"](y, [1.0, 0.0]).data == nn.squared_error(y, [1.0, 0.0]).data


@pytest.mark.parametrize("name", [n for n, e in nn.LOSSES.items() if e.prediction is not None])
def test_each_pair_makes_the_output_delta_y_minus_t(name):
    """backward's dE/du at the output layer equals prediction(u, z) - t, for the activation paired in the registry."""
    entry = nn.LOSSES[name]
    width = 3 if name == "softmax_cross_entropy" else 2
    net = nn.MLP(2, [width], activations=[entry.output], seed=5)
    x = [0.7, -1.3]
    t = [0.0, 1.0, 0.0] if width == 3 else [1.0, 0.0]
    u = [n.preactivation(x) for n in net.layers[0].neurons]
    z = [n.activate(uk) for n, uk in zip(net.layers[0].neurons, u)]
    entry(z, t).backward()
    y = entry.prediction([uk.data for uk in u], [zk.data for zk in z])
    assert [uk.grad for uk in u] == pytest.approx([yk - tk for yk, tk in zip(y, t)], rel=1e-12, abs=1e-15)


def test_accuracy_is_counted_by_the_class_losses_only():
    counted = {name for name, e in nn.LOSSES.items() if e.correct is not None}
    assert counted == {"bce", "bce_with_logits", "softmax_cross_entropy", "hinge"}
    assert nn.LOSSES["hinge"].correct([Value(0.3)], 1) and not nn.LOSSES["hinge"].correct([Value(0.3)], -1)
    assert nn.LOSSES["bce"].correct([Value(0.7)], 1.0) and nn.LOSSES["bce_with_logits"].correct([Value(-0.1)], 0.0)
    assert nn.LOSSES["softmax_cross_entropy"].correct([Value(0.1), Value(2.0)], 1)


def test_a_function_outside_the_registry_is_a_loss_without_pairing_or_accuracy():
    from nn.losses import get_loss

    def half_abs(y, t):
        return 0.5 * abs(y[0] - t)

    entry = get_loss(half_abs, "train")
    assert entry.function is half_abs and entry.prediction is None and entry.correct is None
    assert get_loss(nn.hinge, "train") is nn.LOSSES["hinge"] and get_loss("mse", "train") is nn.LOSSES["mse"]
