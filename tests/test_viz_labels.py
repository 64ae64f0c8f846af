"""The label convention viz shares with nn: which labels name parameters, and which
name a unit's pre-activation u and activation z."""

import pytest

from micrograd.viz.labels import is_parameter_label, unit_part


@pytest.mark.parametrize("label", ["W1[0,2]", "W12[3, 4]", "b1[0]", "b2[15]", "alpha1[0]"])
def test_parameter_labels(label):
    assert is_parameter_label(label)


@pytest.mark.parametrize("label", ["", "w", "W1", "W1[0]", "b[0]", "x[0]", "u1[0]", "z1[0]", "W1[0,2] ", "alpha[0]", "B1[0]"])
def test_other_labels_are_not_parameters(label):
    assert not is_parameter_label(label)


def test_unit_parts():
    assert unit_part("u1[0]") == ("u", 1, 0)
    assert unit_part("z12[7]") == ("z", 12, 7)
    for label in ("u1", "z[0]", "x[0]", "W1[0,0]", "u1[0,1]", "zz1[0]"):
        assert unit_part(label) is None
