"""A recorded training run as one self-contained HTML page (no network access needed):
``write_replay(history, "run.html")``. A scrubber, play, step buttons and the arrow keys go
through the snapshots; each shows the caption (step, epoch, the loss and accuracy on all
samples after that step, the learning rate), the curves with a marker at that step, the
decision boundary under the data (with the class key) and the network. The controls and
the caption stay at the top of the window while it scrolls; the views stack on a narrow
screen; the page follows the reader's light or dark setting.

The page holds per snapshot only what changes, computed here with the same functions the
live view draws with (``panels``): the caption, a signed width per edge (weights, and
gradients), a fill per unit, and the parameters, from which the page's script computes the
boundary itself (``javascript``: the network's forward pass, translated from the op
table's rows). Where an activation has no translation (a custom callable) the page carries
the boundary computed in Python, one character per grid cell. ``micrograd train --html``'s
default run (2-16-16-1, 101 snapshots) makes a page of about 0.6 MB.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from micrograd.files import write_atomically
from micrograd.viz import plot
from micrograd.viz.plot import esc
from micrograd.viz.formatting import number
from micrograd.viz.page import script_json

from . import javascript, panels
from .recorder import TrainingHistory

TITLE = "micrograd: a training run"
PARAMETER_DIGITS = 7  # significant digits of the parameters the page's script runs the network with


def write_replay(history: TrainingHistory, path: str | os.PathLike, title: str = TITLE) -> Path:
    """Write the replay page of ``history`` (a ``TrainingRecorder``'s) to ``path``, atomically;
    returns the path."""
    if not isinstance(history, TrainingHistory):
        raise TypeError(
            f"write_replay: history must be a TrainingHistory (recorder.history after nn.train(..., monitor=recorder)), got {type(history).__name__}"
        )
    if not history.frames:
        raise ValueError("write_replay: the history has no snapshots; train with the recorder as monitor first")
    if not isinstance(title, str):
        raise TypeError(f"write_replay: title must be a string, got {type(title).__name__}: {title!r:.60}")
    path = Path(path)
    write_atomically(path, replay_html(history, title))
    return path


def _short(v: float) -> float | None:
    """A parameter for the page: PARAMETER_DIGITS significant digits; None (JSON null) where not finite."""
    return float(f"{v:.{PARAMETER_DIGITS}g}") if math.isfinite(v) else None


def replay_html(history: TrainingHistory, title: str = TITLE) -> str:
    """The page's text."""
    frames = history.frames
    first = frames[0]
    scale = panels.weight_scale(history, frames)
    drawn = panels.too_big(history) is None
    data: dict = {
        "captions": [panels.caption(history, f) for f in frames],
        "steps": [f.step for f in frames],
        "total": history.steps,
        "markers": panels.marker_positions(history),
        "positive": panels.POSITIVE, "negative": panels.NEGATIVE,
    }
    functions: list[str] = []
    if history.has_boundary:
        g = history.grid
        data["boundary"] = {
            "grid": g, "bounds": list(history.bounds), "center": history.center, "spread": panels.spread(history),  # type: ignore[arg-type]
            "side": panels.SIDE_LEVELS, "levels": panels.CLASS_LEVELS, "classes": len(panels.CODES) // panels.CLASS_LEVELS,
            "palette": [[*plot._rgb(c), round(255 * a)] for c, a in panels.palette(history)], "alphabet": panels.CODES,
        }
        net = javascript.network(history)
        if net is not None:
            functions = net.pop("functions")
            data["net"] = net
            data["params"] = [[_short(v) for v in f.parameters] for f in frames]
        else:
            data["codes"] = [panels.boundary_codes(history, f) for f in frames]
    if drawn:
        data["weights"] = [panels.edge_widths(f.parameters, history, scale) for f in frames]
        data["gradients"] = [
            None if f.gradients is None else panels.edge_widths(f.gradients, history, panels.gradient_scale(history, f)) for f in frames
        ]
        data["fills"] = [panels.unit_fills(f) for f in frames]
        data["dead"] = ["".join("1" if d else "0" for d in panels.dead_units(f)) for f in frames]
        data["units"] = panels.unit_names(history)
        data["values"] = [[number(z, ".3g") for layer in f.activations for z in layer] for f in frames]
        data["legend"] = [panels.network_legend(False), panels.network_legend(True), panels.NO_GRADIENT]
    n = len(history.xs)
    views = []
    if history.has_boundary:
        key = ("dots by class (their shape tells the class too), the shade: the class the network gives each point, "
               "clear where the class flips; the ring: the sample whose unit outputs the network picture shows")
        views.append(f'<figure class="mg-view mg-boundary-view">{panels.boundary_svg(history, first, shaded=False)}'
                     f"<figcaption>The data and the decision boundary: {esc(key)}.</figcaption></figure>")
    views.append(
        f'<figure class="mg-view mg-curves-view">{panels.curves_svg(history, frames, marker=first)}'
        f"<figcaption>The loss{' and accuracy' if first.accuracy is not None else ''} on all {n} samples after each "
        f"snapshot's step (a snapshot every {history.every} steps); the dot marks the step shown.</figcaption></figure>"
    )
    network = panels.network_svg(history, first, scale=scale)
    legend = f'<p class="mg-legend">{panels.network_legend(False)}</p>' if drawn else ""
    views.append(f'<figure class="mg-view mg-network-view">{network}{legend}</figure>')
    shape = " → ".join([str(history.n_in)] + [f"{size} {a}" for size, a in zip(history.sizes, history.activations)])
    about = (
        f"An MLP {shape}, {len(history.labels)} parameters; {n} samples; {history.steps} steps in "
        f"{history.epochs} epochs; {len(frames)} snapshots (one every {history.every} steps)."
    )
    gradients = (
        '<label class="mg-toggle"><input type="checkbox" class="mg-gradients"> gradients</label>' if drawn else ""
    )
    last = len(frames) - 1
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<style>{_STYLE}</style>
</head>
<body>
<h1>{esc(title)}</h1>
<p class="mg-about">{esc(about)}</p>
<div class="mg-run">
<div class="mg-controls" role="group" aria-label="go through the snapshots">
<div class="mg-buttons">
<button type="button" data-action="first" title="first snapshot (Home)" aria-label="first snapshot (Home)">|◀</button>
<button type="button" data-action="prev" title="previous snapshot (←)" aria-label="previous snapshot (←)">◀</button>
<button type="button" data-action="play" title="play / pause (space)" aria-label="play / pause (space)">▶ play</button>
<button type="button" data-action="next" title="next snapshot (→)" aria-label="next snapshot (→)">▶</button>
<button type="button" data-action="last" title="last snapshot (End)" aria-label="last snapshot (End)">▶|</button>
<input type="range" class="mg-scrubber" min="0" max="{last}" value="0" aria-label="snapshot" aria-valuetext="step {first.step} of {history.steps}">
{gradients}
</div>
<p class="mg-caption" aria-live="polite">{esc(data["captions"][0])}</p>
</div>
<p class="mg-definitions">{esc(panels.definitions(history))}</p>
<div class="mg-views">
{"".join(views)}
</div>
</div>
<script>
const RUN = {script_json(data)};
const ACTIVATIONS = [{", ".join(functions)}];
{javascript.HELPERS}
{_SCRIPT}
</script>
</body>
</html>
"""


_STYLE = """
:root { --mg-bg: #ffffff; --mg-ink: #1f1f1f; --mg-muted: #454545; --mg-rule: #8a8a8a; --mgp-ink: var(--mg-ink); --mgp-paper: var(--mg-bg); }
@media (prefers-color-scheme: dark) { :root { --mg-bg: #111111; --mg-ink: #e8e8e8; --mg-muted: #c4c4c4; --mg-rule: #6a6a6a; } }
body { background: var(--mg-bg); color: var(--mg-ink); font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       margin: 0 auto; padding: 0 1em 1em; max-width: 1200px; }
h1 { font-size: 1.3em; margin: 0.6em 0 0.2em; overflow-wrap: anywhere; }
.mg-about, .mg-definitions, .mg-view figcaption, .mg-legend { color: var(--mg-muted); }
.mg-about { margin: 0 0 0.4em; }
.mg-definitions { font-size: 0.9em; margin: 0.5em 0; max-width: 60em; }
.mg-controls { position: sticky; top: 0; z-index: 2; background: var(--mg-bg); padding: 0.4em 0; border-bottom: 1px solid var(--mg-rule); }
.mg-buttons { display: flex; align-items: center; gap: 0.35em; flex-wrap: wrap; }
.mg-buttons button { font: inherit; min-width: 2.4em; min-height: 2.1em; }
.mg-scrubber { flex: 1 1 10em; min-width: 8em; }
.mg-caption { font-weight: 600; font-variant-numeric: tabular-nums; margin: 0.35em 0 0; overflow-wrap: anywhere; }
.mg-views { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }
.mg-view { margin: 0; max-width: 100%; }
.mg-view > svg { display: block; max-width: 100%; height: auto; }
.mg-boundary-view { width: 440px; }
.mg-curves-view { width: 480px; }
.mg-network-view { width: 560px; }
.mg-view figcaption, .mg-legend { font-size: 0.9em; margin: 0.3em 0 0; }
.mg-swatch { display: inline-block; width: 1.3em; height: 0.35em; vertical-align: middle; margin: 0 0.3em; }
.mg-swatch-disc { width: 0.8em; height: 0.8em; border-radius: 50%; }
.mg-collapsed { max-width: 560px; padding: 0.8em; border: 1px dashed var(--mg-rule); color: var(--mg-muted); }
"""

_SCRIPT = r"""
(function () {
  const root = document.querySelector('.mg-run');
  const scrubber = root.querySelector('.mg-scrubber');
  const caption = root.querySelector('.mg-caption');
  const playButton = root.querySelector("button[data-action='play']");
  const toggle = root.querySelector('.mg-gradients');
  const legend = root.querySelector('.mg-legend');
  const last = RUN.captions.length - 1;
  const edges = Array.from(root.querySelectorAll('.mg-network line[data-e]'));
  const units = Array.from(root.querySelectorAll('.mg-network circle[data-u]'));
  const lines = Array.from(root.querySelectorAll('.mg-mark-line'));
  const dots = [root.querySelector('.mg-mark-loss circle'), root.querySelector('.mg-mark-accuracy circle')];
  const image = root.querySelector('image.mg-boundary-cells');
  const B = RUN.boundary;
  let current = 0, timer = null;

  // The decision boundary: the network run from the snapshot's parameters at every grid
  // cell's centre (as nn.views.recorder.grid_points), each output coded as panels.cell_code does.
  const cells = B ? document.createElement('canvas') : null;
  const params = RUN.params ? RUN.params.map(function (p) { return p.map(function (v) { return v === null ? NaN : v; }); }) : null;
  const centres = [];
  if (B) {
    cells.width = cells.height = B.grid;
    const g = B.grid, b = B.bounds;
    for (let r = 0; r < g; r++) {
      for (let c = 0; c < g; c++) {
        centres.push([b[0] + (b[1] - b[0]) * (c + 0.5) / g, b[3] - (b[3] - b[2]) * (r + 0.5) / g]);
      }
    }
  }

  function run(p, x) {
    let z = x;
    for (const layer of RUN.net.layers) {
      const f = ACTIVATIONS[layer.f], next = new Array(layer.units.length);
      for (let j = 0; j < layer.units.length; j++) {
        const unit = layer.units[j], w = unit[0];
        let u = 0;
        for (let i = 0; i < w.length; i++) u += p[w[i]] * z[i];
        if (unit[1] >= 0) u += p[unit[1]];
        next[j] = f(u, unit[2] >= 0 ? p[unit[2]] : layer.alpha);
      }
      z = next;
    }
    return z;
  }

  function code(y) {
    if (y.length === 1) {
      let d = (y[0] - B.center) / B.spread;
      if (d !== d) d = 0;
      return B.side + Math.round(B.side * Math.tanh(2 * d));
    }
    let k = 0;
    for (let c = 1; c < y.length; c++) if (y[c] > y[k]) k = c;
    let runnerUp = -Infinity;
    for (let c = 0; c < y.length; c++) if (c !== k && y[c] > runnerUp) runnerUp = y[c];
    const margin = y[k] - runnerUp;
    const level = Math.max(0, Math.min(B.levels - 1, Math.floor(B.levels * Math.tanh(isFinite(margin) ? margin : 0))));
    return (k % B.classes) * B.levels + level;
  }

  function codes(k) {
    if (RUN.codes) return Array.from(RUN.codes[k]).map(function (ch) { return B.alphabet.indexOf(ch); });
    return centres.map(function (x) { return code(run(params[k], x)); });
  }

  function drawBoundary(k) {
    if (!image) return;
    const found = codes(k), g = B.grid, ctx = cells.getContext('2d'), pixels = ctx.createImageData(g, g);
    for (let i = 0; i < found.length; i++) pixels.data.set(B.palette[found[i]], 4 * i);
    ctx.putImageData(pixels, 0, 0);
    image.setAttribute('href', cells.toDataURL());
    image.setAttribute('data-codes', found.map(function (c) { return B.alphabet[c]; }).join(''));
  }

  function drawNetwork(k) {
    if (!RUN.weights) return;
    const wanted = toggle && toggle.checked;
    const grads = wanted && RUN.gradients[k] !== null;  // none at step 0: the weights then
    const widths = grads ? RUN.gradients[k] : RUN.weights[k];
    edges.forEach(function (e, i) {
      e.setAttribute('stroke-width', Math.abs(widths[i]));
      e.setAttribute('stroke', widths[i] > 0 ? RUN.positive : RUN.negative);
    });
    units.forEach(function (u, i) {
      u.setAttribute('fill', RUN.fills[k][i]);
      const dead = RUN.dead[k][i] === '1';
      u.setAttribute('stroke', dead ? '#888888' : 'currentColor');
      if (dead) u.setAttribute('stroke-dasharray', '2,2'); else u.removeAttribute('stroke-dasharray');
      u.querySelector('title').textContent = RUN.units[i] + ' = ' + RUN.values[k][i] + (dead ? ' (0 for every sample: dead)' : '');
    });
    if (legend) {
      legend.innerHTML = wanted && !grads ? RUN.legend[2] + RUN.legend[0] : RUN.legend[grads ? 1 : 0];
    }
  }

  function moveMarkers(k) {
    const m = RUN.markers[k], x = m[0] - RUN.markers[0][0];
    lines.forEach(function (l) { l.setAttribute('transform', 'translate(' + x + ' 0)'); });
    dots.forEach(function (dot, i) {
      if (!dot) return;
      const y = m[i + 1];
      dot.setAttribute('visibility', y === null ? 'hidden' : 'visible');
      dot.setAttribute('cx', m[0]);
      if (y !== null) dot.setAttribute('cy', y);
    });
  }

  function show(k) {
    current = Math.max(0, Math.min(last, k));
    scrubber.value = current;
    scrubber.setAttribute('aria-valuetext', 'step ' + RUN.steps[current] + ' of ' + RUN.total);
    caption.textContent = RUN.captions[current];
    moveMarkers(current);
    drawBoundary(current);
    drawNetwork(current);
  }

  function pause() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    playButton.textContent = '▶ play';
    caption.setAttribute('aria-live', 'polite');
  }

  function play() {
    if (timer !== null) { pause(); return; }
    if (current === last) show(0);
    playButton.textContent = '❚❚ pause';
    caption.setAttribute('aria-live', 'off');  // announced when it stops, not at every frame
    timer = setInterval(function () {
      if (current >= last) { pause(); return; }
      show(current + 1);
    }, 120);
  }

  const actions = {
    first: function () { pause(); show(0); },
    prev: function () { pause(); show(current - 1); },
    next: function () { pause(); show(current + 1); },
    last: function () { pause(); show(last); },
    play: play,
  };
  root.querySelectorAll('button[data-action]').forEach(function (b) {
    b.addEventListener('click', function () { actions[b.dataset.action](); });
  });
  scrubber.addEventListener('input', function () { pause(); show(Number(scrubber.value)); });
  if (toggle) toggle.addEventListener('change', function () { drawNetwork(current); });
  document.addEventListener('keydown', function (e) {
    const t = e.target, tag = t && t.tagName;
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (tag === 'BUTTON' || tag === 'TEXTAREA' || (tag === 'INPUT' && t.type !== 'range')) return;  // the control's own keys
    const keys = { ArrowLeft: 'prev', ArrowRight: 'next', Home: 'first', End: 'last', ' ': 'play' };
    if (keys[e.key]) { e.preventDefault(); actions[keys[e.key]](); }
  });
  show(0);
})();
"""
