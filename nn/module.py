"""Neurons, layers and multi-layer perceptrons made of micrograd Values.

A unit computes ``u = w . z + b`` as ONE ``dot`` node, the bias folded in as the
weight of a constant input 1 (theory §1: ``x <- (x, 1)``, ``w <- (w, b)``), then its
output ``z = f(u)`` with an activation op of the engine. A layer is many units on the
same input; an MLP stacks layers: ``u(l+1) = W(l+1) z(l) + b(l+1)``.

Labels read like the math (``micrograd.labels``), layer l counted from 1 (``net.layers[0]`` is
layer 1): weight ``W{l}[{j},{i}]``, bias ``b{l}[{j}]``, PReLU slope ``alpha{l}[{j}]``,
pre-activation ``u{l}[{j}]``, output ``z{l}[{j}]``, input ``x[{i}]``.
"""

from __future__ import annotations

import math
import os
import random
from typing import Sequence

from micrograd import OPS, Value, labels

from . import persist
from .activations import LEARNED_ALPHA, Activation, initial_alpha
from .activations import check as check_activation
from .activations import function as activation_function
from .activations import name_of as activation_name
from .checks import is_list, length, number, positive_int, show

_DOT = OPS["dot"]


class Module:
    """Anything with parameters: ``parameters()`` lists them, ``zero_grad()`` clears their grads."""

    def parameters(self) -> list[Value]:
        """Every learnable Value, in a fixed order."""
        return []

    def zero_grad(self) -> None:
        """Set dL/dp = 0 for every parameter p (leaf gradients accumulate across backward calls)."""
        for p in self.parameters():
            p.grad = 0.0

    def traceable(self) -> bool:
        """True when the graph this module builds depends on the values of its inputs and
        parameters only inside rows of the op table, which decide their branches (kinks, tails)
        when they run: then a compiled replay of it is exact (``nn.compiled``). A module of your
        own is not proven so: it says False unless it overrides this."""
        return False


class Neuron(Module):
    """One unit: ``u = w . z + b`` (one ``dot`` node), then ``z = f(u)``.

    Weights start uniform in ``(-scale, scale)``, by default ``scale = 1/sqrt(n_in)``
    (fan-in scaled), drawn in order from ``seed``: an int, or a ``random.Random`` a layer
    shares (or the ``random`` module itself); the bias starts at 0 and a PReLU slope at the
    engine's default, 0.25. ``bias=False`` leaves the bias out (``self.b`` is None).
    """

    def __init__(
        self,
        n_in: int,
        activation: Activation = "relu",
        *,
        bias: bool = True,
        seed: int | random.Random = 0,
        scale: float | None = None,
        layer: int = 1,
        j: int = 0,
    ) -> None:
        n_in = positive_int(n_in, "n_in", "Neuron")
        rng = seed if hasattr(seed, "uniform") else random.Random(seed)
        bound = 1.0 / math.sqrt(n_in) if scale is None else number(scale, "scale", "Neuron")
        self.n_in = n_in
        self.w = [Value(rng.uniform(-bound, bound), labels.weight(layer, j, i)) for i in range(n_in)]
        self.b = Value(0.0, labels.bias(layer, j)) if bias else None
        self.activation = check_activation(activation, "activation")
        self.alpha = Value(initial_alpha(), labels.alpha(layer, j)) if activation == LEARNED_ALPHA else None
        self._f = activation_function(activation, self.alpha)
        # precomputed once: the dot node's operands are (w..., b) and (z..., 1.0)
        self._wb = (*self.w, self.b) if bias else tuple(self.w)
        self._one = (1.0,) if bias else ()
        self._u_label, self._z_label = labels.u(layer, j), labels.z(layer, j)

    def parameters(self) -> list[Value]:
        """``w[0..n_in-1]``, then ``b`` and ``alpha`` when the unit has them."""
        return [*self._wb, self.alpha] if self.alpha is not None else list(self._wb)

    def __call__(self, z: Sequence[Value | float]) -> Value:
        """The unit's output ``f(w . z + b)`` for the inputs ``z``."""
        return self.activate(self.preactivation(z))

    def preactivation(self, z: Sequence[Value | float]) -> Value:
        """``u = w . z + b`` alone, as the one ``dot`` node ``__call__`` builds."""
        try:
            n = len(z)  # the hot path: no extra call
        except TypeError:
            n = length(z, "z", "Neuron")  # raises, naming z
        if n != self.n_in:
            raise ValueError(f"Neuron: input z has {n} entries but the unit has {self.n_in} weights: {show(z)}")
        u = _DOT(*self._wb, *z, *self._one)
        u.label = self._u_label
        return u

    def activate(self, u: Value) -> Value:
        """``z = f(u)``: the unit's activation applied to its pre-activation."""
        out = self._f(u)
        if out is not u:
            out.label = self._z_label
        return out

    def __repr__(self) -> str:
        return f"Neuron({self.n_in}, {activation_name(self.activation)!r}, bias={self.b is not None})"


class Layer(Module):
    """``n_out`` units sharing one input: ``z = f(W z_below + b)``; always returns a list."""

    def __init__(
        self,
        n_in: int,
        n_out: int,
        activation: Activation = "relu",
        *,
        bias: bool = True,
        seed: int | random.Random = 0,
        layer: int = 1,
    ) -> None:
        n_in = positive_int(n_in, "n_in", "Layer")
        n_out = positive_int(n_out, "n_out", "Layer")
        rng = seed if isinstance(seed, random.Random) else random.Random(seed)
        self.n_in, self.n_out, self.activation = n_in, n_out, check_activation(activation, "activation")
        self.neurons = [Neuron(n_in, activation, bias=bias, seed=rng, layer=layer, j=j) for j in range(n_out)]

    def parameters(self) -> list[Value]:
        """Unit by unit: ``W[j, 0..]``, ``b[j]``, ``alpha[j]``."""
        return [p for n in self.neurons for p in n.parameters()]

    def __call__(self, z: Sequence[Value | float]) -> list[Value]:
        """Every unit's output, in unit order (a list even for a width-1 layer)."""
        return self.forward(z)

    def forward(self, z: Sequence[Value | float]) -> list[Value]:
        """Every unit's output, in unit order, as a list: what the layer above reads."""
        return [n(z) for n in self.neurons]

    def __repr__(self) -> str:
        return f"Layer({self.n_in}, {self.n_out}, {activation_name(self.activation)!r})"


class MLP(Module):
    """A multi-layer perceptron: ``n_in`` inputs, then one layer per entry of ``sizes``.

    ``activations`` gives one activation per layer (a name from ``ACTIVATIONS`` or a
    callable on a Value, see ``nn.activations``); by default ``relu`` on hidden layers and ``identity`` on the
    output. ``bias`` is one flag for every layer or a list of flags. Initial weights come
    from ``seed`` as ``Neuron`` describes: the same seed gives the same network.
    ``net.layers[l]`` is math layer ``l + 1`` (labels ``W1``, ``b1``, ... as in theory §6).
    """

    def __init__(
        self,
        n_in: int,
        sizes: Sequence[int],
        activations: Sequence[Activation] | None = None,
        *,
        bias: bool | Sequence[bool] = True,
        seed: int = 0,
    ) -> None:
        n_in = positive_int(n_in, "n_in", "MLP")
        if not is_list(sizes) or len(sizes) == 0:
            raise ValueError(f"MLP: sizes must list the width of each layer, at least one, e.g. [16, 1]; got {sizes!r}")
        sizes = [positive_int(s, f"sizes[{k}]", "MLP") for k, s in enumerate(sizes)]
        depth = len(sizes)
        if activations is None:
            activations = ["relu"] * (depth - 1) + ["identity"]
        elif not is_list(activations):
            raise ValueError(f"MLP: activations must be a list with one entry per layer ({depth}), got {activations!r}")
        elif len(activations) != depth:
            raise ValueError(
                f"MLP: activations has {len(activations)} entries but sizes has {depth} layers: {list(activations)!r}"
            )
        activations = [check_activation(a, f"activations[{k}]") for k, a in enumerate(activations)]
        biases = [bias] * depth if isinstance(bias, bool) else list(bias)
        if len(biases) != depth or not all(isinstance(b, bool) for b in biases):
            raise ValueError(f"MLP: bias must be True, False or a list of {depth} flags, one per layer; got {bias!r}")
        rng = random.Random(seed)
        widths = [n_in, *sizes]
        self.n_in = n_in
        self.layers = [
            Layer(widths[k], widths[k + 1], activations[k], bias=biases[k], seed=rng, layer=k + 1) for k in range(depth)
        ]
        self._x_labels = [labels.x(i) for i in range(n_in)]

    def parameters(self) -> list[Value]:
        """Layer by layer, bottom to top, each as ``Layer.parameters`` orders it."""
        return [p for layer in self.layers for p in layer.parameters()]

    def traceable(self) -> bool:
        """True when every layer's activation is a row of the op table (named): a Python
        function of yours may branch on ``.data``, which a replay would not redo."""
        return all(isinstance(layer.activation, str) for layer in self.layers)

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        """The list of output Values for the input ``x`` (floats, or Values labelled ``x[i]``)."""
        return self.forward(x)

    def forward(self, x: Sequence[Value | float]) -> list[Value]:
        """The network's outputs for ``x``, as a list: ``z <- f(W z + b)``, layer by layer."""
        if length(x, "x", "MLP") != self.n_in:
            raise ValueError(f"MLP: input x has {len(x)} entries but the network takes {self.n_in}: {show(x)}")
        z = list(x)
        for i, xi in enumerate(z):
            if type(xi) is Value:
                if not xi.label:
                    xi.label = self._x_labels[i]
            elif type(xi) is not float:
                z[i] = number(xi, f"x[{i}]", "MLP")
        for layer in self.layers:
            z = layer.forward(z)
        return z

    @property
    def sizes(self) -> list[int]:
        """The width of every layer, bottom to top (not counting the inputs)."""
        return [layer.n_out for layer in self.layers]

    @property
    def activations(self) -> list[Activation]:
        """Each layer's activation, bottom to top."""
        return [layer.activation for layer in self.layers]

    def __repr__(self) -> str:
        shape = " -> ".join([str(self.n_in)] + [f"{layer.n_out} {activation_name(layer.activation)}" for layer in self.layers])
        return f"MLP({shape}; {len(self.parameters())} parameters)"

    @classmethod
    def from_weights(
        cls,
        weights: Sequence[Sequence[Sequence[float]]],
        biases: Sequence[Sequence[float] | None] | None = None,
        activations: Sequence[Activation] | None = None,
    ) -> MLP:
        """A network with the given matrices: ``weights[l][j][i]`` is the weight into unit j
        of layer l+1 from input i (row j = the weights into unit j, as W1 in theory §6).

        ``biases`` is None (no biases anywhere) or one list per layer (None for a layer
        without bias). ``activations`` as for ``MLP``.
        """
        if not is_list(weights) or len(weights) == 0:
            raise ValueError(f"from_weights: weights must be a list of matrices, one per layer; got {show(weights)}")
        depth = len(weights)
        widths: list[int] = []
        for k, W in enumerate(weights):
            if not is_list(W) or len(W) == 0:
                raise ValueError(f"from_weights: weights[{k}] must be a non-empty list of rows; got {show(W)}")
            for j, row in enumerate(W):
                if not is_list(row) or len(row) == 0:
                    raise ValueError(f"from_weights: weights[{k}][{j}] must be a non-empty list of numbers; got {show(row)}")
            n_in = len(W[0]) if k == 0 else widths[-1]
            for j, row in enumerate(W):
                if len(row) != n_in:
                    below = "row 0" if k == 0 else f"layer {k} (weights[{k - 1}]), which has {n_in} units"
                    raise ValueError(
                        f"from_weights: weights[{k}][{j}] has {len(row)} entries but must have {n_in}, one per unit of {below}"
                    )
            if k == 0:
                widths.append(n_in)
            widths.append(len(W))
        if biases is None:
            biases = [None] * depth
        elif not is_list(biases) or len(biases) != depth:
            raise ValueError(
                f"from_weights: biases must be None or a list of {depth} entries, one per layer; got {show(biases)}"
            )
        for k, bs in enumerate(biases):
            if bs is not None and (not is_list(bs) or len(bs) != widths[k + 1]):
                raise ValueError(
                    f"from_weights: biases[{k}] must be None or a list of {widths[k + 1]} numbers, one per unit; got {show(bs)}"
                )
        net = cls(widths[0], widths[1:], activations, bias=[bs is not None for bs in biases])
        for k, (layer, W, bs) in enumerate(zip(net.layers, weights, biases)):
            for j, (neuron, row) in enumerate(zip(layer.neurons, W)):
                for i, (w, value) in enumerate(zip(neuron.w, row)):
                    w.data = number(value, f"weights[{k}][{j}][{i}]", "from_weights")
                if bs is not None:
                    neuron.b.data = number(bs[j], f"biases[{k}][{j}]", "from_weights")  # type: ignore[union-attr]
        return net

    def save(self, path: str | os.PathLike) -> None:
        """Write the architecture and every weight to ``path`` as JSON (see ``nn.persist``)."""
        persist.save(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> MLP:
        """The network saved at ``path`` by ``save``; a ValueError naming the file and what is
        wrong for a malformed, truncated, oversized or inconsistent file (see ``nn.persist``)."""
        saved = persist.read(path)
        net = cls.from_weights(saved.weights, saved.biases, saved.activations)
        for layer, slopes in zip(net.layers, saved.alphas):
            for n, a in zip(layer.neurons, slopes or ()):
                n.alpha.data = float(a)  # type: ignore[union-attr]
        return net
