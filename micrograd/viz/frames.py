"""One layout, many frames: a graph is laid out by Graphviz's ``dot`` once, and every frame
of the step-through is that same SVG restyled (a state class on each node and edge:
current, final, pending; and the numbers that changed). Nothing moves between frames.

A ``Layout`` holds the laid-out SVG and, per frame, one state letter per element and the
text of every text slot that changes; ``frame_svg(k)`` applies frame k in Python (the
numbered SVG files), and the page's script applies the same data in the browser."""

from __future__ import annotations

import copy
import dataclasses
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Sequence

from . import fit
from .draw import EDGE_STATE_STYLE, STATE_STYLE, _emit, _Graph, _Picture
from .fit import PANE_PX  # noqa: F401 - the pane a step-through fits, read by tests
from .render import Drawing

SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
_G, _TEXT, _TITLE = f"{{{SVG_NS}}}g", f"{{{SVG_NS}}}text", f"{{{SVG_NS}}}title"

STATES = {"c": "current", "f": "final", "p": "pending", "-": None}
_LETTER = {state: letter for letter, state in STATES.items()}


@dataclass
class Layout:
    """One laid-out SVG and the frames drawn on it.

    ``keys[i]`` names element i (a node's name, ``e{k}`` for an edge, ``title``);
    ``slots[j] = (i, t)`` is the t-th text of element i; frame k has ``states[k][i]``
    (a letter of ``STATES``), ``texts[k][j]``, ``focus[k]`` (the current node's key) and
    ``ends[k]`` (the nodes at the other ends of its current edges, which a viewer keeps in view).
    """

    svg: str
    keys: list[str]
    slots: list[tuple[int, int]]
    states: list[str]
    texts: list[list[str]]
    focus: list[str | None]
    rankdir: str | None = None
    description: str = ""  # the picture in words: its accessible name
    ends: list[list[str]] = dataclasses.field(default_factory=list)

    def ends_of(self, k: int) -> list[str]:
        return self.ends[k] if k < len(self.ends) else []

    @property
    def size_px(self) -> tuple[float, float]:
        """The picture's natural width and height in CSS pixels."""
        return fit.size_px(self.svg)

    def __len__(self) -> int:
        return len(self.states)

    def frame_svg(self, k: int) -> str:
        """Frame k as a standalone SVG document: the one layout, restyled."""
        root = ET.fromstring(self.svg)
        apply_frame(root, self, k)
        if self.description:  # a labelled picture: screen readers say what it shows
            root.set("role", "img")
            root.set("aria-label", self.description)
        return '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def apply_frame(root: ET.Element, layout: Layout, k: int) -> None:
    """Set every element's state class and every slot's text to those of frame k."""
    elements = keyed(root)
    for key, letter in zip(layout.keys, layout.states[k]):
        g = elements[key]
        base = [c for c in g.get("class", "").split() if not c.startswith("mg-")]
        state = STATES[letter]
        g.set("class", " ".join(base + ([f"mg-{state}"] if state else [])))
    for (i, t), text in zip(layout.slots, layout.texts[k]):
        _texts(elements[layout.keys[i]])[t].text = text


def keyed(root: ET.Element) -> dict[str, ET.Element]:
    return {g.get("data-key"): g for g in root.iter(_G) if g.get("data-key")}  # type: ignore[misc]


def _texts(g: ET.Element) -> list[ET.Element]:
    return [t for t in g if t.tag == _TEXT]


def layout_of(drawing: Drawing) -> Layout:
    """A layout of one frame: a drawing as it is (for ``write_html`` with drawings of your own)."""
    return Layout(_clean(drawing.pipe(format="svg", encoding="utf-8"), set()), [], [], [""], [[]], [None], description=drawing.description)


def lay_out(
    pictures: Sequence[_Picture], graph: _Graph, titles: Sequence[str], focus: Sequence[str | None],
    *, rankdir: str | None, group: str | None, legend: bool, description: str = "",
) -> Layout:
    """Lay the frames' pictures out once and record what each frame changes.

    Each text is laid out at its widest over all frames, so every frame's text fits
    the one layout. ``rankdir=None`` chooses left-to-right or top-to-bottom, whichever
    fits a ``PANE_PX`` pane at the larger scale (left-to-right on a tie), folding wide
    layers of leaves where neither fits (``fit.choose``)."""
    first = pictures[0]
    names = [n.name for n in first.nodes]
    for p in pictures:
        if [n.name for n in p.nodes] != names or len(p.edges) != len(first.edges):
            raise ValueError("lay_out: the frames are not pictures of one graph")
    elements: list[tuple[str, list[tuple[str, ...]], list[str | None]]] = []  # key, texts per frame, state per frame
    for j, name in enumerate(names):
        elements.append((name, [p.nodes[j].fields for p in pictures], [p.nodes[j].state for p in pictures]))
    for k in range(len(first.edges)):
        elements.append((f"e{k}", [p.edges[k].lines for p in pictures], [p.edges[k].state for p in pictures]))
    elements.append(("title", [(t,) for t in titles], [None] * len(pictures)))

    widest = {key: _widest(texts) for key, texts, _ in elements}
    layout = copy.copy(first)
    layout.nodes = [dataclasses.replace(n, fields=widest[n.name], state=None) for n in first.nodes]
    layout.edges = [dataclasses.replace(e, lines=widest[f"e{k}"], state=None) for k, e in enumerate(first.edges)]
    title = widest["title"][0]

    def lay(direction: str, fold: int = 0) -> str:
        return _emit(layout, graph, direction, group, legend, title, True, ids=True, fold=fold).pipe(format="svg", encoding="utf-8")

    if rankdir is None:
        rankdir, _, svg = fit.choose(lay, PANE_PX)
    else:
        svg = lay(rankdir)
    keys = [key for key, _, _ in elements]
    svg = _clean(svg, set(keys))
    root = ET.fromstring(svg)
    found = keyed(root)

    slots, texts_per_slot = [], []
    for i, (key, texts, _) in enumerate(elements):
        width = len(widest[key])
        for t in range(width):
            column = [frame[t] if t < len(frame) else "" for frame in texts]
            if len(set(column)) > 1:
                if t >= len(_texts(found[key])):
                    raise ValueError(f"lay_out: Graphviz drew {key} with fewer lines than its text has: {widest[key]!r:.80}")
                slots.append((i, t))
                texts_per_slot.append(column)
    # A picture drawn outside any step (frame 0, before backward) has no states: there an
    # element that has a state in other frames is pending; one that never has (a constant) none.
    stateful = [any(s is not None for s in per_frame) for _, _, per_frame in elements]
    states = [
        "".join(_LETTER[per_frame[k] or ("pending" if on else None)] for (_, _, per_frame), on in zip(elements, stateful))
        for k in range(len(pictures))
    ]
    texts = [[column[k] for column in texts_per_slot] for k in range(len(pictures))]
    ends = [sorted({e.tail for e in p.edges if e.state == "current"} - {f}) for p, f in zip(pictures, focus)]
    layout = Layout(svg, keys, slots, states, texts, list(focus), rankdir, description, ends)
    apply_frame(root, layout, 0)  # the picture as stored shows frame 0 (what a page without scripts shows)
    layout.svg = ET.tostring(root, encoding="unicode")
    return layout


def _widest(texts: list[tuple[str, ...]]) -> tuple[str, ...]:
    """Slot by slot, the longest text any frame puts there."""
    width = max(len(t) for t in texts)
    return tuple(max((t[s] for t in texts if s < len(t)), key=len) for s in range(width))


def _clean(svg: str, keys: set[str]) -> str:
    """Graphviz's SVG as one element, ready to restyle and to put in HTML more than once:
    the state style sheet inside, ``data-key`` for our elements, no ids, no tooltips."""
    root = ET.fromstring(svg)
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == _TITLE:
                parent.remove(child)
        key = parent.attrib.pop("id", None)
        if key in keys:
            parent.set("data-key", key)
    style = ET.Element(f"{{{SVG_NS}}}style")
    style.text = STATE_CSS
    root.insert(0, style)
    return ET.tostring(root, encoding="unicode")


# --- the states' looks, as CSS: the same colours and widths draw_dot gives a step ---------


def css_colour(name: str) -> str:
    """A Graphviz (X11) colour name as CSS: ``gray60`` -> ``#999999``; others as they are."""
    m = re.fullmatch(r"gr[ae]y(\d{1,3})", name)
    if m:
        level = round(int(m.group(1)) * 255 / 100)
        return f"#{level:02x}{level:02x}{level:02x}"
    return name


def _state_css() -> str:
    rules = []
    for state, attrs in STATE_STYLE.items():
        shape = [f"stroke: {css_colour(attrs['color'])}"] + ([f"stroke-width: {attrs['penwidth']}"] if "penwidth" in attrs else [])
        rules.append(f"g.node.mg-{state} > :is(polygon, ellipse, polyline, path) {{ {'; '.join(shape)} }}")
        if "fontcolor" in attrs:
            rules.append(f"g.node.mg-{state} > text {{ fill: {css_colour(attrs['fontcolor'])} }}")
    for state, attrs in EDGE_STATE_STYLE.items():
        colour = css_colour(attrs["color"])
        width = f"; stroke-width: {attrs['penwidth']}" if "penwidth" in attrs else ""
        rules.append(f"g.edge.mg-{state} > path {{ stroke: {colour}{width} }}")
        rules.append(f"g.edge.mg-{state} > polygon {{ stroke: {colour}; fill: {colour} }}")
        if "fontcolor" in attrs:
            rules.append(f"g.edge.mg-{state} > text {{ fill: {css_colour(attrs['fontcolor'])} }}")
    return "\n".join(rules)


STATE_CSS = _state_css()
