"""The pictures of a recorded training run, as SVG text: the loss and accuracy curves, the
decision boundary over the 2-D data, and the network with one edge per weight (colour =
sign, width = |w|) and one disc per unit (fill = its output z for the chosen sample).

The live view (``live.py``) and the replay page (``replay.py``) both draw with these
functions, so a weight, a unit or a boundary cell looks the same in both. For the page the
per-step changes are also given as data (``edge_widths``, ``unit_fills``,
``boundary_codes``) that its script applies to one SVG.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

from micrograd.viz.formatting import number

from .recorder import Snapshot, TrainingHistory

MAX_DRAWN_WEIGHTS = 400  # past this many weights the network picture is collapsed to a note
MAX_DRAWN_UNITS = 64  # ... or past this many units (hidden and output)
MAX_EDGE_PX, MIN_EDGE_PX = 6.0, 0.4

POSITIVE, NEGATIVE, NEUTRAL = "#2166ac", "#c0392b", "#bbbbbb"  # signs: weights, gradients, unit outputs
CLASS_COLOURS = ("#e08214", "#2166ac", "#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#666666")
SIDE_LEVELS = 7  # one-output boundary: 7 shades each side of the boundary, white on it
CLASS_LEVELS = 4  # several outputs: 4 shades of each class's colour
CODES = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"  # one character per grid cell

CURVES_SIZE = (560, 220)
BOUNDARY_PX = 300
NETWORK_SIZE = (560, 320)


def esc(text: object) -> str:
    """Text made safe inside SVG/HTML text and attribute values."""
    return html.escape(str(text), quote=True)


# --- colours ---------------------------------------------------------------------------------


def _mix(colour: str, t: float) -> str:
    """``colour`` blended with white: t = 0 white, t = 1 the colour itself."""
    t = min(1.0, max(0.0, t))
    rgb = [int(colour[k : k + 2], 16) for k in (1, 3, 5)]
    return "#" + "".join(f"{round(255 + (c - 255) * t):02x}" for c in rgb)


def signed_colour(x: float) -> str:
    """A unit's output z as a fill: white at 0, deeper blue for z > 0 and red for z < 0 (by tanh |z|)."""
    if not math.isfinite(x):
        return "#000000"
    return _mix(POSITIVE if x > 0 else NEGATIVE, math.tanh(abs(x)))


def palette(history: TrainingHistory) -> list[str]:
    """The colour of each boundary code: for one output, 2 * SIDE_LEVELS + 1 shades from class 0
    through white (the boundary) to class 1; for K outputs, CLASS_LEVELS shades per class."""
    if history.sizes[-1] == 1:
        low, high = CLASS_COLOURS[0], CLASS_COLOURS[1]
        return [_mix(low, 0.6 * (SIDE_LEVELS - k) / SIDE_LEVELS) for k in range(SIDE_LEVELS)] + ["#ffffff"] + [
            _mix(high, 0.6 * (k + 1) / SIDE_LEVELS) for k in range(SIDE_LEVELS)
        ]
    classes = min(history.sizes[-1], (len(CODES)) // CLASS_LEVELS)
    return [_mix(CLASS_COLOURS[c % len(CLASS_COLOURS)], 0.15 + 0.45 * (k + 1) / CLASS_LEVELS) for c in range(classes) for k in range(CLASS_LEVELS)]


def _cell_code(y: list[float], center: float, spread: float) -> int:
    """A grid cell's colour index: one output, its side of the boundary and how far
    (tanh of the distance in units of ``spread``); K outputs, the largest output's class
    and its margin over the runner-up (tanh)."""
    if len(y) == 1:
        d = (y[0] - center) / spread
        d = 0.0 if math.isnan(d) else d
        return SIDE_LEVELS + round(SIDE_LEVELS * math.tanh(2 * d))
    k = max(range(len(y)), key=y.__getitem__)
    margin = y[k] - max(v for c, v in enumerate(y) if c != k)
    level = min(CLASS_LEVELS - 1, int(CLASS_LEVELS * math.tanh(margin if math.isfinite(margin) else 0.0)))
    classes = len(CODES) // CLASS_LEVELS
    return (k % classes) * CLASS_LEVELS + level


def _spread(history: TrainingHistory) -> float:
    """The distance from the boundary value at which the shading is (nearly) full: the
    targets' distance from it for sigmoid-like outputs, else 1."""
    return 0.5 if history.activations[-1] in ("sigmoid", "step") else 1.0


def boundary_codes(history: TrainingHistory, frame: Snapshot) -> str:
    """The boundary grid as text, one ``CODES`` character per cell, row by row (top row first)."""
    if frame.boundary is None:
        return ""
    spread = _spread(history)
    return "".join(CODES[_cell_code(y, history.center, spread)] for row in frame.boundary for y in row)


# --- the boundary ------------------------------------------------------------------------------


def _to_px(history: TrainingHistory, x: list[float], size: float) -> tuple[float, float]:
    x0, x1, y0, y1 = history.bounds  # type: ignore[misc]
    return (x[0] - x0) / (x1 - x0) * size, (y1 - x[1]) / (y1 - y0) * size


def points_svg(history: TrainingHistory, size: int = BOUNDARY_PX) -> str:
    """The samples as dots coloured by class (grey without classes), in a ``size`` px square."""
    dots = []
    for n, x in enumerate(history.xs):
        px, py = _to_px(history, x, size)
        c = history.classes[n] if history.classes is not None else None
        fill = CLASS_COLOURS[c % len(CLASS_COLOURS)] if c is not None else "#555555"
        mark = ' class="mg-chosen"' if n == history.sample else ""
        dots.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.2" fill="{fill}"{mark}/>')
    chosen = history.xs[history.sample]
    cx, cy = _to_px(history, chosen, size)
    ring = f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="7" fill="none" stroke="black" stroke-width="1.5"><title>sample {history.sample}: the network picture shows its unit outputs</title></circle>'
    return f'<g stroke="white" stroke-width="0.7">{"".join(dots)}</g>{ring}'


def boundary_svg(history: TrainingHistory, frame: Snapshot, size: int = BOUNDARY_PX) -> str:
    """The decision boundary under the samples, as one SVG (runs of equal cells merged into one rect)."""
    codes, colours, g = boundary_codes(history, frame), palette(history), history.grid
    cell = size / g
    rects = []
    for r in range(g):
        row = codes[r * g : (r + 1) * g]
        c = 0
        while c < g:
            end = c
            while end + 1 < g and row[end + 1] == row[c]:
                end += 1
            rects.append(
                f'<rect x="{c * cell:.2f}" y="{r * cell:.2f}" width="{(end - c + 1) * cell + 0.3:.2f}" height="{cell + 0.3:.2f}" fill="{colours[CODES.index(row[c])]}"/>'
            )
            c = end + 1
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mg-boundary" width="{size}" height="{size}" viewBox="0 0 {size} {size}">'
        f'<g shape-rendering="crispEdges">{"".join(rects)}</g>{points_svg(history, size)}</svg>'
    )


# --- the curves ----------------------------------------------------------------------------------


@dataclass
class CurveScale:
    """Where a step and a loss or accuracy go in the curves picture."""

    steps: int
    max_loss: float
    width: int = CURVES_SIZE[0]
    height: int = CURVES_SIZE[1]
    left: int = 48
    right: int = 48
    top: int = 14
    bottom: int = 30

    def x(self, step: int) -> float:
        return self.left + (self.width - self.left - self.right) * step / max(1, self.steps)

    def y_loss(self, loss: float) -> float:
        top = self.max_loss if self.max_loss > 0 else 1.0
        t = min(1.0, max(0.0, loss / top)) if math.isfinite(loss) else 1.0
        return self.top + (self.height - self.top - self.bottom) * (1 - t)

    def y_accuracy(self, a: float) -> float:
        return self.top + (self.height - self.top - self.bottom) * (1 - a)


def curve_scale(history: TrainingHistory, frames: list[Snapshot]) -> CurveScale:
    """Loss from 0 to the largest finite loss seen, accuracy from 0 to 1, steps 0 to the run's last."""
    finite = [f.loss for f in frames if math.isfinite(f.loss)]
    return CurveScale(steps=history.steps, max_loss=max(finite, default=1.0))


def curves_svg(history: TrainingHistory, frames: list[Snapshot], marker: Snapshot | None = None) -> str:
    """Loss (left axis) and accuracy (right axis, class losses only) against the step."""
    s = curve_scale(history, frames)
    w, h = s.width, s.height
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="mg-curves" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-size="11" font-family="sans-serif">']
    x0, x1, y0, y1 = s.x(0), s.x(s.steps), s.y_loss(0), s.y_loss(s.max_loss)
    parts.append(f'<path d="M{x0:.1f},{y1:.1f}V{y0:.1f}H{x1:.1f}" fill="none" stroke="#444"/>')
    parts.append(f'<text x="{x0 - 4:.1f}" y="{y0 + 4:.1f}" text-anchor="end">0</text>')
    parts.append(f'<text x="{x0 - 4:.1f}" y="{y1 + 4:.1f}" text-anchor="end">{esc(number(s.max_loss, ".3g"))}</text>')
    parts.append(f'<text x="{x0:.1f}" y="{h - 8}" >step 0</text><text x="{x1:.1f}" y="{h - 8}" text-anchor="end">{s.steps}</text>')
    accuracy = f' · <tspan fill="{POSITIVE}">accuracy</tspan>' if frames and frames[0].accuracy is not None else ""
    parts.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{h - 8}" text-anchor="middle"><tspan fill="{NEGATIVE}">{esc(history.loss_name)} loss</tspan>{accuracy} (all samples)</text>')
    loss_points = " ".join(f"{s.x(f.step):.1f},{s.y_loss(f.loss):.1f}" for f in frames)
    parts.append(f'<polyline class="mg-loss" points="{loss_points}" fill="none" stroke="{NEGATIVE}" stroke-width="1.8"/>')
    if frames and frames[0].accuracy is not None:
        parts.append(f'<path d="M{x1:.1f},{s.y_accuracy(1):.1f}V{s.y_accuracy(0):.1f}" stroke="#444"/>')
        parts.append(f'<text x="{x1 + 4:.1f}" y="{s.y_accuracy(1) + 4:.1f}">100%</text><text x="{x1 + 4:.1f}" y="{s.y_accuracy(0) + 4:.1f}">0%</text>')
        acc_points = " ".join(f"{s.x(f.step):.1f},{s.y_accuracy(f.accuracy):.1f}" for f in frames if f.accuracy is not None)
        parts.append(f'<polyline class="mg-accuracy" points="{acc_points}" fill="none" stroke="{POSITIVE}" stroke-width="1.8"/>')
    if marker is not None:
        parts.append(_marker(s, marker))
    parts.append("</svg>")
    return "".join(parts)


def _marker(s: CurveScale, f: Snapshot) -> str:
    acc = f'<circle class="mg-mark-accuracy" r="4" fill="{POSITIVE}" cx="{s.x(f.step):.1f}" cy="{s.y_accuracy(f.accuracy):.1f}"/>' if f.accuracy is not None else ""
    return (
        f'<g class="mg-marker"><line class="mg-mark-line" x1="{s.x(f.step):.1f}" x2="{s.x(f.step):.1f}" y1="{s.top}" y2="{s.y_loss(0):.1f}" stroke="#888" stroke-dasharray="3,3"/>'
        f'<circle class="mg-mark-loss" r="4" fill="{NEGATIVE}" cx="{s.x(f.step):.1f}" cy="{s.y_loss(f.loss):.1f}"/>{acc}</g>'
    )


def marker_positions(history: TrainingHistory) -> list[list[float | None]]:
    """Per snapshot, where the page's marker goes: [x, y of the loss, y of the accuracy or None]."""
    s = curve_scale(history, history.frames)
    return [
        [round(s.x(f.step), 1), round(s.y_loss(f.loss), 1), None if f.accuracy is None else round(s.y_accuracy(f.accuracy), 1)]
        for f in history.frames
    ]


# --- the network -------------------------------------------------------------------------------------


def too_big(history: TrainingHistory) -> str | None:
    """Why the network is not drawn (None when it is)."""
    weights = sum(len(row) for layer in history.weight_index for row in layer)
    units = sum(history.sizes)
    if weights > MAX_DRAWN_WEIGHTS or units > MAX_DRAWN_UNITS:
        return (
            f"The network is not drawn: it has {weights} weights and {units} units, and the picture is drawn "
            f"up to {MAX_DRAWN_WEIGHTS} weights and {MAX_DRAWN_UNITS} units. The curves and the boundary still follow the run."
        )
    return None


def _positions(history: TrainingHistory) -> list[list[tuple[float, float]]]:
    """Each unit's centre, column by column: the inputs, then every layer."""
    w, h = NETWORK_SIZE
    widths = [history.n_in, *history.sizes]
    columns = []
    for c, n in enumerate(widths):
        x = 40 + (w - 80) * c / (len(widths) - 1)
        gap = min(40.0, (h - 30) / n)
        top = (h - gap * (n - 1)) / 2
        columns.append([(x, top + gap * j) for j in range(n)])
    return columns


def _radius(history: TrainingHistory) -> float:
    h = NETWORK_SIZE[1]
    return max(3.0, min(11.0, 0.38 * (h - 30) / max(history.n_in, *history.sizes)))


def edge_widths(values: list[float] | None, history: TrainingHistory, scale: float) -> list[float]:
    """Each weight's edge as a signed width in px: |value| / scale of MAX_EDGE_PX (at least
    MIN_EDGE_PX), negative for a negative value. Edges in ``history.weight_index`` order."""
    out = []
    for layer in history.weight_index:
        for row in layer:
            for k in row:
                v = values[k] if values is not None else 0.0
                width = MIN_EDGE_PX + (MAX_EDGE_PX - MIN_EDGE_PX) * min(1.0, abs(v) / scale) if scale > 0 and math.isfinite(v) else MIN_EDGE_PX
                out.append(round(-width if v < 0 else width, 1))
    return out


def weight_scale(history: TrainingHistory, frames: list[Snapshot]) -> float:
    """The largest |w| in ``frames``: a fixed scale, so weights that grow draw wider."""
    return _largest(w for f in frames for layer in history.weight_index for row in layer for w in (f.parameters[k] for k in row))


def gradient_scale(history: TrainingHistory, frame: Snapshot) -> float:
    """The largest |dL/dw| at this step: gradients are drawn relative to this step's largest."""
    if frame.gradients is None:
        return 0.0
    return _largest(frame.gradients[k] for layer in history.weight_index for row in layer for k in row)


def _largest(values) -> float:
    return max((abs(v) for v in values if math.isfinite(v)), default=0.0)


def unit_fills(frame: Snapshot) -> list[str]:
    """Each unit's fill (inputs first, then layer by layer): its output z for the chosen sample."""
    return [signed_colour(z) for layer in frame.activations for z in layer]


def dead_units(frame: Snapshot) -> list[bool]:
    """Per unit (inputs first, never dead): True when its output is 0 for every sample."""
    return [False] * len(frame.activations[0]) + [a == 0 for layer in frame.active for a in layer]


def unit_names(history: TrainingHistory) -> list[str]:
    """Each disc's name, as nn labels it: ``x[i]``, then ``z{l}[{j}]`` layer by layer."""
    return [f"x[{i}]" for i in range(history.n_in)] + [f"z{l}[{j}]" for l, n in enumerate(history.sizes, 1) for j in range(n)]


def unit_titles(history: TrainingHistory, frame: Snapshot) -> list[str]:
    """Hover text per unit: its name, its output for the chosen sample, how often it is non-zero."""
    names = iter(unit_names(history))
    titles = [f"{next(names)} = {number(v)}" for v in frame.activations[0]]
    for layer, active in zip(frame.activations[1:], frame.active):
        for z, a in zip(layer, active):
            titles.append(f"{next(names)} = {number(z)} for sample {history.sample}; non-zero for {a:.0%} of the samples")
    return titles


def network_svg(history: TrainingHistory, frame: Snapshot, gradients: bool = False, scale: float | None = None) -> str:
    """The network at ``frame``: an edge per weight (blue positive, red negative, width |w|, or the
    same for dL/dw when ``gradients``), a disc per unit filled by its output for the chosen
    sample, a dashed ring on a unit that is 0 for every sample (dead). A note instead when too big."""
    reason = too_big(history)
    if reason is not None:
        return f'<p class="mg-collapsed">{esc(reason)}</p>'
    if gradients:
        values, scale = frame.gradients, gradient_scale(history, frame)
    else:
        values, scale = frame.parameters, weight_scale(history, [frame]) if scale is None else scale
    widths = edge_widths(values, history, scale)
    pos = _positions(history)
    w, h = NETWORK_SIZE
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="mg-network" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-size="10" font-family="sans-serif">']
    edges, e = [], 0
    for l, layer in enumerate(history.weight_index):
        for j, row in enumerate(layer):
            for i, k in enumerate(row):
                (xa, ya), (xb, yb) = pos[l][i], pos[l + 1][j]
                wd = widths[e]
                colour = NEUTRAL if values is None else POSITIVE if wd > 0 else NEGATIVE
                edges.append(
                    f'<line data-e="{e}" x1="{xa:.1f}" y1="{ya:.1f}" x2="{xb:.1f}" y2="{yb:.1f}" stroke="{colour}" stroke-width="{abs(wd)}" stroke-opacity="0.8">'
                    f"<title>{esc(history.labels[k])}</title></line>"
                )
                e += 1
    parts.append(f'<g class="mg-edges">{"".join(edges)}</g>')
    r = _radius(history)
    fills, dead, titles = unit_fills(frame), dead_units(frame), unit_titles(history, frame)
    units, u = [], 0
    for column in pos:
        for x, y in column:
            ring = ' stroke-dasharray="2,2" stroke="#777"' if dead[u] else ' stroke="#222"'
            units.append(
                f'<circle data-u="{u}" cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{fills[u]}" stroke-width="1.2"{ring}>'
                f"<title>{esc(titles[u])}</title></circle>"
            )
            u += 1
    parts.append(f'<g class="mg-units">{"".join(units)}</g>')
    names = ["input"] + [f"layer {l} ({esc(a)})" for l, a in enumerate(history.activations, 1)]
    for column, name in zip(pos, names):
        parts.append(f'<text x="{column[0][0]:.1f}" y="{h - 4}" text-anchor="middle">{name}</text>')
    parts.append("</svg>")
    return "".join(parts)


NO_GRADIENT = "No gradient at step 0: no step has been taken yet. "


def network_legend(gradients: bool = False) -> str:
    """What the network picture's colours and widths mean (HTML)."""
    width = "|dL/dw| of the last step, relative to that step's largest" if gradients else "|w|, relative to the largest |w| shown"
    what = "dL/dw" if gradients else "w"
    return (
        f'Edges: <span style="color:{POSITIVE}">{what} &gt; 0</span>, <span style="color:{NEGATIVE}">{what} &lt; 0</span>; '
        f"width {esc(width)}. Discs: each unit's output z for the ringed sample "
        f'(<span style="color:{POSITIVE}">z &gt; 0</span>, <span style="color:{NEGATIVE}">z &lt; 0</span>); '
        "a dashed ring: 0 for every sample (a dead unit)."
    )


# --- the caption -----------------------------------------------------------------------------------


def caption(history: TrainingHistory, frame: Snapshot) -> str:
    """One line: step, epoch, loss, accuracy, learning rate."""
    parts = [f"step {frame.step} of {history.steps}", f"epoch {frame.epoch} of {history.epochs}", f"loss {number(frame.loss)}"]
    if frame.accuracy is not None:
        parts.append(f"accuracy {frame.accuracy:.1%}")
    if frame.lr is not None:
        parts.append(f"lr {number(frame.lr)}")
    return " · ".join(parts)
