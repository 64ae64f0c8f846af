"""The step-through viewer: one picture laid out once, restyled frame by frame by a few
lines of JavaScript, with first / previous / play-pause / next / last buttons, the arrow
keys, one step counter, a caption, zoom and a legend. Self-contained HTML (every frame's
data embedded, no file or network needed): the same fragment is a notebook cell's output
(JupyterLab, VS Code, nbviewer, an nbconvert HTML export) and the body of an exported page.

Keys: Left/Right step back/forward, Home/End go to the first/last frame, Space plays or
pauses. On an exported page they work anywhere; in a notebook, once the viewer has focus
(click it), so that they do not move between cells."""

from __future__ import annotations

import html
import json
import uuid
from typing import Sequence

from .draw import KIND_STYLE, LEGEND, STATE_STYLE
from .frames import Layout, css_colour

MIN_ZOOM = 0.6  # the smallest scale the viewer fits a picture to: text stays ~11 px high
PLAY_INTERVAL_MS = 1000


class Slide:
    """One frame as the viewer shows it: frame ``index`` of ``layout``, its counter and caption."""

    def __init__(self, layout: int, index: int, counter: str, caption: str) -> None:
        self.layout, self.index, self.counter, self.caption = layout, index, counter, caption


def viewer(
    layouts: Sequence[Layout], slides: Sequence[Slide], *, page: bool = False, units: bool = False,
    interval_ms: int = PLAY_INTERVAL_MS, uid: str | None = None,
) -> str:
    """The viewer as an HTML fragment showing ``slides[0]`` first. ``page``: the arrow keys
    work anywhere in the document (else only while the viewer has focus)."""
    if not slides:
        raise ValueError("viewer: no frames to show")
    uid = uid or f"mg-steps-{uuid.uuid4().hex[:12]}"
    frames = []
    for s in slides:
        layout = layouts[s.layout]
        frames.append({
            "layout": s.layout, "states": layout.states[s.index], "texts": layout.texts[s.index],
            "focus": layout.focus[s.index], "counter": s.counter, "caption": s.caption,
        })
    data = {
        "layouts": [{"keys": f.keys, "slots": f.slots} for f in layouts],
        "frames": frames, "page": page, "interval": interval_ms, "minZoom": MIN_ZOOM,
    }
    first = slides[0]
    pictures = "\n".join(
        f'<div class="mg-picture"{"" if i == first.layout else " hidden"}>{f.svg}</div>' for i, f in enumerate(layouts)
    )
    return _VIEWER.format(
        uid=uid, style=_STYLE.replace("#UID", f"#{uid}"), counter=html.escape(first.counter), caption=html.escape(first.caption),
        pictures=pictures, legend=legend_html(units), data=script_json(data), script=_SCRIPT.replace("UID", json.dumps(uid)),
    )


def page_html(fragment: str, title: str) -> str:
    """A whole HTML page around a viewer fragment."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<style>body { font-family: sans-serif; margin: 1em; } h1 { font-size: 1.3em; }</style>\n"
        f"</head>\n<body>\n<h1>{html.escape(title)}</h1>\n{fragment}\n</body>\n</html>\n"
    )


def legend_html(units: bool = False) -> str:
    """The key to the picture: the kinds of node (fill colours) and the step states (borders)."""
    entries = list(LEGEND) + ([("unit", "nn unit z = f(u)")] if units else [])
    items = []
    for kind, text in entries:
        attrs = KIND_STYLE[kind]
        fill = css_colour(attrs.get("fillcolor", "white"))
        round_ = "50%" if attrs.get("shape") == "ellipse" else "4px" if "rounded" in attrs.get("style", "") else "0"
        border = "1px dashed #8c8c8c" if attrs.get("shape") == "plaintext" else "1px solid black"
        items.append(f'<span class="mg-key"><i style="background: {fill}; border: {border}; border-radius: {round_}"></i>{html.escape(text)}</span>')
    for state, text in (("current", "current step"), ("final", "gradient final"), ("pending", "gradient pending")):
        attrs = STATE_STYLE[state]
        items.append(
            f'<span class="mg-key"><i style="border: {attrs.get("penwidth", "1")}px solid {css_colour(attrs["color"])}"></i>'
            f"{html.escape(text)}</span>"
        )
    return '<div class="mg-legend" aria-label="legend">' + " ".join(items) + "</div>"


def script_json(data: object) -> str:
    """JSON safe inside a <script> element: no "<", ">" or "&" can end it or start a tag."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


_STYLE = """
#UID { font-family: sans-serif; max-width: 100%; outline: none; }
#UID:focus-visible { outline: 2px solid #4a90d9; }
#UID .mg-bar { display: flex; flex-wrap: wrap; align-items: center; gap: 0.3em; margin: 0.3em 0; }
#UID .mg-bar button { font-size: 1em; min-width: 2.2em; padding: 0.15em 0.5em; cursor: pointer; }
#UID .mg-counter { font-weight: bold; margin: 0 0.6em; }
#UID .mg-caption { background: #f4f4f4; padding: 0.5em; margin: 0.3em 0; white-space: pre-wrap; font-size: 0.95em; min-height: 3.6em; }
#UID .mg-pane { overflow: auto; max-height: 75vh; border: 1px solid #ddd; cursor: grab; background: white; }
#UID .mg-pane svg { display: block; }
#UID .mg-pane g.graph > text { display: none; }
#UID .mg-legend { font-size: 0.85em; margin: 0.3em 0; color: #333; }
#UID .mg-key { display: inline-flex; align-items: center; margin-right: 1em; white-space: nowrap; }
#UID .mg-key i { display: inline-block; width: 1.4em; height: 0.9em; margin-right: 0.35em; box-sizing: border-box; }
"""

_VIEWER = """<div class="mg-steps" id="{uid}" tabindex="0">
<style>{style}</style>
<div class="mg-bar" role="toolbar" aria-label="step through the backward pass">
<button type="button" data-action="first" title="first (Home)">&laquo; first</button>
<button type="button" data-action="prev" title="previous (Left arrow)">&lsaquo; previous</button>
<button type="button" data-action="play" title="play / pause (Space)">play</button>
<button type="button" data-action="next" title="next (Right arrow)">next &rsaquo;</button>
<button type="button" data-action="last" title="last (End)">last &raquo;</button>
<span class="mg-counter" aria-live="polite">{counter}</span>
<button type="button" data-action="zoom-out" title="zoom out" aria-label="zoom out">&minus;</button>
<button type="button" data-action="fit" title="fit the pane" aria-label="fit">fit</button>
<button type="button" data-action="zoom-in" title="zoom in" aria-label="zoom in">+</button>
</div>
<pre class="mg-caption">{caption}</pre>
<div class="mg-pane">
{pictures}
</div>
{legend}
<script type="application/json" class="mg-data">{data}</script>
<script>{script}</script>
</div>"""

_SCRIPT = r"""
(function (root) {
  if (!root || root.dataset.ready) return;
  root.dataset.ready = "yes";
  const data = JSON.parse(root.querySelector("script.mg-data").textContent);
  const pane = root.querySelector(".mg-pane");
  const pictures = Array.from(pane.querySelectorAll(".mg-picture"));
  const counter = root.querySelector(".mg-counter");
  const caption = root.querySelector(".mg-caption");
  const buttons = {};
  root.querySelectorAll("button[data-action]").forEach(b => { buttons[b.dataset.action] = b; });
  const STATE = {c: "mg-current", f: "mg-final", p: "mg-pending"};
  const last = data.frames.length - 1;
  const layouts = pictures.map((picture, i) => {
    const byKey = {};
    picture.querySelectorAll("g[data-key]").forEach(g => { byKey[g.dataset.key] = g; });
    const layout = data.layouts[i];
    const elements = layout.keys.map(key => byKey[key]);
    const slots = layout.slots.map(([e, t]) => Array.from(elements[e].children).filter(c => c.tagName === "text")[t]);
    return {svg: picture.querySelector("svg"), byKey, elements, slots};
  });
  let k = 0, zoom = 1, timer = null;

  function natural(svg) {
    const box = svg.viewBox.baseVal;
    return [box.width * 4 / 3, box.height * 4 / 3];  // points to CSS pixels
  }
  function fitZoom() {  // the whole picture in the pane, unless its text would get too small
    const [w, h] = natural(layouts[data.frames[k].layout].svg);
    const height = 0.75 * (window.innerHeight || 800);
    return Math.max(data.minZoom, Math.min(1, (pane.clientWidth - 4) / w, (height - 8) / h));
  }
  function setZoom(z) {
    zoom = z;
    layouts.forEach(f => {
      const [w, h] = natural(f.svg);
      f.svg.setAttribute("width", (w * z).toFixed(1) + "px");
      f.svg.setAttribute("height", (h * z).toFixed(1) + "px");
    });
    reveal();
  }
  function reveal() {
    const frame = data.frames[k];
    const g = frame.focus && layouts[frame.layout].byKey[frame.focus];
    if (!g) return;
    const p = pane.getBoundingClientRect(), r = g.getBoundingClientRect(), m = 24;
    if (r.left < p.left + m) pane.scrollLeft -= p.left + m - r.left;
    else if (r.right > p.right - m) pane.scrollLeft += Math.min(r.right - p.right + m, r.left - p.left - m);
    if (r.top < p.top + m) pane.scrollTop -= p.top + m - r.top;
    else if (r.bottom > p.bottom - m) pane.scrollTop += Math.min(r.bottom - p.bottom + m, r.top - p.top - m);
  }
  function show(n) {
    k = Math.max(0, Math.min(last, n));
    const frame = data.frames[k], layout = layouts[frame.layout];
    pictures.forEach((picture, i) => { picture.hidden = i !== frame.layout; });
    layout.elements.forEach((g, i) => {
      Object.values(STATE).forEach(c => g.classList.remove(c));
      const state = STATE[frame.states[i]];
      if (state) g.classList.add(state);
    });
    layout.slots.forEach((text, j) => { text.textContent = frame.texts[j]; });
    counter.textContent = frame.counter;
    caption.textContent = frame.caption;
    buttons.first.disabled = buttons.prev.disabled = k === 0;
    buttons.next.disabled = buttons.last.disabled = k === last;
    if (k === last) pause();
    reveal();
  }
  function pause() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    buttons.play.textContent = "play";
  }
  function play() {
    if (timer !== null) { pause(); return; }
    if (k === last) show(0);
    timer = setInterval(() => show(k + 1), data.interval);
    buttons.play.textContent = "pause";
  }
  const actions = {
    first: () => { pause(); show(0); }, prev: () => { pause(); show(k - 1); },
    next: () => { pause(); show(k + 1); }, last: () => { pause(); show(last); }, play: play,
    "zoom-in": () => setZoom(zoom * 1.25), "zoom-out": () => setZoom(zoom / 1.25), fit: () => setZoom(fitZoom()),
  };
  Object.entries(buttons).forEach(([name, b]) => b.addEventListener("click", () => actions[name]()));
  const KEYS = {ArrowLeft: "prev", ArrowRight: "next", Home: "first", End: "last", " ": "play"};
  (data.page ? document : root).addEventListener("keydown", e => {
    const name = KEYS[e.key];
    if (!name || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    e.stopPropagation();
    actions[name]();
  });
  let drag = null;  // pan by dragging the picture
  pane.addEventListener("mousedown", e => { drag = [e.clientX, e.clientY, pane.scrollLeft, pane.scrollTop]; e.preventDefault(); });
  window.addEventListener("mousemove", e => {
    if (!drag) return;
    pane.scrollLeft = drag[2] - (e.clientX - drag[0]);
    pane.scrollTop = drag[3] - (e.clientY - drag[1]);
  });
  window.addEventListener("mouseup", () => { drag = null; });
  setZoom(fitZoom());
  show(0);
})((document.currentScript && document.currentScript.closest(".mg-steps")) || document.getElementById(UID));
"""
