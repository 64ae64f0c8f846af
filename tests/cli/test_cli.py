"""Tests for micrograd.cli: ``micrograd grad``, ``demo`` and ``train``.

Commands run through ``main(argv)`` (its return value is the exit status) with pytest's
capsys, and a few as real ``python -m micrograd`` processes. Golden numbers come from
docs/theory.md §6 or plain float code written here.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import stat
import subprocess
import sys

import pytest

import nn
from micrograd.cli import main

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def table(out: str) -> dict[str, tuple[float, float]]:
    """The rows ``name value gradient`` of grad's table."""
    rows = {}
    for line in out.splitlines()[2:]:
        parts = line.split()
        if len(parts) == 3:
            rows[parts[0]] = (float(parts[1]), float(parts[2]))
    return rows


def numbers(line: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+\.\d+(?:e[-+]?\d+)?", line)]


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """A PATH without Graphviz's dot program."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.fixture
def no_graphviz_package(monkeypatch):
    """As if the graphviz Python package were not installed."""
    for name in [m for m in sys.modules if m == "graphviz" or m.startswith(("graphviz.", "micrograd.viz"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "graphviz", None)
    monkeypatch.setitem(sys.modules, "micrograd.viz", None)


# --- micrograd grad --------------------------------------------------------------------


def test_grad_prints_the_value_and_every_gradient(capsys):
    status, out, err = run(capsys, "grad", "tanh(x*w + b)", "x=0.5", "w=-1.2", "b=0.3")
    assert (status, err) == (0, "")
    t = math.tanh(0.5 * -1.2 + 0.3)
    slope = 1 - t * t
    first = out.splitlines()[0]
    assert first.startswith("tanh(x*w + b) = ")
    assert float(first.split("= ")[1]) == pytest.approx(t, rel=1e-9)
    rows = table(out)
    assert list(rows) == ["x", "w", "b"]
    assert rows["x"] == (0.5, pytest.approx(slope * -1.2, rel=1e-9))
    assert rows["w"] == (-1.2, pytest.approx(slope * 0.5, rel=1e-9))
    assert rows["b"] == (0.3, pytest.approx(slope, rel=1e-9))


def test_grad_digits(capsys):
    status, out, _ = run(capsys, "grad", "x*x/7", "x=3", "--digits", "3")
    assert status == 0
    assert out.splitlines() == ["x*x/7 = 1.29", "input  value  gradient", "x          3     0.857"]


@pytest.mark.parametrize("argv, name", [(["x*y", "x=2", "y=3", "z=4"], "z"), (["x*x", "x=3", "y=1"], "y"), (["2*3", "x=1"], "x")])
def test_an_input_the_expression_does_not_use_is_refused(capsys, tmp_path, argv, name):
    svg = tmp_path / "g.svg"
    status, out, err = run(capsys, "grad", *argv, "--svg", str(svg))
    assert (status, out) == (2, "") and not svg.exists()
    assert err == f"micrograd grad: error: input {name} is not in the expression {argv[0]!r}; give only the inputs it uses\n"


def test_grad_of_a_constant_expression(capsys):
    status, out, _ = run(capsys, "grad", "2*3")
    assert status == 0 and out.strip() == "2*3 = 6"


@pytest.mark.parametrize("expression, value, gradient", [("-x**2", -9.0, -6.0), ("-2*x", -6.0, -2.0), ("-(x)", -3.0, -1.0)])
def test_an_expression_may_start_with_minus(capsys, expression, value, gradient):
    status, out, _ = run(capsys, "grad", expression, "x=3")
    assert status == 0
    assert out.splitlines()[0] == f"{expression} = {value:g}"
    assert table(out) == {"x": (3.0, gradient)}


@pytest.mark.parametrize("expression, value", [("--x", 3.0), ("---x", -3.0), ("--x*2", 6.0), ("-h*x", -6.0)])
def test_an_expression_may_start_with_two_minuses(capsys, expression, value):
    inputs = ["x=3", "h=2"] if "h" in expression else ["x=3"]
    status, out, err = run(capsys, "grad", expression, *inputs)
    assert (status, err) == (0, "")
    assert out.splitlines()[0] == f"{expression} = {value:g}"


def test_an_abbreviated_option_is_still_an_option(capsys, tmp_path):
    status, out, err = run(capsys, "grad", "x*x", "x=3", "--dig", "2", "--do", str(tmp_path / "g.dot"))
    assert (status, err) == (0, "") and table(out) == {"x": (3.0, 6.0)} and (tmp_path / "g.dot").exists()


def test_options_may_come_between_inputs(capsys, tmp_path):
    status, out, _ = run(capsys, "grad", "x*y", "x=2", "--dot", str(tmp_path / "g.dot"), "y=5")
    assert status == 0
    assert table(out) == {"x": (2.0, 5.0), "y": (5.0, 2.0)}


@pytest.mark.parametrize(
    "argv, words",
    [
        (["foo(x)", "x=1"], "column 1: unknown function 'foo'"),
        (["x +", "x=1"], "column 4: syntax error"),
        (["x * y", "x=1"], "column 5: unbound name 'y'"),
        (["__import__('os')"], "column 1: unknown function '__import__'"),
        (["__import__('os').system('true')"], "column 1: attribute access (.system)"),
        (["x.real", "x=1"], "column 1: attribute access (.real)"),
        (["lambda: 1"], "column 1: lambda is not allowed"),
        (["[x for x in [1]]"], "column 1: a comprehension is not allowed"),
        (["x + log(x - 1)", "x=1"], "column 5: cannot compute log(x - 1): log: log(0.0)"),
        (["1 / (x - 1)", "x=1"], "column 3: cannot compute 1 / (x - 1)"),
        (["x ** 1e6", "x=2"], "column 3: cannot compute x ** 1e6: **: 2.0 ** 1000000.0 at Value x: the result overflows float64"),
        (["9**9**9"], "column 2: cannot compute 9**9**9"),
        (["x", "x=abc"], "input 'x=abc': 'abc' is not a number"),
        (["x", "x=1e999"], "too large for a float64"),
        (["x", "x=nan"], "'nan' is not a number"),
        (["x", "x"], "expected NAME=NUMBER"),
        (["x", "x=1", "x=2"], "input x is given twice"),
        (["tanh", "tanh=1"], "tanh is a function"),
        (["x", "2x=1"], "is not a name"),
        (["x", "if=1"], "is not a name"),
        ([], "give an expression"),
        (["x", "x=1", "--digits", "0"], "argument --digits"),
        (["x", "x=1", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_grad_bad_input_is_one_line_and_status_2(capsys, argv, words):
    status, out, err = run(capsys, "grad", *argv)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("micrograd grad: error: ")
    assert words in err
    assert "Traceback" not in err


@needs_dot
def test_grad_draws_svg_png_and_dot(capsys, tmp_path):
    svg, png, dot = tmp_path / "g.svg", tmp_path / "g.png", tmp_path / "g.dot"
    status, out, err = run(capsys, "grad", "tanh(x*w + b)", "x=0.5", "w=-1.2", "b=0.3", "--svg", str(svg), "--png", str(png), "--dot", str(dot))
    assert (status, err) == (0, "")
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    texts = re.findall(r">([^<]*)</text>", text)
    assert {"x", "w", "b", "tanh", "grad 0.9151", "grad &#45;1.098"} <= set(texts)  # labels, dy/db, dy/dx
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert dot.read_text().lstrip().startswith("digraph")
    assert f"wrote {svg}" in out and f"wrote {png}" in out
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left


@needs_dot
def test_grad_steps_writes_frames_and_a_page(capsys, tmp_path):
    status, out, err = run(capsys, "grad", "x*w + b", "x=2", "w=3", "b=1", "--steps", str(tmp_path / "steps"))
    assert (status, err) == (0, "")
    frames = sorted((tmp_path / "steps").glob("step_*.svg"))
    assert len(frames) >= 3
    assert "<svg" in (tmp_path / "steps" / "steps.html").read_text()
    assert table(out) == {"x": (2.0, 3.0), "w": (3.0, 2.0), "b": (1.0, 1.0)}  # the table is backward's, once


def test_grad_without_dot_writes_dot_source_and_says_so(capsys, tmp_path, no_dot):
    svg = tmp_path / "g.svg"
    status, out, err = run(capsys, "grad", "x*x", "x=2", "--svg", str(svg), "--steps", str(tmp_path / "st"))
    assert status == 1
    assert table(out) == {"x": (2.0, 4.0)}
    assert not svg.exists()
    assert (tmp_path / "g.dot").read_text().lstrip().startswith("digraph")
    assert sorted(p.name for p in (tmp_path / "st").iterdir()) == ["step_000.dot", "step_001.dot", "step_002.dot"]
    lines = err.splitlines()
    assert len(lines) == 2 and all("dot program is not installed" in line for line in lines)


def test_grad_without_the_graphviz_package(capsys, tmp_path, no_graphviz_package):
    status, out, err = run(capsys, "grad", "x*x", "x=2", "--svg", str(tmp_path / "g.svg"))
    assert status == 1
    assert table(out) == {"x": (2.0, 4.0)}
    assert err.count("\n") == 1
    assert err.startswith("micrograd grad: error: drawing needs the graphviz Python package: pip install graphviz")


def test_grad_cannot_draw_an_expression_without_inputs_or_into_a_missing_directory(capsys, tmp_path):
    status, out, err = run(capsys, "grad", "2*3", "--dot", str(tmp_path / "g.dot"))
    assert status == 2 and out == "" and "no graph to draw" in err
    status, out, err = run(capsys, "grad", "x", "x=1", "--svg", str(tmp_path / "no" / "g.svg"))
    assert status == 2 and out == "" and "does not exist" in err


def one_line_refusal(status: int, out: str, err: str, words: str) -> bool:
    """Refused before any work: status 2, nothing on stdout, one line on stderr with ``words``."""
    return status == 2 and out == "" and err.count("\n") == 1 and words in err and "Traceback" not in err


def test_grad_refuses_to_draw_onto_a_directory_or_a_fifo(capsys, tmp_path):
    (tmp_path / "sub").mkdir()
    os.mkfifo(tmp_path / "pipe")
    status, out, err = run(capsys, "grad", "x*2", "x=1", "--svg", str(tmp_path / "sub"))
    assert one_line_refusal(status, out, err, f"--svg {str(tmp_path / 'sub')!r}: cannot write {tmp_path / 'sub'}: it is a directory")
    status, out, err = run(capsys, "grad", "x*2", "x=1", "--dot", str(tmp_path / "pipe"))
    assert one_line_refusal(status, out, err, "it is a FIFO (named pipe), not a regular file")
    assert (tmp_path / "sub").is_dir() and stat.S_ISFIFO(os.lstat(tmp_path / "pipe").st_mode)


def test_grad_draws_through_a_symlink_and_refuses_a_read_only_file(capsys, tmp_path):
    (tmp_path / "t.dot").write_text("old")
    (tmp_path / "link.dot").symlink_to("t.dot")
    status, out, err = run(capsys, "grad", "x*2", "x=1", "--dot", str(tmp_path / "link.dot"))
    assert (status, err) == (0, "")
    assert (tmp_path / "link.dot").is_symlink() and (tmp_path / "t.dot").read_text().lstrip().startswith("digraph")
    (tmp_path / "ro.dot").write_text("keep")
    (tmp_path / "ro.dot").chmod(0o444)
    status, out, err = run(capsys, "grad", "x*2", "x=1", "--dot", str(tmp_path / "ro.dot"))
    assert one_line_refusal(status, out, err, "it is read-only (mode 0o444)")
    assert (tmp_path / "ro.dot").read_text() == "keep"


def test_grad_steps_into_a_directory_that_cannot_be_written(capsys, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)  # the permission bits decide, also for root
    (tmp_path / "plain").write_text("")
    try:
        status, out, err = run(capsys, "grad", "x*2", "x=1", "--steps", str(locked))
        assert one_line_refusal(status, out, err, "the directory is not writable (mode 0o555)")
        status, out, err = run(capsys, "grad", "x*2", "x=1", "--steps", str(locked / "new"))
        assert one_line_refusal(status, out, err, f"its parent {locked} is not writable (mode 0o555)")
        assert os.listdir(locked) == []
    finally:
        locked.chmod(0o755)
    status, out, err = run(capsys, "grad", "x*2", "x=1", "--steps", str(tmp_path / "plain" / "steps"))
    assert one_line_refusal(status, out, err, f"{tmp_path / 'plain'} on the way there is a regular file, not a directory")
    status, out, err = run(capsys, "grad", "x*2", "x=1", "--steps", str(tmp_path / "plain"))
    assert one_line_refusal(status, out, err, "it is a regular file, not a directory")


@needs_dot
def test_grad_steps_into_a_directory_holding_a_read_only_frame(capsys, tmp_path):
    (tmp_path / "steps").mkdir()
    (tmp_path / "steps" / "step_000.svg").write_text("keep")
    (tmp_path / "steps" / "step_000.svg").chmod(0o444)
    status, out, err = run(capsys, "grad", "x*2", "x=1", "--steps", str(tmp_path / "steps"))
    assert status == 2 and err.count("\n") == 1 and "step_000.svg: it is read-only" in err and "Traceback" not in err
    assert (tmp_path / "steps" / "step_000.svg").read_text() == "keep"


@needs_dot
def test_grad_draws_an_input_with_a_6000_character_name(capsys, tmp_path):
    name = "漢" * 6000
    status, out, err = run(capsys, "grad", f"{name}*2", f"{name}=1", "--svg", str(tmp_path / "g.svg"))
    assert (status, err) == (0, "")
    assert table(out)[name] == (1.0, 2.0)  # the table shows the whole name
    texts = re.findall(r">([^<]*)</text>", (tmp_path / "g.svg").read_text())
    assert "漢" * 27 + "…" + "漢" * 12 in texts  # the picture a shortened one


def test_a_failing_dot_program_is_one_line(capsys, tmp_path, monkeypatch):
    import graphviz

    def failing_pipe(self, *args, **kwargs):
        raise graphviz.CalledProcessError(1, ["dot"], output=b"", stderr="Error: something dot did not like\nmore".encode())

    monkeypatch.setattr(graphviz.Digraph, "pipe", failing_pipe)
    status, out, err = run(capsys, "grad", "x*2", "x=1", "--svg", str(tmp_path / "g.svg"))
    assert status == 2 and err == "micrograd grad: error: Graphviz's dot could not draw the graph: Error: something dot did not like\n"
    assert not (tmp_path / "g.svg").exists()


# --- micrograd demo -----------------------------------------------------------------------


def test_demo_reproduces_the_worked_example_of_the_theory_page(capsys, tmp_path):
    out_file = tmp_path / "demo.dot"
    status, out, err = run(capsys, "demo", "--out", str(out_file))
    assert (status, err) == (0, "")
    lines = out.splitlines()

    def line(start: str) -> str:
        return next(ln for ln in lines if ln.strip().startswith(start))

    approx = lambda xs: pytest.approx(xs, abs=1e-9)  # noqa: E731 - theory §6 lists 10 decimals
    assert numbers(line("u1 = W1 x")) == approx([0.6, 1.2])
    assert numbers(line("z1 = sigmoid")) == approx([0.6456563062, 0.7685247835])
    assert numbers(line("y  = W2 z1")) == approx([2.1827058732, 5.0110680527])
    assert numbers(line("E  = ")) == approx([10.4264359261])
    assert numbers(line("delta2 =")) == approx([2.1827058732, 4.0110680527])
    assert numbers(line("delta1 =")) == approx([3.2523761789, 3.6307693113])
    ledger = {ln.split()[0]: numbers(ln)[-1] for ln in lines if re.match(r"\s+W\d\[\d,\d\]\s", ln)}
    assert ledger == {
        "W2[0,0]": approx(0.8590722188), "W2[0,1]": approx(1.8322536441),
        "W2[1,0]": approx(2.7410228617), "W2[1,1]": approx(3.6917394793),
        "W1[0,0]": approx(-0.2252376179), "W1[0,1]": approx(-0.5504752358), "W1[0,2]": approx(-0.8757128537),
        "W1[1,0]": approx(-0.1630769311), "W1[1,1]": approx(-0.5261538623), "W1[1,2]": approx(-0.8892307934),
    }
    assert numbers(line("W1 = [[-")) == approx([-0.2252376179, -0.5504752358, -0.8757128537, -0.1630769311, -0.5261538623, -0.8892307934])
    assert numbers(line("W2 = [[0.8")) == approx([0.8590722188, 1.8322536441, 2.7410228617, 3.6917394793])
    assert "largest difference" in line("5. backward()")
    assert float(line("5. backward()").split()[-1]) < 1e-12
    assert out_file.read_text().lstrip().startswith("digraph")
    assert f"wrote {out_file}" in lines[-1]


@needs_dot
def test_demo_draws_an_svg_where_out_says(capsys, tmp_path):
    status, out, _ = run(capsys, "demo", "--out", str(tmp_path / "demo.svg"))
    assert status == 0
    svg = (tmp_path / "demo.svg").read_text()
    assert "<svg" in svg and "W1[0,0]" in svg and "W2[1,1]" in svg


def test_demo_writes_no_file_unless_asked(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "demo")
    assert (status, err) == (0, "")
    assert "10.4264359261" in out and "Graph" not in out
    assert list(tmp_path.iterdir()) == []


def test_demo_help_says_the_picture_is_drawn_only_with_out(capsys):
    _, out, _ = run(capsys, "demo", "--help")
    flat = " ".join(out.split())
    assert "Without --out nothing is written" in flat and "default" not in flat


def test_demo_without_dot_writes_the_dot_source_says_so_and_ends_with_1(capsys, tmp_path, no_dot):
    """As every command does where dot is missing: the DOT source beside the file, one line, status 1."""
    status, out, err = run(capsys, "demo", "--out", str(tmp_path / "demo.svg"))
    assert status == 1 and "10.4264359261" in out
    assert not (tmp_path / "demo.svg").exists()
    assert (tmp_path / "demo.dot").read_text().lstrip().startswith("digraph")
    assert err.count("\n") == 1 and err.startswith("Graphviz's dot program is not installed, so")
    assert f"wrote the DOT source to {tmp_path / 'demo.dot'} instead" in err


def test_demo_without_the_graphviz_package_says_so_in_one_line(capsys, tmp_path, no_graphviz_package):
    status, out, err = run(capsys, "demo", "--out", str(tmp_path / "demo.svg"))
    assert status == 1 and "Traceback" not in out + err
    assert err == "micrograd demo: error: drawing needs the graphviz Python package: pip install graphviz " \
                  "(a dependency of micrograd-backprop: reinstall it)\n"
    assert list(tmp_path.iterdir()) == []


def test_demo_a_bad_out(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "demo", "--out", "picture.txt")
    assert status == 2 and out == "" and err.count("\n") == 1 and ".svg, .png, .pdf or .dot" in err
    (tmp_path / "dir.svg").mkdir()
    status, out, err = run(capsys, "demo", "--out", "dir.svg")
    assert status == 2 and out == "" and err.count("\n") == 1 and "dir.svg: it is a directory" in err


# --- micrograd train ------------------------------------------------------------------------


def test_train_prints_the_history_and_saves_the_network(capsys, tmp_path):
    path = tmp_path / "model.json"
    status, out, err = run(
        capsys, "train", "--dataset", "moons", "--samples", "20", "--hidden", "4,3", "--epochs", "3",
        "--optimizer", "momentum", "--no-progress", "--save", str(path),
    )
    assert (status, err) == (0, "")
    history = [ln.split() for ln in out.splitlines() if re.fullmatch(r"\s*\d+\s+\S+\s+\S+", ln)]
    assert [int(row[0]) for row in history] == [1, 2, 3]
    assert all(math.isfinite(float(row[1])) and 0 <= float(row[2]) <= 1 for row in history)
    assert "final loss" in out
    net = nn.MLP.load(path)
    assert (net.n_in, net.sizes) == (2, [4, 3, 1])
    assert json.loads(path.read_text())["format"] == "nn.MLP"


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_train_spiral_uses_one_output_per_class(capsys, optimizer):
    status, out, _ = run(capsys, "train", "--dataset", "spiral", "--samples", "12", "--hidden", "3", "--epochs", "1",
                         "--optimizer", optimizer, "--mode", "full", "--no-progress")
    assert status == 0
    assert "3 classes" in out and "-> 3 identity" in out and "softmax cross-entropy" in out


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--hidden", "16,x"], "argument --hidden"),
        (["--hidden", ""], "argument --hidden"),
        (["--epochs", "0"], "argument --epochs: expected a whole number >= 1, got '0'"),
        (["--lr", "-1"], "argument --lr: expected a number > 0"),
        (["--noise", "-0.1"], "argument --noise"),
        (["--dataset", "mnist"], "argument --dataset: invalid choice: 'mnist'"),
        (["--optimizer", "rmsprop"], "argument --optimizer: invalid choice"),
        (["--save", "/no/such/dir/model.json"], "does not exist"),
    ],
)
def test_train_bad_input_is_one_line_and_status_2(capsys, argv, words):
    status, out, err = run(capsys, "train", *argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and words in err


# --- help, and the command without a command ---------------------------------------------------


@pytest.mark.parametrize("argv", [["--help"], ["grad", "--help"], ["demo", "--help"], ["train", "--help"], ["grad", "-h"]])
def test_help_on_every_command(capsys, argv):
    status, out, err = run(capsys, *argv)
    assert (status, err) == (0, "")
    assert out.startswith("usage: micrograd")


def test_grad_help_lists_the_functions(capsys):
    _, out, _ = run(capsys, "grad", "--help")
    flat = " ".join(out.split())
    for usage in ("tanh(x)", "prelu(x, alpha=0.25)", "dot([w1, w2, ...], [x1, x2, ...])"):
        assert usage in flat


def test_no_command_and_an_unknown_command(capsys):
    status, _, err = run(capsys)
    assert status == 2 and "choose a command: grad, demo, train" in err
    status, _, err = run(capsys, "bogus")
    assert status == 2 and err.count("\n") == 1 and "invalid choice: 'bogus'" in err


def test_version(capsys):
    import micrograd

    status, out, _ = run(capsys, "--version")
    assert status == 0 and out.strip() == f"micrograd {micrograd.__version__}"


# --- real processes: python -m micrograd ---------------------------------------------------------


def python_m(*argv: str, cwd=None, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "micrograd", *argv], capture_output=True, text=True, cwd=cwd, env=env)


def test_python_m_micrograd_grad():
    done = python_m("grad", "tanh(x*w + b)", "x=0.5", "w=-1.2", "b=0.3")
    assert done.returncode == 0 and done.stderr == ""
    assert table(done.stdout)["b"][1] == pytest.approx(1 - math.tanh(-0.3) ** 2, rel=1e-9)


@pytest.mark.parametrize("expression", ["__import__('os').system('echo PWNED')", "x.__class__", "lambda: 1", "foo(x)"])
def test_python_m_micrograd_refuses_cleanly(expression):
    done = python_m("grad", expression, "x=1")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr and "column" in done.stderr


def test_python_m_micrograd_demo_without_dot(tmp_path):
    env = {**os.environ, "PATH": str(tmp_path)}  # no dot program on this PATH
    done = python_m("demo", "--out", "demo.svg", cwd=tmp_path, env=env)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "wrote the DOT source to demo.dot" in done.stderr
    assert "10.4264359261" in done.stdout
    assert (tmp_path / "demo.dot").exists()


def test_python_m_micrograd_help():
    done = python_m("--help")
    assert done.returncode == 0 and "grad" in done.stdout and "demo" in done.stdout and "train" in done.stdout


def test_steps_of_a_graph_too_big_to_step_through_is_one_line_before_any_file(tmp_path, capsys):
    names = [f"x{k}" for k in range(300)]
    status = main(["grad", f"sum({', '.join(names)})", *[f"{n}=1" for n in names], "--steps", str(tmp_path / "d")])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "max_frame_nodes" in err and "smaller part" in err
    assert not list((tmp_path / "d").glob("*")) if (tmp_path / "d").exists() else True


# --- one write per path per command ----------------------------------------------------------


@pytest.mark.parametrize("names", [("--svg", "--dot"), ("--svg", "--png"), ("--png", "--dot")])
def test_two_pictures_naming_one_file_are_refused(capsys, tmp_path, names):
    path = tmp_path / "g.out"
    status, out, err = run(capsys, "grad", "x*x", "x=3", names[0], str(path), names[1], str(path))
    assert (status, out) == (2, "") and err.count("\n") == 1
    assert f"{names[0]} and {names[1]} both name" in err and not path.exists()


def test_a_picture_among_the_files_of_steps_is_refused(capsys, tmp_path):
    (tmp_path / "s").mkdir()
    status, out, err = run(capsys, "grad", "x*x", "x=3", "--svg", str(tmp_path / "s" / "steps.html"), "--steps", str(tmp_path / "s"))
    assert (status, out) == (2, "") and "which --steps" in err and err.count("\n") == 1
    assert list((tmp_path / "s").iterdir()) == []


@pytest.mark.parametrize("option", ["--svg", "--png", "--dot", "--steps"])
def test_an_empty_path_is_refused(capsys, option):
    status, out, err = run(capsys, "grad", "x*x", "x=3", option, "")
    assert (status, out) == (2, "") and f"{option}: the path is empty" in err and err.count("\n") == 1


# --- budgets instead of minutes of Graphviz --------------------------------------------------


def test_a_graph_past_max_nodes_is_written_as_dot_with_one_line_and_status_1(capsys, tmp_path):
    # once, a 2,400-term sum (under the expression limit) ran Graphviz for 160 s of CPU
    terms = ", ".join(["x*y"] * 1995)
    svg = tmp_path / "b.svg"
    status, out, err = run(capsys, "grad", f"sum({terms})", "x=0.5", "y=0.3", "--svg", str(svg))
    assert status == 1 and table(out) == {"x": (0.5, pytest.approx(0.3 * 1995)), "y": (0.3, pytest.approx(0.5 * 1995))}
    assert not svg.exists() and (tmp_path / "b.dot").read_text().startswith("digraph")
    assert err.count("\n") == 1 and "the graph has 1,998 values, more than --max-nodes 300" in err
    assert "raise --max-nodes to render it here" in err


def test_max_nodes_raises_the_budget(capsys, tmp_path, dot_program):
    status, out, err = run(capsys, "grad", "sum(x*y, x*y, x*y)", "x=0.5", "y=0.3", "--svg", str(tmp_path / "b.svg"),
                           "--max-nodes", "5")
    assert status == 1 and "more than --max-nodes 5" in err
    status, out, err = run(capsys, "grad", "sum(x*y, x*y, x*y)", "x=0.5", "y=0.3", "--svg", str(tmp_path / "b.svg"),
                           "--max-nodes", "6")
    assert (status, err) == (0, "") and (tmp_path / "b.svg").read_text().lstrip().startswith("<?xml")
