"""Views of training: what ``nn.train`` does, drawn while it runs and kept as a page.

- ``TrainingRecorder``: a monitor for ``nn.train`` keeping a snapshot every k-th step
  (``recorder.py``);
- ``LiveView``: the same, drawn in Jupyter while it trains (``nn.train(..., live=True)``,
  ``live.py``), reading the widget events of a running cell (``kernel_events.py``);
- ``write_replay(history, path)``: a recorded run as a self-contained page with a scrubber
  (``replay.py``);
- the pictures both draw with (``panels.py``).
"""

from .live import LiveView, live_view
from .panels import MAX_DRAWN_UNITS, MAX_DRAWN_WEIGHTS
from .recorder import Snapshot, TrainingHistory, TrainingRecorder
from .replay import write_replay

__all__ = [
    "TrainingRecorder", "TrainingHistory", "Snapshot", "LiveView", "live_view", "write_replay",
    "MAX_DRAWN_WEIGHTS", "MAX_DRAWN_UNITS",
]
