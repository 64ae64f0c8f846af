"""nn.checks: the argument checks every part of nn uses; each names where, what and the value,
and a value shown in a message is cut to one readable line."""

import pytest

from nn import checks


def test_positive_int():
    assert checks.positive_int(3, "n", "f") == 3
    for bad in (0, -1, 2.5, True, "3", None):
        with pytest.raises(ValueError, match=r"f: n must be a whole number >= 1, got "):
            checks.positive_int(bad, "n", "f")


def test_number_and_positive_and_fraction():
    assert checks.number(2, "x", "f") == 2.0 and type(checks.number(2, "x", "f")) is float
    with pytest.raises(ValueError, match="f: x must be a number, got str: 'a'"):
        checks.number("a", "x", "f")
    with pytest.raises(ValueError, match="f: x must be a number, got bool: True"):
        checks.number(True, "x", "f")
    for bad in (0, -1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="f: lr must be a positive number"):
            checks.positive(bad, "lr", "f")
    assert checks.fraction(0.0, "mu", "f") == 0.0
    with pytest.raises(ValueError, match=r"f: mu must satisfy 0 <= mu < 1, got 1.0"):
        checks.fraction(1.0, "mu", "f")


def test_length_and_is_list():
    assert checks.length([1, 2], "xs", "f") == 2
    with pytest.raises(TypeError, match=r"f: xs must be a list \(or tuple\), got int: 5"):
        checks.length(5, "xs", "f")
    assert checks.is_list((1,)) and checks.is_list([]) and not checks.is_list("ab") and not checks.is_list(b"ab")


def test_show_cuts_long_values_to_one_short_line():
    assert checks.show([1, 2]) == "[1, 2]"
    shown = checks.show("x" * 10_000_000)
    assert len(shown) == 80 and shown.startswith("'xxx") and shown.endswith("...")
    assert len(checks.show(list(range(10_000)), 60)) == 60


def test_show_names_an_integer_too_long_to_print():
    assert checks.show(10**5000) == "an integer of about 5001 digits"
    with pytest.raises(ValueError, match="f: n must be a whole number >= 1, got an integer of about 5001 digits"):
        checks.positive_int(-(10**5000), "n", "f")
