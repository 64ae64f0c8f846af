"""Pictures that fit: draw_dot chooses its direction (and folds wide layers) so that a
picture can be shown as wide as a notebook's output area with text at least 11 px high, and
shows in Jupyter as HTML that scales the picture to the output area, never below that."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

import pytest

import micrograd as mg
from micrograd import Value
from micrograd.viz import draw_dot
from micrograd.viz.fit import MIN_SCALE, OUTPUT_PX, size_px
from test_viz_page_size import mlp_loss


def chain(n: int = 8) -> Value:
    y = Value(0.3, "x")
    for _ in range(n):
        y = (y * 0.9).tanh()
    return y


def test_the_readable_scale_is_11_px_text():
    # Graphviz writes 14 pt text; a CSS pixel is 3/4 pt: 14 * 4/3 = 18.67 px at natural size
    assert 14 * 4 / 3 * MIN_SCALE == pytest.approx(11.0)


def test_a_chain_is_drawn_top_to_bottom_and_a_small_graph_left_to_right(dot_program):
    wide = draw_dot(chain(), rankdir="LR")
    assert size_px(wide.svg())[0] * MIN_SCALE > OUTPUT_PX[0]  # left to right it cannot be read in the output area
    tall = draw_dot(chain())
    assert "rankdir=TB" in tall.source and size_px(tall.svg())[0] * MIN_SCALE <= OUTPUT_PX[0]
    small = draw_dot(Value(2.0, "a") * Value(3.0, "b"))
    assert "rankdir=LR" in small.source


def test_wide_layers_of_leaves_are_folded_where_neither_direction_fits(dot_program):
    y = mlp_loss([2, 2, 1])  # two hidden units in boxes, each with its weights and bias, side by side
    for direction in ("LR", "TB"):
        assert size_px(draw_dot(y, rankdir=direction, group="unit").svg())[0] * MIN_SCALE > OUTPUT_PX[0]
    folded = draw_dot(y, group="unit")
    assert "rankdir=TB" in folded.source and re.search(r"minlen=[234]", folded.source)
    assert size_px(folded.svg())[0] * MIN_SCALE <= OUTPUT_PX[0]


def test_where_nothing_fits_the_narrowest_layout_is_kept(dot_program):
    y = mlp_loss([2, 4, 1])  # four units side by side: too wide to read in any direction (collapse=True is)
    chosen = size_px(draw_dot(y, group="unit").svg())[0]
    assert chosen * MIN_SCALE > OUTPUT_PX[0]
    assert chosen <= min(size_px(draw_dot(y, group="unit", rankdir=d).svg())[0] for d in ("LR", "TB"))
    assert size_px(draw_dot(y, collapse=True).svg())[0] * MIN_SCALE <= OUTPUT_PX[0]


def test_without_dot_the_dot_text_is_left_to_right(no_dot):
    assert "rankdir=LR" in draw_dot(chain()).source


def test_in_jupyter_a_drawing_is_a_labelled_image_that_fits_with_readable_text(dot_program):
    drawing = draw_dot(chain(3))
    bundle = drawing._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/svg+xml"}
    assert bundle["image/svg+xml"] == drawing.pipe(format="svg", encoding="utf-8")  # the plain picture, for other front ends
    page = bundle["text/html"]
    img = re.search(r"<img [^>]*>", page).group(0)
    svg = base64.b64decode(re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', img).group(1)).decode("utf-8")
    assert ET.fromstring(svg).get("viewBox") == ET.fromstring(drawing.svg()).get("viewBox")
    width = size_px(svg)[0]
    assert f'alt="computation graph of {drawing.description.split("of ", 1)[1]}"' in img
    assert drawing.description == "computation graph of (tanh result): 7 values, 6 operations"
    assert f"max-width: {width:.0f}px" in img and f"min-width: {width * MIN_SCALE:.0f}px" in img and "width: 100%" in img
    assert page.count("<script>") == 1 and "overflow-x: auto" in page  # the zoom, and the box that scrolls
    assert drawing._repr_mimebundle_(include=["image/svg+xml"]) == {"image/svg+xml": bundle["image/svg+xml"]}


def test_a_drawing_lays_out_once(dot_program, monkeypatch):
    drawing = draw_dot(mg.sum([Value(1.0, "a"), Value(2.0, "b")]))  # chosen by laying it out: kept
    calls = []
    original = type(drawing).pipe
    monkeypatch.setattr(type(drawing), "pipe", lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    drawing._repr_mimebundle_()
    drawing.html()
    assert calls == []
    drawing.attr(label="changed")  # a changed source is laid out again
    drawing.svg()
    assert calls == [1]


def test_a_picture_past_max_nodes_is_left_to_right_without_laying_it_out(dot_program, monkeypatch):
    # choosing lays a graph out once per candidate: minutes for a sum of 2,000 products
    import micrograd.viz.draw as draw_module

    chosen = []
    monkeypatch.setattr(draw_module.fit, "choose", lambda *a, **k: chosen.append(1) or ("TB", 0, None))
    xs = [Value(float(i), f"x{i}") for i in range(30)]
    with pytest.warns(mg.viz.LargeGraphWarning):
        big = draw_dot(mg.sum([x * x for x in xs]), max_nodes=50)
    assert chosen == [] and "rankdir=LR" in big.source
    small = draw_dot(mg.sum([x * x for x in xs[:3]]), max_nodes=50)
    assert chosen == [1] and "rankdir=TB" in small.source  # at most max_nodes: chosen as before
