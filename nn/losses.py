"""Loss functions (theory §3), each built from engine ops so backward needs no rule of its own,
and ``LOSSES``, the one registry of them that ``train``, ``delta_rule`` and the command line read.

``y`` is a network's output (a list of Values, or one Value), ``t`` the target (a list of
numbers, or one number); multi-output losses sum over the outputs. Every loss is
numerically stable: logits of +-1000 give a finite loss and finite gradients.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import micrograd
from micrograd import Value

from .checks import is_list, length, number, show


def squared_error(y: Any, t: Any) -> Value:
    """``E = 1/2 sum_k (y_k - t_k)^2``; ``dE/dy_k = y_k - t_k``."""
    ys, ts = _pairs(y, t, "squared_error")
    d = [yk - tk for yk, tk in zip(ys, ts)]
    return micrograd.dot(d, d) * 0.5


def mse(y: Any, t: Any) -> Value:
    """Mean squared error ``1/K sum_k (y_k - t_k)^2`` over the K outputs."""
    ys, ts = _pairs(y, t, "mse")
    d = [yk - tk for yk, tk in zip(ys, ts)]
    return micrograd.dot(d, d) * (1.0 / len(d))


def bce_with_logits(u: Any, t: Any) -> Value:
    """Binary cross-entropy of ``y = sigmoid(u)`` computed from the logit ``u``:
    ``-[t log y + (1-t) log(1-y)] = t softplus(-u) + (1-t) softplus(u)``, as
    ``-log sigmoid(u) = softplus(-u)`` and ``-log(1 - sigmoid(u)) = softplus(u)``: no
    overflow and no cancellation for any u; ``dE/du = sigmoid(u) - t``. ``t`` is a
    probability in [0, 1] (usually 0 or 1); a term of weight 0 is left out."""
    us, ts = _pairs(u, t, "bce_with_logits")
    _check_probabilities(ts, "bce_with_logits")
    return _total([_cross_entropy(tk, lambda: (-uk).softplus(), lambda: uk.softplus()) for uk, tk in zip(us, ts)])


def bce(y: Any, t: Any) -> Value:
    """Binary cross-entropy ``-[t log y + (1-t) log(1-y)]`` of a probability ``y``.

    When ``y`` is the output of a ``sigmoid`` node, the loss is computed from that
    node's input u as ``bce_with_logits(u, t)``: the same number and gradient, but
    finite even where ``sigmoid(u)`` rounds to exactly 0 or 1. Otherwise the formula
    is used as written (a term of weight 0 left out), and needs ``0 < y < 1``.
    """
    ys, ts = _pairs(y, t, "bce")
    _check_probabilities(ts, "bce")
    terms = []
    for yk, tk in zip(ys, ts):
        if type(yk) is Value and yk.op == "sigmoid":
            terms.append(bce_with_logits(yk.parents[0], tk))
        else:
            if (tk != 0 and not _data(yk) > 0) or (tk != 1 and not _data(yk) < 1):
                raise ValueError(
                    f"bce: y[{len(terms)}] = {_data(yk)!r} must lie strictly between 0 and 1 (here log y or log(1 - y) "
                    f"is infinite); for a network's output, pass the logit u to bce_with_logits"
                )
            terms.append(_cross_entropy(tk, lambda: -micrograd.log(yk), lambda: -micrograd.log(1.0 - yk)))
    return _total(terms)


def _cross_entropy(t: float, minus_log_y: Callable[[], Any], minus_log_1_minus_y: Callable[[], Any]) -> Any:
    """``t (-log y) + (1-t) (-log(1-y))``, building only the terms whose weight is not 0."""
    if t == 1:
        return minus_log_y()
    if t == 0:
        return minus_log_1_minus_y()
    return t * minus_log_y() + (1.0 - t) * minus_log_1_minus_y()


def softmax(logits: Sequence[Any]) -> list[Any]:
    """``y_k = exp(a_k - m) / sum_j exp(a_j - m)`` with ``m = max_j a_j`` (never overflows).

    Works on Values (giving Values) and on plain floats (giving floats)."""
    if length(logits, "logits", "softmax") == 0:
        raise ValueError("softmax: logits is empty; it needs one logit per class")
    m = max(_data(a) for a in logits)
    e = [micrograd.exp(a - m) for a in logits]
    s = micrograd.sum(e)
    return [ek / s for ek in e]


def softmax_cross_entropy(logits: Sequence[Any], target: int | Sequence[float]) -> Value:
    """Cross-entropy of ``softmax(logits)`` against ``target``: ``-sum_k t_k log y_k``.

    ``target`` is a class index (t one-hot) or a list of K probabilities. Computed as
    ``logsumexp(a) - sum_k t_k a_k`` with ``logsumexp(a) = m + log sum_j exp(a_j - m)``,
    ``m = max_j a_j``: stable for any logits; ``dE/da_k = y_k - t_k``.
    """
    logits = list(logits) if isinstance(logits, Sequence) else [logits]
    if not logits:
        raise ValueError("softmax_cross_entropy: logits is empty; it needs one logit per class")
    ts = one_hot(target, len(logits), "softmax_cross_entropy")
    m = max(_data(a) for a in logits)
    lse = micrograd.log(micrograd.sum([micrograd.exp(a - m) for a in logits])) + m
    if isinstance(target, numbers.Integral):
        return lse - logits[int(target)]
    return lse - micrograd.dot(ts, logits)


def hinge(y: Any, t: Any) -> Value:
    """Hinge (max-margin) loss ``max(0, 1 - t y)`` for labels ``t`` of -1 or +1."""
    ys, ts = _pairs(y, t, "hinge")
    for k, tk in enumerate(ts):
        if tk not in (-1.0, 1.0):
            raise ValueError(f"hinge: target t[{k}] must be -1 or +1, got {tk!r} (for 0/1 labels use 2*t - 1)")
    return _total([(1.0 - tk * yk).relu() for yk, tk in zip(ys, ts)])


def one_hot(target: Any, k: int, where: str) -> list[float]:
    """``target`` as K floats: a class index becomes one-hot, a list is checked for length K."""
    if isinstance(target, numbers.Integral) and not isinstance(target, bool):
        if not 0 <= target < k:
            raise ValueError(f"{where}: target class index {target!r} is out of range for {k} classes (0 to {k - 1})")
        return [1.0 if c == target else 0.0 for c in range(k)]
    if not is_list(target):
        raise ValueError(f"{where}: target must be a class index or a list of {k} numbers, got {target!r}")
    if len(target) != k:
        raise ValueError(f"{where}: target has {len(target)} entries but there are {k} logits: {target!r}")
    return [number(tk, f"target[{c}]", where) for c, tk in enumerate(target)]


def target_numbers(t: Any, k: int, where: str) -> list[float]:
    """The target as k numbers: a list of k numbers, or one number when k = 1; a ValueError otherwise."""
    ts = list(t) if is_list(t) else [t]
    if len(ts) != k:
        raise ValueError(f"{where}: target t has {len(ts)} entries but the output y has {k}: t = {show(t)}")
    return [number(tk, f"t[{i}]", where) for i, tk in enumerate(ts)]


def _pairs(y: Any, t: Any, where: str) -> tuple[list[Any], list[float]]:
    """The outputs and targets as two lists of equal length, or a ValueError saying why not."""
    ys = list(y) if isinstance(y, Sequence) else [y]
    ts = target_numbers(t, len(ys), where)
    if not ys:
        raise ValueError(f"{where}: the output y is empty")
    return ys, ts


def _check_probabilities(ts: list[float], where: str) -> None:
    for k, tk in enumerate(ts):
        if not 0.0 <= tk <= 1.0:
            raise ValueError(f"{where}: target t[{k}] must be a probability between 0 and 1, got {tk!r}")


def _total(terms: list[Any]) -> Any:
    """One term as it is, several as one ``sum`` node."""
    return terms[0] if len(terms) == 1 else micrograd.sum(terms)


def _data(a: Any) -> float:
    return a.data if type(a) is Value else a


# --- the registry ----------------------------------------------------------------------


@dataclass(frozen=True)
class Loss:
    """One loss and what goes with it.

    ``function(y, t)`` the loss; ``output`` the activation of the output layer it pairs with;
    ``prediction(u, z)`` the network's prediction y from the output layer's pre-activations u
    and outputs z, given only where the pair makes the output delta ``dE/du_k = y_k - t_k``
    (theory §3, what ``delta_rule`` needs), None otherwise; ``correct(y, t)`` whether the
    output picks the target's class (None: no accuracy, not a class loss); ``description``
    for a reader; ``targets(t, k, where)`` the target as k numbers (a class index becomes
    one-hot for softmax); ``traceable``: True where its graph's shape and constants depend only
    on the outputs' shape, not their values, so a compiled replay of it is exact; False where it
    is known not to be; None for a function of yours, which nothing proves either way
    (``nn.compiled``).
Calling the entry calls the loss.
    """

    function: Callable[..., Value]
    output: str
    prediction: Callable[[list[float], list[float]], list[float]] | None
    correct: Callable[[Sequence[Value], Any], bool] | None
    description: str
    targets: Callable[[Any, int, str], list[float]] = target_numbers
    traceable: bool | None = True

    @property
    def name(self) -> str:
        return self.function.__name__

    def __call__(self, y: Any, t: Any) -> Value:
        return self.function(y, t)


def _classes(y: Sequence[Value], threshold: float) -> list[int]:
    return [1 if yk.data >= threshold else 0 for yk in y]


def _target_classes(t: Any, threshold: float) -> list[int]:
    return [1 if tk >= threshold else 0 for tk in (t if isinstance(t, Sequence) else [t])]


def _argmax(xs: Sequence[Any]) -> int:
    values = [_data(x) for x in xs]
    return values.index(max(values))


#: Every loss by its name; ``train`` and ``delta_rule`` accept a name or the function.
LOSSES: dict[str, Loss] = {
    entry.name: entry
    for entry in (
        Loss(squared_error, "identity", lambda u, z: z, None, "squared error 1/2 sum (y - t)^2"),
        Loss(mse, "identity", None, None, "mean squared error 1/K sum (y - t)^2"),
        Loss(bce, "sigmoid", lambda u, z: z,
             lambda y, t: _classes(y, 0.5) == _target_classes(t, 0.5), "binary cross-entropy of a probability"),
        Loss(bce_with_logits, "identity", lambda u, z: [micrograd.sigmoid(uk) for uk in u],
             lambda y, t: _classes(y, 0.0) == _target_classes(t, 0.5), "binary cross-entropy on the logit"),
        Loss(softmax_cross_entropy, "identity", lambda u, z: softmax(u),
             lambda y, t: _argmax(y) == (_argmax(t) if isinstance(t, Sequence) else t), "softmax cross-entropy", one_hot,
             traceable=False),  # shifts the logits by their largest value as seen while building
        Loss(hinge, "identity", None,
             lambda y, t: _classes(y, 0.0) == _target_classes(t, 0.0), "hinge (max-margin) loss max(0, 1 - t y)"),
    )
}


def get_loss(loss: Any, where: str) -> Loss:
    """The registry entry of the loss named or given by ``loss``: a function not in the
    registry gets an entry of its own (no pairing, no accuracy); a ValueError otherwise."""
    if isinstance(loss, str):
        if loss in LOSSES:
            return LOSSES[loss]
        raise ValueError(f"{where}: unknown loss {show(loss)}; use one of {', '.join(LOSSES)}, or pass a function (y, t) -> Value")
    if isinstance(loss, Loss):
        return loss
    if callable(loss):
        for entry in LOSSES.values():
            if entry.function is loss:
                return entry
        return Loss(loss, "", None, None, getattr(loss, "__name__", "a loss function"), traceable=None)
    raise ValueError(f"{where}: loss must be a name ({', '.join(LOSSES)}) or a function (y, t) -> Value, got {show(loss)}")
