"""micrograd.viz: pictures of computation graphs, and the backward pass step by step.

- ``draw_dot(root)``: the graph as a ``graphviz.Digraph``, every edge labelled with its
  local derivative (``draw.py``).
- ``backward_steps(root)``: ``backward()`` one node at a time, each contribution
  ``parent.grad += local_grad * node.grad`` recorded (``steps.py``).
- ``step_frames``, ``export_steps``, ``write_svg_frames``, ``write_html``: those steps
  on one layout (``film.py``), as numbered SVG files and a self-contained page that steps
  through them (``page.py``); in a notebook, ``step_frames(root)`` shows that viewer
  (``export.py``).
- ``TrainingRecorder``: a monitor for ``nn.train`` keeping a snapshot every k-th step
  (``recorder.py``); ``LiveView``: the same, drawn in Jupyter while it trains
  (``nn.train(..., live=True)``, ``live.py``); ``write_replay(history, path)``: a recorded
  run as a self-contained page with a scrubber (``replay.py``); the pictures in ``panels.py``.

Needs the ``graphviz`` Python package (a dependency, installed with micrograd) for the
DOT text, and Graphviz's ``dot`` program to render it. The engine never imports this.
"""

try:
    import graphviz  # noqa: F401 - checked here for a clear message
except ImportError as e:  # pragma: no cover - the package is a declared extra
    raise ImportError(
        "micrograd.viz needs the graphviz Python package: pip install graphviz (a dependency of micrograd-backprop: reinstall it)"
    ) from e

from .draw import LargeGraphWarning, draw_dot
from .export import MAX_FRAME_NODES, Export, Frame, StepFrames, TooBigToStepError, export_steps, render_svg, step_frames, write_html, write_svg_frames
from .render import Drawing, GraphvizNotFoundError
from .live import LiveView, live_view
from .panels import MAX_DRAWN_UNITS, MAX_DRAWN_WEIGHTS
from .recorder import Snapshot, TrainingHistory, TrainingRecorder
from .replay import write_replay
from .steps import Contribution, Step, backward_steps

__all__ = [
    "draw_dot", "Drawing", "LargeGraphWarning", "GraphvizNotFoundError",
    "backward_steps", "Step", "Contribution",
    "step_frames", "export_steps", "write_svg_frames", "write_html", "render_svg", "Frame", "Export", "StepFrames",
    "MAX_FRAME_NODES", "TooBigToStepError",
    "TrainingRecorder", "TrainingHistory", "Snapshot", "LiveView", "live_view", "write_replay",
    "MAX_DRAWN_WEIGHTS", "MAX_DRAWN_UNITS",
]
