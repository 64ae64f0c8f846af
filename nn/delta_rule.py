"""The delta rule (theory §5), one scalar at a time, WITHOUT calling backward.

    (1) forward, keeping every u and z;
    (2) output deltas: delta_k = y_k - t_k  (identity + squared error, sigmoid + binary
        cross-entropy, softmax + cross-entropy: the pairs of theory §3);
    (3) hidden deltas, top to bottom: delta_j = f'(u_j) * sum_k w_kj delta_k;
    (4) every weight: dL/dw_ji = delta_j * z_i (bias: z = 1), update w <- w - lr delta_j z_i.

f'(u) is the engine's own derivative rule for the activation (``micrograd.OPS``), as the
activation node recorded it at the forward pass (``z.local_grads``). Backward through the
graph computes exactly these numbers: the tests check it. Which (activation, loss) pairs
give delta = y - t is read from the loss registry, ``nn.LOSSES``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from micrograd import Value

from .activations import names
from .checks import length, number, positive, show
from .losses import LOSSES, Loss, get_loss, squared_error
from .module import MLP


class _ParameterUpdate:
    """What both kinds of update share: the parameter's label."""

    param: Value

    @property
    def label(self) -> str:
        """The parameter's label, e.g. ``W2[0,1]``."""
        return self.param.label


@dataclass(frozen=True)
class Update(_ParameterUpdate):
    """One scalar update ``w_new = w_old - lr * delta * z`` of the parameter ``label``.

    ``layer`` counts from 1 (as in the labels), ``j`` is the unit, ``i`` the input. A bias
    (``kind == "bias"``) has ``i = n_in`` and ``z = 1``, its input in the folded form
    ``x <- (x, 1)``. A PReLU slope (``kind == "alpha"``, ``i = None``) has
    ``delta = sum_k w_kj delta_k = dL/dz_j`` and ``z = dz_j/dalpha``.
    """

    layer: int
    j: int
    i: int | None
    w_old: float
    delta: float
    z: float
    lr: float
    w_new: float
    kind: str = "weight"
    param: Value = field(default=None, repr=False, compare=False)  # type: ignore[assignment]

    @property
    def grad(self) -> float:
        """dL/dw = delta * z."""
        return self.delta * self.z


@dataclass(frozen=True)
class BatchUpdate(_ParameterUpdate):
    """One scalar update for a batch: ``grad = sum_n delta_n z_n`` (theory §5, ``dW = D Z^T``),
    ``w_new = w_old - lr * grad``; fields otherwise as ``Update``."""

    layer: int
    j: int
    i: int | None
    w_old: float
    deltas: tuple[float, ...]
    zs: tuple[float, ...]
    grad: float
    lr: float
    w_new: float
    kind: str = "weight"
    param: Value = field(default=None, repr=False, compare=False)  # type: ignore[assignment]


class DeltaRule:
    """The delta rule for one sample. ``deltas[l]`` holds dL/du of math layer ``l + 1``
    (bottom to top); ``us``, ``zs`` the recorded forward values per layer; ``y`` the output
    the loss compares with ``t``; ``updates`` one ``Update`` per parameter, top layer first,
    unit by unit, weights then bias; ``apply()`` performs them; ``print()`` shows a table."""

    def __init__(self, x, us, zs, y, t, loss_name, loss, lr, deltas, updates) -> None:
        self.x, self.us, self.zs, self.y, self.t = x, us, zs, y, t
        self.loss_name, self.loss, self.lr = loss_name, loss, lr
        self.deltas: list[list[float]] = deltas
        self.updates: list[Update] = updates

    def apply(self) -> None:
        """Set every parameter to its ``w_new``: one SGD step with learning rate ``lr``."""
        for r in self.updates:
            r.param.data = r.w_new

    def __str__(self) -> str:
        head = f"delta rule, one sample: {self.loss_name} = {self.loss:.10g}, lr = {self.lr!r}"
        return "\n".join([head, *_delta_rows(self.deltas), *_table(self.updates, ("delta", "z"))])

    def __repr__(self) -> str:
        return f"<DeltaRule: {len(self.updates)} updates, {self.loss_name} = {self.loss!r}>"


class DeltaRuleBatch:
    """The delta rule for a batch at the same weights: ``samples`` holds each sample's
    ``DeltaRule``, ``updates`` the summed updates (``BatchUpdate``), ``apply()`` performs them."""

    def __init__(self, samples: list[DeltaRule], updates: list[BatchUpdate], lr: float) -> None:
        self.samples, self.updates, self.lr = samples, updates, lr

    @property
    def loss(self) -> float:
        """The summed loss of the batch."""
        return sum(s.loss for s in self.samples)

    def apply(self) -> None:
        """Set every parameter to its ``w_new``: one step on the summed gradient."""
        for r in self.updates:
            r.param.data = r.w_new

    def __str__(self) -> str:
        head = f"delta rule, batch of {len(self.samples)} (summed): loss = {self.loss:.10g}, lr = {self.lr!r}"
        return "\n".join([head, *_table(self.updates, ("grad",))])

    def __repr__(self) -> str:
        return f"<DeltaRuleBatch: {len(self.samples)} samples, {len(self.updates)} updates>"


def delta_rule(net: MLP, x: Sequence[float], t: Any, lr: float, loss: str | Callable = squared_error) -> DeltaRule:
    """Deltas and weight updates for one sample ``(x, t)`` by the delta rule, without backward.

    ``loss`` with the output layer's activation must be a pair whose output delta is
    ``y - t`` (``nn.LOSSES``): identity + squared_error, sigmoid + bce, identity +
    bce_with_logits (y = sigmoid(u)), identity + softmax_cross_entropy (y = softmax(u)).
    """
    lr = positive(lr, "lr", "delta_rule")
    entry = get_loss(loss, "delta_rule")
    if length(x, "x", "delta_rule") != net.n_in:
        raise ValueError(f"delta_rule: input x has {len(x)} entries but the network takes {net.n_in}: {show(x)}")
    x = [number(xi.data if type(xi) is Value else xi, f"x[{i}]", "delta_rule") for i, xi in enumerate(x)]

    # (1) forward, keeping every u and z (graph nodes, so the activation op is on record)
    u_nodes: list[list[Value]] = []
    z_nodes: list[list[Value]] = []
    z_in: list[Any] = x
    for layer in net.layers:
        us = [n.preactivation(z_in) for n in layer.neurons]
        zs = [n.activate(u) for n, u in zip(layer.neurons, us)]
        u_nodes.append(us)
        z_nodes.append(zs)
        z_in = zs
    us = [[u.data for u in layer] for layer in u_nodes]
    zs = [[z.data for z in layer] for layer in z_nodes]

    # (2) output deltas, y - t, for the pairs that make it so
    top = len(net.layers)
    ops = {_activation(u, z, top, j) for j, (u, z) in enumerate(zip(u_nodes[-1], z_nodes[-1]))}
    op = ops.pop() if len(ops) == 1 else "mixed"
    if entry.prediction is None or entry.output != op:
        pairs = ", ".join(f"{e.output} + {e.name}" for e in _pairs())
        raise ValueError(
            f"delta_rule: the output layer's activation {op!r} with the loss {entry.name!r} "
            f"is not a pair whose output delta is y - t; use one of: {pairs}"
        )
    loss_value = entry.function(z_nodes[-1], t).data  # also checks t
    ts = entry.targets(t, len(zs[-1]), "delta_rule")
    y = [float(v) for v in entry.prediction(us[-1], zs[-1])]
    deltas: list[list[float]] = [[] for _ in range(top)]
    deltas[-1] = [yk - tk for yk, tk in zip(y, ts)]

    # (3) hidden deltas, top to bottom: delta_j = f'(u_j) * sum_k w_kj delta_k
    errors: list[list[float]] = [[] for _ in range(top)]  # dL/dz_j of hidden layers, for PReLU slopes
    for l in range(top - 2, -1, -1):
        above, d_above = net.layers[l + 1].neurons, deltas[l + 1]
        errors[l] = [_sum([n.w[j].data * d for n, d in zip(above, d_above)]) for j in range(len(zs[l]))]
        deltas[l] = [_slope(u, z, l + 1, j) * e for j, (u, z, e) in enumerate(zip(u_nodes[l], z_nodes[l], errors[l]))]

    # (4) every parameter: dL/dw_ji = delta_j z_i, updated w - lr * delta_j * z_i
    updates: list[Update] = []
    for l in range(top - 1, -1, -1):
        inputs = x if l == 0 else zs[l - 1]
        for j, neuron in enumerate(net.layers[l].neurons):
            d = deltas[l][j]
            terms = [(w, i, zi, "weight") for i, (w, zi) in enumerate(zip(neuron.w, inputs))]
            if neuron.b is not None:
                terms.append((neuron.b, len(inputs), 1.0, "bias"))
            for w, i, zi, kind in terms:
                updates.append(Update(l + 1, j, i, w.data, d, zi, lr, w.data - lr * (d * zi), kind, w))
            if neuron.alpha is not None:
                e, dz_dalpha = errors[l][j], z_nodes[l][j].local_grads[1]  # hidden only: no pair has a PReLU output
                a = neuron.alpha
                updates.append(Update(l + 1, j, None, a.data, e, dz_dalpha, lr, a.data - lr * (e * dz_dalpha), "alpha", a))
    return DeltaRule(x, us, zs, y, ts, entry.name, loss_value, lr, deltas, updates)


def delta_rule_batch(
    net: MLP, xs: Sequence[Sequence[float]], ts: Sequence[Any], lr: float, loss: str | Callable = squared_error
) -> DeltaRuleBatch:
    """The delta rule for a batch, all samples at the current weights; each parameter's
    update sums the per-sample ``delta * z`` (theory §5: ``dW = sum_n delta_n z_n^T``)."""
    lr = positive(lr, "lr", "delta_rule_batch")
    if length(xs, "xs", "delta_rule_batch") != length(ts, "ts", "delta_rule_batch") or len(xs) == 0:
        raise ValueError(f"delta_rule_batch: xs has {len(xs)} samples and ts {len(ts)} targets; give as many, at least one")
    samples = [delta_rule(net, x, t, lr, loss) for x, t in zip(xs, ts)]
    updates = []
    for col in zip(*(s.updates for s in samples)):
        r = col[0]
        ds, zs = tuple(c.delta for c in col), tuple(c.z for c in col)
        grad = _sum([d * z for d, z in zip(ds, zs)])
        updates.append(BatchUpdate(r.layer, r.j, r.i, r.w_old, ds, zs, grad, lr, r.w_old - lr * grad, r.kind, r.param))
    return DeltaRuleBatch(samples, updates, lr)


# ---------------------------------------------------------------------------


def _pairs() -> list[Loss]:
    """The registry's losses whose output delta is y - t with their paired activation."""
    return [e for e in LOSSES.values() if e.prediction is not None]


def _activation(u: Value, z: Value, layer: int, j: int) -> str:
    """The name of the activation op that made ``z`` from ``u`` alone (PReLU's slope, a
    leaf, aside), or a ValueError."""
    if z is u:
        return "identity"
    known = names()
    if z.op not in known or not z.parents or z.parents[0] is not u or not all(p.is_leaf() for p in z.parents[1:]):
        raise ValueError(
            f"delta_rule: unit {j} of layer {layer} computes z from u with something other than one engine op "
            f"(got op {z.op!r}); the delta rule needs f'(u) from the op table: use one of {', '.join(known)}"
        )
    return z.op


def _slope(u: Value, z: Value, layer: int, j: int) -> float:
    """f'(u_j): the engine's derivative rule for the unit's activation, as the node recorded it."""
    if z is u:
        return 1.0
    _activation(u, z, layer, j)
    return float(z.local_grads[0])


def _sum(xs: list[float]) -> float:
    """Left to right, as by hand."""
    total = 0.0
    for v in xs:
        total += v
    return total


def _delta_rows(deltas: list[list[float]]) -> list[str]:
    rows = ["deltas dL/du, layer by layer (bottom to top):"]
    for l, ds in enumerate(deltas, 1):
        rows.append(f"  layer {l}: " + "  ".join(f"{d:.10g}" for d in ds))
    return rows


def _table(updates: Sequence[Any], columns: tuple[str, ...]) -> list[str]:
    names = ("param", "w_old", *columns, "w_new")
    cells = [[r.label, *(f"{getattr(r, c):.10g}" for c in names[1:])] for r in updates]
    widths = [max(len(names[c]), *(len(row[c]) for row in cells)) if cells else len(names[c]) for c in range(len(names))]
    formula = "w_new = w_old - lr * delta * z" if "delta" in columns else "w_new = w_old - lr * grad"
    lines = [f"updates, {formula} (top layer first):", ("  " + "  ".join(n.ljust(w) for n, w in zip(names, widths))).rstrip()]
    lines += [("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths))).rstrip() for row in cells]
    return lines
