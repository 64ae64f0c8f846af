"""Training steps replayed by compiled programs (``micrograd.compile``), one per sample.

A step's graph is the graphs of its samples, ``loss(net(x_n), t_n)``, joined by the mean
``L = 1/N sum_n L_n``. A sample's graph has the same shape every time its target comes back:
only its input and the parameters change. So it is traced once, with the input as leaf
Values, compiled, and from then on replayed: the program takes the parameters and the
input as floats and ``dL/dL_n`` (``seed``), and adds ``dL/dp`` to the parameters' gradients.
Run sample after sample, the programs add exactly what ``backward()`` adds on the whole
step's graph, in the same order (its walk finishes sample 1, then sample 2, ...), so
losses, gradients and weights are those of the interpreted step, bit for bit.

The targets are constants of the graph (the losses branch on them while building it), so a
program serves one target: class labels need one program per class, whatever the batches;
a target that is a real number is compiled the second time it comes up (a new epoch).

What is compiled (``use_programs``): by default, only what is proven to replay exactly: a
network whose every unit's activation is a row of the op table (``Module.traceable``) with a
loss of the registry marked ``traceable``. A row decides its branches (relu's kink, tanh's
tails) when it runs, so a replay at new values takes the branch the interpreted step would.
A Python function of yours, as an activation or a loss, may branch on ``.data`` while the
graph is built; a replay keeps the branch taken when the sample was traced. Such a run is
interpreted by default; ``compiled=True`` compiles it anyway under that trace rule (as
``torch.jit.trace`` documents its own), with a one-line warning. Never compiled: a loss the
registry marks not ``traceable`` (``softmax_cross_entropy``, which shifts the logits by their
largest value *as seen while building*: replaying would keep that old shift), and a step
whose graph reads a leaf other than the network's parameters and the inputs.
"""

from __future__ import annotations

import contextlib
import gc
import numbers
import warnings
from typing import Any, Callable, Iterator, Sequence

import micrograd
from micrograd import Value

from .checks import is_list
from .losses import Loss
from .optim import Optimizer

SIGHTS = 2  # a sample's target is compiled when it comes up for the second time
MAX_PROGRAMS = 1024  # past this, new targets run interpreted
MAX_SEEN = 65536  # targets counted while waiting for their second sight


TRACE_RULE = (
    "nn.train(compiled=True): {what} is Python code of yours, which nothing proves to build the same graph at "
    "every value: each sample is replayed as it was traced, and a branch on .data keeps the way it took then "
    "(compiled=None, the default, trains such a run interpreted)"
)


def use_programs(net: Any, loss: Loss, compiled: bool | None) -> bool:
    """Whether ``train`` replays compiled programs: ``compiled=None`` where that is proven exact,
    ``True`` also where it is not proven (under the trace rule, with a warning), ``False`` never."""
    if compiled is False or loss.traceable is False or not hasattr(net, "parameters"):
        return False
    unproven = [what for what, proven in ((f"the loss {loss.name}", loss.traceable),
                                         (f"the network {type(net).__name__}", _traceable(net))) if not proven]
    if not unproven:
        return True
    if compiled is True:
        warnings.warn(TRACE_RULE.format(what=" and ".join(unproven)), stacklevel=3)
        return True
    return False


def _traceable(net: Any) -> bool:
    traceable = getattr(net, "traceable", None)
    return bool(traceable()) if callable(traceable) else False


class CompiledSteps:
    """``step(xs, ts)``: one training step, by compiled programs where every sample has one.

    ``trace(net, xs, ts, loss, optimizer)`` is the interpreted step (it returns the loss
    Value and the outputs per sample); ``mean(losses)`` joins the samples' losses into L,
    on Values or on floats. Where ``use_programs`` says no, every step is ``trace``'s."""

    def __init__(self, net: Any, loss: Loss, optimizer: Optimizer,
                 trace: Callable[..., tuple[Value, list[Any]]], mean: Callable[[list[Any]], Any],
                 *, compiled: bool | None = None) -> None:
        self.net, self.loss, self.optimizer, self.trace, self.mean = net, loss.function, optimizer, trace, mean
        compiled = use_programs(net, loss, compiled)
        self.params: list[Value] = list(net.parameters()) if compiled else []
        self.programs: dict[Any, Any] = {}  # key -> compiled program, or None: not compilable
        self.seen: dict[Any, int] = {}
        self.seeds: dict[int, list[float]] = {}
        self.enabled = compiled

    def step(self, xs: Sequence[Sequence[float]], ts: Sequence[Any]) -> tuple[float, list[Any]]:
        """L before the update, and the network's outputs for each sample."""
        keys = [_key(x, t) for x, t in zip(xs, ts)] if self.enabled else [None]
        if None in keys or not self._ready(xs, ts, keys):
            root, outputs = self.trace(self.net, xs, ts, self.loss, self.optimizer)
            return root.data, outputs
        return self._replay(xs, keys)

    def _ready(self, xs: Sequence[Sequence[float]], ts: Sequence[Any], keys: list[Any]) -> bool:
        """Whether every sample has a program; compiles those seen often enough."""
        ready = True
        for x, t, key in zip(xs, ts, keys):
            if key in self.programs:
                ready = ready and self.programs[key] is not None
                continue
            sights = self.seen.get(key, 0) + 1
            if sights >= SIGHTS and len(self.programs) < MAX_PROGRAMS:
                self.programs[key] = self._compile(x, t)
                self.seen.pop(key, None)
                ready = ready and self.programs[key] is not None
            else:
                if key in self.seen or len(self.seen) < MAX_SEEN:
                    self.seen[key] = sights
                ready = False
        return ready

    def _compile(self, x: Sequence[float], t: Any) -> Any:
        """One sample's graph, traced with its input as leaves and compiled; None when it
        reads a leaf that is neither a parameter nor the input."""
        inputs = [Value(xi) for xi in x]
        y = self.net(inputs)
        try:
            return micrograd.compile(self.loss(y, t), leaves=[*self.params, *inputs], outputs=y if is_list(y) else [y])
        except ValueError:
            return None

    def _replay(self, xs: Sequence[Sequence[float]], keys: list[Any]) -> tuple[float, list[Any]]:
        """The step by the programs: each sample's gradients added in turn, then the update."""
        params, n = self.params, len(xs)
        self.optimizer.zero_grad()
        values, grads = [p.data for p in params], [p.grad for p in params]
        if n not in self.seeds:  # dL/dL_n, by the engine on the mean (it depends on n only)
            losses = [Value(0.0) for _ in range(n)]
            self.mean(losses).backward()
            self.seeds[n] = [v.grad for v in losses]
        width = len(params)
        losses, outputs = [], []
        for x, key, seed in zip(xs, keys, self.seeds[n]):
            value, grads, y = self.programs[key].run(values + [float(xi) for xi in x], grads + [0.0] * len(x), seed)
            del grads[width:]
            losses.append(value)
            outputs.append([Value(yk) for yk in y])
        for p, g in zip(params, grads):
            p.grad = g
        self.optimizer.step()
        return self.mean(losses), outputs


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused, its previous state restored after (also on
    an error): a step's graph holds no reference cycles, reference counting frees it, and
    the collector would only walk it in vain. The collector is the process's: only for a
    caller that knows no other thread switches it (``nn.train(pause_collector=True)``)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _key(x: Any, t: Any) -> Any:
    """What a sample's graph is traced for: its input's length and its target; None when
    the input is not a list of numbers (the interpreted step then says what is wrong)."""
    if not is_list(x) or not all(isinstance(xi, numbers.Real) and not isinstance(xi, bool) for xi in x):
        return None
    target = tuple(t) if is_list(t) else t
    try:
        hash(target)
    except TypeError:
        return None
    return len(x), target
