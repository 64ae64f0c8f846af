"""Plots as SVG text, with the standard library only: curves, scatter plots, 2-D points by
class, filled grids (decision boundaries), contour lines, bars; ticks at nice numbers
(1, 2 or 5 times a power of ten), linear or log axes, a title, axis labels, a legend;
several plots side by side. It shows inline in Jupyter (``_repr_html_``, ``_repr_svg_``),
in an nbconvert export, on a static page and in a file::

    from micrograd.viz.plot import Figure, Plot

    p = Plot("gradient descent on (w - 3)^2", xlabel="step", ylabel="w")
    p.line(path, marker="o", label="gradients zeroed each step")
    p.hline(3.0)
    p                                   # the last line of a cell: drawn in the notebook
    p.save("descent.svg")               # or p.svg(): the SVG document as a string
    Figure(p, q, columns=2)             # plots side by side

Every colour is in one place (``PALETTE``, checked for colour-blind readers and for 3:1
against white and near-black); text and axes take the page's text colour (``currentColor``:
the CSS variable ``--mgp-ink``, else JupyterLab's or VS Code's theme, else near-black; a
saved file follows the reader's light or dark preference). The output depends only on
the input: the same plot gives the same text (golden-testable). This module imports
nothing outside the standard library, and nothing of micrograd's but, when saving,
``micrograd.files``; it needs neither Graphviz nor its Python package.
"""

from __future__ import annotations

import base64
import html
import math
import re
import struct
import zlib
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

# --- colours, in their one place --------------------------------------------------------

#: The Okabe-Ito colours (safe for the common colour-vision deficiencies), darkened or
#: lightened where needed so that each has at least 3:1 contrast against white and
#: against #111111 (WCAG's minimum for lines and marks): a plot reads on light and dark pages.
BLUE = "#0072b2"
VERMILLION = "#d55e00"
GREEN = "#009e73"
PINK = "#cc79a7"
OCHRE = "#b8860b"
VIOLET = "#9467bd"
GREY = "#888888"
PALETTE = (BLUE, VERMILLION, GREEN, PINK, OCHRE, VIOLET, GREY)
#: Contour levels, lowest to highest: blue through green to ochre.
RAMP = (BLUE, GREEN, OCHRE)
#: Text and axes: the page's ink where it says (CSS), else these.
INK, INK_ON_DARK = "#1f1f1f", "#e8e8e8"
PAPER, PAPER_ON_DARK = "#ffffff", "#111111"

#: Line dashes (matplotlib's names) and marker shapes.
DASHES = {"-": "", "--": "6 4", ":": "1.5 3", "-.": "6 3 1.5 3"}
MARKERS = ("o", "s", "^", "v", "D", "*", "+", "x", ".")
CLASS_MARKERS = ("o", "s", "^", "D", "v")  # one per class, so class is told by shape as well as colour

# --- sizes (px; a plot is drawn at its size in a 1,000 px pane and shrinks with it) ---------

WIDTH, HEIGHT = 600, 360  # a plot alone
MAX_WIDTH = 960  # a figure's plots share this much (a notebook's output area is 860-1,000 px)
TICK_FONT, LABEL_FONT, TITLE_FONT = 12, 13, 14  # at least 11 px, as drawn
CHAR_WIDTH = 0.6  # of the font size: the width of an average character, for the layout
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

_STYLE = (
    ".mgp{color:var(--mgp-ink,var(--jp-content-font-color1,var(--vscode-editor-foreground,%s)))}"
    ".mgp .mgp-paper{fill:var(--mgp-paper,var(--jp-layout-color0,var(--vscode-editor-background,%s)))}"
) % (INK, PAPER)
_DARK = "@media (prefers-color-scheme:dark){.mgp{color:var(--mgp-ink,%s)}.mgp .mgp-paper{fill:var(--mgp-paper,%s)}}" % (
    INK_ON_DARK, PAPER_ON_DARK)


# --- numbers and text --------------------------------------------------------------------


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Tick values from lo to hi, about ``count`` intervals apart: every multiple of a step
    of 1, 2 or 5 times a power of ten that lies in [lo, hi] (0, 0.2, 0.4, 0.6 for 0..0.688);
    the step is the smallest such number at least (hi - lo) / count, or smaller where that
    would leave fewer than two ticks."""
    lo, hi = _number(lo, "nice_ticks: lo"), _number(hi, "nice_ticks: hi")
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"nice_ticks: need finite lo < hi, got lo={lo!r}, hi={hi!r}")
    m, e = _nice_step((hi - lo) / max(1, count))
    while True:
        step = _value(1, m, e)
        first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
        if last > first:  # at least two ticks: else the next smaller nice step
            return [_value(k, m, e) for k in range(first, last + 1)]
        m, e = {5: (2, e), 2: (1, e), 1: (5, e - 1)}[m]


def _nice_step(raw: float) -> tuple[int, int]:
    """The smallest m * 10^e >= raw with m in 1, 2, 5, as (m, e)."""
    e = math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * 10.0**e >= raw * (1 - 1e-9):
            return (1, e + 1) if m == 10 else (m, e)
    return 1, e + 1  # pragma: no cover - the loop always returns


def _value(k: int, m: int, e: int) -> float:
    """k * m * 10^e, as the float nearest that decimal (0.3, not 0.30000000000000004)."""
    return float(k * m * 10**e) if e >= 0 else (k * m) / 10 ** (-e)


def log_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Ticks of a log axis from lo to hi (0 < lo < hi): powers of ten, every k-th decade when
    there are more than ``count``; where fewer than two fit, 1, 2 and 5 times them; where
    even those are fewer than two, the nice ticks of a linear axis."""
    if not (0 < lo < hi and math.isfinite(hi)):
        raise ValueError(f"log_ticks: need 0 < lo < hi, got lo={lo!r}, hi={hi!r}")
    first, last = math.ceil(math.log10(lo) - 1e-9), math.floor(math.log10(hi) + 1e-9)
    if last - first + 1 >= 2:
        every = max(1, math.ceil((last - first + 1) / max(1, count)))
        decades = [_value(1, 1, e) for e in range(first, last + 1) if e % every == 0]  # 10^0 among them where it fits
        return decades if len(decades) >= 2 else [_value(1, 1, e) for e in range(first, last + 1)]
    ticks = [_value(m, 1, e) for e in range(first - 1, last + 2) for m in (1, 2, 5)]
    ticks = [t for t in ticks if lo * (1 - 1e-9) <= t <= hi * (1 + 1e-9)]
    return ticks if len(ticks) >= 2 else nice_ticks(lo, hi, count)


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def tick_text(value: float, step: float) -> str:
    """A tick's label, with as many decimals as the step between ticks needs: ``0.2``,
    ``15``, ``−3`` (a minus sign, not a hyphen); beyond 10^6 or below steps of 10^-4 as
    ``1.5×10⁻⁵``."""
    if value == 0:
        return "0"
    big = max(abs(value), abs(step))
    if abs(step) >= 1e-4 and big < 1e6:
        decimals = max(0, -math.floor(math.log10(abs(step)) + 1e-9))
        text = f"{value:.{decimals}f}"
    else:
        e = math.floor(math.log10(big) + 1e-9)
        decimals = max(0, -math.floor(math.log10(abs(step) / 10**e) + 1e-9))
        mantissa = f"{value / 10**e:.{decimals}f}"
        text = ("10" if mantissa in ("1", "-1") else mantissa + "×10") + str(e).translate(_SUPERSCRIPT)
        text = "-" + text if mantissa == "-1" else text
    return text.replace("-", "−")


def _log_tick_text(value: float) -> str:
    e = round(math.log10(value))
    if abs(value - 10.0**e) <= 1e-9 * value:
        return "10" + str(e).translate(_SUPERSCRIPT)
    return tick_text(value, value)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def esc(text: object) -> str:
    """``text`` made safe as SVG/HTML text or attribute value: markup escaped, and characters
    XML does not allow (control characters) replaced by U+FFFD."""
    return html.escape(_NOT_XML.sub("\ufffd", str(text)), quote=True)


def _px(v: float) -> str:
    """A coordinate, to 0.1 px (never ``-0``)."""
    text = f"{v:.1f}"
    text = text[:-2] if text.endswith(".0") else text
    return "0" if text == "-0" else text


def text_width(text: str, size: float) -> float:
    """An estimate of the width of ``text`` at font ``size``, for the layout."""
    return len(text) * size * CHAR_WIDTH


def _number(v: Any, what: str) -> float:
    if isinstance(v, (str, bytes, bool)) or v is None:
        raise TypeError(f"{what} must be a number, got {type(v).__name__} {v!r:.40}")
    try:
        return float(v)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a number, got {type(v).__name__} {v!r:.40}") from None


def _numbers(values: Any, what: str) -> list[float]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{what} must be a list of numbers, got {type(values).__name__} {values!r:.40}")
    return [_number(v, f"{what}[{k}]") for k, v in enumerate(values)]


def _colour(colour: Any, default: str, where: str) -> str:
    """A palette index, ``#rrggbb``/``#rgb`` or ``currentColor`` (the page's ink), checked: the text goes into the SVG."""
    if colour is None:
        return default
    if colour == "currentColor":
        return colour
    if isinstance(colour, int) and not isinstance(colour, bool):
        return PALETTE[colour % len(PALETTE)]
    if isinstance(colour, str) and re.fullmatch(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", colour):
        return colour.lower()
    raise ValueError(f"{where}: colour must be a palette index (0-{len(PALETTE) - 1}), '#rrggbb' or 'currentColor', got {colour!r:.40}")


def _rgb(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    c = "".join(ch * 2 for ch in c) if len(c) == 3 else c
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def mix(a: str, b: str, t: float) -> str:
    """The colour t of the way from ``a`` to ``b`` (t = 0: a; t = 1: b), as ``#rrggbb``."""
    t = min(1.0, max(0.0, t))
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(_rgb(a), _rgb(b)))


def ramp(t: float, stops: Sequence[str] = RAMP) -> str:
    """The colour at t in [0, 1] along ``stops``."""
    t = min(1.0, max(0.0, t)) * (len(stops) - 1)
    k = min(int(t), len(stops) - 2)
    return mix(stops[k], stops[k + 1], t - k)


def _check_choice(value: Any, choices: Iterable[Any], what: str) -> None:
    if value not in tuple(choices):
        raise ValueError(f"{what} must be one of {', '.join(repr(c) for c in choices)}; got {value!r:.40}")


# --- a scale: data to px ----------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """Data ``lo..hi`` onto px ``a..b`` (b < a for a y axis), linear or log."""

    lo: float
    hi: float
    a: float
    b: float
    log: bool = False

    def __call__(self, v: float) -> float:
        """Where ``v`` goes, in px (nan where a log axis cannot show it)."""
        if self.log:
            if not v > 0:
                return math.nan
            t = (math.log10(v) - math.log10(self.lo)) / (math.log10(self.hi) - math.log10(self.lo))
        else:
            t = (v - self.lo) / (self.hi - self.lo)
        return self.a + (self.b - self.a) * t

    def ticks(self, count: int) -> list[float]:
        return log_ticks(self.lo, self.hi, count) if self.log else nice_ticks(self.lo, self.hi, count)

    def labels(self, ticks: list[float]) -> list[str]:
        if self.log:
            return [_log_tick_text(t) for t in ticks]
        step = ticks[1] - ticks[0] if len(ticks) > 1 else abs(ticks[0]) or 1.0
        return [tick_text(t, step) for t in ticks]


# --- what a plot holds -----------------------------------------------------------------------


@dataclass
class _Item:
    """One thing drawn: its data extents (for the axis limits), how it draws, its legend entry."""

    kind: str  # line, rule, band, cells, contour, bars
    label: str | None
    colour: str
    tag: str | None = None  # an extra class, for a page's script to find it
    xs: list[float] | None = None
    ys: list[float] | None = None
    dash: str = "-"
    marker: str | None = None
    width: float = 2.0
    size: float = 3.5
    filled: bool = True
    joined: bool = True
    opacity: float = 1.0
    padded: bool = True  # the axes leave a margin around it
    extra: Any = None


@dataclass(frozen=True)
class Frame:
    """Where a laid-out plot puts things: ``area`` (x, y, width, height in the plot's px)
    and the scales. ``x(v)``, ``y(v)`` are px inside the area (its top-left corner is 0, 0),
    as a page's script needs them to move a marker."""

    area: tuple[float, float, float, float]
    sx: Scale
    sy: Scale
    categories: tuple[str, ...] = ()

    def x(self, v: float) -> float:
        return self.sx(v) - self.area[0]

    def y(self, v: float) -> float:
        return self.sy(v) - self.area[1]


class _Shown:
    """What a plot and a figure share: ``svg()`` and ``html()`` (each defines its own), saving,
    and showing inline in Jupyter."""

    def svg(self) -> str:
        raise NotImplementedError

    def html(self) -> str:
        raise NotImplementedError

    def save(self, path: Any) -> Any:
        """Write ``svg()`` to ``path``, whole or not at all (``micrograd.files.write_atomically``); returns the path."""
        from micrograd.files import write_atomically

        write_atomically(path, self.svg())
        return path

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_html_(self) -> str:
        return self.html()


class Plot(_Shown):
    """One set of axes. Add to it with ``line``, ``scatter``, ``points``, ``hline``,
    ``vline``, ``band``, ``shade``, ``cells``, ``contour``, ``bars`` (each returns the plot,
    so calls chain); it draws itself when shown.

    ``x``, ``y``: the axis limits as (lo, hi) (None, or None on one side: from the data);
    ``xlog``, ``ylog``: log axes; ``equal``: one unit is as long on both axes; ``legend``:
    where the legend goes, ``"below"`` (the default, under the axes), one of the four
    corners inside (``"upper right"``, ...), or None; ``width``, ``height`` in px (default
    600 x 360 alone; a ``Figure`` sizes the plots it holds to fit its width);
    ``description``: what a screen reader says besides what the plot says of itself."""

    def __init__(
        self,
        title: str = "",
        *,
        xlabel: str = "",
        ylabel: str = "",
        x: tuple[float | None, float | None] | None = None,
        y: tuple[float | None, float | None] | None = None,
        xlog: bool = False,
        ylog: bool = False,
        equal: bool = False,
        legend: str | None = "below",
        width: int | None = None,
        height: int | None = None,
        grid: bool = True,
        description: str = "",
    ) -> None:
        _check_choice(legend, (None, "below", "upper right", "upper left", "lower right", "lower left"), "Plot: legend")
        for name, size in (("width", width), ("height", height)):
            if size is not None and (isinstance(size, bool) or not isinstance(size, (int, float)) or not 80 <= size <= 4000):
                raise ValueError(f"Plot: {name} must be a number of px from 80 to 4000, got {size!r:.40}")
        self.title, self.xlabel, self.ylabel = str(title), str(xlabel), str(ylabel)
        self.xlimits, self.ylimits = _limits(x, "x", xlog), _limits(y, "y", ylog)
        self.xlog, self.ylog, self.equal, self.legend, self.grid = bool(xlog), bool(ylog), bool(equal), legend, bool(grid)
        self.width, self.height, self.description = width, height, str(description)
        self.items: list[_Item] = []
        self._next_colour = 0

    # --- adding things -------------------------------------------------------------------

    def _auto_colour(self, colour: Any, where: str) -> str:
        if colour is None:
            colour = self._next_colour
            self._next_colour += 1
        return _colour(colour, BLUE, where)

    def line(
        self, x: Any, y: Any = None, *, label: str | None = None, colour: Any = None, dash: str = "-",
        marker: str | None = None, width: float = 2.0, size: float = 3.5, tag: str | None = None,
    ) -> Plot:
        """A curve through the points (x[k], y[k]). ``line(ys)``: x = 0, 1, 2, ...;
        ``line(points)`` with (x, y) pairs: a path. ``dash``: ``"-"``, ``"--"``, ``":"``,
        ``"-."``; ``marker``: one of ``MARKERS`` at every point. A point that is not
        finite (or not positive on a log axis) breaks the curve."""
        xs, ys = _xy(x, y, "Plot.line")
        _check_choice(dash, DASHES, "Plot.line: dash")
        _check_choice(marker, (None, *MARKERS), "Plot.line: marker")
        self.items.append(_Item("line", _label(label), self._auto_colour(colour, "Plot.line"), tag, xs, ys, dash, marker,
                                _positive(width, "Plot.line: width"), _positive(size, "Plot.line: size")))
        return self

    def scatter(
        self, x: Any, y: Any = None, *, label: str | None = None, colour: Any = None, marker: str = "o",
        size: float = 4.0, filled: bool = True, tag: str | None = None,
    ) -> Plot:
        """A marker at every point (x[k], y[k]) (or at each (x, y) pair given alone), not joined.
        ``filled=False``: rings (outlines only)."""
        xs, ys = _xy(x, y, "Plot.scatter")
        _check_choice(marker, MARKERS, "Plot.scatter: marker")
        self.items.append(_Item("line", _label(label), self._auto_colour(colour, "Plot.scatter"), tag, xs, ys, "-", marker,
                                1.5, _positive(size, "Plot.scatter: size"), bool(filled), joined=False))
        return self

    def points(self, points: Any, classes: Sequence[Any] | None = None, *, names: Any = None, size: float = 4.0) -> Plot:
        """2-D points, by class: class c in colour ``PALETTE[c]`` (c an int >= 0; other class
        values by their rank) and in its own marker shape, one legend entry per class
        (``names``: a list or dict of the entries' names; default ``class c``)."""
        pts = list(points) if isinstance(points, Iterable) and not isinstance(points, (str, bytes)) else None
        if pts is None:
            raise TypeError(f"Plot.points: points must be a list of (x, y) pairs, got {type(points).__name__}")
        xs, ys = _xy(pts, None, "Plot.points") if pts else ([], [])
        if classes is None:
            return self.scatter(xs, ys, size=size)
        classes = [int(c) if isinstance(c, float) and c.is_integer() else c for c in classes]  # 0.0/1.0 targets: classes 0 and 1
        if len(classes) != len(xs):
            raise ValueError(f"Plot.points: {len(xs)} points but {len(classes)} classes; give one class per point")
        order = sorted(set(classes), key=lambda c: (not isinstance(c, int), c if isinstance(c, int) else str(c)))
        for rank, c in enumerate(order):
            index = c if isinstance(c, int) and not isinstance(c, bool) and c >= 0 else rank
            name = names[c] if isinstance(names, dict) else names[rank] if names is not None else f"class {c}"
            members = [k for k, k_class in enumerate(classes) if k_class == c]
            self.items.append(_Item("line", _label(name), PALETTE[index % len(PALETTE)], "mgp-class", [xs[k] for k in members],
                                    [ys[k] for k in members], "-", CLASS_MARKERS[rank % len(CLASS_MARKERS)], 1.5,
                                    _positive(size, "Plot.points: size"), joined=False))
        return self

    def hline(self, y: float, *, label: str | None = None, colour: Any = None, dash: str = "-", width: float = 1.0,
              tag: str | None = None) -> Plot:
        """A horizontal line across the plot at ``y`` (in the page's ink, faint, unless ``colour``)."""
        return self._rule("y", _number(y, "Plot.hline: y"), label, colour, dash, width, tag)

    def vline(self, x: float, *, label: str | None = None, colour: Any = None, dash: str = "-", width: float = 1.0,
              tag: str | None = None) -> Plot:
        """A vertical line across the plot at ``x``."""
        return self._rule("x", _number(x, "Plot.vline: x"), label, colour, dash, width, tag)

    def _rule(self, axis: str, v: float, label: Any, colour: Any, dash: str, width: float, tag: str | None) -> Plot:
        _check_choice(dash, DASHES, f"Plot.{'h' if axis == 'y' else 'v'}line: dash")
        item = _Item("rule", _label(label), _colour(colour, "currentColor", "Plot.hline"), tag, dash=dash,
                     width=_positive(width, "Plot.hline: width"), opacity=1.0 if colour is not None else 0.6, padded=False)
        item.xs, item.ys = ([v], None) if axis == "x" else (None, [v])
        self.items.append(item)
        return self

    def band(self, lo: float, hi: float, *, axis: str = "y", label: str | None = None, colour: Any = None,
             opacity: float = 0.15) -> Plot:
        """A shaded band across the plot, from ``lo`` to ``hi`` on ``axis`` ("y": horizontal)."""
        _check_choice(axis, ("x", "y"), "Plot.band: axis")
        lo, hi = sorted((_number(lo, "Plot.band: lo"), _number(hi, "Plot.band: hi")))
        item = _Item("band", _label(label), _colour(colour, "currentColor", "Plot.band"), opacity=_fraction(opacity, "Plot.band: opacity"),
                     padded=False)
        item.xs, item.ys = ([lo, hi], None) if axis == "x" else (None, [lo, hi])
        self.items.append(item)
        return self

    def cells(
        self, grid: Sequence[Sequence[int | None]], x: tuple[float, float], y: tuple[float, float],
        palette: Sequence[tuple[str, float]], *, smooth: bool = False, label: str | None = None, tag: str | None = None,
    ) -> Plot:
        """A grid of cells over the rectangle x = (lo, hi), y = (lo, hi), row 0 at the bottom:
        ``grid[i][j]`` is an index into ``palette``, a list of (colour, opacity), or None
        (empty). Drawn as one small image, cell by cell (``smooth``: blended between cells)."""
        rows = [list(row) for row in grid]
        if not rows or not rows[0] or any(len(r) != len(rows[0]) for r in rows):
            raise ValueError("Plot.cells: grid must be a non-empty list of rows of equal length")
        colours = [(_colour(c, BLUE, "Plot.cells"), _fraction(a, "Plot.cells: opacity")) for c, a in palette]
        for i, row in enumerate(rows):
            for j, k in enumerate(row):
                if k is not None and not (isinstance(k, int) and 0 <= k < len(colours)):
                    raise ValueError(f"Plot.cells: grid[{i}][{j}] = {k!r:.20} is not an index into the palette of {len(colours)} colours")
        (x0, x1), (y0, y1) = _range(x, "Plot.cells: x"), _range(y, "Plot.cells: y")
        item = _Item("cells", _label(label), colours[0][0] if colours else BLUE, tag, [x0, x1], [y0, y1], padded=False,
                     extra=(rows, colours, bool(smooth)))
        self.items.append(item)
        return self

    def shade(
        self, z: Any, x: Any, y: Any, *, n: int = 40, classes: bool = False, limits: tuple[float, float] | None = None,
        center: float | None = None, levels: int = 7, colours: tuple[Any, Any] = (BLUE, VERMILLION), smooth: bool = False,
        label: str | None = None,
    ) -> Plot:
        """A filled grid: a decision boundary, a function of two variables. ``z`` is a
        function f(x, y), sampled at the centres of n x n cells over x = (lo, hi), y = (lo, hi);
        or a list of rows, ``z[i][j]`` the value at (x[j], y[i]) for lists x and y of evenly
        spaced cell centres. ``classes``: each value is a class, coloured ``PALETTE[class]``;
        else the values from ``limits`` (default: their range) shade from ``colours[0]``
        below ``center`` (default: the middle) to ``colours[1]`` above, in ``levels`` steps
        each side, clear at the centre."""
        xs, ys, rows = _grid(z, x, y, n, "Plot.shade", centres=True)
        if classes:
            palette = [(c, 0.3) for c in PALETTE]
            grid = [[None if not math.isfinite(v) else int(v) % len(PALETTE) for v in row] for row in rows]
        else:
            finite = [v for row in rows for v in row if math.isfinite(v)]
            lo, hi = limits if limits is not None else (min(finite, default=0.0), max(finite, default=1.0))
            lo, hi = _number(lo, "Plot.shade: limits[0]"), _number(hi, "Plot.shade: limits[1]")
            mid = (lo + hi) / 2 if center is None else _number(center, "Plot.shade: center")
            low, high = (_colour(c, BLUE, "Plot.shade") for c in colours)
            levels = _count(levels, "Plot.shade: levels")
            palette = [(low, 0.45 * (levels - k) / levels) for k in range(levels)] + [(high, 0.45 * (k + 1) / levels) for k in range(levels)]
            grid = [[_level(v, lo, mid, hi, levels) for v in row] for row in rows]
        half_x = (xs[1] - xs[0]) / 2 if len(xs) > 1 else 0.5
        half_y = (ys[1] - ys[0]) / 2 if len(ys) > 1 else 0.5
        return self.cells(grid, (xs[0] - half_x, xs[-1] + half_x), (ys[0] - half_y, ys[-1] + half_y), palette, smooth=smooth, label=label)

    def contour(self, z: Any, x: Any, y: Any, *, levels: int | Sequence[float] = 8, n: int = 60, label: str | None = None,
                width: float = 1.2) -> Plot:
        """Contour lines of ``z``: a function f(x, y), sampled on n x n points from x = (lo, hi),
        y = (lo, hi) inclusive, or a list of rows ``z[i][j]`` at (x[j], y[i]) for lists x and y.
        ``levels``: the values (a list), or about how many (nice numbers over z's range);
        coloured along ``RAMP`` from the lowest level to the highest."""
        xs, ys, rows = _grid(z, x, y, n, "Plot.contour", centres=False)
        if isinstance(levels, int) and not isinstance(levels, bool):
            finite = [v for row in rows for v in row if math.isfinite(v)]
            lo, hi = min(finite, default=0.0), max(finite, default=1.0)
            values = [v for v in nice_ticks(lo, hi, levels) if lo < v < hi] if lo < hi else []
        else:
            values = sorted(_numbers(levels, "Plot.contour: levels"))
        item = _Item("contour", _label(label), ramp(0.5), None, [xs[0], xs[-1]], [ys[0], ys[-1]],
                     width=_positive(width, "Plot.contour: width"), padded=False, extra=(xs, ys, rows, values))
        self.items.append(item)
        return self

    def bars(self, names: Sequence[Any], values: Sequence[Any], *, label: str | None = None, colour: Any = None) -> Plot:
        """A bar per name, as tall as its value; several calls put their bars side by side,
        name by name (the names of the first call label the axis)."""
        names = [str(nm) for nm in names]
        values = _numbers(values, "Plot.bars: values")
        if len(names) != len(values):
            raise ValueError(f"Plot.bars: {len(names)} names but {len(values)} values; give one value per name")
        self.items.append(_Item("bars", _label(label), self._auto_colour(colour, "Plot.bars"), None,
                                [float(k) for k in range(len(values))], values, padded=False, extra=names))
        return self

    # --- drawing ---------------------------------------------------------------------------

    def size(self) -> tuple[int, int]:
        """(width, height) in px, alone."""
        return int(self.width or WIDTH), int(self.height or HEIGHT)

    def frame(self, width: int | None = None, height: int | None = None) -> Frame:
        """Where the axes and the scales go at this size (default: ``size()``)."""
        return self._layout(*(width or self.size()[0], height or self.size()[1]))[0]

    def svg(self) -> str:
        """The plot as an SVG document (for a file, or ``<img>``): follows the reader's light or dark preference."""
        return _document(self._body(*self.size()), *self.size(), self._summary(), self._details(), standalone=True)

    def html(self) -> str:
        """The plot as inline SVG for an HTML page: its text takes the page's colour (``--mgp-ink``)."""
        return _document(self._body(*self.size()), *self.size(), self._summary(), self._details(), standalone=False)

    def _summary(self) -> str:
        what = self.title or "a plot"
        axes = " against ".join(t for t in (self.ylabel, self.xlabel) if t)
        return f"{what}: {axes}" if axes and self.title else (f"a plot of {axes}" if axes else what)

    def _details(self) -> str:
        frame = self.frame()
        parts = []
        for name, label, scale in (("x", self.xlabel, frame.sx), ("y", self.ylabel, frame.sy)):
            if frame.categories and name == "x":
                parts.append(f"x: {', '.join(frame.categories)}")
                continue
            log = ", log scale" if scale.log else ""
            parts.append(f"{name}{' (' + label + ')' if label else ''} from {_short(scale.lo)} to {_short(scale.hi)}{log}")
        kinds = {"line": "curve", "rule": "line", "band": "band", "cells": "shaded grid", "contour": "contour lines", "bars": "bars"}
        for item in self.items:
            kind = "points" if item.kind == "line" and not item.joined else kinds[item.kind]
            if item.label:
                count = f", {len(item.xs)} points" if item.kind == "line" and item.xs else ""
                parts.append(f"{kind} {item.label}{count}")
        text = "; ".join(parts) + "."
        return f"{self.description} {text}" if self.description else text

    def _limits(self, area_w: float, area_h: float) -> tuple[tuple[float, float], tuple[float, float], tuple[str, ...]]:
        bars = [it for it in self.items if it.kind == "bars"]
        categories = tuple(bars[0].extra) if bars else ()
        xr = _auto(self.items, "xs", self.xlog, self.xlimits) if not bars else (-0.5, max(len(b.extra) for b in bars) - 0.5)
        yr = _auto(self.items, "ys", self.ylog, self.ylimits, zero=bool(bars))
        if self.equal and not (self.xlog or self.ylog) and area_w > 0 and area_h > 0:
            per_x, per_y = (xr[1] - xr[0]) / area_w, (yr[1] - yr[0]) / area_h
            if per_x > per_y:
                grow = (per_x * area_h - (yr[1] - yr[0])) / 2
                yr = (yr[0] - grow, yr[1] + grow)
            else:
                grow = (per_y * area_w - (xr[1] - xr[0])) / 2
                xr = (xr[0] - grow, xr[1] + grow)
        return xr, yr, categories

    def _layout(self, width: float, height: float) -> tuple[Frame, dict[str, Any]]:
        entries = [it for it in self.items if it.label]
        top = TITLE_FONT + 14 if self.title else 10
        right = 16
        left = 60.0
        for _ in range(2):  # the y labels' width sets the left margin, which sets the x scale (equal axes)
            legend_rows = _legend_rows(entries, width - left - right) if entries and self.legend == "below" else []
            bottom = 8 + TICK_FONT + 6 + (LABEL_FONT + 8 if self.xlabel else 0) + (len(legend_rows) * 20 + 6 if legend_rows else 0)
            area_w, area_h = width - left - right, height - top - bottom
            if area_w < 20 or area_h < 20:
                raise ValueError(f"Plot: {width} x {height} px leaves no room for the axes; make the plot larger")
            xr, yr, categories = self._limits(area_w, area_h)
            sy = Scale(yr[0], yr[1], top + area_h, top, self.ylog)
            yticks = sy.ticks(max(2, min(10, math.ceil(area_h / 40))))
            ylabels = sy.labels(yticks)
            left = 8 + (LABEL_FONT + 8 if self.ylabel else 0) + max((text_width(t, TICK_FONT) for t in ylabels), default=0) + 8
        sx = Scale(xr[0], xr[1], left, left + area_w, self.xlog)
        if categories:
            xticks = [float(k) for k in range(len(categories))]
            xlabels = list(categories)
        else:
            xticks = sx.ticks(max(2, min(10, math.ceil(area_w / 70))))
            xlabels = sx.labels(xticks)
        frame = Frame((left, top, area_w, area_h), sx, sy, categories)
        return frame, {"yticks": yticks, "ylabels": ylabels, "xticks": xticks, "xlabels": xlabels, "legend_rows": legend_rows,
                       "bottom": bottom, "entries": entries}

    def _body(self, width: float, height: float) -> str:
        frame, lay = self._layout(width, height)
        left, top, aw, ah = frame.area
        sx, sy = frame.sx, frame.sy
        out = []
        if self.title:
            out.append(f'<text class="mgp-title" x="{_px(left + aw / 2)}" y="{_px(TITLE_FONT + 2)}" text-anchor="middle" '
                       f'font-size="{TITLE_FONT}" font-weight="600" fill="currentColor">{esc(self.title)}</text>')
        # grid and ticks
        grid, marks, texts = [], [], []
        for t, label in zip(lay["yticks"], lay["ylabels"]):
            py = sy(t)
            grid.append(f"M{_px(left)} {_px(py)}H{_px(left + aw)}")
            marks.append(f"M{_px(left - 4)} {_px(py)}H{_px(left)}")
            texts.append(f'<text x="{_px(left - 7)}" y="{_px(py + TICK_FONT * 0.35)}" text-anchor="end">{esc(label)}</text>')
        for t, label in zip(lay["xticks"], lay["xlabels"]):
            px = sx(t)
            grid.append(f"M{_px(px)} {_px(top)}V{_px(top + ah)}")
            marks.append(f"M{_px(px)} {_px(top + ah)}V{_px(top + ah + 4)}")
            texts.append(f'<text x="{_px(px)}" y="{_px(top + ah + 6 + TICK_FONT)}" text-anchor="middle">{esc(label)}</text>')
        if self.grid:
            out.append(f'<path class="mgp-grid" d="{"".join(grid)}" stroke="currentColor" stroke-opacity="0.13" fill="none"/>')
        # the data, clipped to the area by a nested viewport
        bars = [it for it in self.items if it.kind == "bars"]
        data = [_draw(item, frame, bars) for item in self.items]
        out.append(f'<svg class="mgp-area" x="{_px(left)}" y="{_px(top)}" width="{_px(aw)}" height="{_px(ah)}" overflow="hidden">'
                   f'{"".join(data)}</svg>')
        out.append(f'<path class="mgp-axes" d="M{_px(left)} {_px(top)}V{_px(top + ah)}H{_px(left + aw)}{"".join(marks)}" '
                   f'stroke="currentColor" stroke-opacity="0.75" fill="none"/>')
        out.append(f'<g class="mgp-ticks" font-size="{TICK_FONT}" fill="currentColor">{"".join(texts)}</g>')
        base = top + ah + 6 + TICK_FONT + 6
        if self.xlabel:
            out.append(f'<text class="mgp-xlabel" x="{_px(left + aw / 2)}" y="{_px(base + LABEL_FONT)}" text-anchor="middle" '
                       f'font-size="{LABEL_FONT}" fill="currentColor">{esc(self.xlabel)}</text>')
            base += LABEL_FONT + 8
        if self.ylabel:
            out.append(f'<text class="mgp-ylabel" transform="translate({_px(8 + LABEL_FONT)} {_px(top + ah / 2)}) rotate(-90)" '
                       f'text-anchor="middle" font-size="{LABEL_FONT}" fill="currentColor">{esc(self.ylabel)}</text>')
        if lay["entries"] and self.legend is not None:
            out.append(_legend(lay["entries"], lay["legend_rows"], self.legend, frame, base + 6))
        return "".join(out)


class Figure(_Shown):
    """Plots side by side, ``columns`` to a row (default: all of them up to 3), with an
    optional ``title`` over them. Plots without a width of their own share ``MAX_WIDTH``
    (960 px); without a height, they get about two thirds of their width."""

    def __init__(self, *plots: Plot, columns: int | None = None, title: str = "", description: str = "") -> None:
        if len(plots) == 1 and isinstance(plots[0], (list, tuple)):
            plots = tuple(plots[0])
        if not plots or not all(isinstance(p, Plot) for p in plots):
            raise TypeError(f"Figure: give one or more Plots, got {', '.join(type(p).__name__ for p in plots) or 'none'}")
        self.plots = list(plots)
        self.columns = _count(columns, "Figure: columns") if columns is not None else min(3, len(plots))
        self.title, self.description = str(title), str(description)

    def _sizes(self) -> list[tuple[int, int]]:
        cols = self.columns
        auto_w = int(min(WIDTH, (MAX_WIDTH - GAP * (cols - 1)) // cols))
        return [(int(p.width or auto_w), int(p.height or round((p.width or auto_w) * 0.68))) for p in self.plots]

    def _grid(self) -> tuple[list[tuple[float, float]], int, int]:
        sizes, cols = self._sizes(), self.columns
        widths = [max(w for k, (w, _) in enumerate(sizes) if k % cols == c) for c in range(min(cols, len(sizes)))]
        heights = [max(h for k, (_, h) in enumerate(sizes) if k // cols == r) for r in range(math.ceil(len(sizes) / cols))]
        top = TITLE_FONT + 16 if self.title else 0
        places = [(sum(widths[: k % cols]) + GAP * (k % cols), top + sum(heights[: k // cols]) + GAP * (k // cols)) for k in range(len(sizes))]
        return places, int(sum(widths) + GAP * (len(widths) - 1)), int(top + sum(heights) + GAP * (len(heights) - 1))

    def svg(self) -> str:
        """The figure as an SVG document."""
        return self._document(standalone=True)

    def html(self) -> str:
        """The figure as inline SVG for an HTML page."""
        return self._document(standalone=False)

    def _document(self, standalone: bool) -> str:
        places, width, height = self._grid()
        parts = []
        if self.title:
            parts.append(f'<text class="mgp-title" x="{_px(width / 2)}" y="{TITLE_FONT + 4}" text-anchor="middle" font-size="{TITLE_FONT + 1}" '
                         f'font-weight="600" fill="currentColor">{esc(self.title)}</text>')
        for plot, (x, y), (w, h) in zip(self.plots, places, self._sizes()):
            parts.append(f'<svg class="mgp-panel" x="{_px(x)}" y="{_px(y)}" width="{w}" height="{h}" overflow="hidden">'
                         f"{plot._body(w, h)}</svg>")
        names = [p._summary() for p in self.plots]
        summary = self.title or (names[0] if len(names) == 1 else f"{len(names)} plots: " + "; ".join(names))
        details = " ".join(f"Plot {k}: {p._summary()}; {p._details()}" for k, p in enumerate(self.plots, 1))
        details = f"{self.description} {details}" if self.description else details
        return _document("".join(parts), width, height, summary, details, standalone)


GAP = 16  # px between the plots of a figure


def _document(body: str, width: float, height: float, summary: str, details: str, standalone: bool) -> str:
    style = _STYLE + (_DARK if standalone else "")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mgp" role="img" aria-label="{esc(summary)}" width="{int(width)}" '
        f'height="{int(height)}" viewBox="0 0 {int(width)} {int(height)}" style="max-width:100%;height:auto" color="{INK}" '
        f'font-family="{esc(FONT_FAMILY)}"><title>{esc(summary)}</title><desc>{esc(details)}</desc><style>{style}</style>'
        f"{body}</svg>"
    )


# --- helpers of the drawing ---------------------------------------------------------------------


def _label(label: Any) -> str | None:
    return None if label is None or label == "" else str(label)


def _positive(v: Any, what: str) -> float:
    v = _number(v, what)
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"{what} must be a positive number, got {v!r}")
    return v


def _fraction(v: Any, what: str) -> float:
    v = _number(v, what)
    if not 0 <= v <= 1:
        raise ValueError(f"{what} must be from 0 to 1, got {v!r}")
    return v


def _count(v: Any, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise ValueError(f"{what} must be a whole number >= 1, got {v!r:.40}")
    return v


def _short(v: float) -> str:
    return f"{v:.4g}"


def _limits(limits: Any, axis: str, log: bool) -> tuple[float | None, float | None]:
    if limits is None:
        return None, None
    if isinstance(limits, (str, bytes)) or not isinstance(limits, Sequence) or len(limits) != 2:
        raise ValueError(f"Plot: {axis} must be (lo, hi), either side None for 'from the data', got {limits!r:.60}")
    lo, hi = (None if v is None else _number(v, f"Plot: {axis}") for v in limits)
    for v in (lo, hi):
        if v is not None and (not math.isfinite(v) or (log and v <= 0)):
            raise ValueError(f"Plot: {axis} limit {v!r} must be finite{' and > 0 on a log axis' if log else ''}")
    if lo is not None and hi is not None and not lo < hi:
        raise ValueError(f"Plot: {axis} = ({lo!r}, {hi!r}) must have lo < hi")
    return lo, hi


def _range(r: Any, what: str) -> tuple[float, float]:
    if isinstance(r, (str, bytes)) or not isinstance(r, Sequence) or len(r) != 2:
        raise ValueError(f"{what} must be (lo, hi), got {r!r:.60}")
    lo, hi = _number(r[0], what), _number(r[1], what)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"{what} = ({lo!r}, {hi!r}) must be finite with lo < hi")
    return lo, hi


def _xy(x: Any, y: Any, where: str) -> tuple[list[float], list[float]]:
    if y is None:
        items = list(x) if isinstance(x, Iterable) and not isinstance(x, (str, bytes)) else None
        if items is None:
            raise TypeError(f"{where}: x must be a list of numbers or of (x, y) pairs, got {type(x).__name__} {x!r:.40}")
        if items and isinstance(items[0], Sequence) and not isinstance(items[0], (str, bytes)):
            for k, p in enumerate(items):
                if not (isinstance(p, Sequence) and not isinstance(p, (str, bytes)) and len(p) == 2):
                    raise ValueError(f"{where}: point {k} must be an (x, y) pair, got {p!r:.40}")
            return _numbers([p[0] for p in items], f"{where}: x"), _numbers([p[1] for p in items], f"{where}: y")
        ys = _numbers(items, f"{where}: y")
        return [float(k) for k in range(len(ys))], ys
    xs, ys = _numbers(x, f"{where}: x"), _numbers(y, f"{where}: y")
    if len(xs) != len(ys):
        raise ValueError(f"{where}: x has {len(xs)} numbers but y has {len(ys)}; they must pair up")
    return xs, ys


def _grid(z: Any, x: Any, y: Any, n: int, where: str, centres: bool) -> tuple[list[float], list[float], list[list[float]]]:
    """(xs, ys, rows): the sample points and ``rows[i][j]`` = z at (xs[j], ys[i])."""
    if callable(z):
        (x0, x1), (y0, y1) = _range(x, f"{where}: x"), _range(y, f"{where}: y")
        n = _count(n, f"{where}: n")
        if centres:
            xs = [x0 + (x1 - x0) * (k + 0.5) / n for k in range(n)]
            ys = [y0 + (y1 - y0) * (k + 0.5) / n for k in range(n)]
        else:
            n = max(2, n)
            xs = [x0 + (x1 - x0) * k / (n - 1) for k in range(n)]
            ys = [y0 + (y1 - y0) * k / (n - 1) for k in range(n)]
        rows = [[_number(z(a, b), f"{where}: z({a!r}, {b!r})") for a in xs] for b in ys]
        return xs, ys, rows
    xs, ys = _numbers(x, f"{where}: x"), _numbers(y, f"{where}: y")
    rows = [_numbers(row, f"{where}: z[{i}]") for i, row in enumerate(z)]
    if len(rows) != len(ys) or any(len(row) != len(xs) for row in rows):
        raise ValueError(f"{where}: z must have len(y) = {len(ys)} rows of len(x) = {len(xs)} values")
    least = 1 if centres else 2
    if len(xs) < least or len(ys) < least or any(b <= a for a, b in zip(xs, xs[1:])) or any(b <= a for a, b in zip(ys, ys[1:])):
        raise ValueError(f"{where}: x and y must each be at least {least} increasing numbers")
    return xs, ys, rows


def _level(v: float, lo: float, mid: float, hi: float, levels: int) -> int | None:
    """The shade of v: index into [low colour, strongest first ..., high colour ...], None at the centre."""
    if not math.isfinite(v):
        return None
    if v < mid:
        t = (mid - v) / (mid - lo) if mid > lo else 1.0
        k = min(levels, round(levels * min(1.0, t)))
        return None if k == 0 else levels - k
    t = (v - mid) / (hi - mid) if hi > mid else 1.0
    k = min(levels, round(levels * min(1.0, t)))
    return None if k == 0 else levels + k - 1


def _auto(items: list[_Item], axis: str, log: bool, limits: tuple[float | None, float | None], zero: bool = False) -> tuple[float, float]:
    """An axis's limits: those given, else the data's extent (with a 5% margin where a curve or
    points reach it), 0 included for bars."""
    values, padded = [], False
    for it in items:
        vs = getattr(it, axis)
        if vs is None:
            continue
        for v in vs:
            if math.isfinite(v) and (v > 0 or not log):
                values.append(v)
                padded = padded or it.padded
    if zero and not log:
        values.append(0.0)
    lo, hi = (min(values), max(values)) if values else ((1.0, 10.0) if log else (0.0, 1.0))
    if log:
        lo, hi = math.log10(lo), math.log10(hi)
    if lo == hi:
        lo, hi = lo - (1.0 if log else max(1.0, abs(lo) * 0.1)), hi + (1.0 if log else max(1.0, abs(hi) * 0.1))
    elif padded:
        pad = 0.05 * (hi - lo)
        lo, hi = lo - pad, hi + pad
        if zero and not log and min(values) >= 0:
            lo = 0.0
    elif zero and not log:
        pad = 0.05 * (hi - lo)
        lo, hi = (lo if lo == 0 else lo - pad), (hi if hi == 0 else hi + pad)
    if log:
        lo, hi = 10.0**lo, 10.0**hi
    given_lo, given_hi = limits
    lo, hi = given_lo if given_lo is not None else lo, given_hi if given_hi is not None else hi
    if not lo < hi:  # one side given, the other from data that lies beyond it
        hi = lo * 10 if log else lo + 1.0
    return lo, hi


def _legend_rows(entries: list[_Item], width: float) -> list[list[_Item]]:
    rows: list[list[_Item]] = [[]]
    used = 0.0
    for it in entries:
        w = _entry_width(it)
        if rows[-1] and used + w > width:
            rows.append([])
            used = 0.0
        rows[-1].append(it)
        used += w
    return rows


def _entry_width(it: _Item) -> float:
    return 30 + text_width(it.label or "", TICK_FONT) + 18


def _swatch(it: _Item, x: float, y: float) -> str:
    """The legend's picture of ``it``, 24 px wide, centred on y."""
    colour = it.colour
    if it.kind in ("cells", "band", "bars"):
        if it.kind == "cells":
            rows, colours, _ = it.extra
            used = sorted({k for row in rows for k in row if k is not None})
            picked = [colours[k] for k in used][:: max(1, len(used) // 6)] or [(colour, 0.3)]
            w = 24 / len(picked)
            return "".join(f'<rect x="{_px(x + k * w)}" y="{_px(y - 6)}" width="{_px(w)}" height="12" fill="{c}" fill-opacity="{a:.2f}"/>'
                           for k, (c, a) in enumerate(picked))
        opacity = it.opacity if it.kind == "band" else 1.0
        return f'<rect x="{_px(x)}" y="{_px(y - 6)}" width="24" height="12" fill="{colour}" fill-opacity="{opacity:.2f}"/>'
    out = ""
    if it.kind != "line" or it.joined:
        stroke = ramp(0.5) if it.kind == "contour" else colour
        out += (f'<path d="M{_px(x)} {_px(y)}h24" stroke="{stroke}" stroke-width="{it.width:g}"{_dash_attr(it.dash)}'
                f'{_opacity_attr(it.opacity, "stroke")}/>')
    if it.marker:
        out += _marker(it.marker, x + 12, y, it.size if it.joined else max(it.size, 4.0), colour, it.filled)
    return out


def _legend(entries: list[_Item], rows: list[list[_Item]], where: str, frame: Frame, below: float) -> str:
    left, top, aw, ah = frame.area
    out = []
    if where == "below":
        y = below + 4
        for row in rows:
            x = left
            for it in row:
                out.append(_swatch(it, x, y) + f'<text x="{_px(x + 30)}" y="{_px(y + TICK_FONT * 0.35)}">{esc(it.label)}</text>')
                x += _entry_width(it)
            y += 20
        return f'<g class="mgp-legend" font-size="{TICK_FONT}" fill="currentColor">{"".join(out)}</g>'
    box_w = max(_entry_width(it) for it in entries) - 8
    box_h = 20 * len(entries) + 8
    x = left + 8 if "left" in where else left + aw - 8 - box_w
    y = top + 8 if "upper" in where else top + ah - 8 - box_h
    out.append(f'<rect class="mgp-paper" x="{_px(x)}" y="{_px(y)}" width="{_px(box_w)}" height="{box_h}" rx="3" fill="{PAPER}" '
               f'fill-opacity="0.88" stroke="currentColor" stroke-opacity="0.3"/>')
    for k, it in enumerate(entries):
        cy = y + 14 + 20 * k
        out.append(_swatch(it, x + 8, cy) + f'<text x="{_px(x + 38)}" y="{_px(cy + TICK_FONT * 0.35)}">{esc(it.label)}</text>')
    return f'<g class="mgp-legend" font-size="{TICK_FONT}" fill="currentColor">{"".join(out)}</g>'


def _dash_attr(dash: str) -> str:
    pattern = DASHES.get(dash, "")
    return f' stroke-dasharray="{pattern}"' if pattern else ""


def _opacity_attr(opacity: float, what: str) -> str:
    return f' {what}-opacity="{opacity:g}"' if opacity < 1 else ""


def _class(base: str, tag: str | None) -> str:
    return f'{base} {esc(tag)}' if tag else base


_SHAPES = {
    "s": lambda r: f"M{-r * 0.9:.2f} {-r * 0.9:.2f}h{1.8 * r:.2f}v{1.8 * r:.2f}h{-1.8 * r:.2f}z",
    "^": lambda r: f"M0 {-1.2 * r:.2f}L{1.1 * r:.2f} {0.8 * r:.2f}H{-1.1 * r:.2f}z",
    "v": lambda r: f"M0 {1.2 * r:.2f}L{1.1 * r:.2f} {-0.8 * r:.2f}H{-1.1 * r:.2f}z",
    "D": lambda r: f"M0 {-1.25 * r:.2f}L{1.25 * r:.2f} 0L0 {1.25 * r:.2f}L{-1.25 * r:.2f} 0z",
    "*": lambda r: "M" + "L".join(
        f"{(1.5 * r if k % 2 == 0 else 0.6 * r) * math.sin(k * math.pi / 5):.2f} {-(1.5 * r if k % 2 == 0 else 0.6 * r) * math.cos(k * math.pi / 5):.2f}"
        for k in range(10)) + "z",
    "+": lambda r: f"M{-1.2 * r:.2f} 0H{1.2 * r:.2f}M0 {-1.2 * r:.2f}V{1.2 * r:.2f}",
    "x": lambda r: f"M{-r:.2f} {-r:.2f}L{r:.2f} {r:.2f}M{-r:.2f} {r:.2f}L{r:.2f} {-r:.2f}",
}


def _marker(shape: str, x: float, y: float, r: float, colour: str, filled: bool = True) -> str:
    """One marker centred on (x, y): a circle for ``o`` and ``.``, else a path moved there."""
    lines = shape in ("+", "x")
    paint = (f'fill="none" stroke="{colour}" stroke-width="1.6"' if lines or not filled
             else f'fill="{colour}" stroke="currentColor" stroke-width="0.9"')
    if shape in ("o", "."):
        radius = r if shape == "o" else max(1.5, r * 0.55)
        return f'<circle cx="{_px(x)}" cy="{_px(y)}" r="{radius:g}" {paint}/>'
    return f'<path transform="translate({_px(x)} {_px(y)})" d="{_SHAPES[shape](r)}" {paint}/>'


def _clip(a: tuple[float, float], b: tuple[float, float], box: tuple[float, float, float, float]) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The part of segment a-b inside box (x0, y0, x1, y1) (Liang-Barsky), or None."""
    x0, y0, x1, y1 = box
    dx, dy = b[0] - a[0], b[1] - a[1]
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, a[0] - x0), (dx, x1 - a[0]), (-dy, a[1] - y0), (dy, y1 - a[1])):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return None
    return (a[0] + t0 * dx, a[1] + t0 * dy), (a[0] + t1 * dx, a[1] + t1 * dy)


def _polylines(points: list[tuple[float, float]], box: tuple[float, float, float, float]) -> list[list[tuple[float, float]]]:
    """The runs of a curve inside ``box``: broken where a point is not finite or the curve leaves the box."""
    runs: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for a, b in zip(points, points[1:]):
        if not all(math.isfinite(v) for v in (*a, *b)):
            if current:
                runs.append(current)
            current = []
            continue
        piece = _clip(a, b, box)
        if piece is None:
            if current:
                runs.append(current)
            current = []
            continue
        p, q = piece
        if not current or current[-1] != p:
            if current:
                runs.append(current)
            current = [p]
        current.append(q)
        if q != b:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    if len(points) == 1 and all(math.isfinite(v) for v in points[0]):
        runs.append([points[0]])
    return runs


def _draw(item: _Item, frame: Frame, bars: list[_Item]) -> str:
    """``item`` in the area's px (its top-left corner at 0, 0)."""
    left, top, aw, ah = frame.area

    def x(v: float) -> float:
        return frame.sx(v) - left

    def y(v: float) -> float:
        return frame.sy(v) - top

    margin = 1000.0  # coordinates stay within this much of the area: the viewport clips the rest
    box = (-margin, -margin, aw + margin, ah + margin)
    cls = _class(f"mgp-{item.kind}", item.tag)
    label = f' data-label="{esc(item.label)}"' if item.label else ""
    if item.kind == "line":
        pts = [(x(a), y(b)) for a, b in zip(item.xs, item.ys)]  # type: ignore[arg-type]
        out = []
        if item.joined:
            for run in _polylines(pts, box):
                if run:  # one point alone: a round cap draws it as a dot
                    out.append(f'<polyline points="{" ".join(f"{_px(px)},{_px(py)}" for px, py in run)}" fill="none" stroke="{item.colour}" '
                               f'stroke-width="{item.width:g}" stroke-linejoin="round" stroke-linecap="round"{_dash_attr(item.dash)}/>')
        if item.marker:
            r = item.size
            for px, py in pts:
                if math.isfinite(px) and math.isfinite(py) and -r <= px <= aw + r and -r <= py <= ah + r:
                    out.append(_marker(item.marker, px, py, r, item.colour, item.filled))
        return f'<g class="{cls}"{label}>{"".join(out)}</g>'
    if item.kind == "rule":
        opacity = _opacity_attr(item.opacity, "stroke")
        if item.xs is not None:
            px = x(item.xs[0])
            d = f"M{_px(px)} 0V{_px(ah)}" if math.isfinite(px) else ""
        else:
            py = y(item.ys[0])  # type: ignore[index]
            d = f"M0 {_px(py)}H{_px(aw)}" if math.isfinite(py) else ""
        return (f'<path class="{cls}"{label} d="{d}" stroke="{item.colour}" stroke-width="{item.width:g}"{opacity}'
                f'{_dash_attr(item.dash)} fill="none"/>')
    if item.kind == "band":
        if item.xs is not None:
            a, b = sorted((min(max(x(item.xs[0]), -margin), aw + margin), min(max(x(item.xs[1]), -margin), aw + margin)))
            rect = (a, 0.0, b - a, ah)
        else:
            a, b = sorted((min(max(y(item.ys[0]), -margin), ah + margin), min(max(y(item.ys[1]), -margin), ah + margin)))  # type: ignore[index]
            rect = (0.0, a, aw, b - a)
        return (f'<rect class="{cls}"{label} x="{_px(rect[0])}" y="{_px(rect[1])}" width="{_px(rect[2])}" height="{_px(rect[3])}" '
                f'fill="{item.colour}" fill-opacity="{item.opacity:g}"/>')
    if item.kind == "cells":
        if frame.sx.log or frame.sy.log:
            raise ValueError("Plot: a shaded grid (shade, cells) needs linear axes")
        rows, colours, smooth = item.extra
        x0, x1 = x(item.xs[0]), x(item.xs[1])  # type: ignore[index]
        y0, y1 = y(item.ys[1]), y(item.ys[0])  # type: ignore[index]
        rendering = "optimizeQuality" if smooth else "optimizeSpeed"
        style = "" if smooth else ' style="image-rendering:pixelated"'
        return (f'<image class="{cls}"{label} x="{_px(x0)}" y="{_px(y0)}" width="{_px(x1 - x0)}" height="{_px(y1 - y0)}" '
                f'preserveAspectRatio="none" image-rendering="{rendering}"{style} href="{png_data_url(rows, colours)}"/>')
    if item.kind == "contour":
        xs, ys, rows, levels = item.extra
        paths = []
        for k, level in enumerate(levels):
            segments = contour_segments(xs, ys, rows, level)
            if not segments:
                continue
            d = "".join(f"M{_px(x(a[0]))} {_px(y(a[1]))}L{_px(x(b[0]))} {_px(y(b[1]))}" for a, b in segments)
            colour = ramp(k / (len(levels) - 1) if len(levels) > 1 else 0.5)
            paths.append(f'<path d="{d}" stroke="{colour}" stroke-width="{item.width:g}" stroke-linecap="round" fill="none">'
                         f"<title>{esc(_short(level))}</title></path>")
        return f'<g class="{cls}"{label}>{"".join(paths)}</g>'
    if item.kind == "bars":
        group, count = bars.index(item), len(bars)
        width = 0.8 / count
        base = y(frame.sy.lo if frame.sy.log else max(frame.sy.lo, min(0.0, frame.sy.hi)))
        out = []
        for k, v in enumerate(item.ys):  # type: ignore[arg-type]
            a, b, top_px = x(k - 0.4 + group * width), x(k - 0.4 + (group + 1) * width), y(v)
            if not math.isfinite(top_px):
                continue
            lo_px, hi_px = sorted((max(min(base, ah + margin), -margin), max(min(top_px, ah + margin), -margin)))
            out.append(f'<rect x="{_px(a)}" y="{_px(lo_px)}" width="{_px(b - a)}" height="{_px(hi_px - lo_px)}" fill="{item.colour}">'
                       f"<title>{esc(item.extra[k])}: {esc(_short(v))}</title></rect>")
        return f'<g class="{cls}"{label}>{"".join(out)}</g>'
    raise AssertionError(item.kind)  # pragma: no cover


# --- marching squares --------------------------------------------------------------------------


#: The two edges the level crosses in a cell, by which corners are high (bit 0: (x0, y0),
#: 1: (x1, y0), 2: (x1, y1), 3: (x0, y1)); a case and its complement cross the same edges.
CELL_EDGES = {
    1: ("left", "bottom"), 14: ("left", "bottom"), 2: ("bottom", "right"), 13: ("bottom", "right"),
    3: ("left", "right"), 12: ("left", "right"), 4: ("right", "top"), 11: ("right", "top"),
    6: ("bottom", "top"), 9: ("bottom", "top"), 7: ("left", "top"), 8: ("left", "top"),
}
SADDLE_THROUGH_CENTRE = (("left", "top"), ("bottom", "right"))  # the high corners 00 and 11 joined
SADDLE_APART = (("left", "bottom"), ("right", "top"))


def contour_segments(xs: Sequence[float], ys: Sequence[float], rows: Sequence[Sequence[float]], level: float) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """The line z = level through the grid ``rows[i][j]`` = z at (xs[j], ys[i]), as segments in
    data coordinates: in each cell, where z crosses the level along its edges (linearly
    between the corners); a cell whose corners are split two against two diagonally is
    split by its centre's value. Cells with a corner that is not finite draw nothing."""
    out = []
    for i in range(len(ys) - 1):
        for j in range(len(xs) - 1):
            z00, z10, z11, z01 = rows[i][j], rows[i][j + 1], rows[i + 1][j + 1], rows[i + 1][j]
            if not all(math.isfinite(v) for v in (z00, z10, z11, z01)):
                continue
            case = (z00 >= level) | (z10 >= level) << 1 | (z11 >= level) << 2 | (z01 >= level) << 3
            if case in (0, 15):
                continue
            xa, xb, ya, yb = xs[j], xs[j + 1], ys[i], ys[i + 1]

            def cut(za: float, zb: float, pa: tuple[float, float], pb: tuple[float, float]) -> tuple[float, float]:
                t = (level - za) / (zb - za)
                return pa[0] + (pb[0] - pa[0]) * t, pa[1] + (pb[1] - pa[1]) * t

            crossing = {  # where the level crosses each edge of the cell
                "bottom": lambda: cut(z00, z10, (xa, ya), (xb, ya)),
                "right": lambda: cut(z10, z11, (xb, ya), (xb, yb)),
                "top": lambda: cut(z01, z11, (xa, yb), (xb, yb)),
                "left": lambda: cut(z00, z01, (xa, ya), (xa, yb)),
            }
            if case in (5, 10):  # a saddle: the centre's value says which corners are joined
                centre_high = (z00 + z10 + z11 + z01) / 4 >= level
                joined = SADDLE_THROUGH_CENTRE if (case == 5) == centre_high else SADDLE_APART
            else:
                joined = (CELL_EDGES[case],)
            out += [(crossing[e1](), crossing[e2]()) for e1, e2 in joined]
    return out


# --- a grid of colours as a PNG image -----------------------------------------------------------


def png_data_url(rows: Sequence[Sequence[int | None]], colours: Sequence[tuple[str, float]]) -> str:
    """``rows`` (row 0 at the bottom) as a PNG image, one pixel per cell, in a ``data:`` URL:
    cell k's colour and opacity from ``colours[k]``; None is clear."""
    rgba = [bytes((*_rgb(c), round(255 * a))) for c, a in colours]
    clear = b"\x00\x00\x00\x00"
    lines = [b"\x00" + b"".join(clear if k is None else rgba[k] for k in row) for row in reversed(rows)]
    return "data:image/png;base64," + base64.b64encode(png(lines, len(rows[0]), len(rows))).decode("ascii")


def png(lines: Sequence[bytes], width: int, height: int) -> bytes:
    """An 8-bit RGBA PNG from its filtered scanlines (each a 0 byte, then 4 bytes a pixel)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(lines), 9)) + chunk(b"IEND", b"")


__all__ = [
    "Plot", "Figure", "Frame", "Scale", "PALETTE", "RAMP", "BLUE", "VERMILLION", "GREEN", "PINK", "OCHRE", "VIOLET", "GREY",
    "INK", "INK_ON_DARK", "PAPER", "PAPER_ON_DARK", "DASHES", "MARKERS", "nice_ticks", "log_ticks", "tick_text", "esc", "mix",
    "ramp", "contour_segments", "png_data_url", "png",
]
