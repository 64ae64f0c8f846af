"""The engine's own errors: what went wrong, with which value, at which Value."""

from __future__ import annotations


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
