"""Cross-check against PyTorch in float64: the same generated programs give the same
values and gradients, to 1e-9 relative. Skipped where torch is not installed (required
under CI=true, where .ci/run installs it).

Run it with PyTorch installed (``pip install torch``):
``python -m pytest tests/test_torch_crosscheck.py``.
"""

import math

from hypothesis import given

import micrograd
from micrograd.testing import Program, programs


def torch_ops(torch):
    """Every engine op as PyTorch computes it. At kinks the two may differ (torch: relu'(0) = 0,
    abs'(0) = 0; the engine: 1); the programs here keep away from kinks."""
    F = torch.nn.functional

    def tensor(x):
        return x if isinstance(x, torch.Tensor) else torch.tensor(x, dtype=torch.float64)

    def step(x):  # torch gives heaviside no derivative at all; the engine's step has derivative 0
        return torch.heaviside(x.detach(), tensor(1.0)) + 0.0 * x

    def elu(x, alpha):
        x = tensor(x)
        if isinstance(alpha, torch.Tensor):  # F.elu takes alpha as a plain number only
            return torch.where(x >= 0, x, alpha * torch.expm1(x))
        return F.elu(x, alpha=alpha)

    def dot(*wx):
        n = len(wx) // 2
        return torch.stack([tensor(w) * tensor(x) for w, x in zip(wx[:n], wx[n:])]).sum()

    return {
        "+": lambda a, b: a + b,
        "-": lambda a, b: a - b,
        "*": lambda a, b: a * b,
        "/": lambda a, b: a / b,
        "**": lambda a, b: torch.pow(tensor(a), b),
        "neg": torch.neg,
        "abs": torch.abs,
        "exp": torch.exp,
        "expm1": torch.expm1,
        "log": torch.log,
        "sqrt": torch.sqrt,
        "identity": lambda x: x.clone(),
        "step": step,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "arctan": torch.atan,
        "relu": torch.relu,
        "prelu": lambda x, alpha: F.prelu(tensor(x), tensor(alpha).reshape(1)),
        "elu": elu,
        "softplus": lambda x: F.softplus(x, beta=1.0, threshold=700.0),  # no switch to x above 20
        "sum": lambda *xs: torch.stack([tensor(x) for x in xs]).sum(),
        "dot": dot,
    }


def _close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def test_every_engine_op_has_a_torch_equivalent(torch):
    assert set(torch_ops(torch)) == set(micrograd.OPS)


@given(programs(max_ops=12, max_depth=6))
def test_values_and_gradients_match_pytorch_in_float64(torch, program: Program):
    ops = torch_ops(torch)
    leaves = program.leaves()
    ours = program.run(leaves)
    ours[-1].backward()
    xs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in program.inputs]
    theirs = program.run(xs, apply=lambda op, operands: ops[op](*operands))
    theirs[-1].backward()
    for k, (v, t) in enumerate(zip(ours, theirs)):
        assert _close(v.data, t.item()), f"register {k}: engine {v.data!r}, torch {t.item()!r}\n{program}"
    for i, (v, t) in enumerate(zip(leaves, xs)):
        g = 0.0 if t.grad is None else t.grad.item()
        assert _close(v.grad, g), f"d out/d x{i}: engine {v.grad!r}, torch {g!r}\n{program}"
