"""Second derivatives from backward(create_graph=True): the gradient as Values, then
one more backward per component gives a row of the Hessian, H_ij = d2f / dx_i dx_j."""

from __future__ import annotations

from typing import Callable, Sequence

from .engine import Value, number


def _leaves(point: Sequence[float], f: Callable[..., Value], where: str) -> tuple[list[Value], Value]:
    xs = [Value(number(x, f"{where}: point[{i}]"), f"x{i}") for i, x in enumerate(point)]
    y = f(*xs)
    if not isinstance(y, Value):
        raise TypeError(f"{where}: f must return a Value, got {type(y).__name__}")
    return xs, y


def gradient(f: Callable[..., Value], point: Sequence[float]) -> list[float]:
    """[df/dx_i] at ``point``; f takes one Value per coordinate and returns a Value."""
    xs, y = _leaves(point, f, "gradient")
    y.backward()
    return [x.grad for x in xs]


def hessian(f: Callable[..., Value], point: Sequence[float]) -> list[list[float]]:
    """[[d2f / dx_i dx_j]] at ``point``: row i is the gradient of df/dx_i."""
    xs, y = _leaves(point, f, "hessian")
    y.backward(create_graph=True)
    first = [x.grad for x in xs]  # Values: each has a graph of its own
    rows = []
    for g in first:
        for x in xs:
            x.grad = 0.0
        if isinstance(g, Value):
            g.backward()
            rows.append([x.grad for x in xs])
        else:  # df/dx_i did not depend on anything: a zero row
            rows.append([0.0] * len(xs))
    y.zero_grad()  # the gradient graphs refer back to the leaves: break those cycles
    return rows
