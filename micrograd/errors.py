"""The engine's own errors, and the checks that raise them: what went wrong, with which
value, at which Value."""

from __future__ import annotations

import numbers
from typing import Any, Sequence


class DomainError(ValueError):
    """An operation was asked for a point outside its domain, e.g. log(0) or sqrt(-1).

    Attributes: ``op`` (the operation's name), ``value`` (the offending input, as text),
    ``reason`` (the rule that was broken) and ``label`` (the labels of the input Values, or "").
    """

    def __init__(self, op: str, value: str, reason: str, label: str = "") -> None:
        super().__init__(op, value, reason, label)
        self.op, self.value, self.reason, self.label = op, value, reason, label

    def __str__(self) -> str:
        where = f" at Value {self.label}" if self.label else ""
        return f"{self.op}: {self.value}{where}: {self.reason}"


class DivisionByZeroError(DomainError, ZeroDivisionError):
    """Division by zero; also a ``ZeroDivisionError``, as plain floats would raise."""


class FloatOverflowError(DomainError, OverflowError):
    """The exact result is larger than the largest float64 (about 1.8e308)."""


def as_float(x: Any, where: str, expected: str = "a number or a Value") -> float:
    """A plain real number as a float; a TypeError naming ``where`` for anything else
    (True and False too: a bool among numbers is almost always a mistake)."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        try:
            return float(x)
        except OverflowError:
            raise FloatOverflowError(where, f"{x!r:.60}", "too large for a float64") from None
    shown = repr(x) if len(repr(x)) <= 60 else repr(x)[:57] + "..."
    raise TypeError(f"{where}: expected {expected}, got {type(x).__name__}: {shown}")


def domain_error(op: Any, datas: Sequence[float], operands: Sequence[Any]) -> DomainError:
    """The error for operands outside ``op``'s domain, naming the op, the values and labels."""
    shown = [repr(d) for d in datas]
    if len(datas) == 2 and not op.name.isidentifier():
        value = f" {op.name} ".join(shown)
    else:
        value = f"{op.name}({', '.join(shown)})"
    kind = DivisionByZeroError if op.name == "/" else DomainError
    return kind(op.name, value, op.domain_text, labels(operands))


def labels(operands: Sequence[Any]) -> str:
    """The labels of the Values among ``operands``, for an error message."""
    return ", ".join(x.label for x in operands if getattr(x, "label", ""))
