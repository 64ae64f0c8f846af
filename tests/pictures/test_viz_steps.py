"""backward_steps: the backward pass one node at a time. Its records and the gradients it
leaves behind agree with backward() on any graph the local strategy below builds."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import micrograd as mg
from micrograd import Value
from micrograd.viz import Contribution, Step, backward_steps
from micrograd.viz.steps import describe

# --- a small local strategy: recipes for graphs, built twice to compare -------------------

UNARY = ["neg", "abs", "identity", "step", "sigmoid", "tanh", "arctan", "relu", "softplus"]
BINARY = ["+", "-", "*", "prelu", "elu"]  # no domain restrictions: any data is allowed
NARY = ["sum", "dot"]
small = st.floats(-3.0, 3.0, allow_nan=False)


@st.composite
def recipes(draw):
    """Leaves, then ops whose operands are earlier nodes (repeats allowed: a*a, fan-out)
    or plain-number constants. The root sums every op's result, so all are in its graph."""
    leaves = draw(st.lists(small, min_size=1, max_size=4))
    ops = []
    n = len(leaves)
    for _ in range(draw(st.integers(1, 8))):
        name = draw(st.sampled_from(UNARY + BINARY + NARY))
        k = 1 if name in UNARY else 2 if name in BINARY else 2 * draw(st.integers(1, 3)) if name == "dot" else draw(st.integers(1, 4))
        operand = st.one_of(st.integers(0, n - 1).map(lambda i: ("node", i)), small.map(lambda c: ("const", c)))
        operands = draw(st.lists(operand, min_size=k, max_size=k))
        if all(kind == "const" for kind, _ in operands):
            operands[0] = ("node", draw(st.integers(0, n - 1)))
        ops.append((name, operands))
        n += 1
    return leaves, ops


def build(recipe):
    """(root, every node built) for a recipe; leaves labelled l0, l1, ..."""
    leaves, ops = recipe
    nodes = [Value(x, f"l{i}") for i, x in enumerate(leaves)]
    for name, operands in ops:
        nodes.append(mg.OPS[name](*(nodes[i] if kind == "node" else i for kind, i in operands)))
    made = nodes[len(leaves):]
    root = made[0] if len(made) == 1 else mg.sum(made)
    return root, nodes


def same(a, b):
    """Bit for bit the same float (nan included)."""
    return a == b or (math.isnan(a) and math.isnan(b))


# --- the law: step by step gives backward's numbers ----------------------------------------


@given(recipes())
def test_step_records_agree_with_backward(recipe):
    reference, _ = build(recipe)
    reference.backward()
    expected = [v.grad for v in mg.backward_order(reference)]

    root, _ = build(recipe)
    order = mg.backward_order(root)
    steps = 0
    for step in backward_steps(root):
        i = step.index
        assert i == steps and step.node is order[i] and step.order == tuple(order)
        assert same(step.grad, expected[i]) and same(step.node.grad, expected[i])
        # every Value up to this one now holds its final gradient
        assert all(same(order[j].grad, expected[j]) for j in range(i + 1))
        assert [c.parent for c in step.contributions] == list(step.node.parents)
        for c, local in zip(step.contributions, step.node.local_grads):
            assert same(c.local_grad, local) and same(c.grad, step.grad)
            assert same(c.amount, local * step.grad) and same(c.after, c.before + c.amount)
        steps += 1
    assert steps == len(order)
    assert all(same(v.grad, g) for v, g in zip(order, expected))


@given(recipes())
def test_leaf_gradients_accumulate_across_passes_like_backward(recipe):
    reference, _ = build(recipe)
    reference.backward()
    reference.backward()
    root, _ = build(recipe)
    for _ in range(2):
        for _ in backward_steps(root):
            pass
    for v, w in zip(mg.backward_order(root), mg.backward_order(reference)):
        assert same(v.grad, w.grad)


def test_non_leaf_gradients_start_afresh_and_the_root_is_seeded_with_one():
    x = Value(3.0, "x")
    y = x * x
    y.backward()  # y.grad = 1, x.grad = 6
    y.grad = 99.0  # stale: must not leak into the next pass
    steps = backward_steps(y)
    first = next(steps)
    assert first.node is y and first.grad == 1.0
    assert [(c.before, c.amount, c.after) for c in first.contributions] == [(6.0, 3.0, 9.0), (9.0, 3.0, 12.0)]
    last = next(steps)
    assert last.node is x and last.contributions == () and x.grad == 12.0
    with pytest.raises(StopIteration):
        next(steps)


def test_a_leaf_root_gets_one_added_in_one_step():
    x = Value(2.0, "x")
    x.grad = 0.5
    steps = list(backward_steps(x))
    assert len(steps) == 1 and steps[0].node is x and steps[0].grad == 1.5 and x.grad == 1.5


def test_nothing_changes_before_the_first_step_is_asked_for():
    x = Value(2.0, "x")
    y = x.tanh()
    y.grad = 7.0
    steps = backward_steps(y)
    assert y.grad == 7.0  # a generator: the pass starts at next()
    next(steps)
    assert y.grad == 1.0


def test_the_tanh_unit_step_by_step():
    # y = tanh(x*w + b) at x = 0.5, w = -2, b = 1.5: u = 0.5, dy/du = 1 - tanh(0.5)^2
    x, w, b = Value(0.5, "x"), Value(-2.0, "w"), Value(1.5, "b")
    y = (x * w + b).tanh()
    dy_du = 1.0 - math.tanh(0.5) ** 2
    steps = list(backward_steps(y))
    assert [s.node.op for s in steps] == ["tanh", "+", "*", "", "", ""]
    assert [s.node.label for s in steps[3:]] == ["x", "w", "b"]
    assert [(c.local_grad, c.grad) for c in steps[0].contributions] == [(dy_du, 1.0)]
    assert [(c.parent.label, c.local_grad) for c in steps[2].contributions] == [("x", -2.0), ("w", 0.5)]
    assert (x.grad, w.grad, b.grad) == (-2.0 * dy_du, 0.5 * dy_du, dy_du)


def test_steps_are_described_in_words_with_their_numbers():
    x, w, b = Value(0.5, "x"), Value(-2.0, "w"), Value(1.5, "b")
    steps = list(backward_steps((x * w + b).tanh()))
    assert steps[0].headline() == "step 1 of 6: dL/d(tanh(x*w + b)) = 1 is final"
    assert str(steps[2]) == (
        "step 3 of 6: dL/d(x*w) = 0.7864 is final\n"
        "  x.grad += w * 0.7864 = -2 * 0.7864 = -1.573  (0 -> -1.573)\n"  # the rule d(x*w)/dx = w, then its number
        "  w.grad += x * 0.7864 = 0.5 * 0.7864 = 0.3932  (0 -> 0.3932)"
    )
    assert steps[1].contributions[0].describe(".2f") == "(x*w).grad += 1.00 * 0.79 = 0.79  (0.00 -> 0.79)"
    assert steps[5].describe().endswith("a leaf: nothing further to pass on")


@pytest.mark.parametrize(
    ("build_it", "text"),
    [
        (lambda x, w, b: (x - (w - b)) / (x * w), "(x - (w - b))/(x*w)"),
        (lambda x, w, b: x - w - b, "x - w - b"),
        (lambda x, w, b: -(x + w), "-(x + w)"),
        (lambda x, w, b: -x * w, "-x*w"),
        (lambda x, w, b: (x**w) ** b, "(x**w)**b"),
        (lambda x, w, b: x ** (w**b), "x**w**b"),
        (lambda x, w, b: (x * 2.0).relu(), "relu(x*2)"),
        (lambda x, w, b: mg.dot([x, w], [b, 1.0]), "dot(x, w, b, 1)"),
        (lambda x, w, b: mg.sum([x, w, b, x, w]), "(sum result)"),
        (lambda x, w, b: (((((x + w).tanh() + b).exp() * x).log() + w).relu()), "(relu result)"),
    ],
)
def test_unlabelled_values_are_named_by_their_expression(build_it, text):
    x, w, b = Value(0.5, "x"), Value(2.0, "w"), Value(1.5, "b")
    assert describe(build_it(x, w, b)) == text


def test_records_are_plain_frozen_data():
    x = Value(2.0, "x")
    step = next(backward_steps(x * 3.0))
    assert isinstance(step, Step) and isinstance(step.contributions[0], Contribution)
    assert step.root is step.order[0]
    with pytest.raises(AttributeError):
        step.grad = 0.0  # type: ignore[misc]


def test_a_root_that_is_not_a_value_is_refused_at_once():
    with pytest.raises(TypeError, match="backward_steps: root must be a Value, got float"):
        backward_steps(2.0)  # type: ignore[arg-type]


def test_the_rules_of_a_wide_node_name_only_what_they_show(monkeypatch):
    # each of a sum's n edges named all n operands before finding its rule is the number 1:
    # stepping a sum of 2,000 products took 13 s
    import micrograd.viz.steps as steps_module

    named = []
    describe = steps_module.describe
    monkeypatch.setattr(steps_module, "describe", lambda *a, **k: named.append(1) or describe(*a, **k))

    def names_while_stepping(n: int) -> int:
        xs = [Value(float(i), f"x{i}") for i in range(n)]
        y = mg.sum([x * x for x in xs])
        y.backward()
        named.clear()
        for _ in steps_module.backward_steps(y):
            pass
        return len(named)

    assert names_while_stepping(400) <= 2 * names_while_stepping(200) + 10  # linear, not quadratic
