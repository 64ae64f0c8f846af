"""The label convention viz reads, defined by ``nn.labels``: parameters ``W{l}[{j},{i}]``,
``b{l}[{j}]`` and ``alpha{l}[{j}]``; a unit's pre-activation ``u{l}[{j}]`` (its one dot
node) and activation ``z{l}[{j}]``; inputs ``x[{i}]``. Layer l counts from 1."""

from __future__ import annotations

from nn import labels


def is_parameter_label(label: str) -> bool:
    """True for ``W1[0,2]``, ``b2[1]``, ``alpha1[0]``: the labels nn gives its parameters."""
    return labels.is_parameter(label)


def unit_part(label: str) -> tuple[str, int, int] | None:
    """``("u", l, j)`` for ``u{l}[{j}]``, ``("z", l, j)`` for ``z{l}[{j}]``, else None."""
    parsed = labels.parse(label)
    if parsed is None or parsed.kind not in ("u", "z"):
        return None
    return parsed.kind, parsed.l, parsed.j  # type: ignore[return-value]
