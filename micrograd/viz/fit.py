"""How big a picture of a graph may be, and how it is made to fit a pane.

Graphviz writes text at 14 pt (the SVG's user unit is a point, 4/3 of a CSS pixel), so at
its natural size a picture's text is 18.7 px high. Shown smaller than ``MIN_SCALE`` of
that, text falls under ``MIN_TEXT_PX`` (11 px) and cannot be read. A picture fits a pane
when it can be shown no wider than the pane at ``MIN_SCALE`` or more.

``choose`` lays a graph out in each direction (left to right, top to bottom) and, where
neither fits, with its leaves folded over two or more ranks (a wide layer of weights and
inputs becomes two or three narrower ones), and keeps the one that fits best.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Callable, NamedTuple

TEXT_PT = 14.0  # Graphviz's default font size, in points: the SVG's user units
PX_PER_PT = 4 / 3  # a CSS pixel is 3/4 pt
MIN_TEXT_PX = 11.0  # the smallest text a reader is asked to read
MIN_SCALE = MIN_TEXT_PX / (TEXT_PT * PX_PER_PT)  # 0.589: the smallest a picture is shown
#: The step-through page's pane (width, height), which its picture should fit.
PANE_PX = (1000, 700)
#: A notebook's output area in a 1,000 px wide window (JupyterLab, and its HTML export:
#: 860-880 px), and how tall a picture may be before it is better drawn the other way.
OUTPUT_PX = (860, 1100)
FOLDS = (2, 3, 4)  # ranks a layer of leaves may be folded over, tried in this order
STEP_RANKSEP = "0.3"  # inches between the ranks of a step-through's picture (Graphviz's default: 0.5)
FOLD_NODESEP = "0.15"  # inches between nodes of a rank in a folded layout (Graphviz's default: 0.25)


class Choice(NamedTuple):
    """A layout that was chosen: its direction, its fold (0: none) and its SVG."""

    rankdir: str
    fold: int
    svg: str


def size_px(svg: str) -> tuple[float, float]:
    """An SVG's natural width and height in CSS pixels (Graphviz writes them in points)."""
    root = ET.fromstring(svg)
    return tuple(float(root.get(a, "0").removesuffix("pt")) * PX_PER_PT for a in ("width", "height"))  # type: ignore[return-value]


def scale(size: tuple[float, float], pane: tuple[float, float]) -> float:
    """The scale that shows the whole picture in the pane, at most 1 (natural size)."""
    w, h = size
    return min(1.0, pane[0] / max(w, 1.0), pane[1] / max(h, 1.0))


def readable(size: tuple[float, float], pane: tuple[float, float]) -> bool:
    """Whether the picture can be shown as wide as the pane, or narrower, with readable text."""
    return size[0] * MIN_SCALE <= pane[0]


def choose(lay: Callable[[str, int], str], pane: tuple[float, float]) -> Choice:
    """The layout that fits ``pane`` best. ``lay(rankdir, fold)`` gives the SVG.

    Left to right when it fits at natural size; else whichever direction shows the whole
    picture at the larger scale (left to right on a tie); where neither can be shown at a
    readable size as wide as the pane, top to bottom with the leaves folded over 2, 3 or 4
    ranks, the first that can; failing all, the narrowest of them (the viewer zooms and
    scrolls)."""
    tried: list[Choice] = [Choice("LR", 0, lay("LR", 0))]
    if scale(size_px(tried[0].svg), pane) >= 1.0:
        return tried[0]
    tried.append(Choice("TB", 0, lay("TB", 0)))
    best = max(tried, key=lambda c: scale(size_px(c.svg), pane))  # max keeps the first of equals: LR
    if readable(size_px(best.svg), pane):
        return best
    for fold in FOLDS:
        folded = Choice("TB", fold, lay("TB", fold))
        if readable(size_px(folded.svg), pane):
            return folded
        tried.append(folded)
    return min(tried, key=lambda c: size_px(c.svg)[0])
