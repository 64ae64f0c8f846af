"""The toy datasets: the shapes they promise, the same points from the same seed."""

import math

import pytest

import nn


@pytest.mark.parametrize("make", [nn.moons, nn.circles, nn.spiral, nn.xor])
def test_the_same_seed_gives_the_same_points_and_another_seed_others(make):
    assert make(40, noise=0.1, seed=5) == make(40, noise=0.1, seed=5)
    assert make(40, noise=0.1, seed=5) != make(40, noise=0.1, seed=6)
    xs, ys = make(41, noise=0.1, seed=5)
    assert len(xs) == len(ys) == 41 and all(len(x) == 2 and all(type(c) is float for c in x) for x in xs)


def test_moons_without_noise_lie_on_two_half_circles():
    xs, ys = nn.moons(50, noise=0.0)
    assert sorted(set(ys)) == [0, 1] and ys.count(0) == ys.count(1) == 25
    for (x0, x1), y in zip(xs, ys):
        if y == 0:
            assert math.hypot(x0, x1) == pytest.approx(1.0) and x1 >= -1e-12
        else:
            assert math.hypot(x0 - 1.0, x1 - 0.5) == pytest.approx(1.0) and x1 <= 0.5 + 1e-12
    assert ys != sorted(ys)  # shuffled


def test_circles_without_noise_have_radius_one_and_factor():
    xs, ys = nn.circles(30, noise=0.0, factor=0.3)
    for (x0, x1), y in zip(xs, ys):
        assert math.hypot(x0, x1) == pytest.approx(1.0 if y == 0 else 0.3)


def test_spiral_has_one_arm_per_class_within_the_unit_disc():
    xs, ys = nn.spiral(90, classes=3, noise=0.0)
    assert [ys.count(c) for c in range(3)] == [30, 30, 30]
    assert max(math.hypot(*x) for x in xs) == pytest.approx(1.0)


def test_xor_is_the_truth_table():
    assert nn.xor() == ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    xs, ys = nn.xor(40, noise=0.05, seed=1)
    assert all(y == (round(x0) != round(x1)) for (x0, x1), y in zip(xs, ys))


@pytest.mark.parametrize("make", [nn.moons, nn.circles, nn.xor])
def test_signed_labels_are_minus_one_and_plus_one(make):
    (_, ys), (_, signed) = make(20, seed=2), make(20, seed=2, signed=True)
    assert signed == [2 * y - 1 for y in ys]


@pytest.mark.parametrize(("call", "message"), [
    (lambda: nn.moons(0), "moons: n must be a whole number >= 1, got 0"),
    (lambda: nn.circles(10, noise=-0.1), r"circles: noise must be a finite number >= 0, got -0.1"),
    (lambda: nn.moons(10, noise=float("inf")), r"moons: noise must be a finite number >= 0, got inf"),
    (lambda: nn.moons(10, noise=float("nan")), r"moons: noise must be a finite number >= 0, got nan"),
    (lambda: nn.circles(10, factor=1.5), "factor must lie strictly between 0 and 1, got 1.5"),
    (lambda: nn.spiral(10, classes=0), "classes must be a whole number >= 1, got 0"),
    (lambda: nn.xor(4, noise="x"), "noise must be a number, got str"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
