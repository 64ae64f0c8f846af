"""nn.compiled: training steps replayed by a compiled program give the interpreted loop's
numbers, bit for bit."""

import inspect

import pytest

import micrograd
import nn
from nn import compiled

XS, YS = nn.moons(40, noise=0.1, seed=3)
SIGNED = [2.0 * y - 1.0 for y in YS]


def trained(compiled_steps, **kwargs):
    """Train a fresh 2-5-4-1 net; ``compiled_steps`` None leaves train's default."""
    net = nn.MLP(2, [5, 4, 1], kwargs.pop("activations", None), seed=1)
    optimizer = kwargs.pop("optimizer", nn.SGD)(net.parameters(), kwargs.pop("lr", 0.05))
    if compiled_steps is not None:
        kwargs["compiled"] = compiled_steps
    history = nn.train(net, XS, kwargs.pop("ts", SIGNED), optimizer=optimizer, progress=False, **kwargs)
    return history, [p.data for p in net.parameters()]


@pytest.fixture
def compiles(monkeypatch):
    """How many graphs nn.train compiled."""
    calls = []
    real = micrograd.compile

    def counting(root, **kwargs):
        calls.append(root)
        return real(root, **kwargs)

    monkeypatch.setattr(compiled.micrograd, "compile", counting)
    return calls


@pytest.mark.parametrize("kwargs", [
    dict(loss="hinge", mode="full", epochs=6),
    dict(loss="hinge", mode="sgd", epochs=4, seed=2),
    dict(loss="hinge", mode="minibatch", batch_size=16, epochs=5, seed=4),
    # bce on a sigmoid output: the loss reads the logit, the accuracy the output, outside the loss's graph
    dict(loss="bce", mode="minibatch", batch_size=8, epochs=4, ts=[float(y) for y in YS],
         activations=["tanh", "relu", "sigmoid"]),
    dict(loss="bce_with_logits", mode="full", epochs=5, ts=[float(y) for y in YS], optimizer=nn.Adam, lr=0.01),
    dict(loss="squared_error", mode="sgd", epochs=4, optimizer=nn.Momentum),
])
def test_compiled_training_gives_the_interpreted_history_and_weights_to_the_last_bit(kwargs, compiles):
    interpreted = trained(False, **dict(kwargs))
    assert not compiles
    replayed = trained(True, **dict(kwargs))
    assert compiles, "nothing was compiled"
    assert replayed[0].loss == interpreted[0].loss
    assert replayed[0].accuracy == interpreted[0].accuracy
    assert replayed[1] == interpreted[1]


@pytest.mark.parametrize("mode", ["full", "sgd", "minibatch"])
def test_class_labels_need_one_program_per_class_in_any_mode(mode, compiles):
    trained(True, loss="hinge", mode=mode, epochs=3)
    assert len(compiles) == 2


def test_a_real_valued_target_is_compiled_when_it_comes_up_again(compiles):
    ts = [0.1 * k for k in range(len(XS))]
    trained(True, loss="squared_error", mode="full", ts=ts, epochs=1)
    assert not compiles
    trained(True, loss="squared_error", mode="full", ts=ts, epochs=2)
    assert len(compiles) == len(XS)


def test_softmax_cross_entropy_reads_the_logits_while_building_and_is_not_compiled(compiles):
    ts = [int(y) for y in YS]
    net_a, net_b = nn.MLP(2, [4, 2], seed=0), nn.MLP(2, [4, 2], seed=0)
    a = nn.train(net_a, XS, ts, loss="softmax_cross_entropy", epochs=4, mode="full", progress=False)
    b = nn.train(net_b, XS, ts, loss="softmax_cross_entropy", epochs=4, mode="full", progress=False, compiled=False)
    assert not compiles
    assert a.loss == b.loss


def test_bad_inputs_get_the_interpreted_steps_error_compiled_or_not():
    net = nn.MLP(2, [2, 1])
    for flag in (True, False):
        with pytest.raises(ValueError, match=r"MLP: x\[1\] must be a number, got str"):
            nn.train(net, [[1.0, "a"]], [1.0], progress=False, compiled=flag)


def test_train_and_the_command_line_compile_what_is_proven_by_default(compiles):
    assert inspect.signature(nn.train).parameters["compiled"].default is None
    import micrograd.cli.train

    assert "compiled" not in inspect.getsource(micrograd.cli.train.run)  # it takes train's default
    trained(None, loss="hinge", mode="full", epochs=3)  # named activations, a registered loss
    assert compiles


def leaky(u):
    """A Python activation that branches on the data while the graph is built."""
    return u if u.data > 0 else u * 0.01


def test_a_python_activation_trains_interpreted_by_default_and_gives_the_interpreted_numbers(compiles):
    # once, compiling by default replayed the branch taken when traced: epoch-2 loss 0.49293
    # compiled where the interpreted loop gives 0.50102
    default = trained(None, activations=[leaky, leaky, "identity"], loss="hinge", mode="minibatch", epochs=4, seed=5)
    interpreted = trained(False, activations=[leaky, leaky, "identity"], loss="hinge", mode="minibatch", epochs=4, seed=5)
    assert not compiles
    assert default == interpreted


def test_compiled_true_on_a_python_activation_traces_with_a_one_line_warning(compiles):
    with pytest.warns(UserWarning, match=r"the network MLP is Python code of yours.*a branch on \.data keeps the way it took then"):
        traced = trained(True, activations=[leaky, leaky, "identity"], loss="hinge", mode="minibatch", epochs=4, seed=5)
    assert compiles
    interpreted = trained(False, activations=[leaky, leaky, "identity"], loss="hinge", mode="minibatch", epochs=4, seed=5)
    assert traced != interpreted  # the trace rule, as documented: the branch taken when traced is replayed


def test_a_loss_of_your_own_trains_interpreted_by_default(compiles):
    def my_hinge(y, t):
        return (1.0 - y[0] * t).relu()

    assert trained(None, loss=my_hinge, mode="full", epochs=3) == trained(False, loss=my_hinge, mode="full", epochs=3)
    assert not compiles
    with pytest.warns(UserWarning, match="the loss my_hinge is Python code of yours"):
        trained(True, loss=my_hinge, mode="full", epochs=3)
    assert compiles
