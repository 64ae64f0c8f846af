"""micrograd.viz: pictures of a computation graph, and the backward pass step by step.

- ``draw_dot(root)``: the graph as a ``graphviz.Digraph``, every edge labelled with its
  local derivative (``draw.py``). Values labelled by ``micrograd.labels``' convention
  (weights, biases, a unit's ``u`` and ``z``) can be boxed by unit or layer, or collapsed.
- ``backward_steps(root)``: ``backward()`` one node at a time, each contribution
  ``parent.grad += local_grad * node.grad`` recorded (``steps.py``).
- ``step_frames``, ``export_steps``, ``write_svg_frames``, ``write_html``: those steps
  on one layout (``frames.py``), as numbered SVG files and a self-contained page that steps
  through them (``page.py``); in a notebook, ``step_frames(root)`` shows that viewer
  (``export.py``).
- How numbers are written (``formatting.py``) and how a picture is rendered (``render.py``).

Needs the ``graphviz`` Python package (a dependency, installed with micrograd) for the
DOT text, and to render it Graphviz's ``dot`` program, or in Pyodide (the browser) Graphviz
as WebAssembly (``load_graphviz``; the contract is in ``render.py``). Part of the core: it never imports
``nn``. The views of training moved to ``nn`` (``nn.TrainingRecorder``, ``nn.LiveView``,
``nn.write_replay``).
"""

try:
    import graphviz  # noqa: F401 - checked here for a clear message
except ImportError as e:  # pragma: no cover - a dependency of the distribution
    raise ImportError(
        "micrograd.viz needs the graphviz Python package: pip install graphviz (a dependency of micrograd-backprop: reinstall it)"
    ) from e

from .draw import LargeGraphWarning, draw_dot
from .export import MAX_FRAME_NODES, Export, Frame, StepFrames, TooBigToStepError, export_steps, render_svg, step_frames, write_html, write_svg_frames
from .render import Drawing, GraphvizNotFoundError, load_graphviz
from .steps import Contribution, Step, backward_steps

__all__ = [
    "draw_dot", "Drawing", "LargeGraphWarning", "GraphvizNotFoundError", "load_graphviz",
    "backward_steps", "Step", "Contribution",
    "step_frames", "export_steps", "write_svg_frames", "write_html", "render_svg", "Frame", "Export", "StepFrames",
    "MAX_FRAME_NODES", "TooBigToStepError",
]

#: The views of training, which moved to nn in 0.4: the picture of a graph knows nothing of training.
MOVED_TO_NN = ("TrainingRecorder", "TrainingHistory", "Snapshot", "LiveView", "live_view", "write_replay",
               "MAX_DRAWN_WEIGHTS", "MAX_DRAWN_UNITS")


def __getattr__(name: str) -> object:
    if name in MOVED_TO_NN:
        raise AttributeError(f"micrograd.viz.{name} moved to nn in version 0.4: use nn.{name} (from nn.views)")
    raise AttributeError(f"module 'micrograd.viz' has no attribute {name!r}")
