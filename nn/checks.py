"""Argument checks shared by every part of nn: each returns the checked value or raises
an error that names the function (``where``), the argument and the value given."""

from __future__ import annotations

import math
import numbers
from typing import Any, Sequence


def positive_int(n: Any, argument: str, where: str) -> int:
    """``n`` if it is an int >= 1; a ValueError naming ``argument`` otherwise."""
    if isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 1:
        return int(n)
    raise ValueError(f"{where}: {argument} must be a whole number >= 1, got {show(n)}")


def number(x: Any, argument: str, where: str) -> float:
    """``x`` as a float if it is a real number (not a bool); a ValueError naming ``argument`` otherwise."""
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return float(x)
    raise ValueError(f"{where}: {argument} must be a number, got {type(x).__name__}: {show(x)}")


def positive(x: Any, argument: str, where: str) -> float:
    """``x`` as a float if it is a finite number > 0; a ValueError naming ``argument`` otherwise."""
    value = number(x, argument, where)
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{where}: {argument} must be a positive number, got {show(x)}")
    return value


def fraction(x: Any, argument: str, where: str) -> float:
    """``x`` as a float if ``0 <= x < 1``; a ValueError naming ``argument`` otherwise."""
    value = number(x, argument, where)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{where}: {argument} must satisfy 0 <= {argument} < 1, got {show(x)}")
    return value


def length(xs: Any, argument: str, where: str) -> int:
    """``len(xs)``; a TypeError naming ``argument`` when ``xs`` is not a list (a number, a generator)."""
    try:
        return len(xs)
    except TypeError:
        raise TypeError(f"{where}: {argument} must be a list (or tuple), got {type(xs).__name__}: {show(xs)}") from None


def is_list(x: Any) -> bool:
    """True for a list, tuple or other sequence that is not a string."""
    return isinstance(x, Sequence) and not isinstance(x, (str, bytes))


def show(x: Any, limit: int = 80) -> str:
    """``repr(x)``, cut to ``limit`` characters for an error message (a 10 MB string stays one line)."""
    if isinstance(x, str) and len(x) > limit:  # repr of a huge string would be built whole first
        x = x[:limit]
    try:
        shown = repr(x)
    except ValueError:  # an int past Python's 4300-digit limit for int -> str
        return f"an integer of about {int(x.bit_length() * 0.30103) + 1} digits"
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."
