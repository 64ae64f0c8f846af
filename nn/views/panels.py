"""The pictures of a recorded training run: the loss and accuracy curves, the decision
boundary under the 2-D data, and the network with one edge per weight (colour = sign,
width = |w|) and one disc per unit (fill = its output z for the chosen sample).

The curves and the boundary are ``micrograd.viz.plot`` plots (its axes, ticks, legend and
palette); the network is drawn here. The live view (``live.py``) and the replay page
(``replay.py``) both draw with these functions, so a weight, a unit or a boundary cell
looks the same in both. For the page the per-step changes are also given as data
(``edge_widths``, ``unit_fills``, ``boundary_codes``, ``marker_positions``) that its script
applies to one drawing.
"""

from __future__ import annotations

import math

from micrograd.viz import plot
from micrograd.viz.formatting import number

from .recorder import Snapshot, TrainingHistory

MAX_DRAWN_WEIGHTS = 400  # past this many weights the network picture is collapsed to a note
MAX_DRAWN_UNITS = 64  # ... or past this many units (hidden and output)
MAX_EDGE_PX, MIN_EDGE_PX = 6.0, 0.4

POSITIVE, NEGATIVE, NEUTRAL = plot.BLUE, plot.VERMILLION, plot.GREY  # signs: weights, gradients, unit outputs
CLASS_COLOURS = plot.PALETTE  # class c: PALETTE[c], in the points, the boundary and the key
SIDE_LEVELS = 7  # one-output boundary: 7 shades each side of the boundary, clear on it
CLASS_LEVELS = 4  # several outputs: 4 shades of each class's colour
STRONGEST = 0.4  # the opacity of the deepest shade
CODES = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"  # one character per grid cell

BOUNDARY_SIZE = (440, 420)
CURVE_SIZE = (480, 210)  # the loss plot, and the accuracy plot under it
NETWORK_SIZE = (560, 320)
NETWORK_FONT = 12


def esc(text: object) -> str:
    """Text made safe inside SVG/HTML text and attribute values."""
    return plot.esc(text)


def scores(loss: float, accuracy: float | None, sep: str = " · ") -> str:
    """``loss 0.1118 · accuracy 94.0%``: how the page's caption and ``micrograd train``'s last
    line write a loss and an accuracy (one format, so the two can be compared by eye)."""
    text = f"loss {number(loss)}"
    return text if accuracy is None else f"{text}{sep}accuracy {accuracy:.1%}"


# --- colours ---------------------------------------------------------------------------------


def signed_colour(x: float) -> str:
    """A unit's output z as a fill: white at 0, deeper blue for z > 0 and red for z < 0 (by tanh |z|)."""
    if not math.isfinite(x):
        return "#000000"
    return plot.mix("#ffffff", POSITIVE if x > 0 else NEGATIVE, math.tanh(abs(x)))


def class_colour(c: int) -> str:
    return CLASS_COLOURS[c % len(CLASS_COLOURS)]


def palette(history: TrainingHistory) -> list[tuple[str, float]]:
    """The (colour, opacity) of each boundary code: for one output, SIDE_LEVELS shades of
    class 0 (strongest first), clear on the boundary, SIDE_LEVELS shades of class 1; for K
    outputs, CLASS_LEVELS shades per class."""
    if history.sizes[-1] == 1:
        low, high = class_colour(0), class_colour(1)
        return ([(low, STRONGEST * (SIDE_LEVELS - k) / SIDE_LEVELS) for k in range(SIDE_LEVELS)] + [(high, 0.0)]
                + [(high, STRONGEST * (k + 1) / SIDE_LEVELS) for k in range(SIDE_LEVELS)])
    classes = min(history.sizes[-1], len(CODES) // CLASS_LEVELS)
    return [(class_colour(c), 0.15 + (STRONGEST - 0.15) * (k + 1) / CLASS_LEVELS) for c in range(classes) for k in range(CLASS_LEVELS)]


def _round(x: float) -> int:
    """Half up, as JavaScript's Math.round (the page computes the same codes)."""
    return math.floor(x + 0.5)


def cell_code(y: list[float], center: float, spread: float) -> int:
    """A grid cell's colour index: one output, its side of the boundary and how far
    (tanh of twice the distance in units of ``spread``); K outputs, the largest output's
    class and its margin over the runner-up (tanh). The replay page's script computes the same."""
    if len(y) == 1:
        d = (y[0] - center) / spread
        d = 0.0 if math.isnan(d) else d
        return SIDE_LEVELS + _round(SIDE_LEVELS * math.tanh(2 * d))
    k = max(range(len(y)), key=y.__getitem__)
    margin = y[k] - max(v for c, v in enumerate(y) if c != k)
    level = min(CLASS_LEVELS - 1, math.floor(CLASS_LEVELS * math.tanh(margin if math.isfinite(margin) else 0.0)))
    classes = len(CODES) // CLASS_LEVELS
    return (k % classes) * CLASS_LEVELS + max(0, level)


def spread(history: TrainingHistory) -> float:
    """The distance from the boundary value at which the shading is (nearly) full: the
    targets' distance from it for sigmoid-like outputs, else 1."""
    return 0.5 if history.activations[-1] in ("sigmoid", "step") else 1.0


def boundary_codes(history: TrainingHistory, frame: Snapshot) -> str:
    """The boundary grid as text, one ``CODES`` character per cell, row by row (top row first)."""
    grid = history.boundary_of(frame)
    if grid is None:
        return ""
    s = spread(history)
    return "".join(CODES[cell_code(y, history.center, s)] for row in grid for y in row)


# --- the boundary ------------------------------------------------------------------------------


def boundary_plot(history: TrainingHistory, frame: Snapshot, shaded: bool = True) -> plot.Plot:
    """The decision boundary at ``frame`` under the samples (by class, with the key), the
    chosen sample ringed; axes over the grid's box. ``shaded=False``: the grid left clear,
    for a page whose script shades it."""
    x0, x1, y0, y1 = history.bounds  # type: ignore[misc]
    g = history.grid
    codes = boundary_codes(history, frame) if shaded else None
    rows = [[CODES.index(codes[r * g + c]) if codes else None for c in range(g)] for r in reversed(range(g))]  # bottom row first
    flips = "the class flips where the shade clears" if history.sizes[-1] == 1 else "the class the network picks"
    p = plot.Plot("the data and the decision boundary", xlabel="x[0]", ylabel="x[1]", x=(x0, x1), y=(y0, y1),
                  width=BOUNDARY_SIZE[0], height=BOUNDARY_SIZE[1], grid=False,
                  description=f"The shading is the network's class at each point: {flips}.")
    p.cells(rows, (x0, x1), (y0, y1), palette(history), label=f"network's class ({'clear' if history.sizes[-1] == 1 else 'pale'} near the boundary)", tag="mg-boundary-cells")
    if history.classes is not None:
        p.points(history.xs, history.classes, size=3.5)
    else:
        p.scatter(history.xs, colour=NEUTRAL, size=3.5, label="samples")
    chosen = history.xs[history.sample]
    p.scatter([chosen[0]], [chosen[1]], marker="o", size=7.5, filled=False, colour="currentColor",
              label=f"sample {history.sample} (its unit outputs: the network)", tag="mg-chosen")
    return p


def boundary_svg(history: TrainingHistory, frame: Snapshot, shaded: bool = True) -> str:
    """The decision boundary under the samples, as inline SVG."""
    return boundary_plot(history, frame, shaded).html()


# --- the curves ----------------------------------------------------------------------------------


def _finite_max(values) -> float:
    return max((v for v in values if v is not None and math.isfinite(v)), default=1.0)


def curve_plots(history: TrainingHistory, frames: list[Snapshot], marker: Snapshot | None = None) -> list[plot.Plot]:
    """The loss on all samples against the step, and the accuracy (class losses), each with
    a marker at ``marker``'s step (a dotted line and a dot) that a page can move."""
    n = len(history.xs)
    steps = [float(f.step) for f in frames]
    top = _finite_max(f.loss for f in frames)
    loss = plot.Plot(f"{history.loss_name} loss on all {n} samples", xlabel="step", ylabel="loss", x=(0, max(1, history.steps)),
                     y=(0, top * 1.05 if top > 0 else 1.0), width=CURVE_SIZE[0], height=CURVE_SIZE[1], legend=None)
    loss.line(steps, [f.loss for f in frames], colour=NEGATIVE)
    plots = [loss]
    accuracy = None
    if frames and frames[0].accuracy is not None:
        accuracy = plot.Plot(f"accuracy on all {n} samples", xlabel="step", ylabel="accuracy (%)", x=(0, max(1, history.steps)),
                             y=(0, 100), width=CURVE_SIZE[0], height=CURVE_SIZE[1], legend=None)
        accuracy.line(steps, [100 * f.accuracy for f in frames if f.accuracy is not None], colour=POSITIVE)
        plots.append(accuracy)
    if marker is not None:
        at = float(marker.step)
        for p, value, colour, tag in ((loss, marker.loss, NEGATIVE, "mg-mark-loss"),
                                      (accuracy, None if marker.accuracy is None else 100 * marker.accuracy, POSITIVE, "mg-mark-accuracy")):
            if p is None:
                continue
            p.vline(at, dash=":", tag="mg-mark-line")
            shown = value if value is not None and math.isfinite(value) else 0.0  # a page hides it there (marker_positions: None)
            p.scatter([at], [shown], colour=colour, size=4.5, tag=tag)
    return plots


def curves_figure(history: TrainingHistory, frames: list[Snapshot], marker: Snapshot | None = None) -> plot.Figure:
    """The curves, one plot above the other."""
    return plot.Figure(*curve_plots(history, frames, marker), columns=1,
                       description=f"A snapshot every {history.every} steps; the dot marks the step shown.")


def curves_svg(history: TrainingHistory, frames: list[Snapshot], marker: Snapshot | None = None) -> str:
    """The curves as inline SVG."""
    return curves_figure(history, frames, marker).html()


def marker_positions(history: TrainingHistory) -> list[list[float | None]]:
    """Per snapshot, where the page's markers go in their plots' areas: [x, y of the loss,
    y of the accuracy] (None where there is no such number, or it is not finite)."""
    plots = curve_plots(history, history.frames)
    frames = [p.frame() for p in plots]

    def at(f: plot.Frame, v: float | None) -> float | None:
        return None if v is None or not math.isfinite(v) else round(f.y(v), 1)

    out = []
    for s in history.frames:
        accuracy = at(frames[1], 100 * s.accuracy) if len(frames) > 1 and s.accuracy is not None else None
        out.append([round(frames[0].x(float(s.step)), 1), at(frames[0], s.loss), accuracy])
    return out


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
        x = 50 + (w - 100) * c / (len(widths) - 1)
        gap = min(40.0, (h - 40) / n)
        top = (h - 16 - gap * (n - 1)) / 2
        columns.append([(x, top + gap * j) for j in range(n)])
    return columns


def _radius(history: TrainingHistory) -> float:
    h = NETWORK_SIZE[1]
    return max(3.0, min(11.0, 0.38 * (h - 40) / max(history.n_in, *history.sizes)))


def edge_widths(values: list[float] | None, history: TrainingHistory, scale: float) -> list[float]:
    """Each weight's edge as a signed width in px: |value| / scale of MAX_EDGE_PX (at least
    MIN_EDGE_PX), negative for a negative value. Edges in ``history.weight_index`` order."""
    positions = [k for layer in history.weight_index for row in layer for k in row]
    if values is None or not (scale > 0 and math.isfinite(scale)):
        return [MIN_EDGE_PX] * len(positions)
    span, least, inverse, isfinite = MAX_EDGE_PX - MIN_EDGE_PX, MIN_EDGE_PX, 1.0 / scale, math.isfinite
    out = []
    for k in positions:
        v = values[k]
        width = round(least + span * min(1.0, abs(v) * inverse), 1) if isfinite(v) else least
        out.append(-width if v < 0 else width)
    return out


def weight_scale(history: TrainingHistory, frames: list[Snapshot]) -> float:
    """The largest |w| in ``frames``: a fixed scale, so weights that grow draw wider."""
    positions = [k for layer in history.weight_index for row in layer for k in row]
    return _largest(f.parameters[k] for f in frames for k in positions)


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
    shape = " → ".join([str(history.n_in)] + [f"{n} {a}" for n, a in zip(history.sizes, history.activations)])
    what = "dL/dw" if gradients else "w"
    label = f"the network {shape}: an edge per weight, blue for {what} > 0 and red for {what} < 0, as wide as |{what}|; a disc per unit"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="mg-network" role="img" aria-label="{esc(label)}" width="{w}" height="{h}" '
             f'viewBox="0 0 {w} {h}" style="max-width:100%;height:auto" font-size="{NETWORK_FONT}" font-family="{esc(plot.FONT_FAMILY)}">'
             f"<title>{esc(label)}</title>"]
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
            ring = f' stroke-dasharray="2,2" stroke="{NEUTRAL}"' if dead[u] else ' stroke="currentColor"'
            units.append(
                f'<circle data-u="{u}" cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{fills[u]}" stroke-width="1.2"{ring}>'
                f"<title>{esc(titles[u])}</title></circle>"
            )
            u += 1
    parts.append(f'<g class="mg-units">{"".join(units)}</g>')
    names = ["input"] + [f"layer {l} ({esc(a)})" for l, a in enumerate(history.activations, 1)]
    for column, name in zip(pos, names):
        parts.append(f'<text x="{column[0][0]:.1f}" y="{h - 6}" text-anchor="middle" fill="currentColor">{name}</text>')
    parts.append("</svg>")
    return "".join(parts)


NO_GRADIENT = "No gradient at step 0: no step has been taken yet. "


def _swatch(colour: str, shape: str = "line") -> str:
    style = f"background:{colour}" if shape == "line" else f"background:{colour};border-radius:50%"
    return f'<i class="mg-swatch mg-swatch-{shape}" style="{style}" aria-hidden="true"></i>'


def network_legend(gradients: bool = False) -> str:
    """What the network picture's colours and widths mean (HTML; coloured swatches, the text in the page's ink)."""
    width = "|dL/dw| of the last step, relative to that step's largest" if gradients else "|w|, relative to the largest |w| shown"
    what = "dL/dw" if gradients else "w"
    return (
        f"Edges: {_swatch(POSITIVE)}{what} &gt; 0, {_swatch(NEGATIVE)}{what} &lt; 0; "
        f"width {esc(width)}. Discs: each unit's output z for the ringed sample "
        f"({_swatch(POSITIVE, 'disc')}z &gt; 0, {_swatch(NEGATIVE, 'disc')}z &lt; 0); "
        "a dashed ring: 0 for every sample (a dead unit)."
    )


# --- the caption -----------------------------------------------------------------------------------


def caption(history: TrainingHistory, frame: Snapshot) -> str:
    """One line: step, epoch, loss and accuracy (on all samples, after the step), learning rate."""
    parts = [f"step {frame.step} of {history.steps}", f"epoch {frame.epoch} of {history.epochs}", scores(frame.loss, frame.accuracy)]
    if frame.lr is not None:
        parts.append(f"lr {number(frame.lr)}")
    return " · ".join(parts)


def definitions(history: TrainingHistory) -> str:
    """What the caption's loss and accuracy are, in one sentence."""
    accuracy = " and accuracy" if history.classes is not None else ""
    return (f"Loss{accuracy}: on all {len(history.xs)} samples, with the weights as they are after the step shown "
            f"({history.loss_name}, the mean over the samples). The last snapshot's are what micrograd train prints last; "
            f"its table of epochs shows each epoch's mean of batch losses, each taken before its batch's update.")
