"""``micrograd predict`` and ``micrograd eval``: a network saved by ``micrograd train --save``,
used from the command line. Its outputs are the network's own (nn.load and a forward pass,
computed here independently); bad model files are one line, status 2, nothing written."""

from __future__ import annotations

import math
import os

import pytest

import nn
from micrograd.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A network trained by the command line and saved: (path, the data it trained on)."""
    path = tmp_path_factory.mktemp("model") / "model.json"
    assert main(["train", "--samples", "40", "--hidden", "4", "--epochs", "3", "--no-progress", "--seed", "3",
                 "--save", str(path)]) == 0
    return path


def test_predict_prints_the_saved_networks_output(capsys, model):
    status, out, err = run(capsys, "predict", "--load", str(model), "0.5", "-0.25", "--digits", "17")
    assert (status, err) == (0, "")
    net = nn.MLP.load(model)
    (w1, b1), (w2, b2) = [([[w.data for w in n.w] for n in layer.neurons], [n.b.data for n in layer.neurons])
                          for layer in net.layers]
    hidden = [max(0.0, math.fsum(w * x for w, x in zip(row, (0.5, -0.25))) + b) for row, b in zip(w1, b1)]
    expected = math.fsum(w * z for w, z in zip(w2[0], hidden)) + b2[0]
    (line,) = out.splitlines()
    assert line.startswith("y[0] = ") and float(line[len("y[0] = "):]) == pytest.approx(expected, rel=1e-12)


def test_eval_prints_loss_and_accuracy_as_nn_computes_them(capsys, model):
    status, out, err = run(capsys, "eval", "--load", str(model), "--samples", "40", "--seed", "3")
    assert (status, err) == (0, "")
    xs, labels = nn.moons(40, seed=3)
    net = nn.MLP.load(model)
    logits = [net(x)[0].data for x in xs]
    loss = math.fsum(max(u, 0.0) - u * t + math.log1p(math.exp(-abs(u))) for u, t in zip(logits, labels)) / 40
    accuracy = sum((u > 0) == (t == 1) for u, t in zip(logits, labels)) / 40
    last = out.splitlines()[-1]
    assert last == f"loss (binary cross-entropy on the logit) {loss:.6g}, accuracy {accuracy:.1%}"


@pytest.mark.parametrize("argv, words", [
    (["predict", "0.5"], "takes 2 input(s), got 1"),
    (["predict", "1", "2", "3"], "takes 2 input(s), got 3"),
    (["predict", "1", "x"], "input 2 'x' is not a number"),
    (["predict", "1", "inf"], "input 2 'inf' is not a finite number"),
    (["eval", "--dataset", "spiral"], "has 1 output(s), but spiral with 3 classes needs 3"),
])
def test_input_that_does_not_fit_the_network_is_one_line(capsys, model, argv, words):
    status, out, err = run(capsys, argv[0], "--load", str(model), *argv[1:])
    assert (status, out) == (2, "") and err.count("\n") == 1 and words in err, err


def bad_files(tmp_path):
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "other.json").write_text('{"format": "something else"}')
    (tmp_path / "truncated.json").write_text('{"format": "nn.MLP", "version": 1, "n_in": 2, "layers": [')
    wide = nn.MLP(3, [2, 1], seed=0)
    wide.save(tmp_path / "three_inputs.json")
    return {
        "missing.json": "cannot read it: No such file or directory",
        "": "the path is empty",
        ".": "is not a regular file (a directory)",
        "empty.json": "is not valid JSON",
        "other.json": "not a saved nn.MLP",
        "truncated.json": "is not valid JSON",
        "three_inputs.json": "takes 3 input(s)",
    }


@pytest.mark.parametrize("command", ["predict", "eval"])
def test_a_bad_model_file_is_one_line_and_status_2(capsys, tmp_path, command):
    for name, words in bad_files(tmp_path).items():
        path = str(tmp_path / name) if name not in ("", ".") else (name if name == "" else str(tmp_path))
        argv = [command, "--load", path] + (["0.5", "0.5"] if command == "predict" else [])
        before = sorted(os.listdir(tmp_path))
        status, out, err = run(capsys, *argv)
        assert (status, out) == (2, ""), (name, out, err)
        assert err.count("\n") == 1 and "Traceback" not in err, (name, err)
        if name == "three_inputs.json" and command == "eval":
            words = "takes 3 input(s), but moons has 2-D points"
        assert words in err, (name, err)
        assert sorted(os.listdir(tmp_path)) == before  # nothing written


def test_a_file_that_fails_to_read_is_one_line(capsys):
    # /proc/self/mem opens as a regular file, and reading it from the start fails (EIO)
    status, out, err = run(capsys, "predict", "--load", "/proc/self/mem", "1", "2")
    assert (status, out) == (2, "") and err.count("\n") == 1 and "/proc/self/mem" in err, err


def test_load_is_required(capsys):
    status, out, err = run(capsys, "predict", "1", "2")
    assert status == 2 and "--load" in err and err.count("\n") == 1
