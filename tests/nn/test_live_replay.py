"""The replay page (nn.views.replay) as text: it stays small (under 3 MB for the
largest drawn network at the most snapshots), needs nothing from the network, escapes
every name, and is written whole or not at all; it carries the network for its script to
draw the boundary (translated from the op table) or, for a custom activation, the boundary
itself; ``micrograd train --html``, whose path is checked before any training, and whose
last line is the page's last snapshot."""

import dataclasses
import json
import random
import re

import pytest

import micrograd
import nn
from micrograd import Op
from micrograd.cli import main
from micrograd.ops import add_row
from nn.views import javascript
from nn import MAX_DRAWN_UNITS, MAX_DRAWN_WEIGHTS, TrainingRecorder, write_replay
from nn.views.panels import too_big
from nn.views.recorder import MAX_FRAMES

PAGE_LIMIT = 3_000_000  # bytes: "a few MB" at most


def page_data(text):
    """The RUN object the page's script reads."""
    return json.loads(re.search(r"const RUN = (\{.*?\});\n", text, re.S).group(1))


def recorded(net, xs, ts, steps, loss=nn.bce_with_logits, **options):
    recorder = TrainingRecorder(**options)
    recorder.start(net, xs, ts, loss=loss, correct=None, optimizer=None, steps=steps, epochs=steps)
    return recorder.history


def test_the_largest_drawn_run_at_the_most_snapshots_stays_under_the_limit(tmp_path):
    net = nn.MLP(2, [18, 18, 1], seed=0)  # 36 + 324 + 18 = 378 weights, 37 units: drawn
    history = recorded(net, [[random.Random(n).gauss(0, 1), random.Random(-n).gauss(0, 1)] for n in range(200)], [0.0, 1.0] * 100, steps=10**6)
    assert too_big(history) is None and 378 <= MAX_DRAWN_WEIGHTS and 37 <= MAX_DRAWN_UNITS
    rng = random.Random(0)
    first = history.frames[0]
    for k in range(1, MAX_FRAMES + 1):  # full-precision numbers everywhere: the worst case for the text
        history.frames.append(dataclasses.replace(
            first, step=k * history.every, epoch=k, loss=rng.random(), batch_loss=rng.random(),
            parameters=[rng.gauss(0, 1) for _ in first.parameters], gradients=[rng.gauss(0, 1) for _ in first.parameters],
            activations=[[rng.gauss(0, 1) for _ in layer] for layer in first.activations],
        ))
    path = write_replay(history, tmp_path / "run.html")
    size = path.stat().st_size
    assert len(page_data(path.read_text(encoding="utf-8"))["captions"]) == MAX_FRAMES + 1
    print(f"replay page: {size:,} bytes")
    assert size < PAGE_LIMIT, f"{size:,} bytes"


def test_the_page_needs_nothing_from_the_network(tmp_path):
    xs, ys = nn.moons(20, seed=0)
    history = recorded(nn.MLP(2, [3, 1]), xs, ys, steps=1)
    text = write_replay(history, tmp_path / "run.html").read_text(encoding="utf-8")
    assert re.findall(r"https?://[^\"' ]+", text) == ["http://www.w3.org/2000/svg"] * text.count("http://www.w3.org/2000/svg")
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|url\(", text)


def test_every_name_is_escaped(tmp_path):
    def odd(u):
        return u.tanh()

    odd.__name__ = "<img src=x onerror=alert(1)>&"
    xs, ys = nn.moons(10, seed=0)
    history = recorded(nn.MLP(2, [2, 1], [odd, "identity"]), xs, ys, steps=1)
    text = write_replay(history, tmp_path / "run.html", title="</script><script>alert('title')</script>").read_text(encoding="utf-8")
    assert "<img" not in text and "<script>alert" not in text
    assert text.count("<script>") == 1 and text.count("</script>") == 1
    assert "&lt;img src=x onerror=alert(1)&gt;&amp;" in text
    assert "<title>&lt;/script&gt;&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;</title>" in text


def test_without_2d_inputs_the_page_has_no_boundary(tmp_path):
    history = recorded(nn.MLP(3, [2, 1]), [[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]], [0.0, 1.0], steps=1)
    text = write_replay(history, tmp_path / "run.html").read_text(encoding="utf-8")
    data = page_data(text)
    assert "<image" not in text and "boundary" not in data and "codes" not in data and "params" not in data
    assert 'class="mg-network"' in text and "mg-mark-loss" in text


def test_a_network_too_big_to_draw_gets_the_note_on_the_page(tmp_path):
    xs, ys = nn.moons(10, seed=0)
    history = recorded(nn.MLP(2, [30, 30, 1]), xs, ys, steps=1, grid=4)
    text = write_replay(history, tmp_path / "run.html").read_text(encoding="utf-8")
    assert 'class="mg-collapsed">The network is not drawn: it has 990 weights' in text
    assert "weights" not in page_data(text) and "<image" in text and 'class="mg-gradients"' not in text


def test_bad_arguments_are_named_and_nothing_is_written(tmp_path):
    xs, ys = nn.moons(10, seed=0)
    history = recorded(nn.MLP(2, [2, 1]), xs, ys, steps=1)
    with pytest.raises(TypeError, match="history must be a TrainingHistory .* got History"):
        write_replay(nn.History(), tmp_path / "a.html")
    with pytest.raises(ValueError, match="no snapshots"):
        write_replay(dataclasses.replace(history, frames=[]), tmp_path / "a.html")
    with pytest.raises(FileNotFoundError, match="the directory .*missing does not exist"):
        write_replay(history, tmp_path / "missing" / "a.html")
    with pytest.raises(IsADirectoryError):
        write_replay(history, tmp_path)
    assert list(tmp_path.iterdir()) == []


# --- micrograd train --html -----------------------------------------------------------------


@pytest.mark.parametrize("where", ["missing/run.html", ".", "read-only.html"])
def test_an_unwritable_html_path_is_one_line_and_exit_2_before_training(where, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    kept = tmp_path / "read-only.html"
    kept.write_text("a teacher's page")
    kept.chmod(0o444)
    assert main(["train", "--html", where, "--epochs", "1"]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # nothing trained, nothing printed
    assert err.count("\n") == 1 and err.startswith(f"micrograd train: error: --html {where!r}: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["read-only.html"] and kept.read_text() == "a teacher's page"


def test_train_html_writes_the_run_as_a_page_whose_last_snapshot_is_the_last_line(tmp_path, capsys):
    path = tmp_path / "run.html"
    assert main(["train", "--samples", "20", "--hidden", "4", "--epochs", "3", "--no-progress", "--html", str(path)]) == 0
    out = capsys.readouterr().out
    data = page_data(path.read_text(encoding="utf-8"))
    assert f"wrote {path}: the run as a page, {len(data['captions'])} snapshots" in out
    assert data["captions"][0].startswith("step 0 of 6 · epoch 0 of 3") and data["captions"][-1].startswith("step 6 of 6 · epoch 3 of 3")
    final = next(line for line in out.splitlines() if line.startswith("final "))
    shown = re.search(r"(loss \S+ · accuracy \S+)", data["captions"][-1]).group(1)
    assert final == f"final {shown.replace(' · ', ', ')} on all 20 points, after training"
    assert data["net"]["layers"][0]["units"][0][0] == [0, 1] and len(data["params"][0]) == 4 * 3 + 5  # drawn by the page
    assert data["boundary"]["grid"] == 40 and "codes" not in data


def test_the_page_runs_the_network_from_the_op_table_or_carries_the_boundary(tmp_path):
    xs, ys = nn.moons(10, seed=0)
    for name in nn.ACTIVATIONS:
        assert javascript.activation(name) is not None, name  # every row of the table translates
    assert javascript.activation("relu") == "function (x, alpha) { return (nonnegative(x) ? x : 0.0); }"
    assert javascript.activation("elu") == "function (x, alpha) { return (nonnegative(x) ? x : (alpha * Math.expm1(x))); }"
    history = recorded(nn.MLP(2, [3, 1], ["elu", "identity"]), xs, ys, steps=1)
    net = javascript.network(history)
    assert net["layers"][0]["alpha"] == 1.0 and net["layers"][0]["units"][1] == [[3, 4], 5, -1]  # w, b, no learned slope
    history = recorded(nn.MLP(2, [3, 1], ["prelu", "identity"]), xs, ys, steps=1)
    assert javascript.network(history)["layers"][0]["units"][0] == [[0, 1], 2, 3]  # its learned slope, a parameter
    history = recorded(nn.MLP(2, [3, 1], [lambda u: u.tanh(), "identity"]), xs, ys, steps=1)
    assert javascript.network(history) is None
    text = write_replay(history, tmp_path / "run.html").read_text(encoding="utf-8")
    data = page_data(text)
    assert "net" not in data and len(data["codes"]) == 1 and len(data["codes"][0]) == 40 * 40


def test_a_row_with_functions_the_page_lacks_is_not_translated():
    row = add_row(Op("bumpy_page_test", "x * bumpiness(x)", ("1.0",), functions={"bumpiness": lambda v: 1.0}, activation=True),
                  replace=True)
    try:
        assert javascript.activation(row.name) is None
    finally:
        del micrograd.OPS[row.name]


def test_a_run_that_diverged_still_gives_a_page_without_nan(tmp_path):
    nan, inf = float("nan"), float("inf")
    xs, ys = nn.moons(10, seed=0)
    history = recorded(nn.MLP(2, [3, 1]), xs, ys, steps=2, grid=4)
    first = history.frames[0]
    history.frames.append(dataclasses.replace(
        first, step=1, loss=inf, parameters=[inf] * len(first.parameters), gradients=[nan] * len(first.parameters),
        activations=[[nan] * len(layer) for layer in first.activations], boundary=[[[nan]] * 4] * 4,
    ))
    history.frames.append(dataclasses.replace(first, step=2, loss=nan, boundary=[[[-inf]] * 4] * 4))
    text = write_replay(history, tmp_path / "run.html").read_text(encoding="utf-8")
    script = re.search(r"const RUN = (\{.*?\});\n", text, re.S).group(1)
    assert "NaN" not in script and "Infinity" not in script
    data = page_data(text)
    assert [c.split(" · ")[2] for c in data["captions"]] == [f"loss {first.loss:.4g}", "loss inf", "loss nan"]
