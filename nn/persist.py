"""Saving and loading an MLP as JSON: the architecture and every weight, never pickle.

Floats are written with ``repr``, so every weight reads back bit for bit. A file is
written to a temporary file in the same directory and renamed over the target
(``os.replace``), so a crash never leaves a half-written file. The format:

    {"format": "nn.MLP", "version": 1, "n_in": 3,
     "layers": [{"activation": "sigmoid", "weights": [[0.1, 0.1, 0.1], ...],
                 "biases": null, "alphas": null}, ...]}

``weights[j][i]`` is the weight into unit j from input i; ``biases`` is null for a layer
without bias; ``alphas`` lists the PReLU slopes of a ``prelu`` layer, null otherwise.
"""

from __future__ import annotations

import json
import math
import os
import re
from typing import Any

from micrograd.files import write_atomically

from .module import ACTIVATIONS, MLP, activation_name

FORMAT, VERSION = "nn.MLP", 1
_LAYER_KEYS = {"activation", "weights", "biases", "alphas"}


def save(net: MLP, path: str | os.PathLike) -> None:
    """Write ``net`` to ``path`` as JSON, atomically (temporary file + ``os.replace``)."""
    if not isinstance(net, MLP):
        raise TypeError(f"save: net must be an nn.MLP, got {type(net).__name__}")
    layers = []
    for l, layer in enumerate(net.layers, 1):
        if not isinstance(layer.activation, str):
            raise ValueError(
                f"save: layer {l} uses the function {activation_name(layer.activation)!r} as activation; "
                f"only named activations ({', '.join(ACTIVATIONS)}) can be saved"
            )
        neurons = layer.neurons
        for p in layer.parameters():
            if not math.isfinite(p.data):
                raise ValueError(f"save: parameter {p.label} is {p.data!r}; only finite weights can be saved")
        layers.append({
            "activation": layer.activation,
            "weights": [[w.data for w in n.w] for n in neurons],
            "biases": [n.b.data for n in neurons] if neurons[0].b is not None else None,  # type: ignore[union-attr]
            "alphas": [n.alpha.data for n in neurons] if neurons[0].alpha is not None else None,  # type: ignore[union-attr]
        })
    doc = {"format": FORMAT, "version": VERSION, "n_in": net.n_in, "layers": layers}
    text = json.dumps(doc, indent=2, allow_nan=False)
    # one line per list of numbers (a row, the biases) instead of one line per number
    text = re.sub(r"\[([^\[\]{}]*)\]", lambda m: "[" + re.sub(r"\s+", " ", m.group(1)).strip() + "]", text)
    write_atomically(path, text + "\n")


def load(path: str | os.PathLike) -> MLP:
    """The network saved at ``path``; a ValueError naming the problem for a malformed,
    truncated or inconsistent file."""
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError as e:
        raise ValueError(f"load: {path} is not a text file of UTF-8 JSON: {e}") from None
    try:
        doc = json.loads(text, parse_constant=_refuse, parse_float=_finite)
    except json.JSONDecodeError as e:
        raise ValueError(f"load: {path} is not valid JSON (truncated or corrupted?): {e}") from None
    except RecursionError:
        raise ValueError(f"load: {path} nests its lists too deeply to be a saved nn.MLP") from None
    except _NonFinite as e:
        raise ValueError(f"load: {path} holds {e}, which is not a finite number") from None
    return _network(doc, path)


def _network(doc: Any, path: str) -> MLP:
    def bad(what: str) -> ValueError:
        return ValueError(f"load: {path}: {what}")

    if not isinstance(doc, dict):
        raise bad(f"expected a JSON object, found {type(doc).__name__}")
    if doc.get("format") != FORMAT:
        raise bad(f'"format" must be {FORMAT!r}, found {doc.get("format")!r}: not a saved nn.MLP')
    if doc.get("version") != VERSION:
        raise bad(f'"version" {doc.get("version")!r} is not supported (this nn reads version {VERSION})')
    unknown = set(doc) - {"format", "version", "n_in", "layers"}
    if unknown:
        raise bad(f"unknown keys {sorted(unknown)}")
    n_in, layers = doc.get("n_in"), doc.get("layers")
    if not (type(n_in) is int and n_in >= 1):
        raise bad(f'"n_in" must be a whole number >= 1, found {n_in!r}')
    if not (isinstance(layers, list) and layers):
        raise bad(f'"layers" must be a non-empty list, found {layers!r:.60}')
    weights, biases, activations, alphas = [], [], [], []
    width = n_in
    for l, layer in enumerate(layers, 1):
        where = f"layer {l}"
        if not isinstance(layer, dict):
            raise bad(f"{where} must be an object, found {layer!r:.60}")
        if set(layer) != _LAYER_KEYS:
            raise bad(f"{where} must have exactly the keys {sorted(_LAYER_KEYS)}, found {sorted(layer)}")
        activation = layer["activation"]
        if activation not in ACTIVATIONS:
            raise bad(f"{where}: unknown activation {activation!r}; known: {', '.join(ACTIVATIONS)}")
        W = layer["weights"]
        if not (isinstance(W, list) and W):
            raise bad(f'{where}: "weights" must be a non-empty list of rows, found {W!r:.60}')
        for j, row in enumerate(W):
            _numbers(row, width, f"{where}: weights[{j}]", bad, f"one per unit below ({width})")
        units = len(W)
        if layer["biases"] is not None:
            _numbers(layer["biases"], units, f'{where}: "biases"', bad, f"one per unit ({units})")
        if (activation == "prelu") != (layer["alphas"] is not None):
            raise bad(f'{where}: "alphas" must be a list for a prelu layer and null otherwise, found {layer["alphas"]!r:.60}')
        if layer["alphas"] is not None:
            _numbers(layer["alphas"], units, f'{where}: "alphas"', bad, f"one per unit ({units})")
        weights.append(W)
        biases.append(layer["biases"])
        activations.append(activation)
        alphas.append(layer["alphas"])
        width = units
    net = MLP.from_weights(weights, biases, activations)
    for layer, slopes in zip(net.layers, alphas):
        for n, a in zip(layer.neurons, slopes or ()):
            n.alpha.data = float(a)  # type: ignore[union-attr]
    return net


def _numbers(xs: Any, length: int, where: str, bad, why: str) -> None:
    if not isinstance(xs, list):
        raise bad(f"{where} must be a list of numbers, found {xs!r:.60}")
    if len(xs) != length:
        raise bad(f"{where} has {len(xs)} entries but must have {length}, {why}")
    for i, x in enumerate(xs):
        if type(x) not in (int, float) or (type(x) is int and abs(x) > 1e308):
            raise bad(f"{where}[{i}] must be a finite number, found {x!r:.60}")


class _NonFinite(Exception):
    pass


def _refuse(name: str) -> float:
    raise _NonFinite(name)


def _finite(text: str) -> float:
    x = float(text)
    if not math.isfinite(x):  # 1e400 parses as inf
        raise _NonFinite(text)
    return x
