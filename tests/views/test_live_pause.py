"""Pause, browse, step and resume a live run WHILE its cell trains, in a real kernel: the test
plays the browser, sending the widget messages a click sends (ipywidgets 8: an "update" of the
pause toggle's value, a "custom" click event of the step button, an "update" of the slider),
and reads what the kernel sends back on iopub. Like JupyterLab 4.6 and Notebook 7.6, it sends
a widget's next update only once the kernel said "idle" for its previous one, and addresses the
widget messages to a subshell of their own. test_live_jupyter.py presses the buttons in a real
browser."""

import html
import json
import os
import queue
import re
import sys
import time

import pytest
from jupyter_client.manager import start_new_kernel

from repository import ROOT as REPO

pytestmark = pytest.mark.notebooks  # each test runs cells in a Jupyter kernel

ROOT = str(REPO)
STEPS = 3000  # one epoch of the full batch per step; a snapshot every 30 steps

TRAIN = f"""
import nn
import threading
from nn import LiveView
threads = set()  # where the pause button's messages are handled

class Watched(LiveView):
    def _paused(self, paused):
        threads.add(threading.current_thread().name)
        super()._paused(paused)

xs, ys = nn.moons(8, noise=0.1, seed=0)
view = Watched(grid=4)
history = nn.train(nn.MLP(2, [2, 1], seed=1), xs, ys, loss="bce_with_logits", lr=0.1, epochs={STEPS}, mode="full", monitor=view)
print("returned", len(history.loss), len(view.history.frames), sorted(threads))
"""
EVERY = 30
WIDGET = "application/vnd.jupyter.widget-view+json"


class Front:
    """The browser's side of the widgets: who is which comm, what the kernel has sent."""

    def __init__(self, client):
        self.client = client
        self.models = {}  # comm id -> (model name, description)
        self.captions = []  # the step of every caption the kernel drew, in order
        self.statuses = []
        self.stdout = []
        self.displays = []  # (message type, data, display id) of what the kernel displayed
        self.idle = set()  # msg ids of the requests the kernel said "idle" for
        self.unanswered = {}  # comm id -> msg id of its last update, until the kernel said "idle" for it
        client.control_channel.send(client.session.msg("create_subshell_request", {}))
        self.subshell = client.get_control_msg(timeout=30)["content"]["subshell_id"]

    def comm(self, model, description=None):
        ids = [c for c, (m, d) in self.models.items() if m == model and (description is None or d == description)]
        assert len(ids) == 1, (model, description, self.models)
        return ids[0]

    def send(self, comm_id, data):
        msg = self.client.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
        msg["header"]["subshell_id"] = self.subshell  # JupyterLab's comms over a subshell
        self.client.shell_channel.send(msg)
        return msg["header"]["msg_id"]

    def update(self, comm_id, **state):
        """The browser holds a widget's update back until the kernel said "idle" for its last one."""
        last = self.unanswered.pop(comm_id, None)
        if last is not None:
            self.read(lambda: last in self.idle, within=60, what=f"no idle for the last update of {self.models[comm_id]}")
        self.unanswered[comm_id] = self.send(comm_id, {"method": "update", "state": state, "buffer_paths": []})

    def read(self, until, within=120, what="the kernel went quiet"):
        """Read iopub until ``until()`` holds (else fail after ``within`` seconds, or 120 s of silence);
        the limit only stops a hang."""
        deadline = time.monotonic() + within
        while not until():
            try:
                msg = self.client.get_iopub_msg(timeout=max(0.1, min(120, deadline - time.monotonic())))
            except queue.Empty:
                msg = None
            if msg is None or time.monotonic() > deadline:
                raise AssertionError(f"{what}; statuses {self.statuses[-3:]}, captions {self.captions[-3:]}")
            kind, content = msg["msg_type"], msg["content"]
            if kind == "comm_open":
                state = content["data"]["state"]
                self.models[content["comm_id"]] = (state["_model_name"], state.get("description"))
            elif kind == "comm_msg" and content["data"].get("method") == "update":
                state, model = content["data"]["state"], self.models.get(content["comm_id"], ("", ""))[0]
                found = re.match(r"<b>step (\d+) of", str(state.get("value", "")))
                if found:
                    self.captions.append(int(found.group(1)))
                if model == "LabelModel" and "value" in state:
                    self.statuses.append(state["value"])
            elif kind in ("display_data", "update_display_data"):
                self.displays.append((kind, content["data"], content.get("transient", {}).get("display_id")))
            elif kind == "stream" and content["name"] == "stdout":
                self.stdout.append(content["text"])
            elif kind == "error":
                raise AssertionError("\n".join(content["traceback"]))
            elif kind == "status" and content["execution_state"] == "idle":
                self.idle.add(msg["parent_header"].get("msg_id"))


def paused_at(front):
    found = re.match(r"paused at step (\d+):", front.statuses[-1]) if front.statuses else None
    return int(found.group(1)) if found else None


def test_pause_browse_step_and_resume_while_the_cell_trains():
    km, kc = start_new_kernel(kernel_name="python3", cwd=ROOT, env={**os.environ, "PYTHONPATH": ROOT})
    try:
        front = Front(kc)
        train = kc.execute(TRAIN)
        front.read(lambda: any(m == "ToggleButtonModel" and d == "gradients" for m, d in front.models.values()))
        pause, slider = front.comm("ToggleButtonModel", "pause"), front.comm("IntSliderModel")
        front.update(pause, value=True)  # the pause button, pressed as soon as the view is shown
        front.read(lambda: paused_at(front) is not None or train in front.idle)
        step = paused_at(front)
        assert step is not None and step % EVERY == 0 and step < STEPS, front.statuses[-3:]
        assert max(front.captions) == step  # the view is on the newest snapshot

        after = kc.execute("print('the next cell')")  # queued behind the paused one
        front.update(slider, value=0)  # browse back while paused: the kernel draws snapshot 0
        front.read(lambda: front.captions[-1] == 0)
        front.update(slider, value=1)
        front.read(lambda: front.captions[-1] == EVERY)
        assert max(front.captions) == step  # the training has not moved on
        assert paused_at(front) == step and train not in front.idle

        front.update(slider, value=step // EVERY)  # back on the newest snapshot, "step ▶" trains to the next
        front.read(lambda: front.captions[-1] == step)
        front.send(front.comm("ButtonModel", "step ▶"), {"method": "custom", "content": {"event": "click"}})
        front.read(lambda: paused_at(front) == step + EVERY)
        assert max(front.captions) == step + EVERY and train not in front.idle

        front.update(pause, value=False)  # go on: the run finishes and nn.train returns
        front.read(lambda: train in front.idle and after in front.idle)
        assert front.statuses[-1].startswith(f"done: {STEPS // EVERY + 1} snapshots")
        assert "".join(front.stdout) == f"returned {STEPS} {STEPS // EVERY + 1} ['MainThread']\nthe next cell\n"
        assert front.captions[-1] == STEPS

        # displayed: the widget with a note as its static form; at the end, the same widget with the run's replay
        view = [(k, d[WIDGET], d["text/html"], i) for k, d, i in front.displays if i is not None]  # not the progress bar
        (shown, widget, note, handle), (updated, same, replay, again) = view
        assert (shown, updated) == ("display_data", "update_display_data") and handle == again and handle
        assert widget["model_id"] == same["model_id"] == front.comm("VBoxModel")
        assert "its replay appears here when the run is over" in note
        page = html.unescape(re.fullmatch(r'<iframe [^>]*srcdoc="([^"]*)"[^>]*></iframe>', replay).group(1))
        captions = json.loads(re.search(r"const RUN = (\{.*?\});\n", page, re.S).group(1))["captions"]
        assert len(captions) == STEPS // EVERY + 1 and captions[-1].startswith(f"step {STEPS} of {STEPS} · epoch {STEPS} of {STEPS} ·")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_play_while_paused_goes_on_and_pause_is_off_after_the_run():
    import nn
    from nn import LiveView

    view = LiveView(show=False, grid=4)
    xs, ts = [[0.0, 1.0], [1.0, 0.0]], [0.0, 1.0]
    view.start(nn.MLP(2, [2, 1], seed=0), xs, ts, loss=nn.bce_with_logits, correct=None, optimizer=None, steps=4, epochs=4)
    view.pause.value = True
    assert not view._following
    view.play.playing = True  # the play button, pressed while paused
    assert view.pause.value is False and view._following
    view.finish()
    assert view.pause.disabled and view.pause.value is False


def test_an_ipykernel_older_than_7_4_is_not_read(monkeypatch):
    import types

    from nn.views import kernel_events

    monkeypatch.setitem(sys.modules, "ipykernel", types.SimpleNamespace(__version__="7.3.2"))
    assert kernel_events.ipykernel_version() == (7, 3)
    assert kernel_events.KernelEvents.open() is None  # before any of its internals is touched
    monkeypatch.setitem(sys.modules, "ipykernel", types.SimpleNamespace(__version__="7.4.0rc1"))
    assert kernel_events.ipykernel_version() == (7, 4)
    monkeypatch.delitem(sys.modules, "ipykernel")
    assert kernel_events.ipykernel_version() == ()
