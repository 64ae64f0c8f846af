"""The training recorder (nn.views.recorder): a snapshot every k-th step with k =
ceil(steps / max_frames), whatever the run's length; the boundary grid, computed when asked
for, is the network's own output at the grid points with that snapshot's weights; no
boundary for inputs that are not 2-D; what it records agrees with the network, with
nn.train, and to the last bit with nn.evaluate."""

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd
import nn
from micrograd import Value
from nn.views.recorder import FloatNet, TrainingRecorder


def start(recorder, net, xs, ts, steps, loss=nn.squared_error, correct=None, optimizer=None, epochs=1):
    recorder.start(net, xs, ts, loss=loss, correct=correct, optimizer=optimizer, steps=steps, epochs=epochs)
    return recorder.history


XS = [[0.0, 0.0], [1.0, 0.5], [-1.0, 2.0], [0.5, -1.5]]
TS = [0.0, 1.0, 1.0, 0.0]


@settings(max_examples=25, deadline=None)
@given(steps=st.integers(1, 3000), max_frames=st.integers(1, 60))
def test_at_most_max_frames_after_the_start_every_kth_step_and_the_last(steps, max_frames):
    recorder = TrainingRecorder(max_frames=max_frames, grid=2)
    history = start(recorder, nn.MLP(2, [2, 1], seed=0), XS, TS, steps)
    for step in range(1, steps + 1):
        recorder.update(step=step, epoch=1, loss=0.0)
    k = math.ceil(steps / max_frames)
    recorded = [f.step for f in history.frames]
    assert history.every == k
    assert len(recorded) <= max_frames + 1
    assert recorded[0] == 0 and recorded[-1] == steps
    expected = list(range(0, steps + 1, k))  # the start and every k-th step ...
    if expected[-1] != steps:
        expected.append(steps)  # ... and the last
    assert recorded == expected


def grid_by_hand(bounds, n):
    """Cell centres, top row first, computed here from the bounds (not by the recorder)."""
    x0, x1, y0, y1 = bounds
    return [[(x0 + (c + 0.5) * (x1 - x0) / n, y1 - (r + 0.5) * (y1 - y0) / n) for c in range(n)] for r in range(n)]


@pytest.mark.parametrize("activations", [
    ["relu", "identity"], ["tanh", "sigmoid"], ["prelu", "elu"], ["softplus", "arctan"], [lambda u: u * u, "identity"],
])
def test_the_boundary_grid_is_the_networks_output_at_the_grid_points(activations):
    net = nn.MLP(2, [5, 1], activations, seed=3)
    for p in net.parameters():
        if p.label.startswith("alpha"):
            p.data = 0.1  # a learnt PReLU slope, not the default
    recorder = TrainingRecorder(grid=7)
    history = start(recorder, net, XS, TS, steps=1)
    lo0, hi0 = min(x[0] for x in XS), max(x[0] for x in XS)
    lo1, hi1 = min(x[1] for x in XS), max(x[1] for x in XS)
    assert history.bounds == pytest.approx((lo0 - 0.2, hi0 + 0.2, lo1 - 0.35, hi1 + 0.35))  # 10% of the range each side
    assert history.frames[0].boundary is None  # not computed until something draws it
    boundary = history.boundary_of(history.frames[0])
    assert history.frames[0].boundary is boundary
    assert len(boundary) == 7 and all(len(row) == 7 for row in boundary)
    with micrograd.no_grad():
        for row, points in zip(boundary, grid_by_hand(history.bounds, 7)):
            for got, point in zip(row, points):
                assert got == pytest.approx([v.data for v in net(list(point))], rel=1e-12, abs=1e-12)


def test_the_float_forward_matches_the_value_network_on_several_outputs():
    net = nn.MLP(3, [4, 3, 2], ["tanh", "relu", "identity"], seed=5)
    points = [[0.1, -0.2, 0.3], [2.0, 1.0, -1.0]]
    layers = FloatNet(net).forward(points)
    assert [len(z) for z in layers] == [3, 4, 3, 2]
    for n, x in enumerate(points):
        assert [z_j[n] for z_j in layers[-1]] == pytest.approx([v.data for v in net(x)], rel=1e-12)


def test_inputs_that_are_not_2d_have_no_boundary():
    xs = [[0.0, 1.0, 2.0], [1.0, 0.0, -1.0]]
    recorder = TrainingRecorder()
    history = start(recorder, nn.MLP(3, [2, 1], seed=0), xs, [0.0, 1.0], steps=2)
    recorder.update(step=1, epoch=1, loss=0.5)
    recorder.update(step=2, epoch=2, loss=0.4)
    assert not history.has_boundary and history.bounds is None
    assert [history.boundary_of(f) for f in history.frames] == [None, None, None]
    assert [f.step for f in history.frames] == [0, 1, 2]


def test_a_recorded_run_agrees_with_the_network_and_with_train():
    xs, ys = nn.moons(20, noise=0.1, seed=0)
    net = nn.MLP(2, [4, 1], seed=1)
    recorder = TrainingRecorder(sample=3)
    with micrograd.no_grad():  # the loss before training, by hand with Values
        start_loss = sum(nn.bce_with_logits(net(x), t).data for x, t in zip(xs, ys)) / len(xs)
    history = nn.train(net, xs, ys, loss="bce_with_logits", lr=0.5, epochs=6, mode="minibatch", batch_size=5, monitor=recorder, progress=False)
    run = recorder.history
    assert run.steps == 6 * 4 and run.every == 1 and [f.step for f in run.frames] == list(range(25))
    assert [f.epoch for f in run.frames] == [0] + [e for e in range(1, 7) for _ in range(4)]
    assert run.frames[0].loss == pytest.approx(start_loss, rel=1e-12)
    last = run.frames[-1]
    assert last.parameters == [p.data for p in net.parameters()]
    assert last.gradients == [p.grad for p in net.parameters()] and run.frames[0].gradients is None
    assert last.lr == 0.5 and last.accuracy is not None
    with micrograd.no_grad():
        hidden = [u.data for u in net.layers[0](xs[3])]
        assert last.activations[0] == list(xs[3])
        assert last.activations[1] == pytest.approx(hidden, rel=1e-12)
        assert last.activations[2] == pytest.approx([v.data for v in net(xs[3])], rel=1e-12)
        outputs = [net(x)[0].data for x in xs]
    assert last.accuracy == sum((y > 0) == (t == 1) for y, t in zip(outputs, ys)) / len(xs)
    assert last.loss < history.loss[0]
    active = sum(1 for x in xs if net.layers[0](x)[0].data != 0) / len(xs)
    assert last.active[0][0] == active and last.active[1] == [sum(y != 0 for y in outputs) / len(xs)]
    assert run.classes == ys and run.center == 0.0 and run.loss_name == "bce_with_logits"


def test_train_calls_the_monitor_once_per_step_and_finishes():
    calls = []

    class Monitor:
        def start(self, net, xs, ts, **run):
            calls.append(("start", run["steps"], run["epochs"], run["correct"] is None))

        def update(self, *, step, epoch, loss):
            calls.append(("update", step, epoch, isinstance(loss, float)))

        def finish(self):
            calls.append(("finish",))

    nn.train(nn.MLP(2, [2, 1]), XS, TS, epochs=2, mode="minibatch", batch_size=3, monitor=Monitor(), progress=False)
    assert calls == [("start", 4, 2, True), ("update", 1, 1, True), ("update", 2, 1, True),
                     ("update", 3, 2, True), ("update", 4, 2, True), ("finish",)]


@pytest.mark.parametrize("option, value, text", [
    ("max_frames", 0, "max_frames must be a whole number >= 1, got 0"),
    ("grid", 1, "grid must be a whole number >= 2, got 1"),
    ("sample", -1, "sample must be a whole number >= 0, got -1"),
    ("center", math.nan, "center must be a finite number or None, got nan"),
])
def test_bad_options_are_named(option, value, text):
    with pytest.raises(ValueError, match=text):
        TrainingRecorder(**{option: value})


def test_a_sample_past_the_data_is_named():
    with pytest.raises(ValueError, match="sample 9 is not a sample index; xs has 4 samples"):
        start(TrainingRecorder(sample=9), nn.MLP(2, [1]), XS, TS, steps=1)


def test_update_before_start_says_what_to_do():
    with pytest.raises(RuntimeError, match="monitor="):
        TrainingRecorder().update(step=1, epoch=1, loss=0.0)


def test_live_and_monitor_together_are_refused():
    with pytest.raises(ValueError, match="either monitor or live=True"):
        nn.train(nn.MLP(2, [1]), XS, TS, monitor=TrainingRecorder(), live=True)


def test_the_class_flips_at_the_center_the_output_suggests():
    cases = [
        (nn.MLP(2, [1], ["sigmoid"]), nn.bce, TS, 0.5),
        (nn.MLP(2, [1]), nn.bce_with_logits, TS, 0.0),
        (nn.MLP(2, [1]), nn.hinge, [-1.0, 1.0, 1.0, -1.0], 0.0),
        (nn.MLP(2, [1]), nn.squared_error, [0.0, 4.0, 4.0, 0.0], 2.0),
    ]
    for net, loss, ts, center in cases:
        assert start(TrainingRecorder(grid=2), net, XS, ts, steps=1, loss=loss).center == center, loss.__name__


def test_a_value_is_never_kept_only_floats():
    history = start(TrainingRecorder(grid=2), nn.MLP(2, [2, 1], seed=0), XS, TS, steps=1)
    f = history.frames[0]
    boundary = history.boundary_of(f)
    numbers = [f.loss, *f.parameters, *(z for layer in f.activations for z in layer), *(y for row in boundary for ys in row for y in ys)]
    assert all(type(v) is float for v in numbers)
    assert not any(isinstance(v, Value) for v in numbers)


@pytest.mark.parametrize("xs, text", [
    ([[0.0, 1.0], [1.0]], "sample 1 has 1 entries but the network takes 2: [1.0]"),
    ([[0.0, 1.0], ["a", 1.0]], "sample 1 must be a list of 2 numbers, got ['a', 1.0]"),
    ([[0.0, 1.0], 3.0], "sample 1 must be a list of 2 numbers, got 3.0"),
])
def test_a_sample_that_does_not_fit_the_network_is_named(xs, text):
    with pytest.raises(ValueError, match=re.escape(text)):
        start(TrainingRecorder(), nn.MLP(2, [1]), xs, [0.0, 1.0], steps=1)


def test_class_indices_keep_their_numbers_when_a_class_is_missing():
    history = start(TrainingRecorder(grid=2), nn.MLP(2, [3]), XS, [0, 2, 2, 0], steps=1, loss=nn.softmax_cross_entropy, correct=lambda y, t: True)
    assert history.classes == [0, 2, 2, 0]
    history = start(TrainingRecorder(grid=2), nn.MLP(2, [1]), XS, [-1.0, 1.0, 1.0, -1.0], steps=1, loss=nn.hinge, correct=lambda y, t: True)
    assert history.classes == [0, 1, 1, 0]


def test_no_finite_point_means_no_boundary():
    inf = float("inf")
    history = start(TrainingRecorder(grid=2), nn.MLP(2, [1]), [[inf, 0.0], [0.0, -inf]], [0.0, 1.0], steps=1)
    assert history.bounds is None and history.boundary_of(history.frames[0]) is None


def test_each_snapshot_has_the_boundary_of_its_own_weights():
    xs, ys = nn.moons(20, noise=0.1, seed=0)
    net = nn.MLP(2, [4, 1], seed=1)
    recorder = TrainingRecorder(grid=5)
    nn.train(net, xs, ys, loss="bce_with_logits", lr=0.5, epochs=3, monitor=recorder, progress=False)
    history = recorder.history
    first, last = history.boundary_of(history.frames[0]), history.boundary_of(history.frames[-1])
    assert first != last
    with micrograd.no_grad():  # the trained network is the last snapshot's
        for row, points in zip(last, grid_by_hand(history.bounds, 5)):
            for got, point in zip(row, points):
                assert got == [v.data for v in net(list(point))]  # to the last bit: the same sums as nn's dot


@pytest.mark.parametrize("activations, loss, targets", [
    (["relu", "relu", "identity"], "bce_with_logits", "binary"),
    (["prelu", "tanh", "identity"], "softmax_cross_entropy", "classes"),
    (["elu", "sigmoid", "sigmoid"], "squared_error", "binary"),
])
def test_the_loss_and_accuracy_of_a_snapshot_are_nn_evaluates_to_the_last_bit(activations, loss, targets):
    """What the replay page shows and what micrograd train prints last are the same numbers."""
    xs, ys = nn.moons(30, noise=0.2, seed=2)
    outputs = 2 if targets == "classes" else 1
    ts = list(ys) if targets == "classes" else [float(y) for y in ys]
    net = nn.MLP(2, [5, 4, outputs], activations, seed=4)
    before = nn.evaluate(net, xs, ts, loss=loss)
    recorder = TrainingRecorder()
    nn.train(net, xs, ts, loss=loss, optimizer="adam", lr=0.05, epochs=4, mode="minibatch", batch_size=7, monitor=recorder,
             progress=False)
    after = nn.evaluate(net, xs, ts, loss=loss)
    first, last = recorder.history.frames[0], recorder.history.frames[-1]
    assert (first.loss, first.accuracy) == before
    assert (last.loss, last.accuracy) == after
    assert before != after


def test_the_float_network_of_a_snapshot_is_the_networks():
    net = nn.MLP(2, [3, 2], ["prelu", "identity"], seed=6, bias=[True, False])
    for p in net.parameters():
        if p.label.startswith("alpha"):
            p.data = -0.3
    history = start(TrainingRecorder(grid=2), net, XS, [[t, -t] for t in TS], steps=1)
    points = [[0.3, -0.7], [2.0, 1.5]]
    assert FloatNet.at(history, history.frames[0].parameters).outputs(points) == FloatNet(net).outputs(points)
    with micrograd.no_grad():
        assert FloatNet(net).outputs(points) == [[v.data for v in net(p)] for p in points]
