"""micrograd.nn: micrograd 0.1.0's names over nn. 0.1.0's README example, its engine tests
and its demo notebook's training loop run unchanged and give 0.1.0's numbers.

Golden numbers: produced by running micrograd 0.1.0 itself (pip download micrograd==0.1.0,
its wheel unpacked on PYTHONPATH in a temporary directory) on the very code below, printed
with repr; the README's own printed values are 0.1.0's too. torch is the reference where
0.1.0's tests use it.
"""

from __future__ import annotations

import math
import random

import pytest

import micrograd.nn as mnn
import nn
from micrograd.engine import Value
from micrograd.nn import MLP, Layer, Module, Neuron


# --- 0.1.0's README --------------------------------------------------------------------------


def test_the_readme_example_prints_its_numbers():
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    assert f"{g.data:.4f}" == "24.7041"
    g.backward()
    assert f"{a.grad:.4f}" == "138.8338" and f"{b.grad:.4f}" == "645.5773"
    # micrograd 0.1.0, the same code, printed with repr
    assert g.data == pytest.approx(24.70408163265306, rel=1e-12)
    assert a.grad == pytest.approx(138.83381924198252, rel=1e-12)
    assert b.grad == pytest.approx(645.5772594752186, rel=1e-12)


def test_the_readme_neuron_draws_0_1_0s_weights_from_the_global_random():
    random.seed(42)
    from micrograd import nn as readme_nn  # the README's spelling

    n = readme_nn.Neuron(2)
    x = [Value(1.0), Value(-2.0)]
    y = n(x)
    # micrograd 0.1.0 after random.seed(42): weights 0.2788535969157675, -0.9499784895546661
    assert [w.data for w in n.w] == [0.2788535969157675, -0.9499784895546661] and n.b.data == 0
    assert y.data == 2.1788105760251
    y.backward()
    assert [w.grad for w in n.w] == [1.0, -2.0] and n.b.grad == 1.0


def test_weights_come_from_the_global_random_in_0_1_0s_order():
    random.seed(3)
    model = MLP(3, [4, 2, 1])
    random.seed(3)
    expected = [random.uniform(-1, 1) for _ in range(3 * 4 + 4 * 2 + 2 * 1)]  # neuron by neuron, layer by layer
    weights = [w.data for layer in model.layers for n in layer.neurons for w in n.w]
    assert weights == expected
    assert [n.b.data for layer in model.layers for n in layer.neurons] == [0.0] * 7


# --- 0.1.0's engine tests, against torch -----------------------------------------------------


def test_sanity_check_as_0_1_0_tests_it(torch):
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xmg, ymg = x, y

    x = torch.Tensor([-4.0]).double()
    x.requires_grad = True
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xpt, ypt = x, y

    assert ymg.data == ypt.data.item()
    assert xmg.grad == xpt.grad.item()


def test_more_ops_as_0_1_0_tests_them(torch):
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    amg, bmg, gmg = a, b, g

    a = torch.Tensor([-4.0]).double()
    b = torch.Tensor([2.0]).double()
    a.requires_grad = True
    b.requires_grad = True
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    apt, bpt, gpt = a, b, g

    assert abs(gmg.data - gpt.data.item()) < 1e-9
    assert abs(amg.grad - apt.grad.item()) < 1e-9
    assert abs(bmg.grad - bpt.grad.item()) < 1e-9


# --- the demo notebook: two moons, SVM max-margin loss + L2, SGD with a decaying rate ----------


def fixed_moons(np, n):
    """Two moons without randomness (the notebook draws them with sklearn): alternating
    classes on the two half circles, a small deterministic wobble for noise."""
    points, labels = [], []
    for k in range(n):
        c = k % 2
        t = math.pi * (k // 2) / max((n + 1 - c) // 2 - 1, 1)
        x0, x1 = (math.cos(t), math.sin(t)) if c == 0 else (1.0 - math.cos(t), 0.5 - math.sin(t))
        points.append([x0 + 0.1 * math.sin(7.0 * k), x1 + 0.1 * math.cos(5.0 * k)])
        labels.append(c)
    return np.array(points), np.array(labels)


# micrograd 0.1.0 on the loop below (30 points, 3 steps): loss and accuracy of every step, then
# fsum of the parameters and of their squares, and the score of (0.5, -0.25).
GOLDEN_STEPS = [(0.9093091605384918, 0.5), (1.5657176133275108, 0.8), (0.5743705551479694, 0.8333333333333334)]
GOLDEN_SUM, GOLDEN_SUM_SQ, GOLDEN_SCORE = 0.5596762133576587, 99.41520209353713, 4.214730610499336
GOLDEN_FIRST_WEIGHTS = (0.23550571390294128, -0.2532524374373504)  # W1[0,0] and W3[0,15] after seeding 1337


def test_the_demo_notebooks_training_loop_gives_0_1_0s_numbers(numpy):
    np = numpy
    np.random.seed(1337)
    random.seed(1337)
    X, y = fixed_moons(np, 30)
    y = y * 2 - 1  # make y be -1 or 1
    model = MLP(2, [16, 16, 1])  # 2-layer neural network
    assert len(model.parameters()) == 337
    assert (model.layers[0].neurons[0].w[0].data, model.layers[2].neurons[0].w[15].data) == GOLDEN_FIRST_WEIGHTS

    def loss(batch_size=None):
        if batch_size is None:
            Xb, yb = X, y
        else:
            ri = np.random.permutation(X.shape[0])[:batch_size]
            Xb, yb = X[ri], y[ri]
        inputs = [list(map(Value, xrow)) for xrow in Xb]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum((p * p for p in model.parameters()))
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    steps = []
    for k in range(3):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        steps.append((total_loss.data, acc))

    for (got_loss, got_acc), (want_loss, want_acc) in zip(steps, GOLDEN_STEPS):
        assert got_loss == pytest.approx(want_loss, rel=1e-12, abs=1e-12) and got_acc == want_acc
    params = [p.data for p in model.parameters()]
    assert math.fsum(params) == pytest.approx(GOLDEN_SUM, abs=1e-9)
    assert math.fsum(p * p for p in params) == pytest.approx(GOLDEN_SUM_SQ, abs=1e-9)
    assert model([Value(0.5), Value(-0.25)]).data == pytest.approx(GOLDEN_SCORE, abs=1e-9)


# --- 0.1.0's shapes: what a call returns, reprs, parameters ------------------------------------


def test_one_output_is_a_value_and_several_are_a_list():
    random.seed(0)
    assert isinstance(MLP(2, [3, 1])([1.0, 2.0]), Value)
    out = MLP(2, [3, 2])([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value) and len(Layer(2, 3)([1.0, 2.0])) == 3
    assert isinstance(MLP(2, [1, 1])([1.0, 2.0]), Value)  # a width-1 hidden layer feeds the next (0.1.0 fails here)


def test_reprs_read_as_0_1_0s():
    random.seed(7)
    # printed by micrograd 0.1.0 for the same constructors
    assert repr(MLP(3, [2, 1])) == "MLP of [Layer of [ReLUNeuron(3), ReLUNeuron(3)], Layer of [LinearNeuron(2)]]"
    assert repr(Layer(2, 2, nonlin=False)) == "Layer of [LinearNeuron(2), LinearNeuron(2)]"
    assert repr(Neuron(4)) == "ReLUNeuron(4)" and repr(Neuron(4, nonlin=False)) == "LinearNeuron(4)"


def test_relu_hidden_and_a_linear_last_layer_as_0_1_0_computes():
    random.seed(7)
    model = MLP(3, [2, 1])
    assert model([1.0, -0.5, 2.0]).data == -0.5308912466069288  # micrograd 0.1.0, after random.seed(7)
    assert [n.nonlin for layer in model.layers for n in layer.neurons] == [True, True, False]
    linear = Neuron(2, nonlin=False)
    linear.w[0].data, linear.w[1].data = -3.0, 1.0
    assert linear([1.0, 1.0]).data == -2.0  # no relu on a linear unit


def test_a_unit_adds_b_then_each_w_x_left_to_right():
    n = Neuron(3, nonlin=False)
    n.b.data = 1.0
    for w, value in zip(n.w, (1e16, 1.0, -1e16)):
        w.data = value
    # ((1 + 1e16) + 1) - 1e16 = 0 in floats (0.1.0's order); the exact sum would be 2
    assert n([1.0, 1.0, 1.0]).data == ((1.0 + 1e16) + 1.0) - 1e16 == 0.0


def test_parameters_and_zero_grad():
    random.seed(1)
    model = MLP(2, [3, 1])
    params = model.parameters()
    assert len(params) == 3 * 3 + 4 and params[:3] == [*model.layers[0].neurons[0].w, model.layers[0].neurons[0].b]
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0 for p in params)
    model.zero_grad()
    assert all(p.grad == 0 for p in params)
    assert Module().parameters() == []


# --- the same classes as nn, and nn's errors ---------------------------------------------------


def test_the_classes_are_nns():
    assert issubclass(mnn.Neuron, nn.Neuron) and issubclass(mnn.Layer, nn.Layer) and issubclass(mnn.MLP, nn.MLP)
    assert mnn.Module is nn.Module
    random.seed(5)
    model = MLP(2, [3, 1])
    assert [p.label for p in model.layers[1].parameters()] == ["W2[0,0]", "W2[0,1]", "W2[0,2]", "b2[0]"]


def test_a_saved_0_1_0_model_loads_as_an_nn_mlp_with_the_same_outputs(tmp_path):
    random.seed(11)
    model = MLP(2, [4, 3, 1])
    nn.save(model, tmp_path / "m.json")
    loaded = nn.load(tmp_path / "m.json")
    assert loaded.activations == ["relu", "relu", "identity"]
    for x in ([0.3, -1.2], [2.0, 0.5]):
        assert loaded(x)[0].data == pytest.approx(model(x).data, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Neuron(0), "Neuron: nin must be a whole number >= 1, got 0"),
    (lambda: Neuron(2.5), "Neuron: nin must be a whole number >= 1, got 2.5"),
    (lambda: Neuron(2, nonlin="yes"), "Neuron: nonlin must be True"),
    (lambda: Layer(2, 0), "Layer: nout must be a whole number >= 1, got 0"),
    (lambda: MLP(2, 16), "MLP: nouts must list the width of each layer"),
    (lambda: MLP(2, [16, -1]), r"MLP: nouts\[1\] must be a whole number >= 1, got -1"),
    (lambda: MLP(2, [3, 1])([1.0]), "MLP: input x has 1 entries but the network takes 2"),
    (lambda: MLP(2, [3, 1])(["a", 1.0]), r"MLP: x\[0\] must be a number, got str: 'a'"),
    (lambda: Neuron(3)([1.0, 2.0]), "Neuron: input x has 2 entries but the unit has 3 weights"),
])
def test_bad_input_gets_nns_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_an_input_that_is_not_a_list_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match="MLP: x must be a list"):
        MLP(2, [1])(3.0)
