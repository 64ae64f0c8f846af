"""Optimizers of theory §7: SGD, momentum in the theory page's form (and its velocity form), Adam."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from micrograd import Value


def quadratic_grads(params):
    """f(x0, x1) = x0^2 + x1^2 through the engine; sets each grad to 2 x."""
    for p in params:
        p.grad = 0.0
    (params[0] * params[0] + params[1] * params[1]).backward()


def test_gradient_descent_on_a_bowl_multiplies_by_0_8_each_step():
    # theory §7: from (3, 4) with eta = 0.1, 100 steps end near (6.1e-10, 8.1e-10)
    x = [Value(3.0), Value(4.0)]
    opt = nn.SGD(x, lr=0.1)
    for _ in range(100):
        quadratic_grads(x)
        opt.step()
    assert x[0].data == pytest.approx(3 * 0.8**100, rel=1e-12) and x[0].data == pytest.approx(6.1e-10, rel=0.01)
    assert x[1].data == pytest.approx(4 * 0.8**100, rel=1e-12) and x[1].data == pytest.approx(8.1e-10, rel=0.01)


@given(st.floats(0.01, 0.5), st.floats(0.0, 0.95), st.integers(1, 30))
def test_momentum_follows_the_theory_form_and_the_velocity_form(lr, mu, steps):
    x = [Value(3.0), Value(-2.0)]
    opt = nn.Momentum(x, lr=lr, mu=mu)
    w, w_prev = [3.0, -2.0], [3.0, -2.0]  # the theory page's form on floats
    v, wv = [0.0, 0.0], [3.0, -2.0]  # the velocity form on floats
    for _ in range(steps):
        quadratic_grads(x)
        opt.step()
        w, w_prev = [wi - lr * 2 * wi + mu * (wi - pi) for wi, pi in zip(w, w_prev)], w
        v = [mu * vi - lr * 2 * wi for vi, wi in zip(v, wv)]
        wv = [wi + vi for wi, vi in zip(wv, v)]
    assert [p.data for p in x] == [pytest.approx(a, rel=1e-12, abs=1e-300) for a in w]
    assert [p.data for p in x] == [pytest.approx(a, rel=1e-9, abs=1e-12) for a in wv]


def test_momentum_with_mu_zero_is_sgd():
    a, b = [Value(3.0), Value(4.0)], [Value(3.0), Value(4.0)]
    sgd, mom = nn.SGD(a, 0.1), nn.Momentum(b, 0.1, mu=0.0)
    for _ in range(5):
        quadratic_grads(a), quadratic_grads(b)
        sgd.step(), mom.step()
    assert [p.data for p in a] == [p.data for p in b]


def test_adam_matches_the_published_update():
    x = [Value(3.0), Value(-4.0)]
    lr, b1, b2, eps = 0.05, 0.9, 0.999, 1e-8
    opt = nn.Adam(x, lr=lr, beta1=b1, beta2=b2, eps=eps)
    w, m, v = [3.0, -4.0], [0.0, 0.0], [0.0, 0.0]
    for t in range(1, 21):
        quadratic_grads(x)
        opt.step()
        g = [2 * wi for wi in w]
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi**2 for vi, gi in zip(v, g)]
        w = [wi - lr * (mi / (1 - b1**t)) / (math.sqrt(vi / (1 - b2**t)) + eps) for wi, mi, vi in zip(w, m, v)]
        if t == 1:  # the first Adam step moves every coordinate by about lr against the gradient's sign
            assert [p.data for p in x] == pytest.approx([3.0 - lr, -4.0 + lr], rel=1e-9)
    assert [p.data for p in x] == pytest.approx(w, rel=1e-12)


def test_zero_grad_clears_the_optimizers_parameters():
    x = [Value(1.0), Value(2.0)]
    opt = nn.SGD(x, 0.1)
    quadratic_grads(x)
    opt.zero_grad()
    assert [p.grad for p in x] == [0.0, 0.0]


def test_an_optimizer_takes_net_parameters():
    net = nn.MLP(2, [3, 1])
    opt = nn.SGD(net.parameters(), lr=0.5)
    before = [p.data for p in net.parameters()]
    net([1.0, 2.0])[0].backward()
    grads = [p.grad for p in net.parameters()]
    opt.step()
    assert [p.data for p in net.parameters()] == [w - 0.5 * g for w, g in zip(before, grads)]


@pytest.mark.parametrize("make", [
    lambda lr: nn.SGD([Value(1.0)], lr),
    lambda lr: nn.Momentum([Value(1.0)], lr),
    lambda lr: nn.Adam([Value(1.0)], lr),
])
@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf")])
def test_a_non_positive_learning_rate_names_lr_and_the_value(make, lr):
    with pytest.raises(ValueError, match=rf"lr must be a positive number, got {lr!r}"):
        make(lr)


def test_other_bad_settings():
    with pytest.raises(ValueError, match=r"lr must be a number, got str: '0.1'"):
        nn.SGD([Value(1.0)], "0.1")
    with pytest.raises(ValueError, match="mu must satisfy 0 <= mu < 1, got 1.5"):
        nn.Momentum([Value(1.0)], 0.1, mu=1.5)
    with pytest.raises(ValueError, match="beta2 must satisfy 0 <= beta2 < 1, got 1.0"):
        nn.Adam([Value(1.0)], 0.1, beta2=1.0)
    with pytest.raises(TypeError, match=r"params\[1\] must be a Value, got float"):
        nn.SGD([Value(1.0), 2.0], 0.1)


# --- the registry and the one default learning rate of each optimizer ---------------------------


def test_each_optimizer_has_its_default_rate_in_one_place():
    assert nn.OPTIMIZERS == {"sgd": nn.SGD, "momentum": nn.Momentum, "adam": nn.Adam}
    for cls in nn.OPTIMIZERS.values():
        assert cls([Value(1.0)]).lr == cls.default_lr > 0


def test_train_builds_a_named_optimizer_with_its_default_rate():
    from nn.optim import get_optimizer

    params = [Value(1.0)]
    opt = get_optimizer("adam", params, None, "train")
    assert type(opt) is nn.Adam and opt.lr == nn.Adam.default_lr and opt.params == params
    assert get_optimizer(None, params, 0.5, "train").lr == 0.5 and type(get_optimizer(None, params, None, "train")) is nn.SGD
    with pytest.raises(ValueError, match="train: optimizer must be one of sgd, momentum, adam or an nn.Optimizer, got 'rmsprop'"):
        get_optimizer("rmsprop", params, None, "train")


def test_an_optimizer_without_a_default_rate_asks_for_one():
    class Plain(nn.Optimizer):
        def step(self):
            pass

    with pytest.raises(ValueError, match="Plain: give a learning rate lr"):
        Plain([Value(1.0)])
    assert Plain([Value(1.0)], 0.2).lr == 0.2
