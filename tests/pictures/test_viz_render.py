"""Rendering: real SVG from Graphviz's dot (parsed: every label is there), and with dot
missing from PATH one clear error that says how to install it, while the DOT text and
everything else keep working."""

import xml.etree.ElementTree as ET

import graphviz
import pytest

from micrograd import Value
from micrograd.viz import Drawing, GraphvizNotFoundError, backward_steps, draw_dot, render

SVG = "{http://www.w3.org/2000/svg}"
# what the error says is missing: the program on PATH; in Pyodide (no programs), the WebAssembly one
WHERE_MISSING = ("Pyodide cannot run the Graphviz program '%s', and no Graphviz as WebAssembly is loaded"
                 if render.IN_BROWSER else "the Graphviz program '%s' is not on PATH")


def svg_texts(svg: str) -> list[str]:
    """Every piece of text in the SVG (graphviz writes one <text> per record field and label line)."""
    root = ET.fromstring(svg)
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_rendered_svg_shows_every_label(dot_program):
    x, w, b = Value(0.5, "x"), Value(-2.0, "w"), Value(1.5, "b")
    odd = Value(1.0, 'a{b|c}<d>"e\\f')
    y = (x * w + b).tanh() * odd * 3.0
    y.backward()
    svg = draw_dot(y, legend=True, title="tanh unit", fmt=".4f").pipe(format="svg", encoding="utf-8")
    root = ET.fromstring(svg)
    texts = svg_texts(svg)
    for label in ("x", "w", "b", 'a{b|c}<d>"e\\f', "tanh", "+", "*", "3.0000", "tanh unit", "legend", "parameter"):
        assert label in texts
    for v in (x, w, b, odd, y):
        assert f"data {v.data:.4f}" in texts and f"grad {v.grad:.4f}" in texts
    assert "0.7864" in texts and "-2.0000" in texts  # edge labels: tanh'(0.5) and d(x*w)/dx
    drawn = [g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]
    assert len(drawn) == 15 + 6  # 9 Values, 5 ops and the constant 3; the legend's 6 kinds
    assert sorted(g.find(f"{SVG}title").text for g in drawn if not g.find(f"{SVG}title").text.startswith("legend")) == sorted(
        ["v0", "op0", "c0_1", "v1", "op1", "v2", "op2", "v3", "op3", "v4", "op4", "v5", "v6", "v7", "v8"]
    )


def test_a_step_renders_with_its_contributions(dot_program):
    a = Value(3.0, "a")
    y = a * a
    step = next(backward_steps(y))
    texts = svg_texts(draw_dot(y, step=step, fmt=".4f").pipe(format="svg", encoding="utf-8"))
    assert texts.count("× 1.0000 = 3.0000") == 2 and "grad ? (so far 6.0000)" in texts
    assert "step 1 of 2: dL/d(a*a) = 1.0000 is final" in texts


def test_missing_dot_gives_one_clear_error(no_dot, tmp_path):
    y = Value(2.0, "x").tanh()
    drawing = draw_dot(y)  # drawing needs no program
    assert isinstance(drawing, graphviz.Digraph) and isinstance(drawing, Drawing)
    for render in (
        lambda: drawing.pipe(format="svg"),
        lambda: drawing.render(directory=tmp_path / "out", format="png"),
        lambda: drawing._repr_mimebundle_(),  # what Jupyter calls to show it
        lambda: drawing.view(directory=tmp_path / "out"),
    ):
        with pytest.raises(GraphvizNotFoundError) as caught:
            render()
        error = caught.value
        message = str(error)
        assert (WHERE_MISSING % "dot") in message
        assert "apt-get install graphviz" in message and "brew install graphviz" in message and "conda install" in message
        assert "await micrograd.viz.load_graphviz(url)" in message  # and the way in a browser
        assert error.__cause__ is None and error.__suppress_context__  # one error, not a chain
        assert isinstance(error, graphviz.ExecutableNotFound) and isinstance(error, RuntimeError)
    # and nothing else breaks
    assert drawing.source.startswith("digraph {") and "tanh" in drawing.source
    steps = list(backward_steps(y))
    assert len(steps) == 2 and draw_dot(y, step=steps[-1]).source


def test_the_error_names_another_layout_program_when_one_is_chosen(no_dot):
    drawing = draw_dot(Value(1.0) * 2.0)
    drawing.engine = "neato"
    with pytest.raises(GraphvizNotFoundError, match=WHERE_MISSING % "neato"):
        drawing.pipe(format="svg")


@pytest.mark.parametrize("name", ["<y>", "<i>op</i>", "<<b>>"])
def test_an_op_named_in_angle_brackets_is_drawn_as_its_name(dot_program, name):
    # once, a row named <y> was drawn as "y" (an HTML-like label) and <i>op</i> made dot fail
    from micrograd import OPS, ops

    ops.add_row(ops.Op(name, "x", ("1.0",)))
    try:
        y = OPS[name](Value(1.0, "<a>"))
        texts = svg_texts(draw_dot(y).pipe(format="svg", encoding="utf-8"))
        assert name in texts and "<a>" in texts
    finally:
        del OPS[name]


def test_load_graphviz_is_for_pyodide_only():
    import asyncio

    from micrograd.viz import load_graphviz

    with pytest.raises(RuntimeError, match="load_graphviz is for Pyodide; here micrograd renders with Graphviz's dot program"):
        asyncio.run(load_graphviz("https://example.org/viz.js"))
