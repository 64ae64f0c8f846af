"""A training run, recorded for pictures: ``TrainingRecorder`` watches ``nn.train`` (it is a
*monitor*: ``start``, ``update`` after every step, ``finish``) and keeps a ``Snapshot`` every
k-th step, k = ceil(steps / max_frames), so a run of any length gives at most
``max_frames + 1`` snapshots (the start, every k-th step and the last step).

A snapshot holds what the live view and the replay page show: the step, epoch, learning
rate, the loss and accuracy on all samples, every parameter and its gradient, each unit's
output z for one chosen sample. The numbers on all samples come from the weights as plain
floats (``FloatNet``: ``z(l) = f(W(l) z(l-1) + b(l))``, each ``W z + b`` the correctly
rounded sum that nn's ``dot`` node computes, so they are ``nn.evaluate``'s to the last bit)
and the loss function on those outputs. For 2-D inputs the decision boundary, a grid of
network outputs, is computed when something draws it (``history.boundary_of(frame)``), from
the snapshot's parameters: 40 x 40 points at every snapshot would cost more than training.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from operator import mul
from typing import Any, Callable, Sequence

from micrograd import OPS, Value, no_grad
from micrograd.ops import fsum

MAX_FRAMES = 60  # snapshots kept of a run, whatever its length (plus the start)
GRID = 40  # the decision boundary is sampled on GRID x GRID points
MARGIN = 0.1  # the grid reaches this fraction of the data's range beyond the data on each side


@dataclass
class Snapshot:
    """The network and its numbers after ``step`` steps (step 0: before training)."""

    step: int
    epoch: int
    loss: float  # mean loss over all samples, with the weights as they are after this step
    accuracy: float | None  # fraction of all samples classified right (class losses only)
    batch_loss: float | None  # the loss of this step's batch, before its update (None at step 0)
    lr: float | None
    parameters: list[float]  # net.parameters() order
    gradients: list[float] | None  # dL/dp of this step's batch (None at step 0 or when not kept)
    activations: list[list[float]]  # z(0) = the chosen sample, then z(1), ..., z(L)
    active: list[list[float]]  # per hidden/output unit: fraction of samples where z != 0
    boundary: list[list[list[float]]] | None = None  # [row][column] -> the outputs there, once drawn (boundary_of)


@dataclass
class TrainingHistory:
    """Everything the pictures of a run need: the network's shape, the data, the snapshots."""

    n_in: int
    sizes: list[int]
    activations: list[str]
    labels: list[str]  # of the parameters, net.parameters() order
    weight_index: list[list[list[int]]]  # [layer][j][i] -> position of W(l+1)[j, i] in parameters
    xs: list[list[float]]
    classes: list[int] | None  # each sample's class (class losses), else None
    steps: int
    epochs: int
    every: int  # k: a snapshot every k-th step
    sample: int  # the sample whose activations are kept
    loss_name: str
    bounds: tuple[float, float, float, float] | None  # x0 min, x0 max, x1 min, x1 max of the grid
    grid: int
    center: float  # the output value of the decision boundary (one output)
    frames: list[Snapshot] = field(default_factory=list)
    bias_index: list[list[int | None]] = field(default_factory=list)  # [layer][j] -> position of b(l+1)[j]
    alpha_index: list[list[int | None]] = field(default_factory=list)  # [layer][j] -> a learned PReLU slope's
    functions: list[Any] = field(default_factory=list, repr=False, compare=False)  # each layer's activation, a name or a callable

    @property
    def has_boundary(self) -> bool:
        return self.bounds is not None

    def grid_points(self) -> list[list[tuple[float, float]]]:
        """The boundary grid's points, ``[row][column]``, row 0 at the top (largest x1)."""
        return grid_points(self.bounds, self.grid) if self.bounds is not None else []

    def boundary_of(self, frame: Snapshot) -> list[list[list[float]]] | None:
        """The network's outputs at the grid points with the weights of ``frame``, ``[row][column]``
        (computed once, then kept in ``frame.boundary``); None without 2-D inputs."""
        if self.bounds is None:
            return None
        if frame.boundary is None:
            outputs, g = FloatNet.at(self, frame.parameters).outputs([p for row in self.grid_points() for p in row]), self.grid
            frame.boundary = [outputs[r * g : (r + 1) * g] for r in range(g)]
        return frame.boundary


def grid_points(bounds: tuple[float, float, float, float], n: int) -> list[list[tuple[float, float]]]:
    """n x n cell centres over ``bounds``; row 0 at the top (largest x1), column 0 at the left."""
    x0, x1, y0, y1 = bounds
    cols = [x0 + (x1 - x0) * (c + 0.5) / n for c in range(n)]
    rows = [y1 - (y1 - y0) * (r + 0.5) / n for r in range(n)]
    return [[(a, b) for a in cols] for b in rows]


# --- the network on plain floats ---------------------------------------------------------


def float_activation(activation: Any, alpha: float | None = None) -> Callable[[float], float]:
    """A unit's ``f`` on floats: the forward of the activation's op-table row, with the unit's
    learned ``alpha`` (PReLU) or the row's default operands (ELU's alpha), as the unit itself
    calls it; a custom callable runs on a Value under ``no_grad``."""
    if callable(activation):
        def custom(u: float) -> float:
            with no_grad():
                return activation(Value(u)).data
        return custom
    op = OPS[activation]
    if op.arity == 1:
        return op.forward
    extra = (alpha,) if alpha is not None else tuple(op.defaults)
    forward = op.forward
    return lambda u: forward(u, *extra)


class FloatNet:
    """The weights of an ``nn.MLP`` as floats, for fast forward passes that give nn's numbers:
    each unit's ``u = w . z + b`` is the correctly rounded sum of the products ``w_i z_i`` and
    ``b * 1``, as nn's ``dot`` node computes it, then ``f(u)`` by the activation's row."""

    def __init__(self, net: Any = None, *, layers: list[list[tuple[tuple[float, ...], Callable[[float], float]]]] | None = None) -> None:
        if layers is None:
            layers = [
                [(tuple(w.data for w in n.w) + ((n.b.data,) if n.b is not None else ()),
                  float_activation(n.activation, n.alpha.data if n.alpha is not None else None)) for n in layer.neurons]
                for layer in net.layers
            ]
        self.layers = layers

    @classmethod
    def at(cls, history: TrainingHistory, parameters: Sequence[float]) -> FloatNet:
        """The network of ``history`` with the weights ``parameters`` (a snapshot's)."""
        layers = []
        for weights, biases, alphas, activation in zip(history.weight_index, history.bias_index, history.alpha_index, history.functions):
            layer = []
            for w, b, a in zip(weights, biases, alphas):
                wb = tuple(parameters[k] for k in w) + ((parameters[b],) if b is not None else ())
                layer.append((wb, float_activation(activation, parameters[a] if a is not None else None)))
            layers.append(layer)
        return cls(layers=layers)

    def layers_at(self, x: Sequence[float]) -> list[list[float]]:
        """Every layer's outputs for one input: ``[z(0) = x, z(1), ..., z(L)]``."""
        z = list(x)
        out = [z]
        for layer in self.layers:
            zb = (*z, 1.0)  # a unit without a bias has one weight less: map stops at the shorter
            try:
                z = [f(math.fsum(map(mul, wb, zb))) for wb, f in layer]
            except (OverflowError, ValueError):  # inf or nan among the products: the row's fsum, which falls back to +
                z = [f(fsum(map(mul, wb, zb))) for wb, f in layer]
            out.append(z)
        return out

    def forward(self, points: Sequence[Sequence[float]]) -> list[list[list[float]]]:
        """Every layer's outputs at every point, ``[l][j][n]`` = z(l)_j for point n."""
        per_point = [self.layers_at(p) for p in points]
        depth = len(self.layers) + 1
        return [[list(z) for z in zip(*(layers[l] for layers in per_point))] if per_point else [] for l in range(depth)]

    def outputs(self, points: Sequence[Sequence[float]]) -> list[list[float]]:
        """The network's outputs ``[n][k]`` at every point n."""
        return [self.layers_at(p)[-1] for p in points]


# --- the recorder (a monitor for nn.train) -------------------------------------------------


class TrainingRecorder:
    """Records a run of ``nn.train(net, xs, ts, monitor=recorder)`` into ``recorder.history``.

    ``max_frames``: at most this many snapshots after the start (k = ceil(steps / max_frames)).
    ``grid``: the boundary is sampled on grid x grid points (2-D inputs only).
    ``sample``: the sample whose unit outputs are kept. ``gradients``: keep dL/dp too.
    ``center``: the output value where the class flips, for a one-output network (default:
    0.5 for a sigmoid or step output, 0 for the logit losses, else midway between the targets).
    """

    def __init__(
        self, *, max_frames: int = MAX_FRAMES, grid: int = GRID, sample: int = 0, gradients: bool = True, center: float | None = None
    ) -> None:
        for name, n, least in (("max_frames", max_frames, 1), ("grid", grid, 2), ("sample", sample, 0)):
            if not isinstance(n, int) or isinstance(n, bool) or n < least:
                raise ValueError(f"TrainingRecorder: {name} must be a whole number >= {least}, got {n!r}")
        if center is not None and not (isinstance(center, (int, float)) and math.isfinite(center)):
            raise ValueError(f"TrainingRecorder: center must be a finite number or None, got {center!r}")
        self.max_frames, self.grid, self.sample, self.gradients, self.center = max_frames, grid, sample, gradients, center
        self.history: TrainingHistory | None = None

    # the monitor protocol --------------------------------------------------------------

    def start(self, net: Any, xs: Sequence[Sequence[float]], ts: Sequence[Any], *, loss: Callable[..., Value],
              correct: Callable[[Sequence[Value], Any], bool] | None, optimizer: Any, steps: int, epochs: int) -> None:
        """Before the first step: note the network, the data and the sampling, record step 0."""
        if self.sample >= len(xs):
            raise ValueError(f"TrainingRecorder: sample {self.sample} is not a sample index; xs has {len(xs)} samples")
        self._net, self._ts, self._loss, self._correct, self._optimizer = net, list(ts), loss, correct, optimizer
        xs = [_sample(x, n, net.n_in) for n, x in enumerate(xs)]
        params = net.parameters()
        position = {id(p): k for k, p in enumerate(params)}
        weight_index = [[[position[id(w)] for w in n.w] for n in layer.neurons] for layer in net.layers]
        bias_index = [[position[id(n.b)] if n.b is not None else None for n in layer.neurons] for layer in net.layers]
        alpha_index = [[position[id(n.alpha)] if n.alpha is not None else None for n in layer.neurons] for layer in net.layers]
        self.history = TrainingHistory(
            n_in=net.n_in, sizes=list(net.sizes), activations=[_name(a) for a in net.activations],
            labels=[p.label for p in params], weight_index=weight_index, xs=xs,
            classes=_classes(ts) if correct is not None else None,
            steps=steps, epochs=epochs, every=max(1, math.ceil(steps / self.max_frames)), sample=self.sample,
            loss_name=_name(loss), bounds=_bounds(xs) if net.n_in == 2 else None, grid=self.grid,
            center=self.center if self.center is not None else _center(net, loss, ts),
            bias_index=bias_index, alpha_index=alpha_index, functions=[layer.neurons[0].activation for layer in net.layers],
        )
        self._record(step=0, epoch=0, batch_loss=None)

    def update(self, *, step: int, epoch: int, loss: float) -> None:
        """After step ``step`` (counted from 1) of epoch ``epoch``: a snapshot every k-th step and at the last."""
        history = self.history
        if history is None:
            raise RuntimeError("TrainingRecorder.update before start: pass the recorder to nn.train(monitor=...)")
        if step % history.every == 0 or step == history.steps:
            self._record(step=step, epoch=epoch, batch_loss=loss)

    def finish(self) -> None:
        """After the last step (nothing left to record: the last step always is)."""

    # -----------------------------------------------------------------------------------

    def _record(self, *, step: int, epoch: int, batch_loss: float | None) -> Snapshot:
        history = self.history
        assert history is not None
        params = self._net.parameters()
        fnet = FloatNet(self._net)
        per_sample = [fnet.layers_at(x) for x in history.xs]
        ys = [layers[-1] for layers in per_sample]
        with no_grad():
            outputs = [[Value(v) for v in y] for y in ys]
            losses = [self._loss(y, t).data for y, t in zip(outputs, self._ts)]
            hits = None if self._correct is None else sum(bool(self._correct(y, t)) for y, t in zip(outputs, self._ts))
        n = len(ys)
        active = [[sum(map(bool, unit)) / n for unit in zip(*(layers[l] for layers in per_sample))]  # z != 0 (nan counts)
                  for l in range(1, len(history.sizes) + 1)]
        snapshot = Snapshot(
            step=step, epoch=epoch, loss=math.fsum(losses) / n, accuracy=None if hits is None else hits / n,
            batch_loss=batch_loss, lr=_lr(self._optimizer), parameters=[p.data for p in params],
            gradients=[p.grad for p in params] if self.gradients and step > 0 else None,
            activations=per_sample[self.sample], active=active,
        )
        history.frames.append(snapshot)
        return snapshot


def _sample(x: Any, n: int, n_in: int) -> list[float]:
    """Sample ``n`` as floats; a ValueError naming it when it does not fit the network."""
    try:
        values = [float(v) for v in x]
    except (TypeError, ValueError):
        raise ValueError(f"TrainingRecorder: sample {n} must be a list of {n_in} numbers, got {x!r:.80}") from None
    if len(values) != n_in:
        raise ValueError(f"TrainingRecorder: sample {n} has {len(values)} entries but the network takes {n_in}: {x!r:.80}")
    return values


def _name(f: Any) -> str:
    return f if isinstance(f, str) else getattr(f, "__name__", repr(f))


def _lr(optimizer: Any) -> float | None:
    lr = getattr(optimizer, "lr", None)
    return float(lr) if isinstance(lr, (int, float)) else None


def _bounds(xs: list[list[float]]) -> tuple[float, float, float, float] | None:
    """The box of the data's finite points, widened by MARGIN of its range on each side (1
    where the range is 0); None when no point is finite (then there is no boundary to draw)."""
    finite = [x for x in xs if math.isfinite(x[0]) and math.isfinite(x[1])]
    if not finite:
        return None
    out = []
    for d in (0, 1):
        lo, hi = min(x[d] for x in finite), max(x[d] for x in finite)
        pad = MARGIN * (hi - lo) if hi > lo else 1.0
        out += [lo - pad, hi + pad]
    return tuple(out)  # type: ignore[return-value]


def _classes(ts: Sequence[Any]) -> list[int]:
    """Each target as a class number: a class index (an int) as it is, a one-hot list by its
    largest entry, any other number by its rank among the distinct targets (0/1, -1/+1)."""
    if all(isinstance(t, Sequence) for t in ts):
        if all(len(t) == 1 for t in ts):
            ts = [t[0] for t in ts]
        else:
            return [list(t).index(max(t)) for t in ts]
    if all(isinstance(t, int) and not isinstance(t, bool) and t >= 0 for t in ts):
        return list(ts)
    order = sorted(set(ts))
    return [order.index(t) for t in ts]


def _center(net: Any, loss: Any, ts: Sequence[Any]) -> float:
    """The output value where a one-output network's class flips."""
    if _name(net.activations[-1]) in ("sigmoid", "step"):
        return 0.5
    if _name(loss) in ("bce_with_logits", "hinge"):
        return 0.0
    values = [float(t[0] if isinstance(t, Sequence) else t) for t in ts if not isinstance(t, Sequence) or len(t) == 1]
    return (min(values) + max(values)) / 2 if values else 0.0
