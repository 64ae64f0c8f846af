"""A step-through page grows with what each step changes, not with frames times the picture:
the page of a collapsed 2-16-16-1 network's backward pass (some 400 frames) is at most
5 MB. (Its numbered SVG files, each the whole picture, add up to some 70 MB: export_steps
can leave them out.) Page sizes are deterministic, so they are asserted."""

from __future__ import annotations

import json
import random
import re

import pytest

import micrograd as mg
from micrograd import Value
from micrograd.viz import export_steps

pytestmark = pytest.mark.slow  # lays out and restyles some 400 frames

MAX_PAGE_BYTES = 5_000_000


def mlp_loss(sizes: list[int], seed: int = 0) -> Value:
    """The squared error of an MLP (relu hidden units, a linear output unit) at one sample,
    its Values labelled as nn labels them (``W1[0,1]``, ``b1[0]``, ``u1[0]``, ``z1[0]``)."""
    rng = random.Random(seed)
    zs: list = [Value(0.5, "x[0]"), Value(-0.25, "x[1]")]
    for layer, n in enumerate(sizes[1:], start=1):
        last = layer == len(sizes) - 1
        outputs = []
        for j in range(n):
            w = [Value(rng.uniform(-1, 1), f"W{layer}[{j},{i}]") for i in range(len(zs))]
            u = mg.dot(w + [Value(0.0, f"b{layer}[{j}]")], zs + [1.0])
            u.label = f"u{layer}[{j}]"
            if not last:
                u = u.relu()
                u.label = f"z{layer}[{j}]"
            outputs.append(u)
        zs = outputs
    return (zs[0] - 1.0) ** 2


def test_a_collapsed_2_16_16_1_page_holds_what_each_step_changes(dot_program, tmp_path):
    export = export_steps(mlp_loss([2, 16, 16, 1]), tmp_path, collapse=True, svgs=False)
    assert export.svgs == [] and sorted(p.name for p in tmp_path.iterdir()) == ["steps.html"]
    text = export.html.read_text(encoding="utf-8")
    size = len(text.encode("utf-8"))
    data = json.loads(re.search(r'class="mg-data">(.*?)</script>', text, re.S).group(1))
    frames = len(data["frames"])
    picture = len(re.search(r"<svg\b.*?</svg>", text, re.S).group(0).encode("utf-8"))
    captions = sum(len(f["caption"].encode("utf-8")) for f in data["frames"])
    assert frames > 400  # the loss, 3 layers of units, 2 x 16 + 16 x 16 + 16 weights and 33 biases, the inputs
    assert size <= MAX_PAGE_BYTES
    # besides the one picture and the captions, each frame costs what it changes: well under 1 KB
    assert (size - picture - captions) / frames < 1000, (size, picture, captions, frames)
    assert sum("s" in f for f in data["frames"]) == 1  # the states in full once; after that, changes only
