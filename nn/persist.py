"""Saving and loading an MLP as JSON: the architecture and every weight, never pickle.

Floats are written with ``repr``, so every weight reads back bit for bit. A file is
written to a temporary file in the same directory and renamed over the target
(``os.replace``), so a crash never leaves a half-written file. The format:

    {"format": "nn.MLP", "version": 1, "n_in": 3,
     "layers": [{"activation": "sigmoid", "weights": [[0.1, 0.1, 0.1], ...],
                 "biases": null, "alphas": null}, ...]}

``weights[j][i]`` is the weight into unit j from input i; ``biases`` is null for a layer
without bias; ``alphas`` lists the PReLU slopes of a ``prelu`` layer, null otherwise.
Reading refuses anything but a regular file of at most ``MAX_BYTES``. This module knows
the format, not the classes: ``MLP.save`` and ``MLP.load`` (nn.module) call it.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from typing import Any, NamedTuple

from micrograd.files import file_kind, write_atomically

from .activations import LEARNED_ALPHA, names, name_of
from .checks import show

FORMAT, VERSION = "nn.MLP", 1
MAX_BYTES = 64 * 2**20  # 64 MiB: a saved network of about three million weights
_LAYER_KEYS = {"activation", "weights", "biases", "alphas"}
_MAX_DIGITS = 400  # an integer weight longer than this is past float64 anyway
#: Lists and objects inside one another: a saved network nests 4 deep. Counted before parsing,
#: as Python's JSON parser nests a C call per level, which past a few thousand levels overflows
#: the stack of Python in WebAssembly (Pyodide), where no Python error catches it.
MAX_NESTING = 32
_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[][{}]')  # strings are skipped whole


def save(net: Any, path: str | os.PathLike) -> None:
    """Write ``net`` (an ``nn.MLP``) to ``path`` as JSON, atomically (temporary file + ``os.replace``)."""
    layers_of_net = getattr(net, "layers", None)
    if not isinstance(layers_of_net, list) or not isinstance(getattr(net, "n_in", None), int):
        raise TypeError(f"save: net must be an nn.MLP, got {type(net).__name__}")
    layers = []
    for l, layer in enumerate(layers_of_net, 1):
        if not isinstance(layer.activation, str):
            raise ValueError(
                f"save: layer {l} uses the function {name_of(layer.activation)!r} as activation; "
                f"only named activations ({', '.join(names())}) can be saved"
            )
        neurons = layer.neurons
        for p in layer.parameters():
            if not math.isfinite(p.data):
                raise ValueError(f"save: parameter {p.label} is {p.data!r}; only finite weights can be saved")
        layers.append({
            "activation": layer.activation,
            "weights": [[w.data for w in n.w] for n in neurons],
            "biases": [n.b.data for n in neurons] if neurons[0].b is not None else None,
            "alphas": [n.alpha.data for n in neurons] if neurons[0].alpha is not None else None,
        })
    doc = {"format": FORMAT, "version": VERSION, "n_in": net.n_in, "layers": layers}
    text = json.dumps(doc, indent=2, allow_nan=False)
    # one line per list of numbers (a row, the biases) instead of one line per number
    text = re.sub(r"\[([^\[\]{}]*)\]", lambda m: "[" + re.sub(r"\s+", " ", m.group(1)).strip() + "]", text)
    write_atomically(path, text + "\n")


class Saved(NamedTuple):
    """A checked saved network, as ``MLP.from_weights`` takes it, plus the PReLU slopes."""

    n_in: int
    weights: list[list[list[float]]]
    biases: list[list[float] | None]
    activations: list[str]
    alphas: list[list[float] | None]


def read(path: str | os.PathLike) -> Saved:
    """The network saved at ``path``, checked; a ValueError naming the file and the problem
    for a malformed, truncated, oversized or inconsistent file, or one that is not a file."""
    path = os.fspath(path)
    text = _read_text(path)
    if _nesting_exceeds(text, MAX_NESTING):
        raise ValueError(f"load: {path} nests its lists too deeply to be a saved nn.MLP (more than {MAX_NESTING} levels)")
    try:
        doc = json.loads(text, parse_constant=_refuse, parse_float=_finite, parse_int=_integer)
    except json.JSONDecodeError as e:
        raise ValueError(f"load: {path} is not valid JSON (truncated or corrupted?): {e}") from None
    except _NonFinite as e:
        raise ValueError(f"load: {path} holds {e}, which is not a finite number") from None
    return _network(doc, path)


def _nesting_exceeds(text: str, limit: int) -> bool:
    """Whether JSON ``text`` nests lists and objects more than ``limit`` deep (counted
    without parsing; unbalanced brackets are the parser's to report)."""
    depth = 0
    for m in _BRACKETS.finditer(text):
        if m.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        elif m.group() in "]}":
            depth -= 1
    return False


def _read_text(path: str) -> str:
    """The file's text: a regular file only (a FIFO would block, /dev/zero never end), at
    most MAX_BYTES, UTF-8."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO opens without waiting
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise ValueError(f"load: {path} is not a regular file ({file_kind(mode)}); give the path of a saved network")
    try:
        with os.fdopen(fd, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as e:  # a file that opens but cannot be read, such as /proc/self/mem
        raise ValueError(f"load: {path} could not be read: {e.strerror or e}") from None
    if len(data) > MAX_BYTES:
        raise ValueError(f"load: {path} is larger than {_size(MAX_BYTES)}, the limit for a saved network")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"load: {path} is not a text file of UTF-8 JSON: {e}") from None


def _size(n: int) -> str:
    return f"{n // 2**20} MiB" if n % 2**20 == 0 else f"{n} bytes"


def _network(doc: Any, path: str) -> Saved:
    def bad(what: str) -> ValueError:
        return ValueError(f"load: {path}: {what}")

    if not isinstance(doc, dict):
        raise bad(f"expected a JSON object, found {type(doc).__name__}")
    if doc.get("format") != FORMAT:
        raise bad(f'"format" must be {FORMAT!r}, found {show(doc.get("format"))}: not a saved nn.MLP')
    if type(doc.get("version")) is not int or doc["version"] != VERSION:  # not true, not 1.0
        raise bad(f'"version" {show(doc.get("version"))} is not supported (this nn reads version {VERSION})')
    unknown = set(doc) - {"format", "version", "n_in", "layers"}
    if unknown:
        raise bad(f"unknown keys {show(sorted(unknown))}")
    n_in, layers = doc.get("n_in"), doc.get("layers")
    if not (type(n_in) is int and n_in >= 1):
        raise bad(f'"n_in" must be a whole number >= 1, found {show(n_in)}')
    if not (isinstance(layers, list) and layers):
        raise bad(f'"layers" must be a non-empty list, found {show(layers, 60)}')
    known = names()
    saved = Saved(n_in, [], [], [], [])
    width = n_in
    for l, layer in enumerate(layers, 1):
        where = f"layer {l}"
        if not isinstance(layer, dict):
            raise bad(f"{where} must be an object, found {show(layer, 60)}")
        if set(layer) != _LAYER_KEYS:
            raise bad(f"{where} must have exactly the keys {sorted(_LAYER_KEYS)}, found {show(sorted(layer))}")
        activation = layer["activation"]
        if not isinstance(activation, str) or activation not in known:
            raise bad(f"{where}: unknown activation {show(activation)}; known: {', '.join(known)}")
        W = layer["weights"]
        if not (isinstance(W, list) and W):
            raise bad(f'{where}: "weights" must be a non-empty list of rows, found {show(W, 60)}')
        for j, row in enumerate(W):
            _numbers(row, width, f"{where}: weights[{j}]", bad, f"one per unit below ({width})")
        units = len(W)
        if layer["biases"] is not None:
            _numbers(layer["biases"], units, f'{where}: "biases"', bad, f"one per unit ({units})")
        if (activation == LEARNED_ALPHA) != (layer["alphas"] is not None):
            raise bad(f'{where}: "alphas" must be a list for a {LEARNED_ALPHA} layer and null otherwise, '
                      f'found {show(layer["alphas"], 60)}')
        if layer["alphas"] is not None:
            _numbers(layer["alphas"], units, f'{where}: "alphas"', bad, f"one per unit ({units})")
        saved.weights.append(W)
        saved.biases.append(layer["biases"])
        saved.activations.append(activation)
        saved.alphas.append(layer["alphas"])
        width = units
    return saved


def _numbers(xs: Any, length: int, where: str, bad, why: str) -> None:
    if not isinstance(xs, list):
        raise bad(f"{where} must be a list of numbers, found {show(xs, 60)}")
    if len(xs) != length:
        raise bad(f"{where} has {len(xs)} entries but must have {length}, {why}")
    for i, x in enumerate(xs):
        if type(x) not in (int, float) or (type(x) is int and abs(x) > 1e308):
            raise bad(f"{where}[{i}] must be a finite number, found {show(x, 60)}")


class _NonFinite(Exception):
    pass


def _refuse(name: str) -> float:
    raise _NonFinite(name)


def _finite(text: str) -> float:
    x = float(text)
    if not math.isfinite(x):  # 1e400 parses as inf
        raise _NonFinite(text if len(text) <= 40 else f"a number of {len(text)} characters")
    return x


class _HugeInteger:
    """An integer too long to be a weight, kept as its length so the message can name its field."""

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"an integer of {self.digits} digits"


def _integer(text: str) -> int | _HugeInteger:
    digits = len(text.lstrip("-"))
    return int(text) if digits <= _MAX_DIGITS else _HugeInteger(digits)
