"""nn: neural networks made of micrograd Values, and the delta rule made visible.

    import nn
    xs, ys = nn.moons(100, seed=0)                     # labels 0/1
    net = nn.MLP(2, [16, 16, 1], seed=0)               # relu hidden, identity output
    history = nn.train(net, xs, [2 * y - 1 for y in ys], loss=nn.hinge, lr=0.05, epochs=50)

    net = nn.MLP.from_weights([W1, W2], activations=["sigmoid", "identity"])
    step = nn.delta_rule(net, x, t, lr=0.1)            # theory §5 by hand, no backward
    print(step); step.apply()

One registry each, read by ``train``, ``delta_rule`` and the command line: ``LOSSES``
(a loss, its paired output activation, its accuracy), ``OPTIMIZERS`` (each class with its
``default_lr``), ``DATASETS``; ``ACTIVATIONS`` reads the engine's op table.
The views of training (``nn.views``: ``TrainingRecorder``, ``LiveView``, ``write_replay``)
draw a run while it trains and keep it as a page. Modules import downward: checks,
activations, persist <- module <- delta_rule, train <- views; losses, optim and datasets
need only checks. Labels follow the core's convention (``micrograd.labels``).
"""

from .activations import ACTIVATIONS
from .datasets import DATASETS, circles, moons, spiral, xor
from .delta_rule import BatchUpdate, DeltaRule, DeltaRuleBatch, Update, delta_rule, delta_rule_batch
from .losses import LOSSES, Loss, bce, bce_with_logits, hinge, mse, softmax, softmax_cross_entropy, squared_error
from .module import MLP, Layer, Module, Neuron
from .optim import OPTIMIZERS, SGD, Adam, Momentum, Optimizer
from .persist import save
from .train import History, evaluate, train, train_step

load = MLP.load  # nn.load(path): the network saved at path

#: The views of training (nn.views), imported when first asked for: importing nn, or training
#: without them, loads no picture code.
VIEWS = ("TrainingRecorder", "TrainingHistory", "Snapshot", "LiveView", "live_view", "write_replay",
         "MAX_DRAWN_WEIGHTS", "MAX_DRAWN_UNITS")

__all__ = [
    "Module", "Neuron", "Layer", "MLP", "ACTIVATIONS",
    "squared_error", "mse", "bce", "bce_with_logits", "softmax", "softmax_cross_entropy", "hinge", "LOSSES", "Loss",
    "Optimizer", "SGD", "Momentum", "Adam", "OPTIMIZERS",
    "train", "train_step", "evaluate", "History",
    "moons", "circles", "spiral", "xor", "DATASETS",
    "delta_rule", "delta_rule_batch", "DeltaRule", "DeltaRuleBatch", "Update", "BatchUpdate",
    "save", "load",
    *VIEWS,
]


def __getattr__(name: str) -> object:
    if name in VIEWS:
        from . import views

        return getattr(views, name)
    raise AttributeError(f"module 'nn' has no attribute {name!r}")
