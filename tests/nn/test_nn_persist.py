"""Saving and loading an MLP: exact float round trip, atomic writes, and a clear
ValueError for every malformed, truncated or mismatched file."""

import json
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn
from nn import persist

any_float = st.floats(allow_nan=False, allow_infinity=False)


def state(net):
    return [(p.label, p.data) for p in net.parameters()], [layer.activation for layer in net.layers]


@st.composite
def networks(draw):
    n_in = draw(st.integers(1, 3))
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    acts = draw(st.lists(st.sampled_from(nn.ACTIVATIONS), min_size=len(sizes), max_size=len(sizes)))
    bias = draw(st.lists(st.booleans(), min_size=len(sizes), max_size=len(sizes)))
    net = nn.MLP(n_in, sizes, acts, bias=bias)
    for p in net.parameters():
        p.data = draw(any_float)
    return net


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(networks())
def test_every_weight_reads_back_bit_for_bit(tmp_path, net):
    path = tmp_path / "net.json"
    net.save(path)
    loaded = nn.MLP.load(path)
    assert state(loaded) == state(net)
    assert [p.data.hex() for p in loaded.parameters()] == [p.data.hex() for p in net.parameters()]
    assert os.listdir(tmp_path) == ["net.json"]  # no temporary file left behind


def test_a_loaded_network_computes_the_same_outputs(tmp_path):
    net = nn.MLP(3, [5, 4, 2], ["prelu", "tanh", "identity"], seed=11)
    net.layers[0].neurons[2].alpha.data = 0.0123456789012345
    nn.save(net, str(tmp_path / "n.json"))
    loaded = nn.load(str(tmp_path / "n.json"))
    x = [0.3, -1.7, 2.2]
    assert [v.data for v in loaded(x)] == [v.data for v in net(x)]
    assert loaded.layers[0].neurons[2].alpha.data == 0.0123456789012345


def test_the_file_is_plain_json_with_architecture_and_weights(tmp_path):
    net = nn.MLP.from_weights([[[0.1, 0.1, 0.1], [0.2, 0.2, 0.2]], [[1, 2], [3, 4]]], activations=["sigmoid", "identity"])
    net.save(tmp_path / "f.json")
    text = (tmp_path / "f.json").read_text()
    assert json.loads(text) == {
        "format": "nn.MLP", "version": 1, "n_in": 3,
        "layers": [
            {"activation": "sigmoid", "weights": [[0.1, 0.1, 0.1], [0.2, 0.2, 0.2]], "biases": None, "alphas": None},
            {"activation": "identity", "weights": [[1.0, 2.0], [3.0, 4.0]], "biases": None, "alphas": None},
        ],
    }
    assert "[0.1, 0.1, 0.1]" in text  # a row per line, readable


def test_saving_replaces_atomically_and_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "net.json"
    nn.MLP(2, [1], seed=1).save(path)
    old = path.read_text()

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        nn.MLP(2, [1], seed=2).save(path)
    assert path.read_text() == old and os.listdir(tmp_path) == ["net.json"]


def test_what_cannot_be_saved(tmp_path):
    def square(u):
        return u * u

    with pytest.raises(ValueError, match="layer 1 uses the function 'square' as activation"):
        nn.MLP(2, [1], activations=[square]).save(tmp_path / "x.json")
    net = nn.MLP(2, [1])
    net.layers[0].neurons[0].w[1].data = float("nan")
    with pytest.raises(ValueError, match=r"parameter W1\[0,1\] is nan; only finite weights can be saved"):
        net.save(tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()


# --- malformed, truncated, mismatched -------------------------------------------------------


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "net.json"
    net = nn.MLP(2, [3, 1], ["prelu", "identity"], seed=0)
    net.save(path)
    return path


def test_every_truncation_is_a_clear_value_error(saved):
    text = saved.read_text()
    for cut in range(0, len(text.rstrip()), 7):
        saved.write_text(text[:cut])
        with pytest.raises(ValueError, match=r"load: .*net.json"):
            nn.MLP.load(saved)


def edit(path, change):
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(format="pickle"), "\"format\" must be 'nn.MLP', found 'pickle'"),
    (lambda d: d.update(version=2), "\"version\" 2 is not supported"),
    (lambda d: d.update(extra=1), r"unknown keys \['extra'\]"),
    (lambda d: d.update(n_in=0), "\"n_in\" must be a whole number >= 1, found 0"),
    (lambda d: d.update(n_in=3), r"layer 1: weights\[0\] has 2 entries but must have 3, one per unit below \(3\)"),
    (lambda d: d.update(layers=[]), "\"layers\" must be a non-empty list"),
    (lambda d: d["layers"][0].update(activation="swish"), "layer 1: unknown activation 'swish'"),
    (lambda d: d["layers"][0].pop("biases"), "layer 1 must have exactly the keys"),
    (lambda d: d["layers"][1]["weights"][0].pop(), r"layer 2: weights\[0\] has 2 entries but must have 3"),
    (lambda d: d["layers"][1].update(weights=[]), "layer 2: \"weights\" must be a non-empty list of rows"),
    (lambda d: d["layers"][0]["biases"].append(0.0), "layer 1: \"biases\" has 4 entries but must have 3, one per unit"),
    (lambda d: d["layers"][0]["weights"][1].__setitem__(0, "0.5"),
     r"layer 1: weights\[1\]\[0\] must be a finite number, found '0.5'"),
    (lambda d: d["layers"][0]["weights"][1].__setitem__(0, True), r"weights\[1\]\[0\] must be a finite number, found True"),
    (lambda d: d["layers"][0].update(alphas=None), "\"alphas\" must be a list for a prelu layer and null otherwise"),
    (lambda d: d["layers"][1].update(alphas=[0.1]), "\"alphas\" must be a list for a prelu layer and null otherwise"),
    (lambda d: d["layers"][0].update(alphas=[0.1]), "layer 1: \"alphas\" has 1 entries but must have 3"),
])
def test_a_mismatched_file_names_what_is_wrong(saved, change, message):
    edit(saved, change)
    with pytest.raises(ValueError, match=message):
        nn.MLP.load(saved)


@pytest.mark.parametrize(("text", "message"), [
    ("[1, 2]", "expected a JSON object, found list"),
    ("", "is not valid JSON"),
    ('{"format": "nn.MLP", "version": 1, "n_in": 1, "layers": [{"activation": "relu", '
     '"weights": [[NaN]], "biases": null, "alphas": null}]}', "holds NaN, which is not a finite number"),
    ('{"format": "nn.MLP", "version": 1, "n_in": 1, "layers": [{"activation": "relu", '
     '"weights": [[1e400]], "biases": null, "alphas": null}]}', "holds 1e400, which is not a finite number"),
])
def test_not_a_network_at_all(tmp_path, text, message):
    (tmp_path / "f.json").write_text(text)
    with pytest.raises(ValueError, match=message):
        nn.MLP.load(tmp_path / "f.json")


@pytest.mark.parametrize("text", ["[" * 100_000, "[" * 33 + "]" * 33, '{"a": ' * 40 + "1" + "}" * 40])
def test_lists_nested_past_the_limit_are_a_value_error_counted_before_parsing(tmp_path, text):
    # Python's JSON parser nests a C call per level: 100,000 levels killed Python in WebAssembly
    (tmp_path / "f.json").write_text(text)
    with pytest.raises(ValueError, match=rf"f.json nests its lists too deeply to be a saved nn.MLP \(more than {persist.MAX_NESTING} levels\)"):
        nn.MLP.load(tmp_path / "f.json")


def test_brackets_inside_strings_are_not_nesting(tmp_path):
    (tmp_path / "f.json").write_text('{"format": "' + "[" * 100 + '\\"{"}')
    with pytest.raises(ValueError) as caught:
        nn.MLP.load(tmp_path / "f.json")
    assert "too deeply" not in str(caught.value) and "format" in str(caught.value)


def test_binary_garbage_is_a_value_error(tmp_path):
    (tmp_path / "f.json").write_bytes(b"\x80\x04\x95 pickle-ish \xff")
    with pytest.raises(ValueError, match="not a text file of UTF-8 JSON"):
        nn.MLP.load(tmp_path / "f.json")


# --- hostile files: huge fields, huge integers, files that are not files ----------------------


def test_a_10_mb_format_field_gives_a_short_message(saved):
    edit(saved, lambda d: d.update(format="x" * 10_000_000))
    with pytest.raises(ValueError) as caught:
        nn.MLP.load(saved)
    message = str(caught.value)
    assert len(message) < 300 and "\"format\" must be 'nn.MLP', found 'xxxx" in message and "..." in message


def test_a_4301_digit_integer_weight_names_the_file_and_the_field(saved):
    text = saved.read_text()
    doc = json.loads(text)
    first = doc["layers"][1]["weights"][0][2]
    saved.write_text(text.replace(repr(first), "9" * 4301, 1))
    with pytest.raises(ValueError) as caught:
        nn.MLP.load(saved)
    message = str(caught.value)
    assert message.startswith(f"load: {saved}: layer 2: weights[0][2] must be a finite number")
    assert "an integer of 4301 digits" in message and len(message) < 300


def test_a_huge_integer_in_another_field_is_named_too(saved):
    saved.write_text(saved.read_text().replace('"n_in": 2', '"n_in": ' + "7" * 5000, 1))
    with pytest.raises(ValueError, match='"n_in" must be a whole number >= 1, found an integer of 5000 digits'):
        nn.MLP.load(saved)


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "net.json"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=r"is not a regular file \(a FIFO \(named pipe\)\)"):
        nn.MLP.load(fifo)


def test_a_device_is_refused_without_reading_it(tmp_path):
    with pytest.raises(ValueError, match=r"load: /dev/zero is not a regular file \(a character device\)"):
        nn.load("/dev/zero")
    with pytest.raises(ValueError, match=r"is not a regular file \(a directory\)"):
        nn.load(tmp_path)


def test_a_file_past_the_size_limit_is_refused_saying_the_limit(tmp_path, monkeypatch):
    path = tmp_path / "big.json"
    path.write_text(" " * 2000 + "{}")
    monkeypatch.setattr(nn.persist, "MAX_BYTES", 1024)
    with pytest.raises(ValueError, match=r"load: .*big.json is larger than 1024 bytes, the limit for a saved network"):
        nn.load(path)


def test_the_size_limit_is_far_above_any_network_this_engine_trains():
    assert nn.persist.MAX_BYTES == 64 * 2**20


@pytest.mark.parametrize("version, shown", [("true", "True"), ("1.0", "1.0"), ('"1"', "'1'"), ("2", "2"), ("null", "None")])
def test_a_version_that_is_not_the_whole_number_1_is_refused(tmp_path, version, shown):
    # once, "version": true and 1.0 were read as version 1
    path = tmp_path / "net.json"
    nn.MLP(2, [1], seed=0).save(path)
    path.write_text(path.read_text().replace('"version": 1', f'"version": {version}'))
    with pytest.raises(ValueError, match=f'"version" {re.escape(shown)} is not supported'):
        nn.MLP.load(path)


def test_a_file_that_opens_but_cannot_be_read_is_a_value_error_naming_it():
    # once, nn.MLP.load("/proc/self/mem") raised a bare OSError
    with pytest.raises(ValueError, match=r"load: /proc/self/mem could not be read: "):
        nn.MLP.load("/proc/self/mem")
