"""The label convention of layered networks, defined once: how to write a label and how to
read it back. The core owns it; ``nn`` labels its Values this way, and so may any code.

Layer l counts from 1, j is a unit of the layer, i an input of the unit: weight
``W{l}[{j},{i}]`` (into unit j from input i), bias ``b{l}[{j}]``, PReLU slope
``alpha{l}[{j}]``, pre-activation ``u{l}[{j}]`` (the unit's one dot node), output
``z{l}[{j}]``, network input ``x[{i}]``. The pictures of ``micrograd.viz`` read these back:
a Value labelled as a weight, bias or slope is drawn as a parameter, and the nodes from a
unit's parameters to its ``u`` and ``z`` can be boxed as one unit or collapsed into one node.
"""

from __future__ import annotations

import re
from typing import NamedTuple

#: Every kind of label and its format; ``parse`` is built from the same strings.
FORMATS: dict[str, str] = {
    "weight": "W{l}[{j},{i}]",
    "bias": "b{l}[{j}]",
    "alpha": "alpha{l}[{j}]",
    "u": "u{l}[{j}]",
    "z": "z{l}[{j}]",
    "x": "x[{i}]",
}

#: The kinds that name a learnable parameter.
PARAMETERS = ("weight", "bias", "alpha")


def weight(l: int, j: int, i: int) -> str:
    """``W{l}[{j},{i}]``: the weight into unit j of layer l from input i."""
    return FORMATS["weight"].format(l=l, j=j, i=i)


def bias(l: int, j: int) -> str:
    """``b{l}[{j}]``: the bias of unit j of layer l."""
    return FORMATS["bias"].format(l=l, j=j)


def alpha(l: int, j: int) -> str:
    """``alpha{l}[{j}]``: the PReLU slope of unit j of layer l."""
    return FORMATS["alpha"].format(l=l, j=j)


def u(l: int, j: int) -> str:
    """``u{l}[{j}]``: the pre-activation ``w . z + b`` of unit j of layer l."""
    return FORMATS["u"].format(l=l, j=j)


def z(l: int, j: int) -> str:
    """``z{l}[{j}]``: the output ``f(u)`` of unit j of layer l."""
    return FORMATS["z"].format(l=l, j=j)


def x(i: int) -> str:
    """``x[{i}]``: input i of the network."""
    return FORMATS["x"].format(i=i)


class Label(NamedTuple):
    """A label read back: its kind (a key of ``FORMATS``) and its indices (None where absent)."""

    kind: str
    l: int | None
    j: int | None
    i: int | None


def _pattern(fmt: str) -> re.Pattern[str]:
    """The format as a regular expression: ``{l}`` becomes a group of digits; a space may
    follow a comma, as people write ``W1[0, 2]`` by hand."""
    parts = re.split(r"\{(\w+)\}", fmt)  # text, name, text, name, ..., text
    regex = "".join(re.escape(p).replace(",", ", ?") if k % 2 == 0 else rf"(?P<{p}>\d+)" for k, p in enumerate(parts))
    return re.compile(regex)


_PATTERNS = {kind: _pattern(fmt) for kind, fmt in FORMATS.items()}


def parse(label: str) -> Label | None:
    """The kind and indices of an nn label (``parse("W2[0,1]") == Label("weight", 2, 0, 1)``);
    None for any other label."""
    for kind, pattern in _PATTERNS.items():
        m = pattern.fullmatch(label)
        if m is not None:
            found = {name: int(digits) for name, digits in m.groupdict().items()}
            return Label(kind, found.get("l"), found.get("j"), found.get("i"))
    return None


def is_parameter(label: str) -> bool:
    """True for the label of a weight, a bias or a PReLU slope."""
    parsed = parse(label)
    return parsed is not None and parsed.kind in PARAMETERS


def unit_part(label: str) -> tuple[str, int, int] | None:
    """``("u", l, j)`` for ``u{l}[{j}]``, ``("z", l, j)`` for ``z{l}[{j}]``, else None."""
    parsed = parse(label)
    if parsed is None or parsed.kind not in ("u", "z"):
        return None
    return parsed.kind, parsed.l, parsed.j  # type: ignore[return-value]
