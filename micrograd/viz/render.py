"""Drawing: the ``graphviz.Digraph`` that ``draw_dot`` returns. Its DOT source needs
nothing installed; rendering (SVG, PNG, PDF, Jupyter display) needs Graphviz, found where
the code runs, and when there is none raises one ``GraphvizNotFoundError`` saying how to
get it:

- **CPython**: Graphviz's ``dot`` program (or the layout program ``engine`` names) on PATH.
- **Pyodide** (Python as WebAssembly, ``sys.platform == "emscripten"``: a browser page, the
  JupyterLite kernel's web worker, Node.js), where no program can be started: Graphviz as
  WebAssembly, the npm package ``@viz-js/viz`` 3.x, which renders SVG and Graphviz's text
  formats (not PNG or PDF).

How micrograd finds Graphviz as WebAssembly (the contract with a page or a kernel): it reads
the JavaScript global ``micrograd_viz`` of the thread Python runs in (``globalThis`` of the
page, or of the web worker that runs the kernel; from Python, ``js.micrograd_viz``):

1. an instance, what ``await Viz.instance()`` gives (anything with ``renderString``): used
   directly, synchronously. The page or worker sets it in JavaScript before Python draws::

       import * as Viz from "<url of>/@viz-js/viz/dist/viz.js";
       globalThis.micrograd_viz = await Viz.instance();

   or Python sets it, in a cell (top-level ``await``) or any coroutine, from viz.js's URL::

       await micrograd.viz.load_graphviz("<url of>/@viz-js/viz/dist/viz.js")

2. a Promise of an instance (``globalThis.micrograd_viz = Viz.instance()``, not awaited), or
   the ``@viz-js/viz`` module itself (micrograd calls its ``instance()``): where the runtime
   can wait for a Promise synchronously (JSPI: ``pyodide.ffi.can_run_sync()``, e.g.
   Chromium, or Node.js 20 with ``--experimental-wasm-stack-switching``) the first drawing
   waits for it and stores the instance in ``micrograd_viz``; elsewhere drawing raises
   ``GraphvizNotFoundError`` saying to ``await micrograd.viz.load_graphviz()`` first, which
   waits for it.

Nothing else is read: no network request is made unless ``load_graphviz(url)`` is called.
Without ``micrograd_viz``, drawing raises ``GraphvizNotFoundError`` naming both ways.

In a notebook a Drawing shows as HTML: the SVG as a labelled image as wide as the output
area allows, never shrunk below readable text (``fit.MIN_SCALE``; a wider picture scrolls
sideways), and a click toggles its natural size (zoom). Front ends that show no HTML get
the plain SVG."""

from __future__ import annotations

import base64
import contextlib
import html
import inspect
import os
import sys
import uuid
from typing import Any, Iterable, Iterator

import graphviz

from .fit import MIN_SCALE, size_px

#: True in Pyodide, where Graphviz is the WebAssembly one (see the module docstring).
IN_BROWSER = sys.platform == "emscripten"
#: The JavaScript global through which a page or a kernel hands micrograd a viz.js instance.
VIZ_GLOBAL = "micrograd_viz"

INSTALL_HINT = (
    "install Graphviz, which provides it: Debian/Ubuntu: sudo apt-get install graphviz; "
    "macOS: brew install graphviz; conda: conda install -c conda-forge graphviz; "
    "Windows: the installer at https://graphviz.org/download/ (then add its bin folder to PATH)."
)
WASM_HINT = (
    "in Pyodide (a browser, JupyterLite) micrograd renders with Graphviz as WebAssembly instead: "
    "run `await micrograd.viz.load_graphviz(url)` with the URL of @viz-js/viz's dist/viz.js, "
    f"or set globalThis.{VIZ_GLOBAL} = await Viz.instance() in the page or worker (see micrograd.viz.render)."
)
DOT_TEXT_HINT = "The DOT text (.source) works without Graphviz."


class GraphvizNotFoundError(graphviz.ExecutableNotFound):
    """Rendering needs Graphviz, and there is none here: the program (``dot``) is not on
    PATH, or in Pyodide no Graphviz as WebAssembly was handed over (``reason`` says which).

    A ``graphviz.ExecutableNotFound`` (and so a ``RuntimeError``), so code that
    already catches those keeps working.
    """

    def __init__(self, program: str = "dot", reason: str | None = None) -> None:
        if reason is None and IN_BROWSER:
            reason = (f"Pyodide cannot run the Graphviz program {program!r}, and no Graphviz as WebAssembly "
                      f"is loaded; {WASM_HINT} Where Python runs as a program, {INSTALL_HINT}")
        elif reason is None:
            reason = f"the Graphviz program {program!r} is not on PATH; {INSTALL_HINT} Or: {WASM_HINT}"
        RuntimeError.__init__(self, f"cannot render the graph: {reason} {DOT_TEXT_HINT}")


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose rendering methods use the Graphviz there is (the
    program, or in Pyodide the WebAssembly one), raise ``GraphvizNotFoundError`` (instead
    of a bare "failed to execute") when there is none, and which shows in a notebook as a
    picture that fits (``html()``). ``description`` says in words what it shows (the
    picture's accessible name)."""

    description: str = "a graph drawn by Graphviz"
    _svg_cache: tuple[tuple[str, str], str] | None = None

    def svg(self) -> str:
        """The picture as SVG text (renders once per DOT source and engine, then reuses it)."""
        key = (self.engine, self.source)
        if self._svg_cache is None or self._svg_cache[0] != key:
            self._svg_cache = (key, self.pipe(format="svg", encoding="utf-8"))
        return self._svg_cache[1]

    def keep_svg(self, svg: str) -> None:
        """Remember ``svg`` as this drawing's picture (it was rendered from this very source)."""
        self._svg_cache = ((self.engine, self.source), svg)

    def html(self) -> str:
        """The picture as an HTML fragment that fits its container (see the module's docstring)."""
        return fitted_html(self.svg(), self.description)

    def _repr_mimebundle_(self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None, **_: Any) -> dict:
        """What Jupyter shows: the fitting HTML, and the plain SVG for front ends without HTML."""
        wanted = set(include) if include is not None else {"text/html", "image/svg+xml"}
        wanted -= set(exclude or ())
        bundle: dict[str, Any] = {}
        if "text/html" in wanted:
            bundle["text/html"] = self.html()
        if "image/svg+xml" in wanted:
            bundle["image/svg+xml"] = self.svg()
        other = wanted - set(bundle)
        if other:
            bundle.update(super()._repr_mimebundle_(include=other))
        return bundle

    def pipe(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102 - graphviz documents it
        if IN_BROWSER:
            given = inspect.signature(graphviz.Digraph.pipe).bind(self, *args, **kwargs).arguments
            unsupported = sorted(k for k in ("renderer", "formatter", "neato_no_op") if given.get(k) is not None)
            if unsupported:
                raise ValueError(f"pipe: {', '.join(unsupported)} cannot be chosen with Graphviz as WebAssembly; leave them out")
            text = render_wasm(self.source, given.get("format") or self.format, given.get("engine") or self.engine)
            data = text.encode("utf-8")
            return data if given.get("encoding") is None else data.decode(given["encoding"])
        with self._needs_graphviz():
            return super().pipe(*args, **kwargs)

    def render(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102 - view() and Jupyter come through here or pipe()
        if IN_BROWSER:  # what graphviz does, with the WebAssembly Graphviz: the DOT file, then the picture beside it
            given = inspect.signature(graphviz.Digraph.render).bind(self, *args, **kwargs).arguments
            wasm_instance(given.get("engine") or self.engine)  # none: GraphvizNotFoundError first, as without dot
            if given.get("view"):
                raise RuntimeError("render: view=True opens a program, which Pyodide cannot; display the drawing instead")
            fmt = given.get("format") or self.format
            picture = self.pipe(format=fmt, engine=given.get("engine"))
            source_path = self.save(given.get("filename"), directory=given.get("directory"))
            out = os.fspath(given.get("outfile") or f"{source_path}.{fmt}")
            with open(out, "wb") as f:
                f.write(picture)
            if given.get("cleanup"):
                os.remove(source_path)
            return out
        with self._needs_graphviz():
            return super().render(*args, **kwargs)

    @contextlib.contextmanager
    def _needs_graphviz(self) -> Iterator[None]:
        try:
            yield
        except GraphvizNotFoundError:
            raise
        except graphviz.ExecutableNotFound:
            raise GraphvizNotFoundError(self.engine) from None


# --- Graphviz as WebAssembly, in Pyodide (the contract is in the module docstring) ----------


def render_wasm(source: str, fmt: str, engine: str) -> str:
    """``source`` laid out by ``engine`` and written as ``fmt``, by the viz.js instance that
    ``micrograd_viz`` holds. A DOT error is a ``graphviz.CalledProcessError``, as from dot."""
    from pyodide.ffi import JsException, to_js

    viz = wasm_instance(engine)
    formats, engines = list(viz.formats), list(viz.engines)
    if fmt not in formats:
        raise ValueError(f"cannot render as {fmt!r} with Graphviz as WebAssembly; it writes {', '.join(formats)} (svg is the picture)")
    if engine not in engines:
        raise ValueError(f"cannot lay out with {engine!r} in Graphviz as WebAssembly; it has {', '.join(engines)}")
    options = to_js({"format": fmt, "engine": engine}, dict_converter=_js().Object.fromEntries)
    try:
        return viz.renderString(source, options)
    except JsException as e:
        raise graphviz.CalledProcessError(1, ["viz.js", engine], stderr=str(e)) from None


def wasm_instance(engine: str = "dot") -> Any:
    """The viz.js instance that ``globalThis.micrograd_viz`` holds; a Promise or the module
    there is waited for where the runtime can (JSPI), and the instance stored in its place.
    ``GraphvizNotFoundError`` when there is none, or it cannot be waited for here."""
    from pyodide.ffi import can_run_sync, run_sync

    scope = _js().globalThis
    found = getattr(scope, VIZ_GLOBAL, None)
    if found is None:
        raise GraphvizNotFoundError(engine) from None  # one error, as where dot is missing
    if hasattr(found, "renderString"):
        return found
    if hasattr(found, "instance"):  # the @viz-js/viz module itself: start it, once
        found = found.instance()
        setattr(scope, VIZ_GLOBAL, found)
    if not hasattr(found, "then"):
        raise GraphvizNotFoundError(engine, f"globalThis.{VIZ_GLOBAL} holds {found!r:.60}, not a viz.js instance; {WASM_HINT}") from None
    if not can_run_sync():
        raise GraphvizNotFoundError(engine, f"Graphviz as WebAssembly is still loading (globalThis.{VIZ_GLOBAL} is a Promise), "
                                    "and this runtime cannot wait for it inside a drawing: run `await micrograd.viz.load_graphviz()` first.") from None
    instance = run_sync(found)
    setattr(scope, VIZ_GLOBAL, instance)
    return instance


async def load_graphviz(url: str | None = None) -> None:
    """Pyodide: make Graphviz as WebAssembly ready for drawing: import viz.js from ``url``
    (the URL of @viz-js/viz's ``dist/viz.js``), or without one take what ``micrograd_viz``
    holds (the module, a Promise), wait for its instance and store it in ``micrograd_viz``."""
    if not IN_BROWSER:
        raise RuntimeError("load_graphviz is for Pyodide; here micrograd renders with Graphviz's dot program")
    from pyodide.code import run_js
    from pyodide.ffi import JsException

    scope = _js().globalThis
    found = getattr(scope, VIZ_GLOBAL, None)
    if url is not None:
        if not isinstance(url, str):
            raise TypeError(f"load_graphviz: url must be a str, the URL of viz.js; got {type(url).__name__}: {url!r:.60}")
        try:
            found = await run_js("(url) => import(url)")(url)
        except JsException as e:
            raise GraphvizNotFoundError(reason=f"could not import Graphviz as WebAssembly from {url!r}: {e}.") from None
    elif found is None:
        raise GraphvizNotFoundError(reason=f"load_graphviz needs the URL of @viz-js/viz's dist/viz.js, and globalThis.{VIZ_GLOBAL} is not set.")
    if hasattr(found, "instance") and not hasattr(found, "renderString"):
        found = found.instance()
    if hasattr(found, "then"):
        found = await found
    if not hasattr(found, "renderString"):
        raise GraphvizNotFoundError(reason=f"{url or 'globalThis.' + VIZ_GLOBAL!r} gave {found!r:.60}, not viz.js (no instance() or renderString).")
    setattr(scope, VIZ_GLOBAL, found)


def _js() -> Any:
    import js  # Pyodide's view of JavaScript's global scope

    return js


def fitted_html(svg: str, description: str) -> str:
    """An SVG picture as an ``<img>`` (its own document: no ids or styles shared with the
    page) labelled ``description``, as wide as its container up to its natural size, never
    narrower than readable text allows (the box then scrolls sideways), and zoomed to its
    natural size by a click or Enter."""
    width, height = size_px(svg)
    uid = f"mg-drawing-{uuid.uuid4().hex[:12]}"
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    label = html.escape(description, quote=True)
    return (
        f'<div class="mg-drawing" id="{uid}" style="overflow-x: auto; width: 100%; contain: inline-size">'
        f'<img src="data:image/svg+xml;base64,{data}" alt="{label}" title="{label} (click to zoom)" tabindex="0" '
        f'width="{width:.0f}" height="{height:.0f}" data-natural="{width:.0f}" '
        f'style="display: block; width: 100%; max-width: {width:.0f}px; min-width: {width * MIN_SCALE:.0f}px; '
        f'height: auto; cursor: zoom-in">'
        f"<script>{_ZOOM.replace('UID', uid)}</script></div>"
    )


# Click (or Enter on the focused picture): natural size, the box scrolls; again: fit.
_ZOOM = """(function (box) {
  const img = box && box.querySelector("img");
  if (!img || box.dataset.ready) return;
  box.dataset.ready = "yes";
  const fit = img.getAttribute("style");
  function toggle() {
    const zoomed = img.dataset.zoomed === "yes";
    img.dataset.zoomed = zoomed ? "" : "yes";
    img.setAttribute("style", zoomed ? fit : "display: block; width: " + img.dataset.natural + "px; max-width: none; height: auto; cursor: zoom-out");
  }
  img.addEventListener("click", toggle);
  img.addEventListener("keydown", e => { if (e.key === "Enter") { e.preventDefault(); toggle(); } });
})(document.getElementById("UID"));"""
