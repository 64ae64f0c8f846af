"""nn.labels: each label format written once; parse reads back what the format writes, and
the labels nn gives its Values parse to the place they come from."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from micrograd.viz.labels import is_parameter_label, unit_part
from nn import labels
from nn.labels import Label

index = st.integers(0, 10**6)


@given(index, index, index)
def test_parse_reads_back_every_format(l, j, i):
    assert labels.parse(labels.weight(l, j, i)) == Label("weight", l, j, i)
    assert labels.parse(labels.bias(l, j)) == Label("bias", l, j, None)
    assert labels.parse(labels.alpha(l, j)) == Label("alpha", l, j, None)
    assert labels.parse(labels.u(l, j)) == Label("u", l, j, None)
    assert labels.parse(labels.z(l, j)) == Label("z", l, j, None)
    assert labels.parse(labels.x(i)) == Label("x", None, None, i)


def test_the_formats_read_like_the_math():
    assert [labels.weight(2, 0, 1), labels.bias(1, 3), labels.alpha(1, 0), labels.u(2, 1), labels.z(1, 0), labels.x(4)] == [
        "W2[0,1]", "b1[3]", "alpha1[0]", "u2[1]", "z1[0]", "x[4]"
    ]


@pytest.mark.parametrize("label", ["", "w", "W1", "W1[0]", "b[0]", "W1[0,2] ", "B1[0]", "zz1[0]", "x[0,1]", "u1", "W1[a,0]"])
def test_other_labels_parse_to_none(label):
    assert labels.parse(label) is None


def test_a_space_after_the_comma_is_read_as_people_write_it():
    assert labels.parse("W12[3, 4]") == Label("weight", 12, 3, 4)


def test_every_label_nn_gives_parses_to_where_it_sits():
    net = nn.MLP(3, [2, 2], activations=["prelu", "identity"], seed=0)
    for l, layer in enumerate(net.layers, 1):
        for j, n in enumerate(layer.neurons):
            assert [labels.parse(w.label) for w in n.w] == [Label("weight", l, j, i) for i in range(3 if l == 1 else 2)]
            assert labels.parse(n.b.label) == Label("bias", l, j, None)
            assert (n.alpha is None) == (l == 2)
    y = net([0.5, -1.0, 2.0])
    assert labels.parse(y[1].label) == Label("z", 2, 1, None) and labels.parse(y[1].parents[0].label) == Label("u", 2, 1, None)
    assert all(labels.is_parameter(p.label) for p in net.parameters())


def test_viz_reads_the_same_convention():
    for label in ("W1[0,2]", "b2[15]", "alpha1[0]", "u1[0]", "z3[2]", "x[0]", "W1", "tanh"):
        parsed = labels.parse(label)
        assert is_parameter_label(label) == (parsed is not None and parsed.kind in labels.PARAMETERS)
        assert unit_part(label) == ((parsed.kind, parsed.l, parsed.j) if parsed and parsed.kind in ("u", "z") else None)
