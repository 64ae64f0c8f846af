"""The activations a unit accepts: the rows of the engine's op table marked ``activation``,
read at each use, so a row added to ``micrograd.OPS`` later is a name nn accepts.

A unit computes ``z = f(u)`` as one engine op. PReLU's slope alpha is a parameter of the
unit (learned, starting at the engine's default); another row with more operands (ELU's
alpha) takes the row's defaults.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Callable, Union

import micrograd
from micrograd import Value
from micrograd.ops import DEFAULT_ALPHA

Activation = Union[str, Callable[[Value], Value]]

#: The activation whose alpha is a learnable parameter of each unit.
LEARNED_ALPHA = "prelu"


def names() -> tuple[str, ...]:
    """Every activation name, in the op table's order: its rows marked ``activation``."""
    return tuple(name for name, op in micrograd.OPS.items() if op.activation)


class Names(Sequence):
    """``names()`` as a sequence that reads the op table at each use (``"relu" in ACTIVATIONS``)."""

    def __getitem__(self, k):  # type: ignore[override]
        return names()[k]

    def __len__(self) -> int:
        return len(names())

    def __repr__(self) -> str:
        return repr(names())


#: The activation names a layer accepts (theory §2); anything else must be a callable.
ACTIVATIONS = Names()


def initial_alpha() -> float:
    """The initial PReLU slope of a unit: the engine's default (0.25)."""
    return DEFAULT_ALPHA[LEARNED_ALPHA]


def check(activation: Any, argument: str) -> Activation:
    """``activation`` if it is a known name or a callable; a ValueError naming ``argument`` otherwise."""
    known = names()
    if isinstance(activation, str):
        if activation in known:
            return activation
        raise ValueError(f"{argument}: unknown activation {activation!r}; use one of {', '.join(known)}, or pass a callable")
    if callable(activation):
        return activation
    raise ValueError(f"{argument}: an activation must be a name ({', '.join(known)}) or a callable, got {activation!r}")


def name_of(activation: Activation) -> str:
    """The name of an activation, or of the callable standing for one."""
    return activation if isinstance(activation, str) else getattr(activation, "__name__", repr(activation))


def function(activation: Activation, alpha: Value | None = None) -> Callable[[Value], Value]:
    """``z = f(u)`` as one engine op: the row named ``activation`` (with the unit's learned
    ``alpha`` for PReLU; the row's default operands otherwise, e.g. ELU's alpha = 1), or the callable."""
    if callable(activation):
        return activation
    op = micrograd.OPS[activation]
    if activation == LEARNED_ALPHA:
        return lambda u: op(u, alpha)
    return op
