"""Drawing: the ``graphviz.Digraph`` that ``draw_dot`` returns. Its DOT source needs
nothing installed; rendering (SVG, PNG, PDF, Jupyter display) runs Graphviz's ``dot``
program, and when that is missing raises one ``GraphvizNotFoundError`` saying how to
install it.

In a notebook a Drawing shows as HTML: the SVG as a labelled image as wide as the output
area allows, never shrunk below readable text (``fit.MIN_SCALE``; a wider picture scrolls
sideways), and a click toggles its natural size (zoom). Front ends that show no HTML get
the plain SVG.

Where Graphviz's program cannot run (Python in a browser, through Pyodide), a renderer
may take its place: ``use_renderer(render)`` sends every Drawing's DOT source to
``render(source, engine, format)``, which returns the rendered text (the playground page
passes Graphviz compiled to WebAssembly, @viz-js/viz). Layouts, step-throughs and
pictures are then made from the same DOT as with the program."""

from __future__ import annotations

import base64
import contextlib
import html
import uuid
from typing import Any, Callable, Iterable, Iterator

import graphviz

from .fit import MIN_SCALE, size_px

INSTALL_HINT = (
    "install Graphviz, which provides it: Debian/Ubuntu: sudo apt-get install graphviz; "
    "macOS: brew install graphviz; conda: conda install -c conda-forge graphviz; "
    "Windows: the installer at https://graphviz.org/download/ (then add its bin folder to PATH). "
    "The DOT text (.source) works without it."
)


#: (source, engine, format) -> the rendered text; None: run Graphviz's dot program.
Renderer = Callable[[str, str, str], str]
_renderer: Renderer | None = None
#: What a renderer gives: text formats only (a renderer returns a str).
RENDERER_FORMATS = ("svg", "dot", "xdot", "json", "plain")


def use_renderer(render: Renderer | None) -> None:
    """Render every Drawing with ``render(source, engine, format)`` instead of running
    Graphviz's dot program (for this process); None goes back to the program."""
    global _renderer
    if render is not None and not callable(render):
        raise TypeError(f"use_renderer: render must be a function (source, engine, format) -> text, or None; got {render!r:.60}")
    _renderer = render


class GraphvizNotFoundError(graphviz.ExecutableNotFound):
    """Rendering needs the Graphviz program (``dot``), and it is not on PATH.

    A ``graphviz.ExecutableNotFound`` (and so a ``RuntimeError``), so code that
    already catches those keeps working.
    """

    def __init__(self, program: str = "dot") -> None:
        RuntimeError.__init__(self, f"cannot render the graph: the Graphviz program {program!r} is not on PATH; {INSTALL_HINT}")


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose rendering methods raise ``GraphvizNotFoundError``
    (instead of a bare "failed to execute") when Graphviz is not installed, and which
    shows in a notebook as a picture that fits (``html()``). ``description`` says in
    words what it shows (the picture's accessible name)."""

    description: str = "a graph drawn by Graphviz"
    _svg_cache: tuple[tuple[str, str], str] | None = None

    def svg(self) -> str:
        """The picture as SVG text (runs ``dot`` once per DOT source and engine, then reuses it)."""
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
        if _renderer is not None:
            return self._rendered(*args, **kwargs)
        with self._needs_graphviz():
            return super().pipe(*args, **kwargs)

    def _rendered(self, format: str | None = None, *, engine: str | None = None, encoding: str | None = None, **rest: Any) -> Any:
        """``pipe`` through the renderer of ``use_renderer``: str with an ``encoding``, else bytes."""
        fmt = format or self.format
        if rest or fmt not in RENDERER_FORMATS:
            asked = ", ".join([f"format={fmt!r}"] + [f"{k}={v!r}" for k, v in rest.items()])
            raise ValueError(f"the renderer in use (use_renderer) gives text only, {', '.join(RENDERER_FORMATS)}; asked for {asked}")
        text = _renderer(self.source, engine or self.engine, fmt)  # type: ignore[misc]
        if not isinstance(text, str):
            raise TypeError(f"the renderer in use (use_renderer) must return text (str); it returned {type(text).__name__}: {text!r:.60}")
        return text if encoding else text.encode("utf-8")

    def render(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102 - view() and Jupyter come through here or pipe()
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
