"""A recorded training run as one self-contained HTML page (no network access needed):
``write_replay(history, "run.html")``. A scrubber, play, step buttons and the arrow keys go
through the snapshots; each shows the caption, the curves with a marker at that step, the
decision boundary (a canvas, one pixel per grid cell, under the data) and the network.

The page holds per snapshot only what changes, computed here with the same functions the
live view draws with (``panels``): the caption, one character per boundary cell, a signed
width per edge (weights, and gradients), a fill per unit. ``micrograd train --html``'s
default run (2-16-16-1, 176 snapshots, a 40 x 40 grid) makes a page of about 0.95 MB; 201
snapshots of a network at the drawing limit (378 weights) about 1.3 MB.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from micrograd.files import write_atomically
from micrograd.viz.formatting import number
from micrograd.viz.page import script_json

from . import panels
from .recorder import TrainingHistory

TITLE = "micrograd: a training run"


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


def replay_html(history: TrainingHistory, title: str = TITLE) -> str:
    """The page's text."""
    frames = history.frames
    first = frames[0]
    scale = panels.weight_scale(history, frames)
    drawn = panels.too_big(history) is None
    data = {
        "captions": [panels.caption(history, f) for f in frames],
        "markers": panels.marker_positions(history),
        "positive": panels.POSITIVE, "negative": panels.NEGATIVE,
    }
    if history.has_boundary:
        data["grid"] = history.grid
        data["palette"] = panels.palette(history)
        data["codes"] = [panels.boundary_codes(history, f) for f in frames]
        data["alphabet"] = panels.CODES
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
    views = []
    if history.has_boundary:
        size = panels.BOUNDARY_PX
        views.append(
            '<figure class="mg-view mg-boundary-view"><div class="mg-stack" style="width:{s}px;height:{s}px">'
            '<canvas class="mg-canvas" width="{g}" height="{g}" style="width:{s}px;height:{s}px"></canvas>'
            '<svg xmlns="http://www.w3.org/2000/svg" width="{s}" height="{s}" viewBox="0 0 {s} {s}">{points}</svg></div>'
            "<figcaption>the data and the decision boundary (white: where the class flips)</figcaption></figure>".format(
                s=size, g=history.grid, points=panels.points_svg(history, size)
            )
        )
    views.append(
        f'<figure class="mg-view mg-curves-view">{panels.curves_svg(history, frames, marker=first)}'
        f"<figcaption>the loss and accuracy on all {len(history.xs)} samples, a snapshot every {history.every} steps</figcaption></figure>"
    )
    network = panels.network_svg(history, first, scale=scale)
    legend = f'<p class="mg-legend">{panels.network_legend(False)}</p>' if drawn else ""
    views.append(f'<figure class="mg-view mg-network-view">{network}{legend}</figure>')
    shape = " → ".join([str(history.n_in)] + [f"{n} {a}" for n, a in zip(history.sizes, history.activations)])
    about = (
        f"An MLP {shape}, {len(history.labels)} parameters; {len(history.xs)} samples; {history.steps} steps in "
        f"{history.epochs} epochs; {len(frames)} snapshots (one every {history.every} steps)."
    )
    gradients = (
        '<label class="mg-toggle"><input type="checkbox" class="mg-gradients"> gradients</label>' if drawn else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{_STYLE}</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p class="mg-about">{html.escape(about)}</p>
<div class="mg-run" tabindex="0">
<div class="mg-controls">
<button data-action="first" title="first snapshot (Home)" aria-label="first snapshot (Home)">|◀</button>
<button data-action="prev" title="previous snapshot (←)" aria-label="previous snapshot (←)">◀</button>
<button data-action="play" title="play / pause (space)" aria-label="play / pause (space)">▶ play</button>
<button data-action="next" title="next snapshot (→)" aria-label="next snapshot (→)">▶</button>
<button data-action="last" title="last snapshot (End)" aria-label="last snapshot (End)">▶|</button>
<input type="range" class="mg-scrubber" min="0" max="{len(frames) - 1}" value="0" aria-label="snapshot">
{gradients}
</div>
<p class="mg-caption">{html.escape(data["captions"][0])}</p>
<div class="mg-views">
{"".join(views)}
</div>
</div>
<script>
const RUN = {script_json(data)};
{_SCRIPT}
</script>
</body>
</html>
"""


_STYLE = """
body { font-family: sans-serif; margin: 1em; max-width: 1200px; }
h1 { font-size: 1.3em; margin: 0 0 0.2em; }
.mg-about { color: #444; margin: 0 0 0.6em; }
.mg-run { outline: none; }
.mg-controls { display: flex; align-items: center; gap: 0.4em; flex-wrap: wrap; }
.mg-controls button { font-size: 1em; min-width: 2.4em; }
.mg-scrubber { flex: 1 1 300px; }
.mg-caption { font-weight: bold; font-variant-numeric: tabular-nums; margin: 0.5em 0; }
.mg-views { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }
.mg-view { margin: 0; }
.mg-boundary-view { width: 300px; }
.mg-curves-view, .mg-network-view { width: 560px; }
.mg-view figcaption, .mg-legend { font-size: 0.85em; color: #444; max-width: 560px; }
.mg-stack { position: relative; }
.mg-stack canvas, .mg-stack svg { position: absolute; left: 0; top: 0; }
.mg-canvas { image-rendering: pixelated; }
.mg-collapsed { max-width: 560px; padding: 0.8em; border: 1px dashed #999; color: #444; }
"""

_SCRIPT = r"""
(function () {
  const root = document.querySelector('.mg-run');
  const scrubber = root.querySelector('.mg-scrubber');
  const caption = root.querySelector('.mg-caption');
  const playButton = root.querySelector("button[data-action='play']");
  const toggle = root.querySelector('.mg-gradients');
  const canvas = root.querySelector('.mg-canvas');
  const legend = root.querySelector('.mg-legend');
  const last = RUN.captions.length - 1;
  const edges = Array.from(root.querySelectorAll('.mg-network line[data-e]'));
  const units = Array.from(root.querySelectorAll('.mg-network circle[data-u]'));
  const mark = {
    line: root.querySelector('.mg-mark-line'),
    loss: root.querySelector('.mg-mark-loss'),
    accuracy: root.querySelector('.mg-mark-accuracy'),
  };
  let current = 0, timer = null;

  function drawBoundary(k) {
    if (!canvas) return;
    const g = RUN.grid, codes = RUN.codes[k], ctx = canvas.getContext('2d');
    for (let r = 0; r < g; r++) {
      for (let c = 0; c < g; c++) {
        ctx.fillStyle = RUN.palette[RUN.alphabet.indexOf(codes[r * g + c])];
        ctx.fillRect(c, r, 1, 1);
      }
    }
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
      u.setAttribute('stroke', dead ? '#777' : '#222');
      if (dead) u.setAttribute('stroke-dasharray', '2,2'); else u.removeAttribute('stroke-dasharray');
      u.querySelector('title').textContent = RUN.units[i] + ' = ' + RUN.values[k][i] + (dead ? ' (0 for every sample: dead)' : '');
    });
    if (legend) {
      legend.innerHTML = wanted && !grads ? RUN.legend[2] + RUN.legend[0] : RUN.legend[grads ? 1 : 0];
    }
  }

  function show(k) {
    current = Math.max(0, Math.min(last, k));
    scrubber.value = current;
    caption.textContent = RUN.captions[current];
    const m = RUN.markers[current];
    if (mark.line) { mark.line.setAttribute('x1', m[0]); mark.line.setAttribute('x2', m[0]); }
    if (mark.loss) { mark.loss.setAttribute('cx', m[0]); mark.loss.setAttribute('cy', m[1]); }
    if (mark.accuracy && m[2] !== null) { mark.accuracy.setAttribute('cx', m[0]); mark.accuracy.setAttribute('cy', m[2]); }
    drawBoundary(current);
    drawNetwork(current);
  }

  function pause() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    playButton.textContent = '▶ play';
  }

  function play() {
    if (timer !== null) { pause(); return; }
    if (current === last) show(0);
    playButton.textContent = '❚❚ pause';
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
    if (e.target && e.target.tagName === 'INPUT' && e.target.type === 'range' && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
      e.preventDefault();
    }
    const keys = { ArrowLeft: 'prev', ArrowRight: 'next', Home: 'first', End: 'last', ' ': 'play' };
    if (keys[e.key]) { e.preventDefault(); actions[keys[e.key]](); }
  });
  show(0);
})();
"""
