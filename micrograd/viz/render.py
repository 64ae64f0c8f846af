"""Drawing: the ``graphviz.Digraph`` that ``draw_dot`` returns. Its DOT source needs
nothing installed; rendering (SVG, PNG, PDF, Jupyter display) runs Graphviz's ``dot``
program, and when that is missing raises one ``GraphvizNotFoundError`` saying how to
install it."""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

import graphviz

INSTALL_HINT = (
    "install Graphviz, which provides it: Debian/Ubuntu: sudo apt-get install graphviz; "
    "macOS: brew install graphviz; conda: conda install -c conda-forge graphviz; "
    "Windows: the installer at https://graphviz.org/download/ (then add its bin folder to PATH). "
    "The DOT text (.source) works without it."
)


class GraphvizNotFoundError(graphviz.ExecutableNotFound):
    """Rendering needs the Graphviz program (``dot``), and it is not on PATH.

    A ``graphviz.ExecutableNotFound`` (and so a ``RuntimeError``), so code that
    already catches those keeps working.
    """

    def __init__(self, program: str = "dot") -> None:
        RuntimeError.__init__(self, f"cannot render the graph: the Graphviz program {program!r} is not on PATH; {INSTALL_HINT}")


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose rendering methods raise ``GraphvizNotFoundError``
    (instead of a bare "failed to execute") when Graphviz is not installed."""

    def pipe(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102 - graphviz documents it
        with self._needs_graphviz():
            return super().pipe(*args, **kwargs)

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
