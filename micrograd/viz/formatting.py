"""How the pictures and captions write numbers: ``format(x, fmt)`` with ``fmt = ".4g"`` by
default, except that a non-zero number never reads as zero (``format(1e-5, ".4f")`` is
``0.0000``): then it is written with ``.3g`` (``1e-05``) instead."""

from __future__ import annotations

import math

DEFAULT_FORMAT = ".4g"
FALLBACK_FORMAT = ".3g"  # for a non-zero number that fmt would round to zero


def check_format(fmt: object, where: str) -> str:
    """``fmt`` when it is a format spec for floats; else a TypeError / ValueError from ``where``."""
    if type(fmt) is not str:
        raise TypeError(f"{where}: fmt must be a format spec string such as '.4g', got {type(fmt).__name__}: {fmt!r:.60}")
    try:
        format(1.5, fmt)
    except ValueError:
        raise ValueError(f"{where}: fmt={fmt!r} is not a format spec for floats; try '.4g', '.4f' or '.2e'") from None
    return fmt


def number(x: float, fmt: str = DEFAULT_FORMAT) -> str:
    """``x`` written with ``fmt``; a non-zero x that would read as 0 is written with ``.3g``."""
    text = format(x, fmt)
    if x != 0 and math.isfinite(x) and _reads_as_zero(text):
        return format(x, FALLBACK_FORMAT)
    return text


def _reads_as_zero(text: str) -> bool:
    try:
        return float(text.replace(",", "").replace("_", "").rstrip("%")) == 0
    except ValueError:
        return False
