"""Training (theory §7): full-batch GD, seeded single-sample SGD and mini-batches are the
steps they claim to be; the history; the progress bar and running without tqdm."""

import random
import sys
import threading
import warnings

import pytest

import micrograd as mg
import needs
import nn
from nn import progress


def params(net):
    return [p.data for p in net.parameters()]


def manual_step(net, batch, loss, lr):
    """One averaged-gradient step written out: forward, sum, backward, w -= lr * grad."""
    net.zero_grad()
    total = mg.sum([loss(net(x), t) for x, t in batch]) * (1.0 / len(batch))
    total.backward()
    for p in net.parameters():
        p.data -= lr * p.grad
    return total.data


XS, YS = nn.moons(24, noise=0.1, seed=3)
TS = [2 * y - 1 for y in YS]


def test_full_batch_mode_is_one_gradient_descent_step_per_epoch():
    a, b = nn.MLP(2, [4, 1], seed=1), nn.MLP(2, [4, 1], seed=1)
    history = nn.train(a, XS, TS, loss=nn.hinge, lr=0.05, epochs=3, mode="full", progress=False)
    losses = [manual_step(b, list(zip(XS, TS)), nn.hinge, 0.05) for _ in range(3)]
    assert params(a) == params(b)
    assert history.loss == pytest.approx(losses, rel=1e-12)


def test_sgd_mode_steps_on_one_sample_at_a_time_in_a_seeded_order():
    a, b = nn.MLP(2, [4, 1], seed=1), nn.MLP(2, [4, 1], seed=1)
    nn.train(a, XS, TS, loss="hinge", lr=0.05, epochs=2, mode="sgd", seed=9, progress=False)
    rng, order = random.Random(9), list(range(len(XS)))
    for _ in range(2):
        rng.shuffle(order)
        for n in order:
            manual_step(b, [(XS[n], TS[n])], nn.hinge, 0.05)
    assert params(a) == params(b)
    c = nn.MLP(2, [4, 1], seed=1)
    nn.train(c, XS, TS, loss="hinge", lr=0.05, epochs=2, mode="sgd", seed=10, progress=False)
    assert params(c) != params(a)


def test_minibatch_mode_shuffles_then_steps_on_each_batch():
    a, b = nn.MLP(2, [4, 1], seed=1), nn.MLP(2, [4, 1], seed=1)
    history = nn.train(a, XS, TS, loss=nn.hinge, lr=0.05, epochs=2, mode="minibatch", batch_size=10, progress=False)
    rng, order = random.Random(0), list(range(len(XS)))
    for epoch in range(2):
        rng.shuffle(order)
        batches = [order[s : s + 10] for s in range(0, len(order), 10)]
        assert [len(batch) for batch in batches] == [10, 10, 4]
        losses = [manual_step(b, [(XS[n], TS[n]) for n in batch], nn.hinge, 0.05) for batch in batches]
        mean = sum(loss * len(batch) for loss, batch in zip(losses, batches)) / len(XS)
        assert history.loss[epoch] == pytest.approx(mean, rel=1e-12)
    assert params(a) == params(b)


def test_training_on_moons_learns_and_reports_accuracy():
    xs, ys = nn.moons(60, noise=0.05, seed=0)
    net = nn.MLP(2, [16, 16, 1], seed=0)
    history = nn.train(net, xs, [2 * y - 1 for y in ys], loss=nn.hinge, optimizer=nn.Adam(net.parameters(), 0.02),
                       epochs=60, progress=False)
    assert len(history.loss) == len(history.accuracy) == 60
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert history.accuracy[-1] >= 0.9
    correct = sum((net(x)[0].data >= 0) == (y == 1) for x, y in zip(xs, ys))
    assert correct >= 54


def test_accuracy_for_each_class_loss_and_none_for_regression():
    xs, ys = nn.xor()
    for loss, ts, acts in [
        (nn.bce, ys, ["tanh", "sigmoid"]),
        (nn.bce_with_logits, ys, ["tanh", "identity"]),
        (nn.softmax_cross_entropy, ys, ["tanh", "identity"]),
    ]:
        width = 2 if loss is nn.softmax_cross_entropy else 1
        net = nn.MLP(2, [8, width], activations=acts, seed=2)
        history = nn.train(net, xs, ts, loss=loss, optimizer=nn.Adam(net.parameters(), 0.05), epochs=300, progress=False)
        assert history.accuracy[-1] == 1.0, loss.__name__
    history = nn.train(nn.MLP(2, [3, 1]), xs, ys, epochs=2, progress=False)
    assert history.accuracy is None and len(history.loss) == 2
    assert "epoch  loss" in str(history)


def test_train_step_returns_the_loss_before_the_update():
    net = nn.MLP(2, [3, 1], seed=4)
    before = nn.squared_error(net(XS[0]), [1.0]).data
    loss = nn.train_step(net, [XS[0]], [[1.0]], nn.squared_error, nn.SGD(net.parameters(), 0.1))
    assert loss == before and nn.squared_error(net(XS[0]), [1.0]).data < before


def test_the_progress_bar_is_tqdm_and_can_be_turned_off(capsys):
    nn.train(nn.MLP(2, [2, 1]), XS, TS, loss=nn.hinge, epochs=2, progress=True)
    assert "train" in capsys.readouterr().err
    nn.train(nn.MLP(2, [2, 1]), XS, TS, loss=nn.hinge, epochs=2, progress=False)
    assert capsys.readouterr().err == ""


def test_by_default_no_bar_goes_into_a_file_or_a_pipe(capsys):
    nn.train(nn.MLP(2, [2, 1]), XS, TS, loss=nn.hinge, epochs=2)  # stderr captured: not a terminal
    assert capsys.readouterr().err == ""


def test_by_default_a_terminal_gets_the_bar(capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    nn.train(nn.MLP(2, [2, 1]), XS, TS, loss=nn.hinge, epochs=2)
    assert "train" in capsys.readouterr().err


def test_where_no_thread_can_start_the_bar_starts_none(capsys, monkeypatch):
    # Python in WebAssembly (Pyodide) has no threads: tqdm tried to start its monitor thread
    # there, and every run warned that it could not
    bar = needs.module("tqdm.auto", "the progress bar", "tqdm").tqdm  # the kind nn.train draws
    monkeypatch.setattr(progress, "NO_THREADS", True)
    monkeypatch.setattr(bar, "monitor", None)  # as in a fresh process: the next bar would start it

    def no_thread(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", no_thread)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(nn.train(nn.MLP(2, [2, 1]), XS, TS, loss=nn.hinge, epochs=3, progress=True).loss) == 3
    assert "train" in capsys.readouterr().err
    assert bar.monitor is None and bar.monitor_interval != 0  # tqdm's own class is left as it was


def test_live_outside_jupyter_trains_with_one_note_and_starts_no_thread(capsys, monkeypatch):
    # the fallback a browser's Python (Pyodide, no threads) takes when live=True finds no kernel
    from nn.views.live import NOTE

    def no_thread(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", no_thread)
    history = nn.train(nn.MLP(2, [2, 1]), XS, TS, loss=nn.hinge, epochs=2, live=True, progress=False)
    assert len(history.loss) == 2
    assert capsys.readouterr().err == NOTE + "\n"


def test_training_works_without_tqdm_when_progress_is_off_or_automatic(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now raises ImportError
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    assert len(nn.train(nn.MLP(2, [2, 1]), XS, TS, epochs=2, progress=False).loss) == 2
    assert len(nn.train(nn.MLP(2, [2, 1]), XS, TS, epochs=2).loss) == 2
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # a terminal, where the bar would be drawn
    assert len(nn.train(nn.MLP(2, [2, 1]), XS, TS, epochs=2).loss) == 2
    with pytest.raises(ImportError, match="progress=True needs tqdm"):
        nn.train(nn.MLP(2, [2, 1]), XS, TS, epochs=2, progress=True)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"lr": 0}, "SGD: lr must be a positive number, got 0"),
    ({"lr": -1.0}, "lr must be a positive number, got -1.0"),
    ({"mode": "stochastic"}, "unknown mode 'stochastic'; use one of full, sgd, minibatch"),
    ({"epochs": 0}, "epochs must be a whole number >= 1, got 0"),
    ({"mode": "minibatch", "batch_size": 0}, "batch_size must be a whole number >= 1, got 0"),
    ({"loss": "l2"}, "unknown loss 'l2'"),
])
def test_bad_settings_name_the_argument_and_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        nn.train(nn.MLP(2, [1]), XS, TS, progress=False, **kwargs)


def test_bad_data_is_refused_clearly():
    net = nn.MLP(2, [1])
    with pytest.raises(ValueError, match="xs has 24 samples but ts has 23 targets"):
        nn.train(net, XS, TS[:-1], progress=False)
    with pytest.raises(TypeError, match=r"train: xs must be a list \(or tuple\), got int: 5"):
        nn.train(net, 5, TS, progress=False)
    with pytest.raises(ValueError, match="xs is empty"):
        nn.train(net, [], [], progress=False)
    with pytest.raises(ValueError, match="give either an optimizer or lr"):
        nn.train(net, XS, TS, optimizer=nn.SGD(net.parameters(), 0.1), lr=0.1, progress=False)
    with pytest.raises(ValueError, match="input x has 3 entries but the network takes 2"):
        nn.train(net, [[1.0, 2.0, 3.0]], [1.0], progress=False)


# --- registries and the garbage collector ------------------------------------------------------


def test_an_optimizer_by_name_with_its_default_rate():
    a, b = nn.MLP(2, [3, 1], seed=2), nn.MLP(2, [3, 1], seed=2)
    nn.train(a, XS, TS, loss="hinge", optimizer="momentum", epochs=2, mode="full", progress=False)
    nn.train(b, XS, TS, loss="hinge", optimizer=nn.Momentum(b.parameters(), nn.Momentum.default_lr), epochs=2,
             mode="full", progress=False)
    assert params(a) == params(b)


def test_accuracy_is_counted_as_the_loss_registry_says(monkeypatch):
    import dataclasses

    never = dataclasses.replace(nn.LOSSES["hinge"], correct=lambda y, t: False)
    monkeypatch.setitem(nn.LOSSES, "hinge", never)
    history = nn.train(nn.MLP(2, [3, 1]), XS, TS, loss="hinge", epochs=1, progress=False)
    assert history.accuracy == [0.0]


def test_by_default_training_leaves_the_process_wide_collector_alone():
    import gc

    seen = []

    def watched(y, t):
        seen.append(gc.isenabled())
        return nn.hinge(y, t)

    nn.train(nn.MLP(2, [2, 1]), XS[:4], TS[:4], loss=watched, epochs=1, progress=False)
    assert seen and all(seen) and gc.isenabled()
    gc.disable()
    try:
        seen.clear()
        nn.train(nn.MLP(2, [2, 1]), XS[:4], TS[:4], loss=watched, epochs=1, progress=False)
        assert seen and not any(seen) and not gc.isenabled()
    finally:
        gc.enable()


def test_a_training_thread_never_turns_the_collector_on_behind_another_threads_back():
    # once, nn.train switched the collector off and on around every step from its own thread:
    # with a training thread running, 27 of 100 samples saw it on after the main thread had
    # turned it off
    import gc
    import threading

    started, done = threading.Event(), threading.Event()

    def hinge(y, t):
        started.set()
        return nn.hinge(y, t)

    def training():
        try:
            nn.train(nn.MLP(2, [4, 1]), XS, TS, loss=hinge, epochs=40, mode="sgd", progress=False)
        finally:
            done.set()

    worker = threading.Thread(target=training)
    worker.start()
    started.wait()
    gc.disable()  # while the other thread trains
    try:
        samples = []
        while not done.is_set():
            samples.append(gc.isenabled())
        worker.join()
    finally:
        gc.enable()
    assert samples and not any(samples), f"{sum(samples)} of {len(samples)} samples saw the collector on"


def test_pause_collector_pauses_it_during_each_step_and_restores_its_state_after():
    import gc

    seen = []

    def watched(y, t):
        seen.append(gc.isenabled())
        return nn.hinge(y, t)

    nn.train(nn.MLP(2, [2, 1]), XS[:4], TS[:4], loss=watched, epochs=1, progress=False, pause_collector=True)
    assert seen and not any(seen) and gc.isenabled()  # every loss built with the collector paused
    gc.disable()
    try:
        nn.train(nn.MLP(2, [2, 1]), XS[:4], TS[:4], loss=watched, epochs=1, progress=False, pause_collector=True)
        assert not gc.isenabled()  # the previous state, not "on"
    finally:
        gc.enable()


def test_the_collector_is_restored_when_a_paused_step_fails():
    import gc

    def broken(y, t):
        raise RuntimeError("broken loss")

    with pytest.raises(RuntimeError, match="broken loss"):
        nn.train(nn.MLP(2, [2, 1]), XS[:4], TS[:4], loss=broken, epochs=1, progress=False, pause_collector=True)
    assert gc.isenabled()
