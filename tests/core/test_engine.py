"""The Value graph and backward: recorded parents and local derivatives, the
accumulation semantics, fan-out (theory §4), depth, memory, and theory §6 by hand."""

import gc
import math
import sys
import weakref

import pytest

import micrograd as mg
from micrograd import Value


def test_a_leaf_records_nothing():
    x = Value(2, label="x")
    assert x.data == 2.0 and type(x.data) is float
    assert x.grad == 0.0 and type(x.grad) is float
    assert x.parents == () and x.local_grads == () and x.op == "" and x.is_leaf()


def test_an_op_records_parents_and_local_grads_as_data():
    a, b = Value(3.0), Value(-4.0)
    c = a * b
    assert c.parents == (a, b) and c.local_grads == (-4.0, 3.0) and c.op == "*"
    assert c.grad == 0.0 and type(c.grad) is float and c.label == ""  # before any backward
    assert c.operands == (a, b) and a.exp().operands == (a,)
    sq = a * a
    assert sq.parents == (a, a) and sq.local_grads == (3.0, 3.0)


def test_the_card_is_stored_not_decoded():
    # v.parents is the very tuple backward() reads: the same object on every access
    a, b = Value(2.0), Value(3.0)
    c = a * b
    assert c.parents is c.parents and c.local_grads is c.local_grads
    assert type(c.parents) is tuple and type(c.local_grads) is tuple
    assert c.operands is c.parents  # no constants: the operands are the parents
    d = a * 2.0
    assert d.parents == (a,) and d.operands == (a, 2.0) and d.local_grads == (2.0,)


def test_values_use_slots():
    with pytest.raises(AttributeError):
        Value(1.0).anything = 1


def test_tanh_unit_gradients_match_the_chain_rule():
    x, w, b = Value(0.5, "x"), Value(-1.2, "w"), Value(0.3, "b")
    y = (x * w + b).tanh()
    y.backward()
    u = 0.5 * -1.2 + 0.3
    dy_du = 1 - math.tanh(u) ** 2
    assert y.data == math.tanh(u)
    assert x.grad == pytest.approx(dy_du * -1.2, rel=1e-15)
    assert w.grad == pytest.approx(dy_du * 0.5, rel=1e-15)
    assert b.grad == pytest.approx(dy_du, rel=1e-15)


# --- fan-out: a value used several times receives the sum (theory §4) ---------------


def test_fan_out_sums_the_gradients():
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0
    b = Value(3.0)
    (b * b).backward()
    assert b.grad == 6.0


def test_diamond():
    # x feeds two branches that meet again: d/dx [(2x) * (x + 1)] = 4x + 2
    x = Value(1.5)
    left, right = x * 2.0, x + 1.0
    y = left * right
    y.backward()
    assert x.grad == 4 * 1.5 + 2
    assert left.grad == right.data and right.grad == left.data


# --- accumulation semantics (as in PyTorch) ----------------------------------------


def test_backward_twice_doubles_leaf_grads_and_recomputes_the_rest():
    x, w = Value(0.7), Value(-0.3)
    h = (x * w).tanh()
    y = h * h + x
    y.backward()
    gx, gw, gh = x.grad, w.grad, h.grad
    y.backward()
    assert x.grad == 2 * gx and w.grad == 2 * gw  # leaves accumulate: exactly 2x, never 3x
    assert h.grad == gh and y.grad == 1.0  # non-leaves are fresh on every call


def test_three_samples_three_backwards_give_the_summed_batch_gradient():
    # theory §5: the batch update sums the per-sample gradients
    w = Value(0.5)
    samples = [(1.0, 2.0), (-2.0, 0.5), (3.0, -1.0)]
    for x, t in samples:
        e = 0.5 * (w * x - t) ** 2
        e.backward()
    assert w.grad == pytest.approx(sum((0.5 * x - t) * x for x, t in samples), rel=1e-15)


def test_backward_on_a_leaf_adds_one():
    x = Value(2.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_zero_grad_zeroes_the_whole_graph():
    x, w = Value(0.7), Value(-0.3)
    y = (x * w).tanh()
    y.backward()
    y.zero_grad()
    assert x.grad == w.grad == y.grad == 0.0


def test_no_grad_records_nothing_and_restores():
    x = Value(2.0)
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        y = (x * x).exp() + 1
        with mg.no_grad():
            pass
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()
    assert y.data == math.exp(4.0) + 1 and y.is_leaf() and y.op == ""
    z = x * x
    assert z.parents == (x, x)


def test_detach_is_a_leaf_with_the_same_data():
    x = Value(2.0, "x")
    y = x * 3
    d = y.detach()
    assert d.data == 6.0 and d.is_leaf() and d is not y
    (d * x).backward()
    assert x.grad == 6.0 and y.grad == 0.0


def test_backward_order_puts_every_node_before_its_parents():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = mg.backward_order(e)
    assert order[0] is e and set(order) == {a, b, c, d, e} and len(order) == 5
    position = {v: i for i, v in enumerate(order)}
    for v in order:
        assert all(position[v] < position[p] for p in v.parents)


# --- depth and memory -----------------------------------------------------------------


@pytest.mark.slow
def test_a_million_node_chain_at_the_default_recursion_limit():
    assert sys.getrecursionlimit() <= 10_000
    x0 = Value(1.0)
    x = x0
    for _ in range(1_000_000):
        x = x + 1.0
    x.backward()
    assert x.data == 1_000_001.0 and x0.grad == 1.0
    del x  # freeing a deep chain must not overflow the C stack either


def test_a_long_chain_is_freed_without_deep_recursion():
    # freed the usual way, each Value freed its parents from inside its own freeing, one C
    # call deeper per link: 3,000 links killed Python in WebAssembly (Pyodide)
    x0 = Value(1.0, "x0")
    x = x0
    for _ in range(30_000):
        x = (x + 1.0).tanh() * x0
    x.backward()
    nodes = mg.engine.backward_order(x)
    assert len(nodes) == 90_001 and x0.grad != 0.0
    root, nearest_the_leaf = weakref.ref(x), weakref.ref(nodes[-2])
    del x, nodes
    assert root() is None and nearest_the_leaf() is None
    assert x0.grad != 0.0 and x0.label == "x0"  # the leaf, still held, keeps what it had
    # a graph of second-order gradients (they refer back to the graph, a cycle) is freed by the collector
    y = x0
    for _ in range(5_000):
        y = y * 1.0 + 1.0
    y.backward(create_graph=True)
    collected = weakref.ref(y)
    del y
    x0.grad = 0.0  # it held a Value of that graph
    gc.collect()
    assert collected() is None


def test_a_graph_is_freed_by_reference_counting_alone():
    gc.collect()
    gc.disable()
    try:
        x, w = Value(0.5), Value(-1.2)
        y = (x * w + 0.3).tanh()
        y.backward()
        ref, inner = weakref.ref(y), weakref.ref(y.parents[0])
        del y
        assert ref() is None and inner() is None  # no cycle kept them alive
        assert x.grad != 0.0  # leaves survive and keep their gradients
    finally:
        gc.enable()


def test_theory_section_6_by_hand_with_plain_value_operations():
    W1 = [[Value(0.1), Value(0.1), Value(0.1)], [Value(0.2), Value(0.2), Value(0.2)]]
    W2 = [[Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)]]
    x, t = (1.0, 2.0, 3.0), (0.0, 1.0)
    a1 = [row[0] * x[0] + row[1] * x[1] + row[2] * x[2] for row in W1]
    z = [a.sigmoid() for a in a1]
    y = [row[0] * z[0] + row[1] * z[1] for row in W2]
    E = 0.5 * ((y[0] - t[0]) ** 2 + (y[1] - t[1]) ** 2)
    E.backward()

    def near(values, expected):
        assert [v.data if isinstance(v, Value) else v for v in values] == pytest.approx(expected, abs=1e-9)

    near(a1, [0.6, 1.2])
    near(z, [0.6456563062, 0.7685247835])
    near(y, [2.1827058732, 5.0110680527])
    assert E.data == pytest.approx(10.4264359261, abs=1e-9)
    near([v.grad for v in y], [2.1827058732, 4.0110680527])  # output deltas
    near([v.grad for v in a1], [3.2523761789, 3.6307693113])  # hidden deltas
    near([w.grad for row in W2 for w in row], [1.4092778117, 1.6774635587, 2.5897713829, 3.0826052068])
    near(
        [w.grad for row in W1 for w in row],
        [3.2523761789, 6.5047523578, 9.7571285367, 3.6307693113, 7.2615386227, 10.8923079340],
    )
    for w in (w for W in (W1, W2) for row in W for w in row):
        w.data -= 0.1 * w.grad
    near([w.data for row in W2 for w in row], [0.8590722188, 1.8322536441, 2.7410228617, 3.6917394793])
    near(
        [w.data for row in W1 for w in row],
        [-0.2252376179, -0.5504752358, -0.8757128537, -0.1630769311, -0.5261538623, -0.8892307934],
    )


def test_repr_and_format():
    x = Value(0.5, "x")
    assert repr(x) == "Value(data=0.5, grad=0.0, label='x')"
    assert f"{x:.2f}" == "0.50" and float(x) == 0.5
    assert "op='+'" in repr(x + 1)


# --- a node built by hand, as the smallest engines build them -----------------------------


def test_a_node_built_by_hand_backpropagates_like_one_an_op_built():
    a, b = Value(2.0, "a"), Value(3.0, "b")
    c = Value(6.0, "c", parents=(a, b), local_grads=(3.0, 2.0))  # c = a * b, its derivatives written out
    assert c.parents == (a, b) and c.local_grads == (3.0, 2.0) and c.op == "" and not c.is_leaf()
    y = (c + 1.0).tanh()
    y.backward()
    slope = 1 - math.tanh(7.0) ** 2
    assert (a.grad, b.grad) == (pytest.approx(slope * 3.0, rel=1e-9), pytest.approx(slope * 2.0, rel=1e-9))
    a2, b2 = Value(2.0), Value(3.0)
    ((a2 * b2 + 1.0).tanh()).backward()
    assert (a.grad, b.grad) == (a2.grad, b2.grad)  # bit for bit what the op's node gives


@pytest.mark.parametrize("kwargs, error, message", [
    ({"parents": (Value(1.0),)}, ValueError, r"1 parent\(s\) but 0 local gradient\(s\)"),
    ({"parents": (1.0,), "local_grads": (1.0,)}, TypeError, r"parents\[0\] must be a Value, got float"),
    ({"parents": (Value(1.0),), "local_grads": ("one",)}, TypeError, r"local_grads\[0\]: expected a number, got str"),
    ({"local_grads": (1.0,)}, ValueError, r"0 parent\(s\) but 1 local gradient\(s\)"),
])
def test_a_node_built_by_hand_is_checked(kwargs, error, message):
    with pytest.raises(error, match=message):
        Value(1.0, **kwargs)


def test_compile_and_create_graph_refuse_a_node_built_by_hand_clearly():
    a = Value(2.0)
    c = Value(4.0, parents=(a,), local_grads=(4.0,)) * 1.0
    with pytest.raises(ValueError, match="built by hand"):
        mg.compile(c)
    with pytest.raises(ValueError, match="built by hand"):
        c.backward(create_graph=True)


# --- backward() is the loop; backpropagate walks it step by step for pictures -----------------


def _graph():
    x, w, b = Value(0.5, "x"), Value(-1.5, "w"), Value(0.25, "b")
    u = x * w + b * x
    return (x, w, b), (u.tanh() * u + mg.sum([u, x, w])).relu()


@pytest.mark.parametrize("create_graph", [False, True])
def test_backpropagate_run_to_the_end_leaves_what_backward_leaves(create_graph):
    (leaves_a, root_a), (leaves_b, root_b) = _graph(), _graph()
    root_a.backward(create_graph=create_graph)
    order = list(mg.backpropagate(root_b, create_graph=create_graph))
    assert len(order) == len(mg.backward_order(root_b))
    grads = lambda leaves: [float(x.grad) for x in leaves]  # noqa: E731
    assert grads(leaves_a) == grads(leaves_b)
    nodes_a, nodes_b = mg.backward_order(root_a), mg.backward_order(root_b)
    assert [float(v.grad) for v in nodes_a] == [float(v.grad) for v in nodes_b]


def test_backpropagate_pauses_at_each_node_before_its_edges():
    (x, w, b), root = _graph()
    for v in mg.backpropagate(root):
        if v is root:
            assert root.grad == 1.0 and all(p.grad == 0.0 for p in root.parents)
            break


def test_backward_is_one_visible_loop():
    import inspect

    source = inspect.getsource(Value.backward)
    assert "for v in order:" in source and "p.grad += local * v.grad" in source
    assert "backpropagate" not in source
