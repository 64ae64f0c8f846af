"""docs/theory.md: every number the page prints is recomputed here in plain floats, its
section headings keep the anchors the rest of the repository links to, and no link leaves
the repository.

The recomputation is independent of the engine and of nn: math.exp and list arithmetic only.
"""

from __future__ import annotations

import math
import re

import pytest
from repository import ROOT

THEORY = ROOT / "docs" / "theory.md"
NUMBER = r"-?\d+(?:\.\d+)?(?:e-?\d+)?"

SECTIONS = {
    "1. A unit and a layer": "1-a-unit-and-a-layer",
    "2. Activation functions": "2-activation-functions",
    "3. Output layers and losses": "3-output-layers-and-losses",
    "4. The chain rule on a graph": "4-the-chain-rule-on-a-graph",
    "5. The delta rule": "5-the-delta-rule",
    "6. A 3-2-2 network by hand": "6-a-3-2-2-network-by-hand",
    "7. Gradient descent and its variants": "7-gradient-descent-and-its-variants",
    "8. Checking gradients numerically": "8-checking-gradients-numerically",
    "9. Second order and Newton's method": "9-second-order-and-newtons-method",
    "Notation": "notation",
    "Glossary": "glossary",
}


def page() -> str:
    return THEORY.read_text(encoding="utf-8")


def section(number: str) -> str:
    """The text of '## N. ...' up to the next '## ' heading."""
    match = re.search(rf"^## {re.escape(number)}\. .*?(?=^## )", page(), re.S | re.M)
    assert match, f"docs/theory.md has no section '## {number}.'"
    return match.group(0)


def printed(text: str, name: str) -> list[float]:
    """The numbers on the line 'name = ...' of a text block, in reading order."""
    match = re.search(rf"^{re.escape(name)}\s*=\s*(.+)$", text, re.M)
    assert match, f"no line '{name} = ...' in docs/theory.md"
    return [float(v) for v in re.findall(NUMBER, match.group(1))]


def flat(value) -> list[float]:
    if isinstance(value, (list, tuple)):
        return [v for item in value for v in flat(item)]
    return [float(value)]


def assert_printed(text: str, name: str, exact, decimals: int) -> None:
    """The page shows `exact` rounded to `decimals` places (or fewer, when the page drops trailing zeros)."""
    shown, want = printed(text, name), flat(exact)
    assert len(shown) == len(want), f"{name}: page shows {len(shown)} numbers, expected {len(want)}"
    for got, value in zip(shown, want):
        assert abs(got - value) <= 0.5 * 10.0**-decimals + 1e-15, f"{name}: page says {got}, recomputed {value!r}"


def sigmoid(u: float) -> float:
    return 1.0 / (1.0 + math.exp(-u))


def network_3_2_2() -> dict:
    """Theory §6 in plain floats: forward, deltas, gradients, one SGD step, the loss after it."""
    W1 = [[0.1, 0.1, 0.1], [0.2, 0.2, 0.2]]
    W2 = [[1.0, 2.0], [3.0, 4.0]]
    x, t, lr = [1.0, 2.0, 3.0], [0.0, 1.0], 0.1

    def forward(W1, W2):
        u1 = [sum(w * xi for w, xi in zip(row, x)) for row in W1]
        z = [sigmoid(u) for u in u1]
        y = [sum(w * zj for w, zj in zip(row, z)) for row in W2]
        return u1, z, y, 0.5 * sum((yk - tk) ** 2 for yk, tk in zip(y, t))

    u1, z, y, E = forward(W1, W2)
    delta2 = [yk - tk for yk, tk in zip(y, t)]
    slope = [zj * (1 - zj) for zj in z]
    back = [sum(W2[k][j] * delta2[k] for k in range(2)) for j in range(2)]
    delta1 = [s * b for s, b in zip(slope, back)]
    dW2 = [[delta2[k] * z[j] for j in range(2)] for k in range(2)]
    dW1 = [[delta1[j] * x[i] for i in range(3)] for j in range(2)]
    new_W2 = [[W2[k][j] - lr * dW2[k][j] for j in range(2)] for k in range(2)]
    new_W1 = [[W1[j][i] - lr * dW1[j][i] for i in range(3)] for j in range(2)]
    return {
        "u1": u1, "z": z, "slope": slope, "y": y, "E": E, "delta2": delta2, "back": back, "delta1": delta1,
        "dE/dW2": dW2, "dE/dW1": dW1, "new W2": new_W2, "new W1": new_W1, "new E": forward(new_W1, new_W2)[3],
    }


def test_sections_are_numbered_as_the_repository_links_them() -> None:
    headings = re.findall(r"^## (.+)$", page(), re.M)
    assert [h for h in headings if h in SECTIONS] == list(SECTIONS), headings
    for title, anchor in SECTIONS.items():
        assert f"(#{anchor})" in page(), f"the contents list does not link #{anchor}"


def test_every_link_stays_inside_the_repository() -> None:
    text = page()
    assert not re.search(r"https?://|www\.", text), re.findall(r"\S*(?:https?://|www\.)\S*", text)
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        assert (THEORY.parent / target).exists(), f"docs/theory.md links {target}, which does not exist"
    for anchor in re.findall(r"\]\(#([^)]+)\)", text):
        assert anchor in SECTIONS.values() or anchor == "where-the-examples-come-from", anchor


@pytest.mark.parametrize("name", list(network_3_2_2()))
def test_the_3_2_2_numbers_are_recomputed(name: str) -> None:
    assert_printed(section("6"), name, network_3_2_2()[name], 10)


def test_the_3_2_2_loss_is_the_reference_loss() -> None:
    assert "10.4264359261" in section("6")
    assert round(network_3_2_2()["E"], 10) == 10.4264359261


def test_gradient_descent_on_the_bowl() -> None:
    p = [3.0, 4.0]
    for _ in range(100):
        p = [v - 0.1 * 2 * v for v in p]
    shown = printed(section("7"), "gradient descent on x0^2 + x1^2 from (3, 4), eta = 0.1, after 100 steps")
    assert len(shown) == 2
    for got, want, exact in zip(shown, p, (3 * 0.8**100, 4 * 0.8**100)):
        assert abs(got - want) <= 5e-5 * want and abs(want - exact) < 1e-20


def test_the_softmax_layer_gradient_and_its_identities() -> None:
    text = section("8")
    G = printed(text, "published gradient")
    row1, row2 = G[:3], G[3:]
    x, t = (0.6, 0.9), (0.0, 0.0, 1.0)
    assert all(abs(b - 1.5 * a) < 1e-7 for a, b in zip(row1, row2))
    assert abs(sum(row1)) < 1e-8 and abs(sum(row2)) < 1e-8
    softmax = [g / x[0] + tk for g, tk in zip(row1, t)]
    assert_printed(text, "recovered softmax(xW)", softmax, 10)
    assert abs(sum(softmax) - 1) < 1e-12 and all(p > 0 for p in softmax)
    assert all(abs(g / x[1] + tk - p) < 5e-8 for g, tk, p in zip(row2, t, softmax))

    # the identities hold for any W: softmax(xW) for a few W, the gradient x^T (y - t)
    for W in ([[0.1, -0.3, 0.5], [0.7, 0.2, -0.4]], [[2.0, 0.0, -1.0], [-0.5, 1.5, 0.3]]):
        logits = [x[0] * W[0][k] + x[1] * W[1][k] for k in range(3)]
        e = [math.exp(a) for a in logits]
        y = [v / sum(e) for v in e]
        grad = [[xi * (yk - tk) for yk, tk in zip(y, t)] for xi in x]
        assert all(abs(grad[1][k] - 1.5 * grad[0][k]) < 1e-15 for k in range(3))
        assert all(abs(sum(row)) < 1e-15 for row in grad)


def test_newton_on_x4_minus_2x2() -> None:
    xk, path = 2.0, []
    for _ in range(6):
        xk = xk - (4 * xk**3 - 4 * xk) / (12 * xk**2 - 4)
        path.append(xk)
    shown = printed(section("9"), "newton from 2")
    assert len(shown) == len(path)
    assert all(abs(got - want) <= 5e-11 for got, want in zip(shown, path))


def test_the_kink_conventions_are_stated() -> None:
    text = section("2")
    for rule in (r"\mathrm{relu}'(0) = 1", r"\mathrm{prelu}'(0) = 1", r"\mathrm{elu}'(0) = 1", r"\mathrm{step}'(x) = 0"):
        assert rule in text, rule


def test_the_glossary_pairs_the_terms() -> None:
    glossary = page().split("## Glossary", 1)[1]
    for english, japanese in (
        ("backpropagation", "誤差逆伝播法"), ("gradient descent", "勾配降下法"), ("activation function", "活性化関数"),
        ("learning rate", "学習率"), ("mini-batch", "ミニバッチ"), ("momentum", "モメンタム"),
        ("loss function", "損失関数"), ("cross-entropy error", "交差エントロピー誤差"), ("numerical differentiation", "数値微分"),
    ):
        assert re.search(rf"^\| {re.escape(english)} \| {re.escape(japanese)} \|", glossary, re.M), english


# Who each part is credited to, as the project's notes on its sources say: (what the
# bullet naming that section must say, what it must not say).
CREDITS = {
    "§1-3": (("lecture slides", "Hontani", "Nagoya Institute of Technology"), ()),
    "§4": (("notes on the", "backpropagation chapter", "Deep Learning from Scratch", "Koki Saitoh"), ()),
    "§5": (("weight-update formula", "blog", "numerical computing"), ()),
    "§6": (("memo", "by hand", "Chainer", "omits"), ("blog",)),                 # not the numerical-computing blog
    "§8": (("blog post", "gradient descent", "Deep Learning from Scratch"), ("chapter",)),   # not the book itself
}


def credit(mark: str) -> str:
    """The one bullet of 'Where the examples come from' that names `mark`."""
    credits = page().split("## Where the examples come from", 1)[1]
    bullets = [b for b in re.split(r"^- ", credits, flags=re.M)[1:] if re.search(rf"{re.escape(mark)}\b", b)]
    assert len(bullets) == 1, f"{len(bullets)} credits name {mark}"
    return " ".join(bullets[0].split())


@pytest.mark.parametrize("mark", list(CREDITS), ids=[m.replace("§", "section") for m in CREDITS])
def test_each_example_is_credited_to_its_source(mark: str) -> None:
    said, not_said = CREDITS[mark]
    text = credit(mark)
    assert [s for s in said if s not in text] == [], text
    assert [s for s in not_said if s in text] == [], text
