"""Every text of a graph picture and of the step-through keeps a contrast of at least 4.5:1
(WCAG 2's minimum for text) against every background it can stand on.

The colours come from where the code keeps them (``draw.KIND_STYLE``, ``STATE_STYLE``,
``EDGE_STATE_STYLE``, ``page.THEME``); their RGB values from the X11 colour table that
Graphviz uses (written out below from the X11/CSS colour lists), and the ratio from WCAG 2's
formula. Real Graphviz output is checked too: each text's fill against its node's fill."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from micrograd import Value
from micrograd.viz import backward_steps, draw_dot
from micrograd.viz.draw import CLUSTER_STYLE, EDGE_STATE_STYLE, KIND_STYLE, PAGE_COLOUR, STATE_STYLE
from micrograd.viz.page import THEME

MINIMUM = 4.5
SVG = "{http://www.w3.org/2000/svg}"

# The X11 colours the pictures use (Graphviz's names), as in the X11 and CSS colour lists.
X11 = {
    "white": "#ffffff", "black": "#000000", "gold": "#ffd700", "lightblue": "#add8e6", "palegreen": "#98fb98",
    "thistle": "#d8bfd8", "red": "#ff0000", "blue": "#0000ff",
}
# JupyterLab 4's own theme values (its light and dark theme style sheets), independent of ours.
JUPYTERLAB = {
    "light": {"--jp-ui-font-color1": "rgba(0,0,0,.87)", "--jp-layout-color0": "#ffffff", "--jp-layout-color1": "#ffffff",
              "--jp-layout-color2": "#eeeeee"},
    "dark": {"--jp-ui-font-color1": "rgba(255,255,255,.87)", "--jp-layout-color0": "#111111", "--jp-layout-color1": "#212121",
             "--jp-layout-color2": "#424242"},
}


def rgb(colour: str, below: tuple[float, float, float] = (255, 255, 255)) -> tuple[float, float, float]:
    """An X11 name, grayNN, #rrggbb or rgba(r,g,b,a) (blended over ``below``) as RGB."""
    if m := re.fullmatch(r"gr[ae]y(\d+)", colour):
        level = round(int(m.group(1)) * 255 / 100)  # X11: grayN is N% of white, rounded
        return (level, level, level)
    if m := re.fullmatch(r"rgba\((\d+),(\d+),(\d+),([\d.]+)\)", colour.replace(" ", "")):
        r, g, b, a = (float(x) for x in m.groups())
        return tuple(c * a + d * (1 - a) for c, d in zip((r, g, b), below))  # type: ignore[return-value]
    colour = X11.get(colour, colour)
    assert re.fullmatch(r"#[0-9a-f]{6}", colour), f"no RGB known for {colour!r}"
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def luminance(c: tuple[float, float, float]) -> float:
    def channel(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in c)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: str, bg: str) -> float:
    back = rgb(bg)
    a, b = sorted((luminance(rgb(fg, back)), luminance(back)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_the_formula_gives_wcags_own_examples():
    assert contrast("black", "white") == pytest.approx(21.0)
    assert contrast("#777777", "white") == pytest.approx(4.48, abs=0.01)  # the classic just-too-light grey
    assert contrast("red", "white") == pytest.approx(4.0, abs=0.01)  # why current edge labels are no longer plain red


def fills() -> list[str]:
    """Every background a node's text can stand on: each kind's fill, and the page."""
    return sorted({attrs.get("fillcolor", PAGE_COLOUR) for attrs in KIND_STYLE.values()} | {PAGE_COLOUR})


def test_node_texts_on_their_fills():
    for kind, attrs in KIND_STYLE.items():
        fill = attrs.get("fillcolor", PAGE_COLOUR)
        text = attrs.get("fontcolor", "black")
        assert contrast(text, fill) >= MINIMUM, (kind, text, fill, contrast(text, fill))


def test_a_step_states_texts_on_every_fill_and_edge_labels_on_the_page():
    for state, attrs in STATE_STYLE.items():
        for fill in fills():
            text = attrs.get("fontcolor", "black")
            assert contrast(text, fill) >= MINIMUM, (state, text, fill, contrast(text, fill))
    for state, attrs in EDGE_STATE_STYLE.items():  # edge labels stand on the page
        text = attrs.get("fontcolor", "black")
        assert contrast(text, PAGE_COLOUR) >= MINIMUM, (state, text, contrast(text, PAGE_COLOUR))
    assert contrast(CLUSTER_STYLE.get("fontcolor", "black"), PAGE_COLOUR) >= MINIMUM


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_viewers_texts_on_its_backgrounds_in_both_themes(theme):
    # our fallbacks (a page without JupyterLab), and JupyterLab's own values for its variables
    column = 1 if theme == "light" else 2
    ours = {name: values[column] for name, values in THEME.items()}
    jupyter = {name: JUPYTERLAB[theme].get(values[0]) for name, values in THEME.items()}
    for colours in (ours, jupyter):
        for background in ("bg", "caption-bg", "control-bg"):
            if colours["fg"] is None or colours[background] is None:
                continue
            ratio = contrast(colours["fg"], colours[background])
            assert ratio >= MINIMUM, (theme, background, colours["fg"], colours[background], ratio)


def svg_texts_and_backgrounds(svg: str) -> list[tuple[str, str, str]]:
    """(text, its fill, the fill behind it) for each text of a Graphviz SVG: a node's text
    stands on its shape's fill, an edge's or a cluster's on the page."""
    found = []
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        kind = g.get("class")
        if kind not in ("node", "edge", "cluster"):
            continue
        shape = next((c for c in g if c.tag in (f"{SVG}polygon", f"{SVG}ellipse", f"{SVG}path")), None)
        behind = PAGE_COLOUR
        if kind == "node" and shape is not None and shape.get("fill") not in (None, "none"):
            behind = shape.get("fill")
        for t in g.iter(f"{SVG}text"):
            found.append((t.text or "", t.get("fill", "black"), behind))
    return found


def test_rendered_pictures_keep_the_contrast(dot_program):
    # a step of every state, every kind of node (the legend adds those not in the graph), constants
    x, w = Value(0.5, "x"), Value(-2.0, "W1[0,0]")
    y = ((x * w + 1.5).tanh() * 3.0).exp()
    for step in backward_steps(y):
        if step.index == 3:
            break
    texts = svg_texts_and_backgrounds(draw_dot(y, step=step, legend=True).pipe(format="svg", encoding="utf-8"))
    assert len(texts) > 30 and {fill for _, fill, _ in texts} >= {"black", "#b00000", "#404040"}
    for text, fill, behind in texts:
        ratio = contrast(fill.lower(), behind.lower())
        assert ratio >= MINIMUM, (text, fill, behind, ratio)
