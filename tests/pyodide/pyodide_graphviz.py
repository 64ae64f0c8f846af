"""Drawing in Pyodide: Graphviz as WebAssembly (@viz-js/viz), handed over as
``micrograd.viz.render``'s docstring says. Runs only in Pyodide: ``run.mjs`` names this file
(its name keeps CPython's collection away from it) and sets ``globalThis.micrograd_viz`` to a
viz.js instance; ``VIZ_URL`` in the environment is the URL of viz.js, for the other ways."""

import os
import xml.etree.ElementTree as ET

import graphviz
import js
import pytest
from pyodide.ffi import can_run_sync, run_sync

import micrograd
from micrograd import Value
from micrograd.viz import Drawing, GraphvizNotFoundError, draw_dot, load_graphviz, render

SVG = "{http://www.w3.org/2000/svg}"
VIZ_URL = os.environ["VIZ_URL"]


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def a_graph() -> Value:
    x, w = Value(0.5, "x"), Value(-2.0, "w")
    y = (x * w).tanh()
    y.backward()
    return y


@pytest.fixture
def viz_global():
    """What ``micrograd_viz`` holds (restored afterwards); set() replaces it, clear() removes it."""
    kept = js.micrograd_viz

    class Global:
        def set(self, value):
            js.micrograd_viz = value

        def clear(self):
            js.Reflect.deleteProperty(js.globalThis, "micrograd_viz")

        def get(self):
            return getattr(js.globalThis, "micrograd_viz", None)

    yield Global()
    js.micrograd_viz = kept


def test_this_is_pyodide_with_an_instance_handed_over():
    assert render.IN_BROWSER and hasattr(js.micrograd_viz, "renderString")


def test_draw_dot_renders_svg_with_graphviz_as_webassembly(tmp_path):
    drawing = draw_dot(a_graph(), fmt=".4f")
    svg = drawing.svg()
    shown = texts(svg)
    for label in ("x", "w", "tanh", "*", "data 0.5000", "data -2.0000", "grad -0.8399", "grad 1.0000"):
        assert label in shown
    assert drawing.pipe(format="svg").decode("utf-8") == svg  # bytes without an encoding, as from dot
    bundle = drawing._repr_mimebundle_()  # what Jupyter shows
    assert bundle["image/svg+xml"] == svg and "data:image/svg+xml;base64," in bundle["text/html"]
    out = drawing.render(directory=tmp_path, format="svg")
    assert out == str(tmp_path / "Drawing.gv.svg") and open(out, encoding="utf-8").read() == svg
    assert (tmp_path / "Drawing.gv").read_text().startswith("digraph")
    assert "digraph" in drawing.pipe(format="dot", encoding="utf-8")  # Graphviz's text formats too


def test_the_steps_are_exported_as_pictures_and_a_page_twice_over(tmp_path):
    for _ in range(2):  # the second run replaces every file (which once failed here for want of os.geteuid)
        exported = micrograd.viz.export_steps(a_graph(), tmp_path)
        assert len(exported.svgs) == 5 and all("<svg" in p.read_text() for p in exported.svgs)
        assert "<svg" in exported.html.read_text()


def test_without_it_drawing_raises_graphviz_not_found_and_the_dot_text_still_works(viz_global):
    viz_global.clear()
    drawing = draw_dot(a_graph())
    for attempt in (drawing.svg, lambda: drawing.pipe(format="svg"), drawing._repr_mimebundle_):
        with pytest.raises(GraphvizNotFoundError) as caught:
            attempt()
        message = str(caught.value)
        assert "no Graphviz as WebAssembly is loaded" in message and "await micrograd.viz.load_graphviz(url)" in message
        assert "globalThis.micrograd_viz = await Viz.instance()" in message and "apt-get install graphviz" in message
        assert isinstance(caught.value, graphviz.ExecutableNotFound) and caught.value.__cause__ is None
    assert drawing.source.startswith("digraph")


def test_something_else_in_the_global_is_named(viz_global):
    viz_global.set(42)
    with pytest.raises(GraphvizNotFoundError, match="globalThis.micrograd_viz holds 42, not a viz.js instance"):
        draw_dot(a_graph()).svg()


def test_the_module_or_a_promise_is_waited_for_where_the_runtime_can(viz_global):
    assert can_run_sync()  # run.mjs starts Node with stack switching (JSPI)
    module = run_sync(js.eval(f"import({VIZ_URL!r})"))
    for handed in (module, module.instance()):
        viz_global.set(handed)
        assert "tanh" in texts(draw_dot(a_graph()).svg())
        assert hasattr(viz_global.get(), "renderString")  # the instance took its place


def test_without_stack_switching_a_promise_must_be_awaited_first(viz_global, monkeypatch):
    import pyodide.ffi

    module = run_sync(js.eval(f"import({VIZ_URL!r})"))
    viz_global.set(module.instance())
    monkeypatch.setattr(pyodide.ffi, "can_run_sync", lambda: False)  # as in Firefox, or Node without the flag
    with pytest.raises(GraphvizNotFoundError, match=r"still loading .* run `await micrograd.viz.load_graphviz\(\)` first"):
        draw_dot(a_graph()).svg()
    run_sync(load_graphviz())  # in a notebook: await micrograd.viz.load_graphviz()
    assert hasattr(viz_global.get(), "renderString") and "tanh" in texts(draw_dot(a_graph()).svg())


def test_load_graphviz_imports_viz_js_from_its_url(viz_global):
    viz_global.clear()
    run_sync(load_graphviz(VIZ_URL))
    assert "tanh" in texts(draw_dot(a_graph()).svg())


def test_load_graphviz_names_what_was_wrong(viz_global):
    viz_global.clear()
    with pytest.raises(GraphvizNotFoundError, match="load_graphviz needs the URL of @viz-js/viz's dist/viz.js"):
        run_sync(load_graphviz())
    with pytest.raises(GraphvizNotFoundError, match="could not import Graphviz as WebAssembly from 'file:///no/such/viz.js'"):
        run_sync(load_graphviz("file:///no/such/viz.js"))
    with pytest.raises(TypeError, match="url must be a str, the URL of viz.js; got int: 3"):
        run_sync(load_graphviz(3))


def test_what_webassembly_graphviz_cannot_do_is_named():
    drawing = draw_dot(a_graph())
    with pytest.raises(ValueError, match="cannot render as 'png' with Graphviz as WebAssembly; it writes .*svg"):
        drawing.pipe(format="png")
    with pytest.raises(ValueError, match="renderer cannot be chosen"):
        drawing.pipe(format="svg", renderer="cairo")
    with pytest.raises(RuntimeError, match="view=True opens a program, which Pyodide cannot"):
        drawing.view()
    broken = Drawing()
    broken.body.append("a -> ;\n")
    with pytest.raises(graphviz.CalledProcessError):
        broken.pipe(format="svg")
