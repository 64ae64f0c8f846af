"""micrograd: a scalar reverse-mode autodiff engine that shows its work.

Every Value records its parents and the local derivative with respect to each, as
plain data; ``backward()`` sums ``local_grad * grad`` into every parent.
"""

from .engine import Op, Value, backward_order, is_grad_enabled, no_grad
from .errors import DivisionByZeroError, DomainError, FloatOverflowError
from .gradcheck import GradcheckError, GradcheckWarning, gradcheck
from .ops import OPS, dot, sum  # noqa: A004 - micrograd.sum is one n-ary node
from .ops import ABS as abs  # noqa: A004
from .ops import ARCTAN as arctan
from .ops import ELU as elu
from .ops import EXP as exp
from .ops import IDENTITY as identity
from .ops import LOG as log
from .ops import PRELU as prelu
from .ops import RELU as relu
from .ops import SIGMOID as sigmoid
from .ops import SOFTPLUS as softplus
from .ops import SQRT as sqrt
from .ops import STEP as step
from .ops import TANH as tanh
from .second_order import gradient, hessian

__version__ = "0.2.0"

__all__ = [
    "Value", "Op", "OPS", "backward_order", "no_grad", "is_grad_enabled", "sum", "dot",
    "abs", "arctan", "elu", "exp", "identity", "log", "prelu", "relu", "sigmoid", "softplus", "sqrt", "step", "tanh",
    "gradient", "hessian", "gradcheck", "GradcheckError", "GradcheckWarning",
    "DomainError", "DivisionByZeroError", "FloatOverflowError",
]
