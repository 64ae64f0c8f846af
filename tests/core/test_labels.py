"""micrograd.labels, the label convention of layered networks: each format written once;
parse reads back what the format writes; which labels name parameters and which a unit's
u and z (what the pictures read); the labels nn gives its Values parse to where they sit."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from micrograd import labels
from micrograd.labels import Label, is_parameter, unit_part

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


def test_is_parameter_and_unit_part_agree_with_parse():
    for label in ("W1[0,2]", "b2[15]", "alpha1[0]", "u1[0]", "z3[2]", "x[0]", "W1", "tanh"):
        parsed = labels.parse(label)
        assert is_parameter(label) == (parsed is not None and parsed.kind in labels.PARAMETERS)
        assert unit_part(label) == ((parsed.kind, parsed.l, parsed.j) if parsed and parsed.kind in ("u", "z") else None)

@pytest.mark.parametrize("label", ["W1[0,2]", "W12[3, 4]", "b1[0]", "b2[15]", "alpha1[0]"])
def test_parameter_labels(label):
    assert is_parameter(label)


@pytest.mark.parametrize("label", ["", "w", "W1", "W1[0]", "b[0]", "x[0]", "u1[0]", "z1[0]", "W1[0,2] ", "alpha[0]", "B1[0]"])
def test_other_labels_are_not_parameters(label):
    assert not is_parameter(label)


def test_unit_parts():
    assert unit_part("u1[0]") == ("u", 1, 0)
    assert unit_part("z12[7]") == ("z", 12, 7)
    for label in ("u1", "z[0]", "x[0]", "W1[0,0]", "u1[0,1]", "zz1[0]"):
        assert unit_part(label) is None
