"""Numbers in pictures and captions: .4g by default, and a non-zero never reads as zero."""

import math

import pytest

from micrograd.viz.formatting import DEFAULT_FORMAT, check_format, number


def test_the_default_is_4_significant_digits():
    assert DEFAULT_FORMAT == ".4g"
    assert [number(x) for x in (1.0, -2.0, 0.78644773, 1.5729e-7, 12345.6)] == ["1", "-2", "0.7864", "1.573e-07", "1.235e+04"]


@pytest.mark.parametrize("x, fmt, shown", [
    (1e-5, ".4f", "1e-05"), (-3.2e-9, ".2f", "-3.2e-09"), (4e-7, ".0%", "4e-07"), (0.00012, ",.3f", "0.00012"),
])
def test_a_non_zero_that_would_read_as_zero_is_written_with_3_significant_digits(x, fmt, shown):
    assert float(format(x, fmt).rstrip("%").replace(",", "")) == 0  # the trap
    assert number(x, fmt) == shown


def test_zero_and_other_numbers_keep_the_format():
    assert number(0.0, ".4f") == "0.0000" and number(-0.0, ".4f") == "-0.0000"
    assert number(0.5, ".4f") == "0.5000" and number(1234.5, ".2e") == "1.23e+03"
    assert number(math.inf, ".4f") == "inf" and number(math.nan) == "nan"


def test_a_bad_format_is_refused_with_its_value():
    with pytest.raises(ValueError, match=r"draw_dot: fmt='d' is not a format spec for floats"):
        check_format("d", "draw_dot")
    with pytest.raises(TypeError, match="step_frames: fmt must be a format spec string such as '.4g', got int: 4"):
        check_format(4, "step_frames")
