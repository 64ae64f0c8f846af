"""The step-through viewer: one picture laid out once, restyled frame by frame by a few
lines of JavaScript. Self-contained HTML (every frame's data embedded, no file or network
needed): the same fragment is a notebook cell's output (JupyterLab, VS Code, nbviewer, an
nbconvert HTML export) and the body of an exported page.

Nothing on it moves while it steps: the controls have fixed sizes, the caption a fixed
height (a long fan-in step is condensed to its first lines; **details** shows them all,
scrolling inside the same box), and the picture keeps its place. The pane scrolls, when
the picture is bigger than it, to keep the current node and the other ends of its edges in
view; an overview in the pane's corner then shows the whole graph and where the view is.

- Controls: first / previous / play-pause / next / last, a scrubber (``aria-valuetext``
  "step 3 of 6"), the step counter, the play speed, details, zoom out / fit / zoom in.
- Keys: Left/Right step back/forward, Home/End go to the first/last frame, Space plays or
  pauses, except where the focused control uses the key itself (Space or Enter on a button,
  the arrows on the scrubber or the speed list). On an exported page they work anywhere;
  in a notebook once the viewer has focus: a click on the picture gives it focus.
- Accessible: the caption is a polite live region (quiet while playing), the picture is
  labelled (``role="img"``), and every text keeps 4.5:1 against its background.
- Themes: the controls, caption and legend take JupyterLab's colours (``--jp-*``
  variables) where the page has them, else light or dark as the reader's system prefers;
  the picture is its own light card (white, ``draw.PAGE_COLOUR``) in every theme.

The data holds, per frame, only what changed since the frame before (states and texts),
so a page grows with what each step changes, not with frames times the picture.
"""

from __future__ import annotations

import html
import json
import uuid
from typing import Sequence

from .draw import KIND_STYLE, LEGEND, PAGE_COLOUR, STATE_STYLE
from .fit import MIN_SCALE
from .frames import Layout, css_colour

MIN_ZOOM = MIN_SCALE  # the smallest scale the viewer fits a picture to: text stays 11 px high
PLAY_INTERVAL_MS = 1000
#: The play speeds offered, as milliseconds between frames (the step frames' own interval is added).
SPEEDS_MS = (2000, 1000, 500, 250, 100, 50)
CAPTION_LINES = 4  # the caption's fixed height in lines; a longer caption is condensed to fit
#: The viewer's colours: (JupyterLab's variable, light fallback, dark fallback). Each text
#: colour keeps 4.5:1 against each background it is drawn on (tests/pictures/test_viz_contrast.py).
THEME = {
    "fg": ("--jp-ui-font-color1", "#1f1f1f", "#e8e8e8"),
    "bg": ("--jp-layout-color0", "#ffffff", "#111111"),
    "caption-bg": ("--jp-layout-color2", "#eeeeee", "#424242"),
    "control-bg": ("--jp-layout-color1", "#ffffff", "#212121"),
    "border": ("--jp-border-color1", "#8c8c8c", "#8c8c8c"),
    "focus": ("--jp-brand-color1", "#1976d2", "#64b5f6"),
}


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
    first = slides[0]
    speeds = sorted(set(SPEEDS_MS) | {interval_ms}, reverse=True)
    speed_options = "".join(
        f'<option value="{ms}"{" selected" if ms == interval_ms else ""}>{_seconds(ms)}</option>' for ms in speeds
    )
    counter_width = max(len(s.counter) for s in slides) + 1
    pictures = "\n".join(
        f'<div class="mg-picture"{"" if i == first.layout else " hidden"}>{_labelled(f)}</div>' for i, f in enumerate(layouts)
    )
    return _VIEWER.format(
        uid=uid, style=_style(uid, counter_width), counter=html.escape(first.counter), caption=html.escape(condensed(first.caption)),
        last=len(slides) - 1, speeds=speed_options, pictures=pictures, legend=legend_html(units),
        data=script_json(frames_data(layouts, slides, page, interval_ms)), script=_SCRIPT.replace("UID", json.dumps(uid)),
    )


def frames_data(layouts: Sequence[Layout], slides: Sequence[Slide], page: bool, interval_ms: int) -> dict:
    """What the script reads: each layout's keys and text slots; each frame's counter,
    caption and focus, and its states and texts as changes from the frame before
    (``[[i, value], ...]``; in full, ``s`` and ``t``, where the layout changes)."""
    frames, before = [], None
    for s in slides:
        layout = layouts[s.layout]
        states, texts = layout.states[s.index], layout.texts[s.index]
        frame: dict = {"counter": s.counter, "caption": s.caption, "focus": layout.focus[s.index]}
        if layout.ends_of(s.index):
            frame["ends"] = layout.ends_of(s.index)
        if before is None or before[0] != s.layout:
            frame.update(layout=s.layout, s=states, t=texts)
        else:
            _, old_states, old_texts = before
            frame["ds"] = [[i, c] for i, (c, o) in enumerate(zip(states, old_states)) if c != o]
            frame["dt"] = [[j, x] for j, (x, o) in enumerate(zip(texts, old_texts)) if x != o]
        frames.append(frame)
        before = (s.layout, states, texts)
    return {
        "layouts": [{"keys": f.keys, "slots": f.slots} for f in layouts],
        "frames": frames, "page": page, "interval": interval_ms, "minZoom": MIN_ZOOM, "lines": CAPTION_LINES,
    }


def condensed(caption: str, lines: int = CAPTION_LINES) -> str:
    """A caption cut to ``lines`` lines: its first lines, then how many more there are."""
    all_lines = caption.split("\n")
    if len(all_lines) <= lines:
        return caption
    kept = all_lines[: lines - 1]
    return "\n".join(kept + [f"  … and {len(all_lines) - len(kept)} more lines: press details"])


def _seconds(ms: int) -> str:
    return f"{ms / 1000:g} s"


def _labelled(layout: Layout) -> str:
    """The layout's SVG with ``role="img"`` and its description as its accessible name."""
    label = html.escape(layout.description or "computation graph", quote=True)
    return layout.svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def page_html(fragment: str, title: str) -> str:
    """A whole HTML page around a viewer fragment, light or dark as the reader's system prefers."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<style>{_PAGE_STYLE}</style>\n"
        f"</head>\n<body>\n<h1>{html.escape(title)}</h1>\n{fragment}\n</body>\n</html>\n"
    )


def theme_css(selector: str) -> str:
    """The viewer's colour variables on ``selector``: JupyterLab's where set, else light,
    or dark where the system prefers dark."""
    light = "; ".join(f"--mg-{name}: var({jp}, {lo})" for name, (jp, lo, _) in THEME.items())
    dark = "; ".join(f"--mg-{name}: var({jp}, {hi})" for name, (jp, _, hi) in THEME.items())
    return f"{selector} {{ {light}; }}\n@media (prefers-color-scheme: dark) {{ {selector} {{ {dark}; }} }}"


_PAGE_STYLE = (
    theme_css("body")
    + "\nbody { font-family: sans-serif; margin: 1em; color: var(--mg-fg); background: var(--mg-bg); }"
    + "\nh1 { font-size: 1.3em; }"
)


def legend_html(units: bool = False) -> str:
    """The key to the picture: the kinds of node (fill colours) and the step states (borders)."""
    entries = list(LEGEND) + ([("unit", "nn unit z = f(u)")] if units else [])
    items = []
    for kind, text in entries:
        attrs = KIND_STYLE[kind]
        fill = css_colour(attrs.get("fillcolor", PAGE_COLOUR))
        round_ = "50%" if attrs.get("shape") == "ellipse" else "4px" if "rounded" in attrs.get("style", "") else "0"
        border = "1px dashed #8c8c8c" if attrs.get("shape") == "plaintext" else "1px solid #000"
        items.append(f'<span class="mg-key"><i style="background: {fill}; border: {border}; border-radius: {round_}"></i>{html.escape(text)}</span>')
    for state, text in (("current", "current step"), ("final", "gradient final"), ("pending", "gradient pending")):
        attrs = STATE_STYLE[state]
        items.append(
            f'<span class="mg-key"><i style="background: {css_colour(PAGE_COLOUR)}; '
            f'border: {attrs.get("penwidth", "1")}px solid {css_colour(attrs["color"])}"></i>{html.escape(text)}</span>'
        )
    return '<div class="mg-legend" role="list" aria-label="legend">' + " ".join(items).replace('<span class="mg-key">', '<span class="mg-key" role="listitem">') + "</div>"


def script_json(data: object) -> str:
    """JSON safe inside a <script> element: no "<", ">" or "&" can end it or start a tag."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _style(uid: str, counter_width: int) -> str:
    return (theme_css(f"#{uid}") + _STYLE).replace("#UID", f"#{uid}").replace("COUNTER_CH", str(counter_width)).replace(
        "CAPTION_LINES", str(CAPTION_LINES)).replace("PICTURE_BG", css_colour(PAGE_COLOUR)).replace(
        "CURRENT_COLOUR", css_colour(STATE_STYLE["current"]["color"]))


_STYLE = """
#UID { font-family: sans-serif; max-width: 100%; outline: none; color: var(--mg-fg); }
#UID:focus-visible, #UID :focus-visible { outline: 2px solid var(--mg-focus); outline-offset: 1px; }
#UID .mg-bar { display: flex; flex-wrap: wrap; align-items: center; gap: 0.3em; margin: 0.3em 0; }
#UID .mg-bar button, #UID .mg-bar select { font: inherit; font-size: 0.95em; color: var(--mg-fg); background: var(--mg-control-bg);
  border: 1px solid var(--mg-border); border-radius: 3px; padding: 0.15em 0.5em; cursor: pointer; box-sizing: border-box; }
#UID .mg-bar button { min-width: 2.4em; white-space: nowrap; }
#UID .mg-bar button[aria-pressed="true"] { background: var(--mg-caption-bg); }
#UID .mg-bar button:disabled { cursor: default; opacity: 0.55; }
#UID .mg-scrubber { width: 9em; flex: none; margin: 0 0.3em; accent-color: var(--mg-focus); }
#UID .mg-counter { display: inline-block; min-width: COUNTER_CHch; font-weight: bold; white-space: nowrap; font-variant-numeric: tabular-nums; }
#UID .mg-speed { white-space: nowrap; }
#UID .mg-caption { box-sizing: border-box; height: calc(CAPTION_LINES * 1.35em + 1em); overflow-y: auto; margin: 0.3em 0; padding: 0.5em;
  background: var(--mg-caption-bg); color: var(--mg-fg); white-space: pre-wrap; line-height: 1.35; font-size: 0.95em; font-family: monospace; }
#UID .mg-stage { position: relative; }
#UID .mg-pane { overflow: auto; max-height: 75vh; border: 1px solid var(--mg-border); cursor: grab; background: PICTURE_BG; }
#UID .mg-pane svg { display: block; }
#UID .mg-pane g.graph > text { display: none; }
#UID .mg-overview { position: absolute; right: 6px; bottom: 6px; background: PICTURE_BG; border: 1px solid var(--mg-border);
  box-shadow: 0 1px 4px rgba(0, 0, 0, 0.35); cursor: pointer; overflow: hidden; }
#UID .mg-overview svg { display: block; }
#UID .mg-overview .mg-view { position: absolute; border: 2px solid var(--mg-focus); box-sizing: border-box; pointer-events: none; }
#UID .mg-overview .mg-mark { position: absolute; background: CURRENT_COLOUR; pointer-events: none; min-width: 4px; min-height: 4px; }
#UID .mg-legend { font-size: 0.85em; margin: 0.3em 0; color: var(--mg-fg); }
#UID .mg-key { display: inline-flex; align-items: center; margin-right: 1em; white-space: nowrap; }
#UID .mg-key i { display: inline-block; width: 1.4em; height: 0.9em; margin-right: 0.35em; box-sizing: border-box; }
"""

_VIEWER = """<div class="mg-steps" id="{uid}" tabindex="0" role="group" title="the backward pass, step by step (click the picture, then the arrow keys step)">
<style>{style}</style>
<div class="mg-bar" role="toolbar" aria-label="step through the backward pass">
<button type="button" data-action="first" title="first (Home)">&laquo; first</button>
<button type="button" data-action="prev" title="previous (Left arrow)">&lsaquo; previous</button>
<button type="button" data-action="play" title="play / pause (Space)">play</button>
<button type="button" data-action="next" title="next (Right arrow)">next &rsaquo;</button>
<button type="button" data-action="last" title="last (End)">last &raquo;</button>
<input type="range" class="mg-scrubber" min="0" max="{last}" step="1" value="0" aria-label="step" aria-valuetext="{counter}">
<span class="mg-counter" aria-hidden="true">{counter}</span>
<label class="mg-speed">step every <select data-control="speed" aria-label="time between steps when playing">{speeds}</select></label>
<button type="button" data-action="details" aria-pressed="false" title="show every line of the caption">details</button>
<button type="button" data-action="zoom-out" title="zoom out" aria-label="zoom out">&minus;</button>
<button type="button" data-action="fit" title="fit the pane" aria-label="fit">fit</button>
<button type="button" data-action="zoom-in" title="zoom in" aria-label="zoom in">+</button>
</div>
<pre class="mg-caption" aria-live="polite" tabindex="0">{caption}</pre>
<div class="mg-stage">
<div class="mg-pane">
{pictures}
</div>
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
  const stage = root.querySelector(".mg-stage");
  const pane = root.querySelector(".mg-pane");
  const pictures = Array.from(pane.querySelectorAll(".mg-picture"));
  const counter = root.querySelector(".mg-counter");
  const caption = root.querySelector(".mg-caption");
  const scrubber = root.querySelector(".mg-scrubber");
  const speed = root.querySelector("select[data-control=speed]");
  const buttons = {};
  root.querySelectorAll("button[data-action]").forEach(b => { buttons[b.dataset.action] = b; });
  const STATE = {c: "mg-current", f: "mg-final", p: "mg-pending"};
  const last = data.frames.length - 1;
  // every frame in full, from the changes each one stores
  let layoutIndex = 0, states = [], texts = [];
  const full = data.frames.map(f => {
    if (f.s !== undefined) { layoutIndex = f.layout; states = f.s.split(""); texts = f.t.slice(); }
    else {
      states = states.slice(); texts = texts.slice();
      f.ds.forEach(([i, c]) => { states[i] = c; });
      f.dt.forEach(([j, x]) => { texts[j] = x; });
    }
    return {layout: layoutIndex, states: states, texts: texts};
  });
  const layouts = pictures.map((picture, i) => {
    const byKey = {};
    picture.querySelectorAll("g[data-key]").forEach(g => { byKey[g.dataset.key] = g; });
    const layout = data.layouts[i];
    const elements = layout.keys.map(key => byKey[key]);
    const slots = layout.slots.map(([e, t]) => Array.from(elements[e].children).filter(c => c.tagName === "text")[t]);
    return {svg: picture.querySelector("svg"), byKey, elements, slots};
  });
  let k = 0, zoom = 1, timer = null, details = false, fitted = true;

  function natural(svg) {
    const box = svg.viewBox.baseVal;
    return [box.width * 4 / 3, box.height * 4 / 3];  // points to CSS pixels
  }
  function fitZoom() {  // the whole picture in the pane, unless its text would get too small
    const [w, h] = natural(layouts[full[k].layout].svg);
    const height = 0.75 * (window.innerHeight || 800);
    return Math.max(data.minZoom, Math.min(1, (pane.clientWidth - 4) / w, (height - 8) / h));
  }
  function setZoom(z) {
    zoom = Math.max(data.minZoom / 2, Math.min(4, z));
    layouts.forEach(f => {
      const [w, h] = natural(f.svg);
      f.svg.setAttribute("width", (Math.ceil(w * zoom * 10) / 10) + "px");  // rounded up: text never under the minimum
      f.svg.setAttribute("height", (Math.ceil(h * zoom * 10) / 10) + "px");
    });
    overview.build();
    reveal();
  }
  // what the pane should show: the current node, and the other ends of the edges it passes its gradient along
  function currentBoxes() {
    const frame = data.frames[k], layout = layouts[full[k].layout];
    const focus = frame.focus && layout.byKey[frame.focus];
    const others = layout.elements.filter((g, i) => full[k].states[i] === "c" && g !== focus);
    (frame.ends || []).forEach(key => { if (layout.byKey[key]) others.push(layout.byKey[key]); });
    return [focus, others];
  }
  function within(lo, hi, start, size, m) {  // the scroll offset that shows [lo, hi], or as much of it from lo
    if (hi - lo > size - 2 * m) return lo - m;
    if (lo < start + m) return lo - m;
    if (hi > start + size - m) return hi - size + m;
    return start;
  }
  function reveal() {
    const [focus, others] = currentBoxes();
    if (!focus) { overview.update(); return; }
    const p = pane.getBoundingClientRect(), m = 24;
    const box = r => [r.left - p.left + pane.scrollLeft, r.top - p.top + pane.scrollTop, r.right - p.left + pane.scrollLeft, r.bottom - p.top + pane.scrollTop];
    const f = box(focus.getBoundingClientRect());
    const w = pane.clientWidth, h = pane.clientHeight;
    // the current node, then the other ends of its edges, nearest first, as many as the pane holds
    const centre = b => [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2], c = centre(f);
    const rest = others.map(g => box(g.getBoundingClientRect()))
      .sort((a, b) => Math.hypot(...centre(a).map((v, i) => v - c[i])) - Math.hypot(...centre(b).map((v, i) => v - c[i])));
    let all = f.slice();
    rest.forEach(b => {
      const u = [Math.min(all[0], b[0]), Math.min(all[1], b[1]), Math.max(all[2], b[2]), Math.max(all[3], b[3])];
      if (u[2] - u[0] <= w - 2 * m && u[3] - u[1] <= h - 2 * m) all = u;
    });
    pane.scrollLeft = within(all[0], all[2], pane.scrollLeft, w, m);
    pane.scrollTop = within(all[1], all[3], pane.scrollTop, h, m);
    overview.update();
  }
  function show(n) {
    k = Math.max(0, Math.min(last, n));
    const frame = data.frames[k], now = full[k], layout = layouts[now.layout];
    pictures.forEach((picture, i) => { picture.hidden = i !== now.layout; });
    layout.elements.forEach((g, i) => {
      Object.values(STATE).forEach(c => g.classList.remove(c));
      const state = STATE[now.states[i]];
      if (state) g.classList.add(state);
    });
    layout.slots.forEach((text, j) => { text.textContent = now.texts[j]; });
    counter.textContent = frame.counter;
    scrubber.value = String(k);
    scrubber.setAttribute("aria-valuetext", frame.counter);
    caption.textContent = details ? frame.caption : condense(frame.caption);
    buttons.first.disabled = buttons.prev.disabled = k === 0;
    buttons.next.disabled = buttons.last.disabled = k === last;
    if (k === last) pause();
    reveal();
  }
  function condense(text) {
    const lines = text.split("\n");
    if (lines.length <= data.lines) return text;
    const kept = lines.slice(0, data.lines - 1);
    return kept.concat(["  \u2026 and " + (lines.length - kept.length) + " more lines: press details"]).join("\n");
  }
  function pause() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    buttons.play.textContent = "play";
    caption.setAttribute("aria-live", "polite");
  }
  function start() {
    timer = setInterval(() => show(k + 1), Number(speed.value));
    buttons.play.textContent = "pause";
    caption.setAttribute("aria-live", "off");  // no announcement per frame while it plays
  }
  function play() {
    if (timer !== null) { pause(); return; }
    if (k === last) show(0);
    start();
  }
  const actions = {
    first: () => { pause(); show(0); }, prev: () => { pause(); show(k - 1); },
    next: () => { pause(); show(k + 1); }, last: () => { pause(); show(last); }, play: play,
    details: () => { details = !details; buttons.details.setAttribute("aria-pressed", String(details)); show(k); },
    "zoom-in": () => { fitted = false; setZoom(zoom * 1.25); }, "zoom-out": () => { fitted = false; setZoom(zoom / 1.25); },
    fit: () => { fitted = true; setZoom(fitZoom()); },
  };
  Object.entries(buttons).forEach(([name, b]) => b.addEventListener("click", () => actions[name]()));
  scrubber.addEventListener("input", () => { pause(); show(Number(scrubber.value)); });
  speed.addEventListener("change", () => { if (timer !== null) { clearInterval(timer); start(); } });
  const KEYS = {ArrowLeft: "prev", ArrowRight: "next", Home: "first", End: "last", " ": "play"};
  // keys a focused control uses itself: they are left to it
  function ownKey(target, key) {
    if (!target || !target.closest) return false;
    if (target.closest("input, select, textarea, [contenteditable]")) return true;
    if (target.closest("button, summary, a[href]")) return key === " " || key === "Enter";
    return false;
  }
  const keyTarget = data.page ? document : root;
  keyTarget.addEventListener("keydown", function onKey(e) {
    if (!root.isConnected) { keyTarget.removeEventListener("keydown", onKey); return; }  // a viewer taken off its page
    const name = KEYS[e.key];
    if (!name || e.altKey || e.ctrlKey || e.metaKey || ownKey(e.target, e.key)) return;
    e.preventDefault();
    e.stopPropagation();
    actions[name]();
  });
  let drag = null;  // pan by dragging the picture; a click gives the viewer focus, so that the keys work
  pane.addEventListener("mousedown", e => {
    drag = [e.clientX, e.clientY, pane.scrollLeft, pane.scrollTop];
    e.preventDefault();
    root.focus({preventScroll: true});
  });
  window.addEventListener("mousemove", e => {
    if (!drag) return;
    pane.scrollLeft = drag[2] - (e.clientX - drag[0]);
    pane.scrollTop = drag[3] - (e.clientY - drag[1]);
  });
  window.addEventListener("mouseup", () => { drag = null; });
  pane.addEventListener("scroll", () => overview.update());
  // the overview: the whole graph, small, in the pane's corner, where the picture is bigger than the pane
  const overview = (function () {
    let box = null, view = null, mark = null, scale = 1, shown = null;
    function build() {
      if (box) { box.remove(); box = null; }
      const svg = layouts[full[k].layout].svg;
      shown = full[k].layout;
      if (pane.scrollWidth <= pane.clientWidth + 2 && pane.scrollHeight <= pane.clientHeight + 2) return;
      const [w, h] = natural(svg);
      const room = Math.min(200, pane.clientWidth * 0.35);
      scale = Math.min(room / w, (room * 0.75) / h);
      box = document.createElement("div");
      box.className = "mg-overview";
      box.setAttribute("aria-hidden", "true");
      box.title = "the whole graph: click to go there";
      const copy = svg.cloneNode(true);
      copy.removeAttribute("role");
      copy.removeAttribute("aria-label");
      copy.querySelectorAll("[data-key]").forEach(g => { g.removeAttribute("data-key"); g.classList.remove("mg-current", "mg-final", "mg-pending"); });
      copy.setAttribute("width", (w * scale).toFixed(1) + "px");
      copy.setAttribute("height", (h * scale).toFixed(1) + "px");
      box.appendChild(copy);
      view = document.createElement("div"); view.className = "mg-view"; box.appendChild(view);
      mark = document.createElement("div"); mark.className = "mg-mark"; box.appendChild(mark);
      box.addEventListener("mousedown", e => {
        e.preventDefault(); e.stopPropagation();
        const r = box.getBoundingClientRect(), z = zoom / scale;
        pane.scrollLeft = (e.clientX - r.left) * z - pane.clientWidth / 2;
        pane.scrollTop = (e.clientY - r.top) * z - pane.clientHeight / 2;
        root.focus({preventScroll: true});
      });
      stage.appendChild(box);
      update();
    }
    function update() {
      if (shown !== full[k].layout) { build(); return; }
      if (!box) return;
      const z = scale / zoom;
      Object.assign(view.style, {left: pane.scrollLeft * z + "px", top: pane.scrollTop * z + "px",
        width: pane.clientWidth * z + "px", height: pane.clientHeight * z + "px"});
      const [focus] = currentBoxes();
      mark.hidden = !focus;
      if (focus) {
        const p = pane.getBoundingClientRect(), r = focus.getBoundingClientRect();
        Object.assign(mark.style, {left: (r.left - p.left + pane.scrollLeft) * z + "px", top: (r.top - p.top + pane.scrollTop) * z + "px",
          width: r.width * z + "px", height: r.height * z + "px"});
      }
    }
    return {build, update};
  })();
  // a pane that changes width (a scroll bar appears, the window or the notebook is resized)
  // fits the picture again, unless the reader zoomed
  let paneWidth = pane.clientWidth;
  function resized() {
    if (!root.isConnected || pane.clientWidth === paneWidth) return;
    paneWidth = pane.clientWidth;
    if (fitted) setZoom(fitZoom()); else overview.build();
  }
  if (window.ResizeObserver) new ResizeObserver(resized).observe(pane);
  window.addEventListener("resize", resized);
  // widths fixed at the widest text each control shows, so that nothing beside them moves
  function fixWidth(element, texts) {
    const before = element.textContent;
    element.style.width = "auto";
    element.style.minWidth = "0";
    let widest = 0;
    texts.forEach(text => { element.textContent = text; widest = Math.max(widest, element.getBoundingClientRect().width); });
    element.textContent = before;
    element.style.width = Math.ceil(widest + 1) + "px";
  }
  const longest = data.frames.reduce((n, f) => Math.max(n, f.counter.length), 0);
  fixWidth(counter, Array.from(new Set(data.frames.map(f => f.counter).filter(c => c.length === longest))).slice(0, 50));
  fixWidth(buttons.play, ["play", "pause"]);
  setZoom(fitZoom());
  show(0);
})((document.currentScript && document.currentScript.closest(".mg-steps")) || document.getElementById(UID));
"""
