"""One layout for every frame of a step-through: nodes never move, only their states
(classes) and numbers change; the layout fits a 1,000 px pane; bad input is refused
before any work; labels with any characters stay text."""

import json
import re
import xml.etree.ElementTree as ET

import pytest

import micrograd as mg
from micrograd import Value
from micrograd.viz import MAX_FRAME_NODES, export_steps, step_frames
from micrograd.viz.frames import PANE_PX

SVG = "{http://www.w3.org/2000/svg}"
GEOMETRY = {"polygon": ("points",), "ellipse": ("cx", "cy", "rx", "ry"), "text": ("x", "y"), "path": ("d",), "polyline": ("points",)}


def tanh_unit():
    x, w, b = Value(0.5, "x"), Value(-2.0, "w"), Value(1.5, "b")
    return (x * w + b).tanh(), (x, w, b)


def geometry(svg: str) -> dict[str, list[tuple]]:
    """Every keyed node and edge of an SVG: the coordinates of each of its shapes and texts."""
    found = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        key = g.get("data-key")
        if key:
            found[key] = [(c.tag, tuple(c.get(a) for a in GEOMETRY[c.tag.removeprefix(SVG)])) for c in g if c.tag.removeprefix(SVG) in GEOMETRY]
    return found


def node_state(svg: str, key: str) -> tuple[str, list[str]]:
    g = next(g for g in ET.fromstring(svg).iter(f"{SVG}g") if g.get("data-key") == key)
    return g.get("class"), [t.text for t in g if t.tag == f"{SVG}text"]


def test_every_frame_draws_every_node_at_the_same_place(dot_program, tmp_path):
    y, _ = tanh_unit()
    export = export_steps(y, tmp_path)
    svgs = [p.read_text(encoding="utf-8") for p in export.svgs]
    shapes = [geometry(svg) for svg in svgs]
    assert len(shapes[0]) == 6 + 3 + 8 + 1  # 6 Values, 3 ops, 8 edges, the title
    assert all(s == shapes[0] for s in shapes[1:])
    assert {ET.fromstring(svg).get("viewBox") for svg in svgs} == {ET.fromstring(svgs[0]).get("viewBox")}
    # what does change: the states and the numbers. x is v3 in backward order.
    assert node_state(svgs[0], "v3") == ("node mg-pending", ["x", "data 0.5", "grad ?"])
    assert node_state(svgs[3], "v3")[1][2] == f"grad ? (so far {-2 * (1 - 0.4621171572600098**2):.4g})"
    assert node_state(svgs[4], "v3") == ("node mg-current", ["x", "data 0.5", f"grad {-2 * (1 - 0.4621171572600098**2):.4g}"])
    assert node_state(svgs[6], "v0")[0] == "node mg-final" and node_state(svgs[1], "v0")[0] == "node mg-current"
    root = ET.fromstring(svgs[2])
    assert root.get("role") == "img" and root.get("aria-label").startswith("computation graph of tanh(x*w + b): 6 values")


def test_an_edge_shows_what_it_passes_on_while_its_node_is_current(dot_program):
    a = Value(3.0, "a")
    frames = step_frames(a * a)
    edge_texts = [[t.text or "" for t in g if t.tag == f"{SVG}text"] for k in range(3) for g in ET.fromstring(frames.layout.frame_svg(k)).iter(f"{SVG}g") if g.get("data-key") == "e0"]
    assert edge_texts == [["3", ""], ["3", "× 1 = 3"], ["3", ""]]


def test_the_layout_fits_a_1000_px_pane_by_default(dot_program):
    # a long chain: left to right it is far wider than the pane, so it is laid out top to
    # bottom, and straight down, though a constant hangs off every other node
    x = Value(0.3, "x")
    y = x
    for _ in range(12):
        y = (y * 0.9).tanh()
    frames = step_frames(y)
    assert frames.layout.rankdir == "TB"
    width, height = frames.layout.size_px
    assert width <= PANE_PX[0]
    wide = step_frames(y, rankdir="LR").layout.size_px
    assert wide[0] > PANE_PX[0]  # the other direction would not have fitted
    # a small graph keeps left to right when that fits as well
    assert step_frames(Value(1.0, "a") * Value(2.0, "b")).layout.rankdir == "LR"


# --- bad input --------------------------------------------------------------------------------


def test_a_graph_too_big_to_step_through_is_refused_before_any_work(tmp_path):
    xs = [Value(1.0, f"x{i}") for i in range(300)]
    s = mg.sum(xs)
    with pytest.raises(ValueError) as caught:
        export_steps(s, tmp_path / "out")
    message = str(caught.value)
    # 300 leaves and their sum: 301 frames of steps and the one before; 301 records and one op
    assert f"302 frames x 302 nodes = {302 * 302:,} is more than max_frame_nodes={MAX_FRAME_NODES:,}" in message
    assert "smaller part of the graph" in message
    assert all(x.grad == 0 for x in xs) and not (tmp_path / "out").exists()  # no backward pass, no directory


def test_the_size_refusal_suggests_collapse_for_nn_units():
    from test_viz_draw import two_layer_net

    out, _ = two_layer_net()
    with pytest.raises(ValueError, match="pass collapse=True to draw each nn unit as one node"):
        step_frames(out, max_frame_nodes=100)


@pytest.mark.parametrize("label", [
    'say "hi" & <b>bold</b>', "</script><script>alert(1)</script>", "two\nlines\r\tand a tab",
    "很长的中文标签" * 30, "x" * 17_000,
])
def test_labels_with_any_characters_stay_text(dot_program, tmp_path, label):
    a = Value(2.0, label)
    y = a * a
    y.label = label + "!"
    export = export_steps(y, tmp_path)
    text = export.html.read_text(encoding="utf-8")
    assert text.count("<script") == 2 and text.count("</script>") == 2  # none injected
    data = json.loads(re.search(r'class="mg-data">(.*?)</script>', text, re.S).group(1))
    svg = ET.fromstring(export.svgs[1].read_text(encoding="utf-8"))
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    one_line = " ".join(label.split())
    name = one_line if len(one_line) <= 40 else one_line[:39] + "…"
    assert name in texts  # in the picture: one line, shortened past 40 characters
    assert f"{name}.grad += " in data["frames"][1]["caption"]  # the caption uses the same name
    assert len(text) < 200_000


def test_an_output_directory_that_cannot_be_written_is_named_before_any_work(tmp_path, monkeypatch):
    y, (x, _, _) = tanh_unit()
    blocker = tmp_path / "a-file"
    blocker.write_text("mine")
    with pytest.raises(NotADirectoryError, match=rf"export_steps: cannot write into {re.escape(str(blocker))}/out: .* is not a directory"):
        export_steps(y, blocker / "out")
    monkeypatch.setattr("os.access", lambda path, mode: False)  # a read-only directory (root could write anyway)
    with pytest.raises(PermissionError, match=rf"export_steps: cannot write into {re.escape(str(tmp_path))}/new: {re.escape(str(tmp_path))} is read-only"):
        export_steps(y, tmp_path / "new")
    assert x.grad == 0 and blocker.read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_in_a_collapsed_picture_every_step_highlights_a_node(dot_program):
    # a parameter drawn inside its unit's node: its step highlights that unit (it highlighted nothing)
    from test_viz_page_size import mlp_loss

    frames = step_frames(mlp_loss([2, 3, 1]), collapse=True)
    layout = frames.layout
    nodes = [i for i, key in enumerate(layout.keys) if not key.startswith("e") and key != "title"]
    for k in range(1, len(layout)):
        assert any(layout.states[k][i] == "c" for i in nodes), f"frame {k}: {frames.captions[k]!r}"
    w = next(k for k, c in enumerate(frames.captions) if c.startswith("dL/d(W2[0,1])"))
    assert layout.focus[w] == "unit2_0" and layout.states[w][layout.keys.index("unit2_0")] == "c"
    assert frames.captions[w].endswith("a parameter of unit u2[0], drawn as one node (highlighted)")
