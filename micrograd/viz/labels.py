"""The label convention viz reads, shared with ``nn``: parameters ``W{l}[{j},{i}]``,
``b{l}[{j}]`` and ``alpha{l}[{j}]``; a unit's pre-activation ``u{l}[{j}]`` (its one dot
node) and activation ``z{l}[{j}]``; inputs ``x[{i}]``. Layer l counts from 1."""

from __future__ import annotations

import re

_PARAMETER = re.compile(r"W\d+\[\d+, ?\d+\]|(?:b|alpha)\d+\[\d+\]")
_UNIT = re.compile(r"([uz])(\d+)\[(\d+)\]")


def is_parameter_label(label: str) -> bool:
    """True for ``W1[0,2]``, ``b2[1]``, ``alpha1[0]``: the labels nn gives its parameters."""
    return _PARAMETER.fullmatch(label) is not None


def unit_part(label: str) -> tuple[str, int, int] | None:
    """``("u", l, j)`` for ``u{l}[{j}]``, ``("z", l, j)`` for ``z{l}[{j}]``, else None."""
    m = _UNIT.fullmatch(label)
    return None if m is None else (m.group(1), int(m.group(2)), int(m.group(3)))
