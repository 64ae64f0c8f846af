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
    net = nn.MLP(2, [5, 4, 1], kwargs.pop("activations", None), seed=1)
    optimizer = kwargs.pop("optimizer", nn.SGD)(net.parameters(), kwargs.pop("lr", 0.05))
    history = nn.train(net, XS, kwargs.pop("ts", SIGNED), optimizer=optimizer, progress=False, compiled=compiled_steps, **kwargs)
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


def test_train_and_the_command_line_compile_by_default():
    assert inspect.signature(nn.train).parameters["compiled"].default is True
    import micrograd.cli.train

    assert "compiled" not in inspect.getsource(micrograd.cli.train.run)  # it takes train's default
