"""The live view (nn.views.live): its widgets follow the run and then step through it,
their state is JSON; a network past the drawing limits is collapsed with a note, inputs
that are not 2-D get no boundary panel; outside Jupyter live=True keeps the progress bar
with a one-line note. One test runs it in a real kernel (nbclient) and reads the widget
state the kernel sent."""

import json
import os
import re
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

import nn
from nn import MAX_DRAWN_UNITS, MAX_DRAWN_WEIGHTS, LiveView
from nn.views.live import NOTE


def widget_states(widget):
    """The state of ``widget`` and of every widget inside it, each as JSON text."""
    out = [json.dumps(widget.get_state())]
    for child in getattr(widget, "children", ()):
        out += widget_states(child)
    return out


@pytest.fixture(scope="module")
def trained():
    xs, ys = nn.moons(30, noise=0.1, seed=0)
    net = nn.MLP(2, [4, 4, 1], seed=1)
    view = LiveView(show=False, grid=12)
    drawn = []
    original = view.draw
    view.draw = lambda k: (drawn.append(k), original(k))  # every frame the view drew
    nn.train(net, xs, ys, loss="bce_with_logits", lr=0.3, epochs=8, mode="minibatch", batch_size=10, monitor=view, progress=False)
    return view, drawn


def test_the_view_follows_every_snapshot_while_training(trained):
    view, drawn = trained
    frames = view.history.frames
    assert len(frames) == 8 * 3 + 1
    assert drawn == list(range(len(frames)))  # each new snapshot drawn as it arrived, in order
    assert view.slider.max == view.play.max == len(frames) - 1 and view.slider.value == len(frames) - 1
    assert view.caption.value == "<b>step 24 of 24 · epoch 8 of 8 · loss {} · accuracy {:.1%} · lr 0.3</b>".format(
        format(frames[-1].loss, ".4g"), frames[-1].accuracy
    )
    assert view.status.value.startswith("done: 25 snapshots")


def test_step_buttons_and_the_slider_go_through_the_snapshots(trained):
    view, _ = trained
    last = view.slider.max
    network, boundary, curves = view.network.value, view.boundary.value, view.curves.value
    view.back.click()
    assert view.current == last - 1 and "step 23 of 24" in view.caption.value
    assert view.network.value != network and view.boundary.value != boundary and view.curves.value != curves
    view.slider.value = 0
    assert "step 0 of 24 · epoch 0 of 8" in view.caption.value
    view.back.click()
    assert view.current == 0  # stays within the run
    view.forward.click()
    assert view.current == 1 and "step 1 of 24" in view.caption.value
    view.slider.value = last


def test_the_gradient_toggle_draws_dl_dw(trained):
    view, _ = trained
    weights = view.network.value
    view.gradients.value = True
    assert view.network.value != weights and "dL/dw" in view.legend.value
    widths = [float(w) for w in re.findall(r'stroke-width="([0-9.]+)" stroke-opacity', view.network.value)]
    assert max(widths) == 6.0  # the largest |dL/dw| of the step draws at full width
    view.slider.value = 0  # no gradient before the first step: the weights, and the legend says so
    assert view.legend.value.startswith("No gradient at step 0")
    with_toggle = view.network.value
    view.gradients.value = False
    assert view.network.value == with_toggle
    view.slider.value = view.slider.max
    assert view.network.value == weights


def test_every_widget_state_is_json(trained):
    view, _ = trained
    states = widget_states(view.widget)
    assert len(states) >= 10
    assert any("step 24 of 24" in s for s in states)


def test_a_network_too_big_to_draw_is_collapsed_and_says_so():
    net = nn.MLP(2, [30, 30, 1], seed=0)  # 2*30 + 30*30 + 30 = 990 weights, 61 units
    assert sum(len(n.w) for layer in net.layers for n in layer.neurons) > MAX_DRAWN_WEIGHTS
    view = LiveView(show=False, grid=4)
    view.start(net, [[0.0, 1.0], [1.0, 0.0]], [0.0, 1.0], loss=nn.bce_with_logits, correct=None, optimizer=None, steps=1, epochs=1)
    assert view.network.value.startswith('<p class="mg-collapsed">The network is not drawn: it has 990 weights and 61 units')
    assert f"up to {MAX_DRAWN_WEIGHTS} weights and {MAX_DRAWN_UNITS} units" in view.network.value
    assert "<svg" in view.boundary.value and "<polyline" in view.curves.value


def test_too_many_units_collapse_the_picture_too():
    view = LiveView(show=False)
    view.start(nn.MLP(1, [70]), [[0.0], [1.0]], [[0.0] * 70, [1.0] * 70], loss=nn.squared_error, correct=None,
               optimizer=None, steps=1, epochs=1)
    assert "it has 70 weights and 70 units" in view.network.value and view.boundary is None


def test_inputs_that_are_not_2d_get_no_boundary_panel():
    view = LiveView(show=False)
    view.start(nn.MLP(3, [2, 1]), [[0.0, 1.0, 2.0], [1.0, 0.0, 1.0]], [0.0, 1.0], loss=nn.squared_error, correct=None,
               optimizer=None, steps=1, epochs=1)
    assert view.boundary is None
    assert "<svg" in view.network.value and "<polyline" in view.curves.value
    assert not any("mg-boundary" in s for s in widget_states(view.widget))


def test_outside_jupyter_live_keeps_the_bar_with_a_one_line_note(capsys):
    xs, ts = [[0.0, 1.0], [1.0, 0.0]], [0.0, 1.0]
    live = nn.train(nn.MLP(2, [2, 1]), xs, ts, epochs=3, live=True, progress=False)
    err = capsys.readouterr().err
    assert err == NOTE + "\n" and "\n" not in NOTE
    plain = nn.train(nn.MLP(2, [2, 1]), xs, ts, epochs=3, progress=False)
    assert live.loss == plain.loss


LIVE_CELL = """
import nn
from nn import LiveView
xs, ys = nn.moons(20, noise=0.1, seed=0)
view = LiveView(grid=8)
history = nn.train(nn.MLP(2, [3, 1], seed=1), xs, ys, loss="bce_with_logits", lr=0.3, epochs=5, mode="full", monitor=view)
print(len(view.history.frames), view.slider.value)
"""


@pytest.mark.notebooks
def test_in_a_kernel_the_updates_reach_the_front_end(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(LIVE_CELL)]
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}, store_widget_state=True).execute()
    outputs = nb.cells[0].outputs
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    assert any(o.get("text", "").strip() == "6 5" for o in outputs if o.output_type == "stream")
    states = nb.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]
    texts = [json.dumps(s["state"], ensure_ascii=False) for s in states.values()]
    assert any("step 5 of 5 · epoch 5 of 5" in t for t in texts)  # the last update arrived
    sliders = [s["state"] for s in states.values() if s["model_name"] == "IntSliderModel"]
    assert [(s["max"], s["value"]) for s in sliders] == [(5, 5)]


def test_importing_nn_and_training_never_load_the_pictures():
    code = (
        "import sys, nn\n"
        "nn.train(nn.MLP(2, [2, 1]), [[0.0, 1.0], [1.0, 0.0]], [0.0, 1.0], epochs=2, progress=False)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('micrograd.viz', 'graphviz', 'ipywidgets'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ).stdout
    assert out.strip() == "[]"
