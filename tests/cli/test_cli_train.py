"""``micrograd train``: every dataset and optimizer of nn's registries through the command
line, dataset options passed by keyword, divergence and unwritable --save paths told in one
line with exit status 2 and before any training, nothing saved that should not be."""

from __future__ import annotations

import math
import os
import re
import stat

import pytest

import nn
from micrograd.cli import main

SMALL = ["--samples", "12", "--hidden", "3", "--epochs", "1", "--no-progress"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def history(out: str) -> list[list[str]]:
    return [ln.split() for ln in out.splitlines() if re.fullmatch(r"\s*\d+\s+\S+\s+\S+", ln)]


@pytest.mark.parametrize("dataset", list(nn.DATASETS))
@pytest.mark.parametrize("noise", [None, "0.1"])
def test_every_dataset_trains_through_the_command_line(capsys, dataset, noise):
    argv = ["train", "--dataset", dataset, *SMALL] + (["--noise", noise] if noise else [])
    status, out, err = run(capsys, *argv)
    assert (status, err) == (0, "")
    xs, labels = nn.DATASETS[dataset](n=12, seed=0, **({"noise": 0.1} if noise else {}))
    assert f"{dataset}: 12 points, {len(set(labels))} classes" in out
    (row,) = history(out)
    assert row[0] == "1" and math.isfinite(float(row[1]))


def test_noise_is_the_datasets_noise_not_its_number_of_classes(capsys):
    status, out, _ = run(capsys, "train", "--dataset", "spiral", "--noise", "0.1", *SMALL)
    assert status == 0 and "3 classes" in out and "-> 3 identity" in out


@pytest.mark.parametrize("name", list(nn.OPTIMIZERS))
def test_the_default_learning_rate_is_the_optimizers_own(capsys, name):
    status, out, _ = run(capsys, "train", "--optimizer", name, *SMALL)
    assert status == 0 and f"optimizer: {name}, lr = {nn.OPTIMIZERS[name].default_lr}" in out
    _, help_text, _ = run(capsys, "train", "--help")
    assert f"{name} {nn.OPTIMIZERS[name].default_lr}" in " ".join(help_text.split())


@pytest.mark.parametrize("dataset", ["moons", "spiral"])
def test_a_diverging_run_is_one_line_status_2_and_saves_nothing(capsys, tmp_path, dataset):
    path = tmp_path / "m.json"
    status, out, err = run(capsys, "train", "--dataset", dataset, "--no-progress", "--lr", "1e300", "--epochs", "2",
                           "--samples", "20", "--hidden", "4", "--save", str(path))
    assert status == 2 and err.count("\n") == 1
    assert "training diverged with lr = 1e+300" in err and "nothing was saved" in err and "smaller --lr" in err
    assert not path.exists() and os.listdir(tmp_path) == []


def test_save_into_a_directory_is_refused_before_training(capsys, tmp_path):
    status, out, err = run(capsys, "train", *SMALL, "--save", str(tmp_path))
    assert (status, out) == (2, "") and err.count("\n") == 1 and "it is a directory" in err


def test_save_with_a_missing_parent_is_refused_before_training(capsys, tmp_path):
    status, out, err = run(capsys, "train", *SMALL, "--save", str(tmp_path / "no" / "m.json"))
    assert (status, out) == (2, "") and err.count("\n") == 1 and "does not exist" in err


def test_save_under_a_file_is_refused_before_training(capsys, tmp_path):
    (tmp_path / "f").write_text("x")
    status, out, err = run(capsys, "train", *SMALL, "--save", str(tmp_path / "f" / "m.json"))
    assert (status, out) == (2, "") and err.count("\n") == 1 and "is not a directory" in err


def test_save_into_a_read_only_directory_is_refused_before_training(capsys, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)  # no write bit: refused for every user, root too
    try:
        status, out, err = run(capsys, "train", *SMALL, "--save", str(locked / "m.json"))
    finally:
        locked.chmod(stat.S_IRWXU)
    assert (status, out) == (2, "") and err.count("\n") == 1 and "is not writable" in err
    assert os.listdir(locked) == []


def test_save_onto_a_fifo_is_refused_before_training(capsys, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    status, out, err = run(capsys, "train", *SMALL, "--save", str(fifo))
    assert (status, out) == (2, "") and err.count("\n") == 1 and "a FIFO (named pipe), not a regular file" in err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_good_save_writes_a_network_that_loads(capsys, tmp_path):
    path = tmp_path / "m.json"
    status, out, err = run(capsys, "train", "--dataset", "circles", *SMALL, "--save", str(path))
    assert (status, err) == (0, "") and f"saved the network to {path}" in out
    assert nn.load(path).sizes == [3, 1]


def test_a_redirected_run_writes_no_progress_frames():
    """Into a pipe (as into a file or a CI log) there is no bar: no carriage-return frames."""
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "micrograd", "train", "--samples", "12", "--hidden", "3", "--epochs", "5"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stderr == "" and "\r" not in run.stdout


# --- one write per path per command ----------------------------------------------------------


def test_save_and_html_naming_one_file_are_refused_before_training(capsys, tmp_path):
    # once, --save F --html F said "saved the network to F", then the page overwrote it
    path = tmp_path / "run.json"
    path.write_text("kept")
    (tmp_path / "link.html").symlink_to(path)
    for html in (path, tmp_path / "link.html"):
        status, out, err = run(capsys, "train", *SMALL, "--save", str(path), "--html", str(html))
        assert (status, out) == (2, "") and err.count("\n") == 1
        assert "--save and --html both name" in err and "give each output a file of its own" in err
        assert path.read_text() == "kept"


@pytest.mark.parametrize("option", ["--save", "--html"])
def test_an_empty_output_path_is_refused_before_training(capsys, option):
    # once, --save '' trained, wrote nothing and ended with status 0
    status, out, err = run(capsys, "train", *SMALL, option, "")
    assert (status, out) == (2, "") and err == f"micrograd train: error: {option}: the path is empty; give a file name\n"


# --- budgets instead of tracebacks -----------------------------------------------------------


@pytest.mark.parametrize("argv, words", [
    # once, these grew without bound (3 GB in 60 s) and ended in a MemoryError traceback
    (["--samples", "10000000000000"], "--samples 10,000,000,000,000: too many points; the command's limit is 100,000"),
    (["--hidden", "2000,2000", "--samples", "4"], "--hidden 2000,2000: a network of about 4,014,003 weights; the command's limit is 100,000"),
    (["--samples", "100000", "--mode", "full", "--hidden", "64"], "a step's graph of about 38,700,000 values"),
])
def test_a_run_too_large_to_fit_is_refused_up_front_in_one_line(capsys, tmp_path, argv, words):
    save = tmp_path / "model.json"
    status, out, err = run(capsys, "train", *argv, "--save", str(save))
    assert (status, out) == (2, "") and err.count("\n") == 1 and words in err, err
    assert "train from Python with nn.train" in err and not save.exists()


def test_the_limits_leave_the_default_run_and_the_largest_allowed_network_alone():
    from micrograd.cli.train import MAX_WEIGHTS, check_size
    from micrograd.cli.main import build_parser

    _, parsers = build_parser()
    check_size(parsers["train"].parse_args([]))  # the default run
    width = 300  # 2 -> 300 -> 300 -> 3: 91,503 weights, under the limit
    assert (2 + 1) * width + (width + 1) * width + (width + 1) * 3 <= MAX_WEIGHTS
    check_size(parsers["train"].parse_args(["--hidden", f"{width},{width}"]))
