"""nn.Neuron, nn.Layer, nn.MLP: labels that read like the math, one dot node per unit,
every activation of theory §2, width-1 layers, seeded initialisation, from_weights, bad input."""

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import micrograd as mg
import nn
from micrograd import Value

# Independent float versions of theory §2, to check the network against.
FLOAT_F = {
    "identity": lambda x: x,
    "step": lambda x: 1.0 if x >= 0 else 0.0,
    "sigmoid": lambda x: 1.0 / (1.0 + math.exp(-x)),
    "tanh": lambda x: 2.0 / (1.0 + math.exp(-2.0 * x)) - 1.0,
    "arctan": math.atan,
    "relu": lambda x: x if x >= 0 else 0.0,
    "prelu": lambda x: x if x >= 0 else 0.25 * x,
    "elu": lambda x: x if x >= 0 else math.exp(x) - 1.0,
    "softplus": lambda x: math.log(1.0 + math.exp(x)),
}


def float_forward(weights, biases, activations, x):
    """The network on plain floats: z <- f(W z + b), layer by layer."""
    z = list(x)
    for W, bs, f in zip(weights, biases, activations):
        bs = bs if bs is not None else [0.0] * len(W)
        z = [FLOAT_F[f](sum(w * zi for w, zi in zip(row, z)) + b) for row, b in zip(W, bs)]
    return z


def matrices(net):
    weights = [[[w.data for w in n.w] for n in layer.neurons] for layer in net.layers]
    biases = [[n.b.data for n in layer.neurons] if layer.neurons[0].b is not None else None for layer in net.layers]
    return weights, biases


# --- structure and labels ----------------------------------------------------------------


def test_parameters_are_reachable_and_labelled_like_the_math():
    net = nn.MLP(3, [2, 1], activations=["prelu", "identity"], seed=1)
    first, second = net.layers
    assert first.neurons[1].w[2].label == "W1[1,2]"
    assert first.neurons[1].b.label == "b1[1]"
    assert first.neurons[1].alpha.label == "alpha1[1]" and first.neurons[1].alpha.data == 0.25
    assert second.neurons[0].w[1].label == "W2[0,1]" and second.neurons[0].alpha is None
    labels = [p.label for p in net.parameters()]
    assert labels == [
        "W1[0,0]", "W1[0,1]", "W1[0,2]", "b1[0]", "alpha1[0]",
        "W1[1,0]", "W1[1,1]", "W1[1,2]", "b1[1]", "alpha1[1]",
        "W2[0,0]", "W2[0,1]", "b2[0]",
    ]
    assert all(p.is_leaf() for p in net.parameters())


def test_a_unit_is_one_dot_node_with_the_bias_folded_in():
    net = nn.MLP(2, [3, 1], activations=["tanh", "identity"], seed=0)
    (y,) = net([0.5, -1.5])
    assert y.label == "z2[0]" and y.op == "identity"
    (u,) = y.parents
    assert u.op == "dot" and u.label == "u2[0]"
    n = net.layers[1].neurons[0]
    hidden = u.operands[4:7]
    assert u.operands[:4] == (*n.w, n.b) and u.operands[7] == 1.0
    assert [h.label for h in hidden] == ["z1[0]", "z1[1]", "z1[2]"] and all(h.op == "tanh" for h in hidden)
    u1 = hidden[0].parents[0]
    first = net.layers[0].neurons[0]
    assert u1.op == "dot" and u1.label == "u1[0]" and u1.operands == (*first.w, first.b, 0.5, -1.5, 1.0)


def test_without_bias_the_dot_node_has_no_constant_one():
    net = nn.MLP(2, [1], activations=["identity"], bias=False)
    assert net.layers[0].neurons[0].b is None and len(net.parameters()) == 2
    (y,) = net([2.0, 3.0])
    assert y.parents[0].operands == (*net.layers[0].neurons[0].w, 2.0, 3.0)


def test_value_inputs_are_labelled_x_i_unless_labelled_already():
    net = nn.MLP(2, [1])
    a, b = Value(1.0), Value(2.0, "mine")
    net([a, b])
    assert a.label == "x[0]" and b.label == "mine"


def test_calling_a_network_returns_a_list_of_output_values():
    out = nn.MLP(2, [4, 3])([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3 and all(type(v) is Value for v in out)


@pytest.mark.parametrize("sizes", [[1], [1, 1], [1, 1, 1], [3, 1, 2], [1, 4, 1]])
def test_width_one_layers_work_anywhere(sizes):
    net = nn.MLP(1, sizes, activations=["tanh"] * (len(sizes) - 1) + ["identity"], seed=3)
    out = net([0.7])
    assert len(out) == sizes[-1]
    weights, biases = matrices(net)
    assert [v.data for v in out] == pytest.approx(float_forward(weights, biases, net.activations, [0.7]), abs=1e-14)
    mg.sum(out).backward()
    assert all(math.isfinite(p.grad) for p in net.parameters())
    assert isinstance(net.layers[0]([0.7]), list)


@pytest.mark.parametrize("name", nn.ACTIVATIONS)
def test_every_activation_of_theory_2_matches_its_float_formula(name):
    net = nn.MLP(3, [4, 2], activations=[name, name], seed=5)
    for x in ([0.3, -0.2, 0.9], [-2.0, 1.0, -0.5], [1.5, 2.5, -3.0]):
        weights, biases = matrices(net)
        got = [v.data for v in net(x)]
        assert got == pytest.approx(float_forward(weights, biases, [name, name], x), rel=1e-12, abs=1e-14)


def test_the_prelu_slope_is_a_learnable_parameter():
    net = nn.MLP.from_weights([[[1.0]]], [[0.0]], activations=["prelu"])
    n = net.layers[0].neurons[0]
    (y,) = net([-2.0])
    assert y.data == -0.5 and n.alpha in net.parameters()
    y.backward()
    assert n.alpha.grad == -2.0 and n.w[0].grad == 0.25 * -2.0


def test_any_callable_is_an_activation():
    def square(u):
        return u * u

    net = nn.MLP.from_weights([[[2.0, 1.0]]], [[0.5]], activations=[square])
    (y,) = net([1.0, 1.0])
    assert y.data == 3.5**2 and y.label == "z1[0]"
    assert "square" in repr(net)


def test_default_activations_are_relu_hidden_identity_output():
    net = nn.MLP(2, [3, 3, 1])
    assert net.activations == ["relu", "relu", "identity"] and net.sizes == [3, 3, 1]


# --- initialisation ------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_network_and_another_seed_another():
    data = lambda net: [p.data for p in net.parameters()]  # noqa: E731
    assert data(nn.MLP(2, [16, 16, 1], seed=7)) == data(nn.MLP(2, [16, 16, 1], seed=7))
    assert data(nn.MLP(2, [16, 16, 1], seed=7)) != data(nn.MLP(2, [16, 16, 1], seed=8))


def test_initial_weights_are_uniform_in_plus_minus_one_over_sqrt_fan_in_and_biases_zero():
    net = nn.MLP(9, [25, 4], seed=2)
    for layer, fan_in in zip(net.layers, [9, 25]):
        ws = [w.data for n in layer.neurons for w in n.w]
        assert all(abs(w) <= 1 / math.sqrt(fan_in) for w in ws)
        assert max(ws) > 0.5 / math.sqrt(fan_in) and min(ws) < -0.5 / math.sqrt(fan_in)
        assert all(n.b.data == 0.0 for n in layer.neurons)


def test_zero_grad_clears_every_parameter():
    net = nn.MLP(2, [3, 1])
    mg.sum(net([1.0, -1.0])).backward()
    assert any(p.grad != 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad == 0.0 for p in net.parameters())


# --- from_weights --------------------------------------------------------------------------


def test_from_weights_puts_row_j_into_unit_j():
    W1, W2 = [[0.1, 0.1, 0.1], [0.2, 0.2, 0.2]], [[1, 2], [3, 4]]
    net = nn.MLP.from_weights([W1, W2], activations=["sigmoid", "identity"])
    assert matrices(net) == ([W1, [[1.0, 2.0], [3.0, 4.0]]], [None, None])
    assert net.layers[0].neurons[1].w[0].data == 0.2 and net.n_in == 3


def test_from_weights_with_biases_per_layer():
    net = nn.MLP.from_weights([[[1.0, 2.0]], [[3.0]]], biases=[[0.5], None], activations=["identity", "identity"])
    assert net.layers[0].neurons[0].b.data == 0.5 and net.layers[1].neurons[0].b is None
    assert net([1.0, 1.0])[0].data == 3.0 * 3.5


@given(st.integers(1, 4), st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(0, 10**6))
def test_a_random_network_agrees_with_float_arithmetic_and_central_differences(n_in, sizes, seed):
    rng = random.Random(seed)
    acts = [rng.choice(["tanh", "sigmoid", "arctan", "softplus", "identity"]) for _ in sizes]
    net = nn.MLP(n_in, sizes, activations=acts, seed=seed)
    x = [rng.uniform(-2, 2) for _ in range(n_in)]
    weights, biases = matrices(net)
    out = net(x)
    assert [v.data for v in out] == pytest.approx(float_forward(weights, biases, acts, x), rel=1e-12, abs=1e-14)
    mg.sum(out).backward()
    h = 1e-6
    for p in net.parameters():
        old = p.data
        p.data = old + h
        up = sum(float_forward(*matrices(net), acts, x))
        p.data = old - h
        down = sum(float_forward(*matrices(net), acts, x))
        p.data = old
        assert p.grad == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-7)


# --- bad input -----------------------------------------------------------------------------


def test_wrong_input_length_names_x_and_the_lengths():
    with pytest.raises(ValueError, match=r"input x has 2 entries but the network takes 3.*\[1\.0, 2\.0\]"):
        nn.MLP(3, [1])([1.0, 2.0])
    with pytest.raises(ValueError, match="input z has 1 entries"):
        nn.Layer(2, 3)([1.0])


@pytest.mark.parametrize("x", [1.0, None, (v for v in [1.0, 2.0])])
def test_an_input_that_is_not_a_list_is_named(x):
    with pytest.raises(TypeError, match=r"MLP: x must be a list \(or tuple\), got (float|NoneType|generator)"):
        nn.MLP(2, [1])(x)
    with pytest.raises(TypeError, match=r"Neuron: z must be a list \(or tuple\)"):
        nn.Neuron(2)(x)


def test_a_non_number_input_names_its_position():
    with pytest.raises(ValueError, match=r"x\[1\] must be a number, got str: 'a'"):
        nn.MLP(2, [1])([1.0, "a"])


def test_unknown_activation_names_the_argument_and_the_value():
    with pytest.raises(ValueError, match=r"activations\[1\]: unknown activation 'rleu'; use one of identity, step"):
        nn.MLP(2, [3, 1], activations=["relu", "rleu"])
    with pytest.raises(ValueError, match="activation: unknown activation 'softmax'"):
        nn.Neuron(2, "softmax")
    with pytest.raises(ValueError, match="must be a name .* or a callable, got 3"):
        nn.Layer(2, 2, activation=3)


@pytest.mark.parametrize("sizes", [[], (), None, "16"])
def test_empty_or_missing_sizes_are_refused(sizes):
    with pytest.raises(ValueError, match="sizes must list the width of each layer"):
        nn.MLP(2, sizes)


@pytest.mark.parametrize(("n_in", "sizes", "message"), [
    (0, [1], r"n_in must be a whole number >= 1, got 0"),
    (2.5, [1], r"n_in must be a whole number >= 1, got 2.5"),
    (2, [4, 0], r"sizes\[1\] must be a whole number >= 1, got 0"),
    (2, [-3], r"sizes\[0\] must be a whole number >= 1, got -3"),
    (2, [True], r"sizes\[0\] must be a whole number >= 1, got True"),
])
def test_bad_widths_name_the_argument_and_value(n_in, sizes, message):
    with pytest.raises(ValueError, match=message):
        nn.MLP(n_in, sizes)


def test_activations_must_give_one_per_layer():
    with pytest.raises(ValueError, match=r"activations has 1 entries but sizes has 2 layers: \['relu'\]"):
        nn.MLP(2, [3, 1], activations=["relu"])
    with pytest.raises(ValueError, match="activations must be a list with one entry per layer"):
        nn.MLP(2, [3, 1], activations="relu")
    with pytest.raises(ValueError, match="bias must be True, False or a list of 2 flags"):
        nn.MLP(2, [3, 1], bias=[True])


@pytest.mark.parametrize(("weights", "biases", "message"), [
    ([], None, "weights must be a list of matrices"),
    ([[[1.0, 2.0], [1.0]]], None, r"weights\[0\]\[1\] has 1 entries but must have 2"),
    ([[[1.0, 2.0]], [[1.0, 2.0]]], None, r"weights\[1\]\[0\] has 2 entries but must have 1, one per unit of layer 1"),
    ([[[1.0, "w"]]], None, r"weights\[0\]\[0\]\[1\] must be a number, got str"),
    ([[[1.0]]], [[1.0], [2.0]], "biases must be None or a list of 1 entries"),
    ([[[1.0], [2.0]]], [[1.0]], r"biases\[0\] must be None or a list of 2 numbers"),
])
def test_from_weights_refuses_inconsistent_shapes(weights, biases, message):
    with pytest.raises(ValueError, match=message):
        nn.MLP.from_weights(weights, biases)
