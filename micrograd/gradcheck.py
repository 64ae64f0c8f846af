"""gradcheck: compare the gradients from ``backward()`` with central differences.

For every input x_i, with a step relative to its size, h = eps * max(1, |x_i|):

    numeric_i = (f(..., x_i + h, ...) - f(..., x_i - h, ...)) / (2h)

and the check passes when |analytic_i - numeric_i| <= atol + rtol * |numeric_i|.

Where f has a kink or a jump between x_i - h and x_i + h the central difference means
nothing, and the one-sided differences left = (f(x) - f(x - h)) / h and right =
(f(x + h) - f(x)) / h disagree. So do they where f is noisy. A disagreement is called a
kink (status "kink": passed, with a warning) only when each side is explained by the
gradients ``backward()`` gives on that side: its slope lies between the analytic
gradients at its two ends (a smooth piece, or one with the kink inside it), or, for a
jump, the slope of its outer half does. Noise explains neither side, so a wrong gradient
on a noisy f is a "FAIL", and its row says that the one-sided differences disagree
without a kink.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Callable, NamedTuple, Sequence

from .engine import Value, no_grad
from .errors import DomainError, as_float


class GradcheckRow(NamedTuple):
    """One input's comparison: ``abs_err = |analytic - numeric|``, ``rel_err = abs_err /
    |numeric|``, ``status`` "ok", "FAIL" or "kink" (a kink or a jump); ``left`` and
    ``right`` are the one-sided differences, over the step h = eps * max(1, |value|)."""

    name: str
    value: float
    analytic: float
    numeric: float
    abs_err: float
    rel_err: float
    status: str
    left: float  # (f(x) - f(x - h)) / h
    right: float  # (f(x + h) - f(x)) / h


class GradcheckError(AssertionError):
    """backward() and central differences disagree for at least one input.

    ``rows`` holds every input's comparison (``GradcheckRow``); ``str(error)`` is a table
    of the inputs that did not agree.
    """

    def __init__(self, message: str, rows: Sequence[GradcheckRow]) -> None:
        super().__init__(message)
        self.rows = tuple(rows)


class GradcheckWarning(UserWarning):
    """Some inputs sit at a kink, where a central difference cannot check the gradient."""


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Value | float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> bool:
    """Check ``f``'s gradients from ``backward()`` against central differences.

    ``f(*values)`` takes one Value per entry of ``inputs`` and returns a Value. Each input
    (a number, or a Value whose ``data`` and ``label`` are used) becomes a fresh leaf; the
    inputs themselves are not changed. Returns True when every gradient agrees; raises
    ``GradcheckError`` (an AssertionError) with a table otherwise. Inputs at a kink pass,
    with a ``GradcheckWarning`` saying which.

    The defaults suit float64. The step is relative, h = ``eps`` * max(1, |x|), so that
    x + h differs from x at any size; a ValueError says so where no difference can be
    taken (``eps`` below float64's resolution, or x + h beyond the largest float). A
    central difference errs by about h^2 |f'''| / 6 (the step) plus 1e-16 |f| / h
    (rounding); with h = 1e-6 both stay near 1e-10 for f and its derivatives of order
    one, and a step this small rarely straddles a kink. ``atol = 1e-5`` and ``rtol =
    1e-4`` leave room for the rounding term up to |f| of about 1e4, while a wrong
    derivative is usually wrong in its first digits. The module docstring says when a
    disagreement counts as a kink.
    """
    _check_arguments(f, inputs, eps, atol, rtol)
    names = [_name(x, i) for i, x in enumerate(inputs)]
    points = [x.data if type(x) is Value else as_float(x, f"gradcheck: {name}") for name, x in zip(names, inputs)]
    for name, x in zip(names, points):
        if not math.isfinite(x):
            raise ValueError(f"gradcheck: input {name} is {x!r}; every input must be a finite number")

    leaves = [Value(x, x_in.label if type(x_in) is Value else "") for x, x_in in zip(points, inputs)]
    out = _call(f, leaves, "the inputs")
    if not math.isfinite(out.data):
        raise ValueError(f"gradcheck: f returned {out.data!r} at the inputs; it must be finite there")
    out.backward()

    rows = [_compare(f, points, i, names[i], leaves[i].grad, out.data, eps, atol, rtol) for i in range(len(points))]
    failed = [r for r in rows if r.status == "FAIL"]
    kinks = [r for r in rows if r.status == "kink"]
    settings = f"eps={eps:g}, atol={atol:g}, rtol={rtol:g}"
    if failed:
        head = f"gradcheck: backward() and central differences disagree for {len(failed)} of {len(rows)} inputs ({settings})"
        raise GradcheckError(head + "\n" + _table(failed + kinks, atol, rtol), rows)
    if kinks:
        head = f"gradcheck: {len(kinks)} of {len(rows)} inputs are at a kink; their gradients could not be checked ({settings})"
        warnings.warn(GradcheckWarning(head + "\n" + _table(kinks, atol, rtol)), stacklevel=2)
    return True


def _check_arguments(f: object, inputs: object, eps: object, atol: object, rtol: object) -> None:
    if not callable(f):
        raise TypeError(f"gradcheck: f must be a function of Values returning a Value, got {type(f).__name__}")
    if isinstance(inputs, (Value, numbers.Real)) or not isinstance(inputs, Sequence) or isinstance(inputs, str):
        raise TypeError(f"gradcheck: inputs must be a list of numbers or Values, got {type(inputs).__name__}: {inputs!r:.60}; for one input write [x]")
    if len(inputs) == 0:
        raise ValueError("gradcheck: inputs is empty; give at least one number or Value to differentiate with respect to")
    for i, x in enumerate(inputs):
        if type(x) is not Value and (not isinstance(x, numbers.Real) or isinstance(x, bool)):
            raise TypeError(f"gradcheck: inputs[{i}] must be a number or a Value, got {type(x).__name__}: {x!r:.60}")
    for name, value, positive in (("eps", eps, True), ("atol", atol, False), ("rtol", rtol, False)):
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value) and (
            value > 0 if positive else value >= 0)
        if not ok:
            rule = "a finite number > 0" if positive else "a finite number >= 0"
            raise ValueError(f"gradcheck: {name} must be {rule}, got {value!r}")


def _name(x: Value | float, i: int) -> str:
    return f"inputs[{i}] {x.label}" if type(x) is Value and x.label else f"inputs[{i}]"


def _call(f: Callable[..., Value], values: list[Value], where: str) -> Value:
    """f(*values), insisting on a Value; ``where`` names the point, for the error."""
    try:
        out = f(*values)
    except DomainError as e:
        raise ValueError(f"gradcheck: f cannot be evaluated at {where}: {e}; use a smaller eps or move the input away from the edge of the domain") from e
    if type(out) is not Value:
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}: {out!r:.60}; build the result from the Values f receives")
    return out


def _f_at(f: Callable[..., Value], points: list[float], i: int, x: float, name: str) -> float:
    """f with input i moved to x, computed without recording a graph."""
    shifted = list(points)
    shifted[i] = x
    with no_grad():
        return _call(f, [Value(p) for p in shifted], f"{name} = {x!r}").data


def _gradient_at(f: Callable[..., Value], points: list[float], i: int, x: float, name: str) -> float:
    """d f / d input_i from ``backward()``, with input i moved to x."""
    leaves = [Value(x if k == i else p) for k, p in enumerate(points)]
    out = _call(f, leaves, f"{name} = {x!r}")
    out.backward()
    return leaves[i].grad


def _close(a: float, b: float, atol: float, rtol: float) -> bool:
    return abs(a - b) <= atol + rtol * abs(b)


def _between(slope: float, a: float, b: float, atol: float, rtol: float) -> bool:
    """``slope`` lies between a and b, within atol + rtol * (the larger of |a|, |b|)."""
    lo, hi = min(a, b), max(a, b)
    slack = atol + rtol * max(abs(lo), abs(hi))
    return lo - slack <= slope <= hi + slack


def _step(x: float, eps: float, name: str) -> tuple[float, float]:
    """x - h and x + h for h = eps * max(1, |x|); a ValueError where no difference can be taken."""
    h = eps * max(1.0, abs(x))
    down, up = x - h, x + h
    if not (math.isfinite(down) and math.isfinite(up)):
        raise ValueError(
            f"gradcheck: input {name} = {x!r} is too close to the largest float64: x +- h overflows (h = {h:g}), "
            "so no difference can be taken there; use a smaller eps"
        )
    if down == x or up == x:
        raise ValueError(
            f"gradcheck: at input {name} = {x!r} the step h = {h:g} is lost in rounding (x + h == x), so no difference "
            f"can be taken; eps = {eps:g} is below float64's resolution (about 2.2e-16): use eps >= 1e-15 (default 1e-6)"
        )
    return down, up


def _at_kink(f, points, i, name, analytic, x_down, x_up, left, right, atol, rtol) -> bool:
    """left and right clearly differ, and each is explained by backward()'s gradients on
    its side (see the module docstring); noise and wrong gradients are not."""
    if _between(left, right, right, atol, rtol):
        return False  # they agree: no kink here

    def explained(end: float, slope: float) -> bool:
        x = points[i]
        a_end = _gradient_at(f, points, i, end, name)
        if _between(slope, analytic, a_end, atol, rtol):  # a smooth piece, or a kink inside it
            return True
        middle = x + (end - x) / 2  # a jump in the inner half: the outer half is smooth
        outer = (_f_at(f, points, i, end, name) - _f_at(f, points, i, middle, name)) / (end - middle)
        return _between(outer, _gradient_at(f, points, i, middle, name), a_end, atol, rtol)

    try:
        return explained(x_down, left) and explained(x_up, right)
    except (ValueError, ArithmeticError):  # f or backward() undefined on the way: cannot tell
        return False


def _compare(f, points, i, name, analytic, f0, eps, atol, rtol) -> GradcheckRow:
    x = points[i]
    down, up = _step(x, eps, name)
    f_up, f_down = _f_at(f, points, i, up, name), _f_at(f, points, i, down, name)
    # The steps actually taken: x + h is rounded, and these differences are exact.
    numeric = (f_up - f_down) / (up - down)
    right, left = (f_up - f0) / (up - x), (f0 - f_down) / (x - down)
    abs_err = abs(analytic - numeric)
    rel_err = abs_err / abs(numeric) if numeric != 0 else (0.0 if abs_err == 0 else math.inf)
    if _close(analytic, numeric, atol, rtol):
        status = "ok"
    elif _at_kink(f, points, i, name, analytic, down, up, left, right, atol, rtol):
        status = "kink"
    else:
        status = "FAIL"
    return GradcheckRow(name, x, analytic, numeric, abs_err, rel_err, status, left, right)


def _status_text(r: GradcheckRow, atol: float, rtol: float) -> str:
    if r.status == "kink":
        return f"at a kink: left {r.left:.6g}, right {r.right:.6g}"
    if r.status == "FAIL" and not _between(r.left, r.right, r.right, atol, rtol):
        return (
            f"FAIL; the one-sided differences disagree (left {r.left:.6g}, right {r.right:.6g}), but not as at a kink: "
            "backward()'s gradients do not account for both sides (f is noisy here, or its gradient is wrong)"
        )
    return r.status


def _table(rows: Sequence[GradcheckRow], atol: float, rtol: float) -> str:
    """The rows as aligned text, one input per line."""
    header = ("input", "value", "analytic", "numeric", "abs err", "rel err", "status")
    lines = [header] + [
        (
            r.name, f"{r.value:.6g}", f"{r.analytic:.10g}", f"{r.numeric:.10g}", f"{r.abs_err:.2e}", f"{r.rel_err:.2e}",
            _status_text(r, atol, rtol),
        )
        for r in rows
    ]
    widths = [max(len(line[c]) for line in lines) for c in range(len(header) - 1)]
    return "\n".join(
        "  " + "  ".join(cell.ljust(w) if c == 0 else cell.rjust(w) for c, (cell, w) in enumerate(zip(line, widths))) + "  " + line[-1]
        for line in lines
    )
