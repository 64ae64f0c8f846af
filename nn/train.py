"""Training loops (theory §7): full-batch gradient descent, single-sample SGD, mini-batches.

One step: forward every sample of the batch, average their losses into one node,
``backward()``, ``optimizer.step()``. One epoch: one pass over all the samples.
"""

from __future__ import annotations

import contextlib
import math
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import micrograd
from micrograd import Value

from .checks import length, positive_int, show
from .compiled import CompiledSteps, collector_paused
from .losses import get_loss, squared_error
from .module import MLP, Module
from .optim import Optimizer, get_optimizer
from .progress import progress_range

MODES = ("full", "sgd", "minibatch")


@dataclass
class History:
    """Per epoch: the mean loss over the samples (each taken at the forward pass of its own
    step, before that step's update) and, when the targets are classes, the accuracy."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] | None = None

    def __str__(self) -> str:
        rows = ["epoch  loss" + ("          accuracy" if self.accuracy is not None else "")]
        for e, loss in enumerate(self.loss, 1):
            acc = f"  {self.accuracy[e - 1]:.4f}" if self.accuracy is not None else ""
            rows.append(f"{e:5d}  {loss:.10g}{acc}")
        return "\n".join(rows)


def evaluate(
    net: Module, xs: Sequence[Sequence[float]], ts: Sequence[Any], *, loss: str | Callable[..., Value] = squared_error
) -> tuple[float, float | None]:
    """(the mean loss over the samples, the accuracy) of ``net`` as it is, no step taken:
    ``1/N sum_n loss(net(x_n), t_n)``, and for a class loss (``nn.LOSSES``) the fraction of
    samples whose output picks the target's class (None for the others)."""
    entry = get_loss(loss, "evaluate")
    if length(xs, "xs", "evaluate") != length(ts, "ts", "evaluate"):
        raise ValueError(f"evaluate: xs has {len(xs)} samples but ts has {len(ts)} targets; they must pair up")
    if len(xs) == 0:
        raise ValueError("evaluate: xs is empty; give at least one sample")
    with micrograd.no_grad():
        outputs = [net(x) for x in xs]
        losses = [entry.function(y, t).data for y, t in zip(outputs, ts)]
        hits = None if entry.correct is None else sum(bool(entry.correct(y, t)) for y, t in zip(outputs, ts))
    return math.fsum(losses) / len(xs), None if hits is None else hits / len(xs)


def train_step(
    net: Module, xs: Sequence[Sequence[float]], ts: Sequence[Any], loss: Callable[..., Value], optimizer: Optimizer
) -> float:
    """One step on a batch: ``L = 1/N sum_n loss(net(x_n), t_n)``, ``backward``, ``optimizer.step()``.
    Returns L as it was before the update."""
    return _step(net, xs, ts, loss, optimizer)[0].data


def _step(net, xs, ts, loss, optimizer) -> tuple[Value, list[list[Value]]]:
    outputs = [net(x) for x in xs]
    total = _mean([loss(y, t) for y, t in zip(outputs, ts)])
    optimizer.zero_grad()
    total.backward()
    optimizer.step()
    return total, outputs


def _mean(losses: list[Any]) -> Any:
    """``L = 1/N sum_n L_n``: one node for the sum, one for the scaling (or floats, given floats)."""
    return micrograd.sum(losses) * (1.0 / len(losses))


def train(
    net: MLP,
    xs: Sequence[Sequence[float]],
    ts: Sequence[Any],
    *,
    loss: str | Callable[..., Value] = squared_error,
    optimizer: Optimizer | str | None = None,
    lr: float | None = None,
    epochs: int = 10,
    mode: str = "full",
    batch_size: int = 16,
    seed: int = 0,
    progress: bool | None = None,
    monitor: Any = None,
    live: bool = False,
    compiled: bool | None = None,
    pause_collector: bool = False,
) -> History:
    """Train ``net`` on the samples ``xs`` with targets ``ts`` for ``epochs`` passes.

    ``mode``: ``"full"`` (one gradient-descent step per epoch on every sample),
    ``"sgd"`` (one step per sample, in an order shuffled from ``seed`` each epoch) or
    ``"minibatch"`` (shuffled, then steps on batches of ``batch_size``). Each step averages
    the batch's losses. ``loss`` is a name or a function (``nn.LOSSES``). ``optimizer`` is
    an ``nn.Optimizer``, or a name from ``nn.OPTIMIZERS`` (None: SGD) built on
    ``net.parameters()`` with ``lr`` (default: that optimizer's ``default_lr``). ``progress``: a tqdm
    bar (True), none (False), or (None) a bar where a person watches, a terminal or a
    notebook, and tqdm is installed: never into a file or a pipe. Accuracy is kept for
    the losses whose registry entry says how to count it (the class losses).
    ``compiled``: replay each sample's graph as a compiled program once its target comes
    back (``nn.compiled``: the same numbers, faster). ``None`` (the default) does so where that
    is proven exact: every activation a row of the op table, a registered loss; a Python
    function of yours as activation or loss trains interpreted, unless ``compiled=True``
    (then under the trace rule, with a warning: a branch on ``.data`` stays as traced).

    ``pause_collector=True``: each step pauses Python's cyclic garbage collector and
    restores its state after, also on an error: a step's graph holds no reference cycles,
    reference counting frees it, and the collector would only walk it in vain (an
    interpreted step is about a quarter faster, see benchmarks/README.md). The collector is
    the whole process's: ask for this only where no other thread switches it (the
    ``micrograd`` command does, as it owns its process). By default nn.train leaves it alone.

    ``monitor``: an object told about the run: ``start(net, xs, ts, loss=, correct=,
    optimizer=, steps=, epochs=)`` before the first step (``correct(y, t)`` is the accuracy
    rule, or None), ``update(step=, epoch=, loss=)`` after every step (the batch's loss
    before its update), ``finish()`` at the end; ``nn.TrainingRecorder`` is one.
    ``live=True``: in Jupyter, watch the run (``nn.views.live``) instead of the bar;
    elsewhere the bar stays, with a one-line note.
    """
    entry = get_loss(loss, "train")
    if length(xs, "xs", "train") != length(ts, "ts", "train"):
        raise ValueError(f"train: xs has {len(xs)} samples but ts has {len(ts)} targets; they must pair up")
    if len(xs) == 0:
        raise ValueError("train: xs is empty; give at least one sample")
    epochs = positive_int(epochs, "epochs", "train")
    if mode not in MODES:
        raise ValueError(f"train: unknown mode {show(mode)}; use one of {', '.join(MODES)}")
    batch_size = positive_int(batch_size, "batch_size", "train")
    optimizer = get_optimizer(optimizer, net.parameters(), lr, "train")
    size = {"full": len(xs), "sgd": 1, "minibatch": batch_size}[mode]
    loss, correct = entry.function, entry.correct
    history = History(accuracy=[] if correct is not None else None)
    rng = random.Random(seed)
    order = list(range(len(xs)))
    if live:
        if monitor is not None:
            raise ValueError("train: give either monitor or live=True, not both")
        from .views.live import live_view  # here, not at the top: it is only for live=True

        monitor = live_view()  # None outside Jupyter
        progress = False if monitor is not None else progress
    if monitor is not None:
        steps = epochs * -(-len(xs) // size)
        monitor.start(net, xs, ts, loss=loss, correct=correct, optimizer=optimizer, steps=steps, epochs=epochs)
    step = 0
    stepper = CompiledSteps(net, entry, optimizer, _step, _mean, compiled=compiled)
    pause = collector_paused if pause_collector else contextlib.nullcontext
    epoch_range = progress_range(epochs, progress)
    for epoch in epoch_range:
        if mode != "full":
            rng.shuffle(order)
        loss_sum, hits = 0.0, 0
        for start in range(0, len(order), size):
            batch = order[start : start + size]
            bx, bt = [xs[n] for n in batch], [ts[n] for n in batch]
            with pause():
                batch_loss, outputs = stepper.step(bx, bt)
            loss_sum += batch_loss * len(batch)
            step += 1
            if monitor is not None:
                monitor.update(step=step, epoch=epoch + 1, loss=batch_loss)
            if correct is not None:
                hits += sum(correct(y, t) for y, t in zip(outputs, bt))
        history.loss.append(loss_sum / len(xs))
        if history.accuracy is not None:
            history.accuracy.append(hits / len(xs))
        if hasattr(epoch_range, "set_postfix"):
            shown = {"loss": f"{history.loss[-1]:.4g}"}
            if history.accuracy is not None:
                shown["accuracy"] = f"{history.accuracy[-1]:.3f}"
            epoch_range.set_postfix(shown)
    if monitor is not None:
        monitor.finish()
    return history
