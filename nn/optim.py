"""Optimizers (theory §7): each ``step()`` moves every parameter using its ``grad``.

    SGD       w <- w - lr * grad
    Momentum  w(t+1) = w(t) - lr * grad + mu * (w(t) - w(t-1))
    Adam      w <- w - lr * m_hat / (sqrt(v_hat) + eps)

``OPTIMIZERS`` is the one registry by name; each class holds its default learning rate
(``default_lr``), used when no ``lr`` is given, by ``train`` and by the command line.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

from micrograd import Value

from .checks import fraction, positive, show


class Optimizer:
    """Holds the parameters and the learning rate; ``zero_grad()`` clears their gradients.
    Without ``lr``, the class's ``default_lr``."""

    default_lr: float | None = None  # each optimizer sets its own

    def __init__(self, params: Iterable[Value], lr: float | None = None) -> None:
        self.params = list(params)
        for k, p in enumerate(self.params):
            if type(p) is not Value:
                raise TypeError(f"{type(self).__name__}: params[{k}] must be a Value, got {type(p).__name__}: {show(p)}")
        if lr is None and self.default_lr is None:
            raise ValueError(f"{type(self).__name__}: give a learning rate lr (this optimizer has no default_lr)")
        self.lr = positive(self.default_lr if lr is None else lr, "lr", type(self).__name__)

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0 (leaf gradients accumulate across backward calls)."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Plain gradient descent: ``w <- w - lr * dL/dw``."""

    default_lr = 0.3

    def step(self) -> None:
        lr = self.lr
        for p in self.params:
            p.data -= lr * p.grad


class Momentum(Optimizer):
    """Momentum SGD in the form of theory §7: ``w(t+1) = w(t) - lr * grad + mu * (w(t) - w(t-1))``.

    The last step ``w(t) - w(t-1)`` is the inertia; before the first step it is 0. This
    is the usual velocity form ``v(t+1) = mu v(t) - lr grad``, ``w(t+1) = w(t) + v(t+1)``
    with ``v(t) = w(t) - w(t-1)``: the same iterates, one bookkeeping variable fewer.
    """

    default_lr = 0.05

    def __init__(self, params: Iterable[Value], lr: float | None = None, mu: float = 0.9) -> None:
        super().__init__(params, lr)
        self.mu = fraction(mu, "mu", "Momentum")
        self.previous = [p.data for p in self.params]  # w(t-1); w(-1) = w(0)

    def step(self) -> None:
        lr, mu = self.lr, self.mu
        for k, p in enumerate(self.params):
            w = p.data
            p.data = w - lr * p.grad + mu * (w - self.previous[k])
            self.previous[k] = w


class Adam(Optimizer):
    """Adam (Kingma & Ba): running means of the gradient and of its square, bias-corrected.

    ``m <- b1 m + (1-b1) g``, ``v <- b2 v + (1-b2) g^2``, ``m_hat = m / (1-b1^t)``,
    ``v_hat = v / (1-b2^t)``, ``w <- w - lr * m_hat / (sqrt(v_hat) + eps)``. The default
    rate, 0.01, suits these small networks (the paper's 0.001 suits large ones).
    """

    default_lr = 0.01

    def __init__(
        self, params: Iterable[Value], lr: float | None = None, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        super().__init__(params, lr)
        self.beta1, self.beta2 = fraction(beta1, "beta1", "Adam"), fraction(beta2, "beta2", "Adam")
        self.eps = positive(eps, "eps", "Adam")
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)
        self.t = 0

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        c1, c2 = 1.0 - b1**self.t, 1.0 - b2**self.t
        for k, p in enumerate(self.params):
            g = p.grad
            self.m[k] = b1 * self.m[k] + (1.0 - b1) * g
            self.v[k] = b2 * self.v[k] + (1.0 - b2) * g * g
            p.data -= self.lr * (self.m[k] / c1) / (math.sqrt(self.v[k] / c2) + self.eps)


#: Every optimizer by its name, for ``train(optimizer="adam")`` and the command line.
OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def get_optimizer(optimizer: Any, params: Iterable[Value], lr: float | None, where: str) -> Optimizer:
    """``optimizer`` if it is an Optimizer (then ``lr`` must be None), or the one named (None:
    SGD), built on ``params`` with ``lr`` (its class's ``default_lr`` when None); a ValueError otherwise."""
    if optimizer is None:
        optimizer = "sgd"
    if isinstance(optimizer, Optimizer):
        if lr is not None:
            raise ValueError(f"{where}: give either an optimizer or lr, not both (lr = {show(lr)}; set it on the optimizer)")
        return optimizer
    if isinstance(optimizer, str) and optimizer in OPTIMIZERS:
        return OPTIMIZERS[optimizer](params, lr)
    raise ValueError(f"{where}: optimizer must be one of {', '.join(OPTIMIZERS)} or an nn.Optimizer, got {show(optimizer)}")
