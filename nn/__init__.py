"""nn: neural networks made of micrograd Values, and the delta rule made visible.

    net = nn.MLP(2, [16, 16, 1], seed=0)          # relu hidden, identity output
    y = net([0.5, -1.0])                          # a list of output Values
    loss = nn.hinge(y, 1.0); loss.backward()      # gradients on net.parameters()
    nn.delta_rule(net, x, t, lr=0.1)              # the same gradients by the delta rule
"""

from .datasets import circles, moons, spiral, xor
from .delta_rule import BatchUpdate, DeltaRule, DeltaRuleBatch, Update, delta_rule, delta_rule_batch
from .losses import LOSSES, bce, bce_with_logits, hinge, mse, softmax, softmax_cross_entropy, squared_error
from .module import ACTIVATIONS, MLP, Layer, Module, Neuron
from .optim import SGD, Adam, Momentum, Optimizer
from .persist import load, save
from .train import History, train, train_step

__all__ = [
    "Module", "Neuron", "Layer", "MLP", "ACTIVATIONS",
    "squared_error", "mse", "bce", "bce_with_logits", "softmax", "softmax_cross_entropy", "hinge", "LOSSES",
    "Optimizer", "SGD", "Momentum", "Adam",
    "train", "train_step", "History",
    "moons", "circles", "spiral", "xor",
    "delta_rule", "delta_rule_batch", "DeltaRule", "DeltaRuleBatch", "Update", "BatchUpdate",
    "save", "load",
]
