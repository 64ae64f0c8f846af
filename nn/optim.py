"""Optimizers (facts §7): each ``step()`` moves every parameter using its ``grad``.

    SGD       w <- w - lr * grad
    Momentum  w(t+1) = w(t) - lr * grad + mu * (w(t) - w(t-1))
    Adam      w <- w - lr * m_hat / (sqrt(v_hat) + eps)
"""

from __future__ import annotations

import math
from typing import Iterable

from micrograd import Value

from .module import number


class Optimizer:
    """Holds the parameters and the learning rate; ``zero_grad()`` clears their gradients."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = list(params)
        for k, p in enumerate(self.params):
            if type(p) is not Value:
                raise TypeError(f"{type(self).__name__}: params[{k}] must be a Value, got {type(p).__name__}: {p!r}")
        self.lr = positive(lr, "lr", type(self).__name__)

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0 (leaf gradients accumulate across backward calls)."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Plain gradient descent: ``w <- w - lr * dL/dw``."""

    def step(self) -> None:
        lr = self.lr
        for p in self.params:
            p.data -= lr * p.grad


class Momentum(Optimizer):
    """Momentum SGD in the form of facts §7: ``w(t+1) = w(t) - lr * grad + mu * (w(t) - w(t-1))``.

    The last step ``w(t) - w(t-1)`` is the inertia; before the first step it is 0. This
    is the usual velocity form ``v(t+1) = mu v(t) - lr grad``, ``w(t+1) = w(t) + v(t+1)``
    with ``v(t) = w(t) - w(t-1)``: the same iterates, one bookkeeping variable fewer.
    """

    def __init__(self, params: Iterable[Value], lr: float, mu: float = 0.9) -> None:
        super().__init__(params, lr)
        self.mu = number(mu, "mu", "Momentum")
        if not 0.0 <= self.mu < 1.0:
            raise ValueError(f"Momentum: mu must satisfy 0 <= mu < 1, got {mu!r}")
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
    ``v_hat = v / (1-b2^t)``, ``w <- w - lr * m_hat / (sqrt(v_hat) + eps)``.
    """

    def __init__(
        self, params: Iterable[Value], lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        super().__init__(params, lr)
        for name, b in (("beta1", beta1), ("beta2", beta2)):
            if not 0.0 <= number(b, name, "Adam") < 1.0:
                raise ValueError(f"Adam: {name} must satisfy 0 <= {name} < 1, got {b!r}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), positive(eps, "eps", "Adam")
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


def positive(x: object, argument: str, where: str) -> float:
    """``x`` as a float if it is a finite number > 0; a ValueError naming ``argument`` otherwise."""
    value = number(x, argument, where)
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{where}: {argument} must be a positive number, got {x!r}")
    return value
