"""Small two-dimensional datasets to train on, generated from a seed (no sklearn needed).

Each function returns ``(xs, ys)``: ``xs`` a list of ``[x0, x1]`` points, ``ys`` their
class labels ``0, 1, ...`` (``signed=True`` gives -1/+1 for the hinge loss). The same
arguments always give the same points; the order is shuffled with the seed. Every
function takes ``n``, ``noise`` and ``seed`` (pass them by keyword); ``DATASETS`` is the
one registry by name, read by the command line.
"""

from __future__ import annotations

import math
import random
from typing import Callable

from .checks import number, positive_int, show

Dataset = tuple[list[list[float]], list[int]]


def moons(n: int = 100, noise: float = 0.1, seed: int = 0, *, signed: bool = False) -> Dataset:
    """Two interleaving half circles: class 0 on ``(cos t, sin t)``, class 1 on
    ``(1 - cos t, 1/2 - sin t)`` for ``t`` evenly spaced in ``[0, pi]``, plus Gaussian noise."""
    n, noise, rng = _check(n, noise, seed, "moons")
    points = []
    for k in range(n):
        label = k % 2
        m = (n + 1 - label) // 2  # points in this moon
        t = math.pi * (k // 2) / max(m - 1, 1)
        x = (math.cos(t), math.sin(t)) if label == 0 else (1.0 - math.cos(t), 0.5 - math.sin(t))
        points.append((x, label))
    return _finish(points, noise, rng, signed)


def circles(n: int = 100, noise: float = 0.05, seed: int = 0, *, factor: float = 0.5, signed: bool = False) -> Dataset:
    """Two concentric circles: class 0 on radius 1, class 1 on radius ``factor``, plus noise."""
    n, noise, rng = _check(n, noise, seed, "circles")
    factor = number(factor, "factor", "circles")
    if not 0 < factor < 1:
        raise ValueError(f"circles: factor must lie strictly between 0 and 1, got {show(factor)}")
    points = []
    for k in range(n):
        label = k % 2
        m = (n + 1 - label) // 2
        t = 2 * math.pi * (k // 2) / m
        r = 1.0 if label == 0 else factor
        points.append(((r * math.cos(t), r * math.sin(t)), label))
    return _finish(points, noise, rng, signed)


def spiral(n: int = 150, classes: int = 3, noise: float = 0.2, seed: int = 0) -> Dataset:
    """``classes`` spiral arms around the origin: point m of an arm of class c sits at radius
    ``r = m / (arm length)`` and angle ``4 r + 2 pi c / classes`` (plus noise on the angle)."""
    n, noise, rng = _check(n, noise, seed, "spiral")
    classes = positive_int(classes, "classes", "spiral")
    points = []
    for k in range(n):
        label = k % classes
        m = (n - label + classes - 1) // classes  # points on this arm
        r = (k // classes) / max(m - 1, 1)
        t = 4.0 * r + 2 * math.pi * label / classes + rng.gauss(0.0, noise)
        points.append(((r * math.sin(t), r * math.cos(t)), label))
    return _finish(points, 0.0, rng, False)


def xor(n: int = 4, noise: float = 0.0, seed: int = 0, *, signed: bool = False) -> Dataset:
    """The XOR truth table: corners ``(0,0), (0,1), (1,0), (1,1)`` with labels ``0, 1, 1, 0``,
    repeated in this order to ``n`` points, plus noise; ``xor()`` is exactly the table."""
    n, noise, rng = _check(n, noise, seed, "xor")
    corners = [((0.0, 0.0), 0), ((0.0, 1.0), 1), ((1.0, 0.0), 1), ((1.0, 1.0), 0)]
    return _finish([corners[k % 4] for k in range(n)], noise, rng, signed, shuffle=False)


def _check(n, noise, seed, where):
    n = positive_int(n, "n", where)
    noise = number(noise, "noise", where)
    if not 0 <= noise < math.inf:
        raise ValueError(f"{where}: noise must be a finite number >= 0, got {show(noise)}")
    return n, noise, random.Random(seed)


def _finish(points, noise, rng, signed, shuffle=True) -> Dataset:
    """Shuffle, then add Gaussian noise of standard deviation ``noise`` to every coordinate."""
    if shuffle:
        rng.shuffle(points)
    xs = [[x0 + rng.gauss(0.0, noise), x1 + rng.gauss(0.0, noise)] if noise else [x0, x1] for (x0, x1), _ in points]
    ys = [(2 * label - 1 if signed else label) for _, label in points]
    return xs, ys


#: Every dataset by its name: ``DATASETS["spiral"](n=150, noise=0.1, seed=0)``.
DATASETS: dict[str, Callable[..., Dataset]] = {f.__name__: f for f in (moons, circles, spiral, xor)}
