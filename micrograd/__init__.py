"""micrograd: a scalar reverse-mode autodiff engine that shows its work.

Every Value records its parents and the local derivative with respect to each, as
plain data; ``backward()`` sums ``local_grad * grad`` into every parent. Every named
row of the op table is a function here too: ``micrograd.tanh(x)``, ``micrograd.exp(x)``.

The core: ``engine`` (Value, backward), ``ops`` (the op table), ``compiler``
(``micrograd.compile``), ``second_order``, ``gradcheck``, ``testing``, ``expr``, ``files``,
``labels`` and ``viz`` (pictures of a graph). It never imports ``nn``; the front doors
above both are the ``micrograd`` command (``micrograd.cli``) and ``micrograd.nn``.
"""

import pkgutil
from typing import Any, Callable

from . import ops
from .compiler import Program
from .compiler import compile_graph as compile  # noqa: A004 - micrograd.compile compiles a graph
from .engine import Value, backpropagate, backward_order, is_grad_enabled, no_grad
from .errors import DivisionByZeroError, DomainError, FloatOverflowError
from .gradcheck import GradcheckError, GradcheckWarning, gradcheck
from .ops import OPS, Op, dot, sum  # noqa: A004 - micrograd.sum is one n-ary node
from .second_order import gradient, hessian

__version__ = "0.4.0"

__all__ = [
    "Value", "Op", "OPS", "backward_order", "backpropagate", "no_grad", "is_grad_enabled", "sum", "dot",
    "compile", "Program", "gradient", "hessian", "gradcheck", "GradcheckError", "GradcheckWarning",
    "DomainError", "DivisionByZeroError", "FloatOverflowError",
    *[name for name in OPS if name.isidentifier() and name not in ("sum", "dot")],
]

# A row is micrograd.<name>: no row may take a name the package has already.
ops.reserve({*globals(), *(m.name for m in pkgutil.iter_modules(__path__))}, "micrograd.{name}")


def __getattr__(name: str) -> Callable[..., Any]:
    """``micrograd.tanh``, ``micrograd.relu``, ...: the op table's row as a function
    (looked up when asked, so a row added to the table is here at once)."""
    if name in OPS and name.isidentifier():
        return OPS[name]
    known = ", ".join(n for n in OPS if n.isidentifier())
    raise AttributeError(f"module 'micrograd' has no attribute {name!r} (the named ops are {known})")


def __dir__() -> list[str]:
    return sorted(set(globals()) | {n for n in OPS if n.isidentifier()})
