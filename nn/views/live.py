"""Training you can watch: ``nn.train(..., live=True)`` in Jupyter draws the run while it trains.

``LiveView`` is a ``TrainingRecorder`` (so it keeps a snapshot every k-th step, k =
ceil(steps / max_frames), at most ``LIVE_FRAMES`` = 100 by default) that also shows each snapshot in ipywidgets: the caption (step,
epoch, loss, accuracy, learning rate), the loss and accuracy curves, the decision boundary
over the data (2-D inputs only), and the network (a weight per edge, a unit per disc;
collapsed to a note past ``MAX_DRAWN_WEIGHTS`` weights or ``MAX_DRAWN_UNITS`` units).

While the cell runs the view follows the newest snapshot, and the kernel handles the widget
events at every drawn snapshot (``kernel_events``): "pause" stops the training there (the
slider, play and step buttons then go through the snapshots so far), "pause" again (or play)
resumes, and "step ▶" on the newest snapshot trains until the next one and pauses again.
Where the kernel's events cannot be read while a cell runs, the status line says so once and
the buttons answer after the run. Afterwards the play button, the slider and the step buttons
go through the recorded snapshots; the "gradients" toggle draws dL/dw instead of w.
Outside Jupyter, ``live_view()`` returns None after a one-line note on stderr, and
``nn.train`` goes on without it.

The view is displayed with a static form beside the widget (``text/html``): a note while it
trains, and once the run is over the replay page of the run (``replay.replay_html``) in an
``<iframe srcdoc>``, put in place with ``update_display``. JupyterLab and Notebook 7 show the
widget; a notebook converted to HTML without the widgets' state (``notebooks/build_site.py``,
nbconvert, a notebook viewer) shows the replay instead of the widget's text form.

Reading the widget events while the cell runs needs ipykernel 7.4 or later (``kernel_events``).
"""

from __future__ import annotations

import html
import sys
import time
from typing import Any

from ..progress import in_jupyter

from . import panels
from .recorder import GRID, TrainingRecorder

NOTE = (
    "live=True: no Jupyter kernel here, so training goes on without the live view "
    "(nn.write_replay draws a recorded run as a page)"
)
NO_EVENTS = "this kernel does not pass widget events to a running cell, so the controls answer once the run is done"
NO_WIDGETS = "live=True needs ipywidgets (pip install ipywidgets), so training goes on without the live view"
TRAINING_NOTE = "<p><em>A live view of this run, drawn while it trains; its replay appears here when the run is over.</em></p>"
REPLAY_HEIGHT_PX = 900  # the replay page's height at the width of a notebook's output area
PLAY_INTERVAL_MS = 300
PAUSE_POLL_S = 0.05  # while paused, the kernel's events are read this often
LIVE_FRAMES = 100  # snapshots a live run draws (each one is drawn as it comes: fewer than the page keeps)


def has_widgets() -> bool:
    """True when ipywidgets can be imported."""
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def live_view(**options: Any) -> LiveView | None:
    """A ``LiveView`` in Jupyter; elsewhere (or without ipywidgets) None, after a one-line note on stderr."""
    if in_jupyter() and has_widgets():
        return LiveView(**options)
    print(NOTE if not in_jupyter() else NO_WIDGETS, file=sys.stderr)
    return None


class LiveView(TrainingRecorder):
    """A recorder that draws every snapshot in a notebook (``view.widget``, an ipywidgets box).

    Pass it as ``nn.train(..., monitor=LiveView())`` to keep it (for ``write_replay(view.history,
    path)``), or let ``live=True`` make one. ``show=False`` builds the widget without
    displaying it.
    """

    def __init__(self, *, max_frames: int = LIVE_FRAMES, grid: int = GRID, sample: int = 0,
                 center: float | None = None, show: bool = True) -> None:
        super().__init__(max_frames=max_frames, grid=grid, sample=sample, gradients=True, center=center)
        if not has_widgets():
            raise ImportError("LiveView needs ipywidgets: pip install ipywidgets (or 'micrograd-backprop[live]')")
        self.show = show
        self.widget: Any = None
        self.current = 0
        self._following = True
        self._weight_scale = 0.0  # the largest |w| of the snapshots so far: weights that grow draw wider
        self._events: Any = None  # the kernel's widget events while training (None: not readable)
        self._training = False
        self._stepping = False  # "step ▶" while paused: train until the next snapshot
        self._display: Any = None  # the displayed output (widget and static form), updated at the end

    def start(self, net: Any, xs: Any, ts: Any, **run: Any) -> None:
        """Record step 0 and show the view (a new view for each run the recorder watches)."""
        from .kernel_events import KernelEvents

        self.widget, self._following, self._weight_scale, self._stepping = None, True, 0.0, False
        super().start(net, xs, ts, **run)
        self._build()
        self._events = KernelEvents.open() if self.show else None
        self._training = True
        if self.show:
            from IPython.display import display

            self._display = display(self._bundle(TRAINING_NOTE), raw=True, display_id=True)
            if self._events is None:
                self.status.value = f"training: a snapshot every {self.history.every} steps; {NO_EVENTS}"  # type: ignore[union-attr]

    def update(self, *, step: int, epoch: int, loss: float) -> None:
        """Record (and draw) as the recorder does; at a drawn snapshot handle the widget events,
        then wait while paused (reading the events every ``PAUSE_POLL_S`` seconds)."""
        before = len(self.history.frames)  # type: ignore[union-attr]
        super().update(step=step, epoch=epoch, loss=loss)
        if self._events is None or len(self.history.frames) == before:  # type: ignore[union-attr]
            return
        self._events.poll()
        if self._stepping:
            self._stepping = False
            self.pause.value = True
        if not self.pause.value or self._stepping:
            return
        training = self.status.value
        self.status.value = f"paused at step {step}: pause again or play to go on, step ▶ trains to the next snapshot"
        while self.pause.value and not self._stepping:
            time.sleep(PAUSE_POLL_S)
            self._events.poll()
        self.status.value = training

    def _record(self, **at: Any):
        snapshot = super()._record(**at)
        self._weight_scale = max(self._weight_scale, panels.weight_scale(self.history, [snapshot]))
        if self.widget is not None:
            last = len(self.history.frames) - 1  # type: ignore[union-attr]
            self.slider.max = self.play.max = last
            if self._following:
                self.slider.value = last  # draws it (the slider's observer)
        return snapshot

    def finish(self) -> None:
        """The run is over: the controls now go through the recorded snapshots."""
        self.pause.value, self.pause.disabled = False, True
        self._following, self._training, self._stepping = False, False, False
        self._events = None
        self.status.value = f"done: {len(self.history.frames)} snapshots, one every {self.history.every} steps"  # type: ignore[union-attr]
        if self._display is not None:
            self._display.update(self._bundle(self.replay_frame()), raw=True)

    def replay_frame(self) -> str:
        """The replay page of the run so far, as an ``<iframe>`` that holds the whole page (HTML)."""
        from .replay import replay_html

        assert self.history is not None
        page = replay_html(self.history)
        return (
            f'<iframe class="mg-live-replay" title="the replay of this training run" srcdoc="{html.escape(page, quote=True)}" '
            f'style="width: 100%; height: {REPLAY_HEIGHT_PX}px; border: 0;"></iframe>'
        )

    def _bundle(self, static: str) -> dict[str, Any]:
        """What the view displays: the widget (for Jupyter's front ends) and a static form
        (``text/html``, for a page made without the widgets' state), its caption as plain text."""
        bundle = dict(self.widget._repr_mimebundle_())
        frame = self.history.frames[-1]  # type: ignore[union-attr]
        bundle["text/html"] = static
        bundle["text/plain"] = f"a live view of a training run: {panels.caption(self.history, frame)}"  # type: ignore[arg-type]
        return bundle

    # the widgets -----------------------------------------------------------------------

    def _build(self) -> None:
        import ipywidgets as w

        history = self.history
        assert history is not None
        self.caption = w.HTML(layout=w.Layout(width="100%"))
        self.curves = w.HTML()
        self.boundary = w.HTML() if history.has_boundary else None
        self.network = w.HTML()
        self.legend = w.HTML(panels.network_legend(False))
        self.status = w.Label(f"training: a snapshot every {history.every} steps")
        self.pause = w.ToggleButton(value=False, description="pause", tooltip="pause the training (again: go on)", layout=w.Layout(width="80px"))
        self.play = w.Play(value=0, min=0, max=0, step=1, interval=PLAY_INTERVAL_MS, description="play")
        self.slider = w.IntSlider(value=0, min=0, max=0, description="snapshot", continuous_update=True)
        w.jslink((self.play, "value"), (self.slider, "value"))
        self.back = w.Button(description="◀ step", tooltip="the previous snapshot", layout=w.Layout(width="80px"))
        self.forward = w.Button(description="step ▶", tooltip="the next snapshot", layout=w.Layout(width="80px"))
        self.gradients = w.ToggleButton(value=False, description="gradients", tooltip="draw dL/dw instead of the weights")
        self.back.on_click(lambda _: self.step(-1))
        self.forward.on_click(lambda _: self.step(+1))
        self.slider.observe(lambda change: self.draw(change["new"]), names="value")
        self.pause.observe(lambda change: self._paused(change["new"]), names="value")
        self.play.observe(lambda change: change["new"] and self.pause.value and self._training and self._resume(), names="playing")
        self.gradients.observe(lambda change: self.draw(self.current), names="value")
        controls = w.HBox([self.pause, self.play, self.back, self.slider, self.forward, self.gradients])
        top = [self.curves] if self.boundary is None else [self.boundary, self.curves]
        self.widget = w.VBox([self.caption, controls, w.HBox(top), self.network, self.legend, self.status])
        self.draw(0)

    def _paused(self, paused: bool) -> None:
        """Pausing stops following the newest snapshot; going on shows it again."""
        self._following = not paused
        if not paused and self.widget is not None:
            self.slider.value = self.slider.max

    def _resume(self) -> None:
        self.pause.value = False

    def step(self, by: int) -> None:
        """Show the snapshot ``by`` places later (earlier when negative), within the run; on the
        newest snapshot of a paused run, ``+1`` trains until the next snapshot."""
        if by > 0 and self._training and self.pause.value and self.slider.value == self.slider.max:
            self._stepping = True
            self._following = True
            return
        self.slider.value = min(self.slider.max, max(0, self.slider.value + by))

    def draw(self, k: int) -> None:
        """Show snapshot ``k``."""
        history = self.history
        assert history is not None
        self.current = k
        frames = history.frames
        frame = frames[k]
        self.caption.value = f"<b>{panels.esc(panels.caption(history, frame))}</b>"
        self.curves.value = panels.curves_svg(history, frames, marker=frame)
        if self.boundary is not None:
            self.boundary.value = panels.boundary_svg(history, frame)
        grads = bool(self.gradients.value) and frame.gradients is not None
        self.network.value = panels.network_svg(history, frame, gradients=grads, scale=self._weight_scale)
        if panels.too_big(history) is not None:
            self.legend.value = ""
        elif self.gradients.value and not grads:
            self.legend.value = panels.NO_GRADIENT + panels.network_legend(False)
        else:
            self.legend.value = panels.network_legend(grads)
