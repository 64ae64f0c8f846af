"""Cross-check against PyTorch in float64: the same generated programs give the same
values and gradients, to 1e-9 relative. Skipped where torch is not installed.

Run it with PyTorch installed (``pip install torch``):
``python -m pytest tests/test_torch_crosscheck.py``.
"""

import math

import pytest
from hypothesis import given

import micrograd
from micrograd.testing import Program, programs

torch = pytest.importorskip("torch", reason="the PyTorch cross-check needs torch: pip install torch")
F = torch.nn.functional


def _tensor(x):
    return x if isinstance(x, torch.Tensor) else torch.tensor(x, dtype=torch.float64)


def _step(x):
    # torch gives heaviside no derivative at all; the engine's step has derivative 0.
    return torch.heaviside(x.detach(), _tensor(1.0)) + 0.0 * x


def _prelu(x, alpha):
    return F.prelu(_tensor(x), _tensor(alpha).reshape(1))


def _elu(x, alpha):
    x = _tensor(x)
    if isinstance(alpha, torch.Tensor):  # F.elu takes alpha as a plain number only
        return torch.where(x >= 0, x, alpha * torch.expm1(x))
    return F.elu(x, alpha=alpha)


def _dot(*wx):
    n = len(wx) // 2
    return torch.stack([_tensor(w) * _tensor(x) for w, x in zip(wx[:n], wx[n:])]).sum()


#: Every engine op as PyTorch computes it. At kinks the two may differ (torch: relu'(0) = 0,
#: abs'(0) = 0; the engine: 1); the programs here keep away from kinks.
TORCH = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: torch.pow(_tensor(a), b) if not isinstance(a, torch.Tensor) else torch.pow(a, b),
    "neg": torch.neg,
    "abs": torch.abs,
    "exp": torch.exp,
    "expm1": torch.expm1,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "identity": lambda x: x.clone(),
    "step": _step,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "arctan": torch.atan,
    "relu": torch.relu,
    "prelu": _prelu,
    "elu": _elu,
    "softplus": lambda x: F.softplus(x, beta=1.0, threshold=700.0),  # no switch to x above 20
    "sum": lambda *xs: torch.stack([_tensor(x) for x in xs]).sum(),
    "dot": _dot,
}


def apply_torch(op, operands):
    return TORCH[op](*operands)


def _close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def test_every_engine_op_has_a_torch_equivalent():
    assert set(TORCH) == set(micrograd.OPS)


@given(programs(max_ops=12, max_depth=6))
def test_values_and_gradients_match_pytorch_in_float64(program: Program):
    leaves = program.leaves()
    ours = program.run(leaves)
    ours[-1].backward()
    xs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in program.inputs]
    theirs = program.run(xs, apply=apply_torch)
    theirs[-1].backward()
    for k, (v, t) in enumerate(zip(ours, theirs)):
        assert _close(v.data, t.item()), f"register {k}: engine {v.data!r}, torch {t.item()!r}\n{program}"
    for i, (v, t) in enumerate(zip(leaves, xs)):
        g = 0.0 if t.grad is None else t.grad.item()
        assert _close(v.grad, g), f"d out/d x{i}: engine {v.grad!r}, torch {g!r}\n{program}"
