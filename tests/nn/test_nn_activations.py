"""nn.activations: the names a unit accepts are the op table's activation rows, read when
asked, so a row added to the table (here, inside a test) is an activation everywhere in nn."""

import pytest

import micrograd
import nn
from micrograd import Value
from micrograd.ops import DEFAULT_ALPHA, Op
from nn import activations


def test_the_names_are_the_rows_marked_activation():
    marked = [name for name, op in micrograd.OPS.items() if op.activation]
    assert list(activations.names()) == marked == list(nn.ACTIVATIONS)
    assert {"relu", "tanh", "sigmoid", "prelu", "elu", "identity"} <= set(marked)
    assert "+" not in nn.ACTIVATIONS and "dot" not in nn.ACTIVATIONS and "log" not in nn.ACTIVATIONS


@pytest.fixture
def cube(monkeypatch):
    """A row added to the op table for this test only: x^3, d/dx = 3 x^2."""
    monkeypatch.setitem(micrograd.OPS, "cube", Op("cube", "x * x * x", ("3.0 * x * x",), activation=True))
    return "cube"


def test_a_row_added_later_is_an_activation_nn_accepts(cube, tmp_path):
    assert cube in activations.names() and cube in nn.ACTIVATIONS and nn.ACTIVATIONS[-1] == cube
    net = nn.MLP.from_weights([[[2.0, -1.0]], [[0.5]]], [[0.25], [0.0]], activations=[cube, "identity"])
    (y,) = net([1.0, 0.5])
    u = 2.0 * 1.0 - 1.0 * 0.5 + 0.25
    assert y.data == 0.5 * u**3
    hidden = y.parents[0].parents  # identity <- dot(W2, z1, b2)
    assert any(p.op == cube and p.label == "z1[0]" for p in hidden)
    # the delta rule reads f'(u) = 3 u^2 from the node the row made
    step = nn.delta_rule(net, [1.0, 0.5], [1.0], 0.1)
    assert step.deltas[0] == [pytest.approx(3.0 * u * u * 0.5 * (0.5 * u**3 - 1.0))]
    net.save(tmp_path / "cube.json")
    assert nn.load(tmp_path / "cube.json").activations == [cube, "identity"]


def test_a_row_not_marked_activation_is_refused(monkeypatch):
    monkeypatch.setitem(micrograd.OPS, "square", Op("square", "x * x", ("2.0 * x",)))
    with pytest.raises(ValueError, match="unknown activation 'square'; use one of identity, "):
        nn.MLP(2, [1], activations=["square"])


def test_prelu_starts_at_the_engines_default_slope_and_learns_it():
    n = nn.MLP(1, [1], activations=["prelu"]).layers[0].neurons[0]
    assert n.alpha.data == DEFAULT_ALPHA["prelu"] == micrograd.OPS["prelu"].defaults[0]
    assert n.alpha.label == "alpha1[0]" and n.alpha in n.parameters()


def test_elu_uses_the_rows_default_alpha_as_a_constant():
    net = nn.MLP.from_weights([[[1.0]]], activations=["elu"])
    (z,) = net([-2.0])
    assert z.data == micrograd.elu(-2.0) == DEFAULT_ALPHA["elu"] * micrograd.expm1(-2.0)
    assert z.parents == (z.operands[0],) and z.operands[1] == DEFAULT_ALPHA["elu"]  # alpha: no parameter
    assert net.parameters() == net.layers[0].neurons[0].w


def test_a_callable_is_its_own_activation_and_is_named_by_its_function():
    def square(u):
        return u * u

    assert activations.check(square, "activation") is square
    assert activations.function(square) is square and activations.name_of(square) == "square"
    assert activations.function("tanh")(Value(0.5)).op == "tanh"


@pytest.mark.parametrize("bad", ["swish", 3, None])
def test_anything_else_is_refused_naming_the_argument(bad):
    with pytest.raises(ValueError, match=r"activations\[0\]: .*activation"):
        nn.MLP(2, [1], activations=[bad])
