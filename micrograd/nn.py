"""micrograd 0.1.0's names for nn's classes, so 0.1.0's code runs unchanged.

    from micrograd.nn import MLP
    model = MLP(2, [16, 16, 1])    # relu hidden layers, a linear output unit
    score = model([x0, x1])         # one Value: the last layer has one output

These are nn's ``Neuron``, ``Layer`` and ``MLP`` with 0.1.0's constructors, and they
compute what 0.1.0 computes: weights drawn in order from the global ``random`` as
``random.uniform(-1, 1)``, biases 0, and a unit ``act = b + w1*x1 + w2*x2 + ...`` summed
left to right (0.1.0's own order, so the same floats). ``nonlin=True`` applies relu,
``nonlin=False`` leaves the unit linear (the identity). A layer or network with one output
returns that Value, otherwise a list. Bad input gets nn's errors (a wrong input length is
refused, not silently cut short). One difference: at exactly 0, relu'(0) = 1 here (this
engine's kink convention) where 0.1.0 takes 0.
"""

from __future__ import annotations

import random
from typing import Any, Sequence

import nn
from nn.checks import is_list, length, positive_int, show

from . import labels
from .engine import Value

Module = nn.Module


class Neuron(nn.Neuron):
    """One unit: ``b + w1*x1 + ... + wn*xn``, then relu (``nonlin=True``) or nothing."""

    def __init__(self, nin: int, nonlin: bool = True, *, layer: int = 1, j: int = 0) -> None:
        nin = positive_int(nin, "nin", "Neuron")
        if not isinstance(nonlin, bool):
            raise ValueError(f"Neuron: nonlin must be True (relu) or False (linear), got {show(nonlin)}")
        super().__init__(nin, "relu" if nonlin else "identity", seed=random, scale=1.0, layer=layer, j=j)
        self.nonlin = nonlin

    def preactivation(self, z: Sequence[Value | float]) -> Value:
        """``b + w1*z1 + w2*z2 + ...``, added left to right as 0.1.0 adds them."""
        if length(z, "x", "Neuron") != self.n_in:
            raise ValueError(f"Neuron: input x has {len(z)} entries but the unit has {self.n_in} weights: {show(z)}")
        act = self.b
        for wi, zi in zip(self.w, z):
            act = act + wi * zi
        act.label = self._u_label
        return act

    def activate(self, u: Value) -> Value:
        """relu(u) for a nonlinear unit; u itself for a linear one."""
        return super().activate(u) if self.nonlin else u

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({self.n_in})"


class Layer(nn.Layer):
    """``nout`` units on the same inputs; ``kwargs`` go to each ``Neuron`` (``nonlin``)."""

    def __init__(self, nin: int, nout: int, *, layer: int = 1, **kwargs: Any) -> None:
        nin, nout = positive_int(nin, "nin", "Layer"), positive_int(nout, "nout", "Layer")
        self.n_in, self.n_out = nin, nout
        self.neurons = [Neuron(nin, **kwargs, layer=layer, j=j) for j in range(nout)]
        self.activation = self.neurons[0].activation

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:  # type: ignore[override]
        """The one output Value of a width-1 layer, else the list of outputs."""
        return _one_or_all(self.forward(x))

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(nn.MLP):
    """``nin`` inputs, then one layer per entry of ``nouts``: relu hidden layers, a linear last layer."""

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        nin = positive_int(nin, "nin", "MLP")
        if not is_list(nouts) or len(nouts) == 0:
            raise ValueError(f"MLP: nouts must list the width of each layer, at least one, e.g. [16, 16, 1]; got {show(nouts)}")
        sizes = [nin] + [positive_int(n, f"nouts[{k}]", "MLP") for k, n in enumerate(nouts)]
        self.n_in = nin
        self.layers = [
            Layer(sizes[k], sizes[k + 1], nonlin=k != len(nouts) - 1, layer=k + 1) for k in range(len(nouts))
        ]
        self._x_labels = [labels.x(i) for i in range(nin)]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:  # type: ignore[override]
        """The one output Value when the last layer has one unit, else the list of outputs."""
        return _one_or_all(self.forward(x))

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


def _one_or_all(outputs: list[Value]) -> Value | list[Value]:
    """0.1.0's calling convention: a single output is returned as itself, not in a list."""
    return outputs[0] if len(outputs) == 1 else outputs


__all__ = ["Module", "Neuron", "Layer", "MLP"]
