"""The delta rule (theory §5) without backward: the same numbers as backward through the
graph, theory §6 end to end, the update records and their order, mini-batches, bad input."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import micrograd as mg
import nn
from micrograd import Value

# --- theory §6: a 3-2-2 network by hand ------------------------------------------------------

W1 = [[0.1, 0.1, 0.1], [0.2, 0.2, 0.2]]
W2 = [[1.0, 2.0], [3.0, 4.0]]
X, T, LR = [1.0, 2.0, 3.0], [0.0, 1.0], 0.1
A1 = [0.6, 1.2]
Z1 = [0.6456563062, 0.7685247835]
Y = [2.1827058732, 5.0110680527]
E = 10.4264359261
OUT_DELTAS = [2.1827058732, 4.0110680527]
HIDDEN_DELTAS = [3.2523761789, 3.6307693113]
DW2 = [[1.4092778117, 1.6774635587], [2.5897713829, 3.0826052068]]
DW1 = [[3.2523761789, 6.5047523578, 9.7571285367], [3.6307693113, 7.2615386227, 10.8923079340]]
W2_AFTER = [[0.8590722188, 1.8322536441], [2.7410228617, 3.6917394793]]
W1_AFTER = [[-0.2252376179, -0.5504752358, -0.8757128537], [-0.1630769311, -0.5261538623, -0.8892307934]]


def worked_net():
    return nn.MLP.from_weights([W1, W2], activations=["sigmoid", "identity"])


def weight_matrix(net, l):
    return [[w.data for w in n.w] for n in net.layers[l].neurons]


def close(got, expected, tol=1e-9):
    if isinstance(expected, list):
        return len(got) == len(expected) and all(close(g, e, tol) for g, e in zip(got, expected))
    return abs(got - expected) <= tol


def test_theory_6_through_backward():
    net = worked_net()
    y = net(X)
    E_ = nn.squared_error(y, T)
    hidden = [v for v in y[0].parents[0].operands if type(v) is Value and v.label.startswith("z1")]
    assert close([h.parents[0].data for h in hidden], A1) and close([h.data for h in hidden], Z1)
    assert close([v.data for v in y], Y) and close(E_.data, E)
    E_.backward()
    assert close([v.parents[0].grad for v in y], OUT_DELTAS)
    assert close([h.parents[0].grad for h in hidden], HIDDEN_DELTAS)
    assert close([[w.grad for w in n.w] for n in net.layers[1].neurons], DW2)
    assert close([[w.grad for w in n.w] for n in net.layers[0].neurons], DW1)
    nn.SGD(net.parameters(), LR).step()
    assert close(weight_matrix(net, 1), W2_AFTER) and close(weight_matrix(net, 0), W1_AFTER)


def test_theory_6_through_the_delta_rule():
    net = worked_net()
    r = nn.delta_rule(net, X, T, LR)
    assert close(r.us[0], A1) and close(r.zs[0], Z1) and close(r.zs[1], Y) and close(r.y, Y)
    assert close(r.loss, E)
    assert close(r.deltas[1], OUT_DELTAS) and close(r.deltas[0], HIDDEN_DELTAS)
    grads = {u.label: u.grad for u in r.updates}
    assert close([[grads[f"W2[{j},{i}]"] for i in range(2)] for j in range(2)], DW2)
    assert close([[grads[f"W1[{j},{i}]"] for i in range(3)] for j in range(2)], DW1)
    new = {u.label: u.w_new for u in r.updates}
    assert close([[new[f"W2[{j},{i}]"] for i in range(2)] for j in range(2)], W2_AFTER)
    assert close([[new[f"W1[{j},{i}]"] for i in range(3)] for j in range(2)], W1_AFTER)
    assert weight_matrix(net, 1) == W2  # nothing changes before apply()
    r.apply()
    assert close(weight_matrix(net, 1), W2_AFTER) and close(weight_matrix(net, 0), W1_AFTER)


def test_the_updates_come_in_hand_order_with_every_field():
    r = nn.delta_rule(worked_net(), X, T, LR)
    assert [u.label for u in r.updates] == [
        "W2[0,0]", "W2[0,1]", "W2[1,0]", "W2[1,1]",
        "W1[0,0]", "W1[0,1]", "W1[0,2]", "W1[1,0]", "W1[1,1]", "W1[1,2]",
    ]
    u = r.updates[1]
    assert (u.layer, u.j, u.i, u.w_old, u.lr, u.kind) == (2, 0, 1, 2.0, 0.1, "weight")
    assert close(u.delta, OUT_DELTAS[0]) and close(u.z, Z1[1]) and close(u.w_new, W2_AFTER[0][1])
    assert u.w_new == u.w_old - u.lr * u.delta * u.z or abs(u.w_new - (u.w_old - u.lr * u.delta * u.z)) < 1e-15


def test_the_printed_table_shows_deltas_and_every_update():
    text = str(nn.delta_rule(worked_net(), X, T, LR))
    assert "squared_error = 10.42643593" in text
    assert "layer 1: 3.252376179  3.630769311" in text and "layer 2: 2.182705873  4.011068053" in text
    assert "param    w_old  delta        z             w_new" in text
    assert "W2[0,0]  1      2.182705873  0.6456563062  0.8590722188" in text
    assert "W1[1,2]  0.2    3.630769311  3             -0.8892307934" in text


def test_biases_are_marked_and_have_input_one():
    net = nn.MLP.from_weights([[[0.5, -0.5]], [[2.0]]], biases=[[0.1], [0.3]], activations=["tanh", "identity"])
    r = nn.delta_rule(net, [1.0, 2.0], [0.0], 0.5)
    assert [(u.label, u.kind, u.i, u.z) for u in r.updates] == [
        ("W2[0,0]", "weight", 0, r.zs[0][0]), ("b2[0]", "bias", 1, 1.0),
        ("W1[0,0]", "weight", 0, 1.0), ("W1[0,1]", "weight", 1, 2.0), ("b1[0]", "bias", 2, 1.0),
    ]


def test_the_delta_rule_never_calls_backward(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("backward was called")

    monkeypatch.setattr(Value, "backward", refuse)
    nn.delta_rule(worked_net(), X, T, LR)


# --- the law: delta * input equals the autodiff gradient, for any net -----------------------

HIDDEN = ["identity", "sigmoid", "tanh", "arctan", "relu", "prelu", "elu", "softplus", "step"]
PAIRS = [("identity", "squared_error"), ("sigmoid", "bce"), ("identity", "bce_with_logits"),
         ("identity", "softmax_cross_entropy")]


@st.composite
def nets_and_samples(draw):
    n_in = draw(st.integers(1, 3))
    depth = draw(st.integers(1, 3))
    output, loss = draw(st.sampled_from(PAIRS))
    sizes = [draw(st.integers(1, 3)) for _ in range(depth)]
    if loss == "softmax_cross_entropy":
        sizes[-1] = draw(st.integers(2, 3))
    acts = [draw(st.sampled_from(HIDDEN)) for _ in range(depth - 1)] + [output]
    bias = [draw(st.booleans()) for _ in range(depth)]
    seed = draw(st.integers(0, 2**32))
    net = nn.MLP(n_in, sizes, acts, bias=bias, seed=seed)
    rng = random.Random(seed)
    for p in net.parameters():  # larger than the default init, so every piece of every activation is hit
        p.data = rng.uniform(-2, 2)
    x = [rng.uniform(-2, 2) for _ in range(n_in)]
    k = sizes[-1]
    if loss == "softmax_cross_entropy":
        t = draw(st.one_of(st.integers(0, k - 1), st.just([rng.random() for _ in range(k)])))
    elif loss == "squared_error":
        t = [rng.uniform(-2, 2) for _ in range(k)]
    else:
        t = [float(rng.random() < 0.5) for _ in range(k)]
    return net, x, t, loss


def autodiff(net, x, t, loss):
    net.zero_grad()
    total = nn.LOSSES[loss](net(x), t)
    total.backward()
    return {p.label: p.grad for p in net.parameters()}, total


@given(nets_and_samples(), st.floats(0.001, 1.0))
def test_deltas_times_inputs_equal_the_autodiff_gradients(case, lr):
    net, x, t, loss = case
    r = nn.delta_rule(net, x, t, lr, loss=loss)
    grads, total = autodiff(net, x, t, loss)
    assert [u.label for u in r.updates if u.kind != "alpha"] == [
        p.label for layer in reversed(net.layers) for p in layer.parameters() if not p.label.startswith("alpha")
    ]
    assert sorted(u.label for u in r.updates) == sorted(grads)
    for u in r.updates:
        assert abs(u.delta * u.z - grads[u.label]) <= 1e-12 * max(1.0, abs(grads[u.label])), u.label
    assert abs(r.loss - total.data) <= 1e-12 * max(1.0, abs(total.data))
    # the deltas are dL/du of each unit: the grads backward leaves on the dot nodes
    us = {v.label: v.grad for v in mg.backward_order(total) if v.op == "dot"}
    for l, ds in enumerate(r.deltas, 1):
        for j, d in enumerate(ds):
            assert abs(d - us[f"u{l}[{j}]"]) <= 1e-12 * max(1.0, abs(d))


@given(nets_and_samples(), st.floats(0.001, 1.0))
def test_applying_the_updates_is_one_sgd_step(case, lr):
    net, x, t, loss = case
    saved = [p.data for p in net.parameters()]
    nn.delta_rule(net, x, t, lr, loss=loss).apply()
    by_rule = [p.data for p in net.parameters()]
    for p, w in zip(net.parameters(), saved):
        p.data = w
    autodiff(net, x, t, loss)
    nn.SGD(net.parameters(), lr).step()
    for a, b in zip(by_rule, (p.data for p in net.parameters())):
        assert abs(a - b) <= 1e-12 * max(1.0, abs(b))


@given(nets_and_samples(), st.integers(1, 4))
def test_the_batch_version_sums_the_per_sample_updates(case, n):
    net, x, t, loss = case
    rng = random.Random(n)
    xs = [x] + [[rng.uniform(-2, 2) for _ in x] for _ in range(n - 1)]
    ts = [t] * n
    b = nn.delta_rule_batch(net, xs, ts, 0.1, loss=loss)
    assert len(b.samples) == n and b.samples[0].deltas == nn.delta_rule(net, x, t, 0.1, loss=loss).deltas
    net.zero_grad()
    total = mg.sum([nn.LOSSES[loss](net(xi), ti) for xi, ti in zip(xs, ts)])
    total.backward()
    grads = {p.label: p.grad for p in net.parameters()}
    for u in b.updates:
        assert len(u.deltas) == len(u.zs) == n
        assert abs(u.grad - grads[u.label]) <= 1e-12 * max(1.0, abs(grads[u.label])), u.label
        assert u.w_new == u.w_old - 0.1 * u.grad
    assert abs(b.loss - total.data) <= 1e-12 * max(1.0, abs(total.data))
    b.apply()
    assert all(u.param.data == u.w_new for u in b.updates)


def test_the_batch_table_prints_summed_gradients():
    b = nn.delta_rule_batch(worked_net(), [X, X], [T, T], LR)
    text = str(b)
    assert "batch of 2 (summed)" in text and "w_new = w_old - lr * grad" in text
    assert "W2[0,0]  1      2.818555623" in text  # 2 * dE/dW2[0,0] of theory §6


def test_the_pairs_give_y_minus_t_with_their_own_y():
    net = nn.MLP.from_weights([[[1.0, -1.0], [0.5, 2.0]]], activations=["identity"])
    r = nn.delta_rule(net, [1.0, 0.5], 1, 0.1, loss="softmax_cross_entropy")
    assert r.y == pytest.approx(nn.softmax([0.5, 1.5])) and r.t == [0.0, 1.0]
    assert r.deltas[0] == pytest.approx([r.y[0], r.y[1] - 1.0])
    r = nn.delta_rule(net, [1.0, 0.5], [1.0, 0.0], 0.1, loss=nn.bce_with_logits)
    assert r.y == pytest.approx([mg.sigmoid(0.5), mg.sigmoid(1.5)])


# --- what it cannot do, and bad input ---------------------------------------------------------


@pytest.mark.parametrize(("output", "loss"), [
    ("identity", "hinge"), ("relu", "squared_error"), ("sigmoid", "squared_error"), ("identity", "bce"),
    ("identity", "mse"), ("tanh", "softmax_cross_entropy"),
])
def test_a_pair_without_delta_y_minus_t_is_refused_clearly(output, loss):
    net = nn.MLP(2, [2, 1], activations=["tanh", output])
    message = rf"activation '{output}' with the loss '{loss}' is not a pair .* identity \+ squared_error"
    with pytest.raises(ValueError, match=message):
        nn.delta_rule(net, [1.0, 2.0], [1.0], 0.1, loss=loss)


def test_a_custom_activation_of_several_ops_is_refused_clearly():
    net = nn.MLP(2, [2, 1], activations=[lambda u: u * u.sigmoid(), "identity"])
    with pytest.raises(ValueError, match="unit 0 of layer 1 computes z from u with something other than one engine op"):
        nn.delta_rule(net, [1.0, 2.0], [1.0], 0.1)


def test_a_custom_activation_of_one_engine_op_works():
    net = nn.MLP(2, [2, 1], activations=[lambda u: u.tanh(), "identity"], seed=4)
    r = nn.delta_rule(net, [1.0, 2.0], [1.0], 0.1)
    grads, _ = autodiff(net, [1.0, 2.0], [1.0], "squared_error")
    assert all(abs(u.grad - grads[u.label]) < 1e-12 for u in r.updates)


@pytest.mark.parametrize("lr", [0, -0.5])
def test_a_non_positive_learning_rate_names_lr(lr):
    with pytest.raises(ValueError, match=rf"delta_rule: lr must be a positive number, got {lr}"):
        nn.delta_rule(worked_net(), X, T, lr)


def test_bad_samples_name_the_argument_and_the_value():
    with pytest.raises(ValueError, match=r"input x has 2 entries but the network takes 3: \[1.0, 2.0\]"):
        nn.delta_rule(worked_net(), [1.0, 2.0], T, 0.1)
    with pytest.raises(ValueError, match=r"target t has 3 entries but the output y has 2: t = \[0, 1, 0\]"):
        nn.delta_rule(worked_net(), X, [0, 1, 0], 0.1)
    with pytest.raises(ValueError, match="target class index 2 is out of range for 2 classes"):
        nn.delta_rule(worked_net(), X, 2, 0.1, loss="softmax_cross_entropy")
    with pytest.raises(ValueError, match="unknown loss 'cross_entropy'"):
        nn.delta_rule(worked_net(), X, T, 0.1, loss="cross_entropy")
    with pytest.raises(ValueError, match="xs has 2 samples and ts 1 targets"):
        nn.delta_rule_batch(worked_net(), [X, X], [T], 0.1)
    with pytest.raises(TypeError, match=r"delta_rule: x must be a list \(or tuple\), got float: 1.0"):
        nn.delta_rule(worked_net(), 1.0, T, 0.1)
