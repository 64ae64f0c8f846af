"""draw_dot: golden DOT text for small graphs (written out by hand below), edge labels
that are the recorded local derivatives, determinism across processes, kinds of node,
gradients not yet computed, nn units (clusters, collapse), warnings and bad arguments."""

import math
import os
import re
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given

import micrograd as mg
from micrograd import Value
from micrograd.viz import LargeGraphWarning, backward_steps, draw_dot
from test_viz_steps import build, recipes

OP = "fillcolor=gray92 shape=ellipse style=filled"
ROOT = "fillcolor=gold style=\"filled,bold\""
INPUT = "fillcolor=palegreen style=filled"
PARAMETER = "fillcolor=lightblue style=\"filled,rounded\""
CONSTANT = "fontcolor=gray35 shape=plaintext"


def dot_text(body: str, rankdir: str = "LR") -> str:
    """The DOT text graphviz writes: a header, then one tab-indented statement per line."""
    lines = [line.strip() for line in body.strip().splitlines()]
    return "digraph {\n" + f"\tgraph [rankdir={rankdir}]\n\tnode [shape=record]\n" + "".join(f"\t{line}\n" for line in lines) + "}\n"


def tanh_unit():
    x, w, b = Value(0.5, "x"), Value(-2.0, "w"), Value(1.5, "b")
    return (x * w + b).tanh(), (x, w, b)


# --- golden DOT ------------------------------------------------------------------------


def test_golden_tanh_unit_before_backward():
    # y = tanh(x*w + b), x = 0.5, w = -2, b = 1.5: x*w = -1, u = 0.5, y = tanh(0.5) = 0.46212,
    # dy/du = 1 - 0.46212^2 = 0.78645; d(u)/d(x*w) = d(u)/db = 1; d(x*w)/dx = w, d(x*w)/dw = x.
    # Numbering is backward order: the root, then each Value before those it is computed from
    # (a depth-first walk taking the last parent first): y, u, x*w, x, w, b. A computed Value
    # is named by the expression that made it; numbers are written .4g. (Left to right asked
    # for: by default the direction is chosen to fit, and this chain fits top to bottom.)
    y, _ = tanh_unit()
    assert draw_dot(y, rankdir="LR").source == dot_text(f"""
        v0 [label="{{tanh(x*w + b) | data 0.4621 | grad ?}}" {ROOT}]
        op0 [label=tanh {OP}]
        v1 [label="{{x*w + b | data 0.5 | grad ?}}"]
        op1 [label="+" {OP}]
        v2 [label="{{x*w | data -1 | grad ?}}"]
        op2 [label="*" {OP}]
        v3 [label="{{x | data 0.5 | grad ?}}" {INPUT}]
        v4 [label="{{w | data -2 | grad ?}}" {INPUT}]
        v5 [label="{{b | data 1.5 | grad ?}}" {INPUT}]
        v1 -> op0 [label=0.7864]
        op0 -> v0
        v2 -> op1 [label=1]
        v5 -> op1 [label=1]
        op1 -> v1
        v3 -> op2 [label=-2]
        v4 -> op2 [label=0.5]
        op2 -> v2
    """)


def test_golden_a_times_a_has_two_edges():
    # d(a*a)/da is recorded once per use: a = 3 gives two edges labelled 3. With fmt=".4f".
    a = Value(3.0, "a")
    assert draw_dot(a * a, fmt=".4f").source == dot_text(f"""
        v0 [label="{{a*a | data 9.0000 | grad ?}}" {ROOT}]
        op0 [label="*" {OP}]
        v1 [label="{{a | data 3.0000 | grad ?}}" {INPUT}]
        v1 -> op0 [label=3.0000]
        v1 -> op0 [label=3.0000]
        op0 -> v0
    """)


def test_golden_diamond_after_backward_top_to_bottom():
    # d = relu(a) + a*3 at a = 2: both branches give 1 * dL/dd, so dL/da = relu'(2)*1 + 3*1 = 4.
    # The constant 3 is operand 1 of the * node (v2): node c2_1, a dashed edge, no derivative.
    a = Value(2.0, "a")
    d = a.relu() + a * 3.0
    d.backward()
    assert draw_dot(d, rankdir="TB").source == dot_text(f"""
        v0 [label="{{relu(a) + a*3 | data 8 | grad 1}}" {ROOT}]
        op0 [label="+" {OP}]
        v1 [label="{{relu(a) | data 2 | grad 1}}"]
        op1 [label=relu {OP}]
        v2 [label="{{a*3 | data 6 | grad 1}}"]
        op2 [label="*" {OP}]
        c2_1 [label=3 {CONSTANT}]
        v3 [label="{{a | data 2 | grad 4}}" {INPUT}]
        v1 -> op0 [label=1]
        v2 -> op0 [label=1]
        op0 -> v0
        v3 -> op1 [label=1]
        op1 -> v1
        v3 -> op2 [label=3]
        c2_1 -> op2 [color=gray55 style=dashed]
        op2 -> v2
    """, rankdir="TB")


def test_golden_first_step_of_a_times_a():
    # Step 1 finalises the root (grad 1) and passes 3 * 1 = 3 along each edge: a has
    # received 6 so far but is still pending. Current in red, pending in grey.
    a = Value(3.0, "a")
    y = a * a
    step = next(backward_steps(y))
    # text in a dark red and a dark grey, 4.5:1 or more on white and on every fill (plain red is 4.0:1)
    red = 'color=red fontcolor="#b00000" penwidth=2'  # attributes are written in alphabetical order
    expected = dot_text(f"""
        v0 [label="{{a*a | data 9 | grad 1}}" color=red fillcolor=gold penwidth=3 style="filled,bold"]
        op0 [label="*" color=red fillcolor=gray92 penwidth=3 shape=ellipse style=filled]
        v1 [label="{{a | data 3 | grad ? (so far 6)}}" color=gray60 fillcolor=palegreen fontcolor=gray25 style=filled]
        v1 -> op0 [label="3\\n× 1 = 3" {red}]
        v1 -> op0 [label="3\\n× 1 = 3" {red}]
        op0 -> v0 [{red}]
    """)
    header = '\tgraph [label="step 1 of 2: dL/d(a*a) = 1 is final" labelloc=t rankdir=LR]\n'
    assert draw_dot(y, step=step).source == expected.replace("\tgraph [rankdir=LR]\n", header)


def test_a_non_zero_number_never_reads_as_zero():
    # format(1e-5, ".4f") is 0.0000: the picture writes 1e-05 instead, and 0 as 0.0000.
    x = Value(1e-5, "x")
    y = x * 2.0
    y.backward()
    source = draw_dot(y, fmt=".4f").source
    assert "data 1e-05" in source and "data 2e-05" in source and "grad 1.0000" in source
    assert "data 0.0000" not in source
    z = Value(0.0, "z") * 1.0
    assert "data 0.0000" in draw_dot(z, fmt=".4f").source


# --- edge labels are the recorded local derivatives -------------------------------------

EDGE = re.compile(r'\t(\w+) -> (\w+)(?: \[(.*)\])?\n')
LABEL = re.compile(r'label=("(?:[^"\\]|\\.)*"|\S+)')


def edges(source):
    """(tail, head, label or None) for every edge statement of the DOT text."""
    found = []
    for tail, head, attrs in EDGE.findall(source):
        m = LABEL.search(attrs or "")
        found.append((tail, head, None if m is None else m.group(1).strip('"')))
    return found


@given(recipes())
def test_edge_labels_are_the_local_grads_of_each_operand(recipe):
    root, _ = build(recipe)
    order = mg.backward_order(root)
    drawn = edges(draw_dot(root, fmt=".17g", max_nodes=None).source)
    for i, v in enumerate(order):
        into = [(tail, label) for tail, head, label in drawn if head == f"op{i}"]
        if v.is_leaf():
            assert into == [] and not any(tail == f"op{i}" for tail, _, _ in drawn)
            continue
        expected, local_grads = [], iter(v.local_grads)
        for k, operand in enumerate(v.operands):
            if type(operand) is Value:
                expected.append((f"v{order.index(operand)}", next(local_grads)))
            else:
                expected.append((f"c{i}_{k}", None))
        assert [t for t, _ in into] == [t for t, _ in expected]
        for (_, label), (_, local) in zip(into, expected):
            if local is None:
                assert label is None
            else:
                assert float(label) == local or (math.isnan(local) and math.isnan(float(label)))
        assert [(t, h) for t, h, _ in drawn if t == f"op{i}"] == [(f"op{i}", f"v{i}")]


# --- determinism ----------------------------------------------------------------------------

SCRIPT = textwrap.dedent("""
    import micrograd as mg
    from micrograd import Value
    from micrograd.viz import draw_dot
    xs = [Value(0.5 + i, f"x[{i}]") for i in range(2)]
    params, hidden = set(), []
    for j in range(2):
        w = [Value(0.3 * (j - i) + 0.1, f"W1[{j},{i}]") for i in range(2)]
        b = Value(0.1 * j, f"b1[{j}]")
        params.update(w + [b])
        u = mg.dot(w + [b], xs + [1.0]); u.label = f"u1[{j}]"
        z = u.tanh(); z.label = f"z1[{j}]"
        hidden.append(z)
    loss = (mg.sum(hidden) - 1.0) ** 2 + hidden[0] * hidden[0]
    loss.backward()
    for options in ({}, {"group": "unit"}, {"group": "layer", "collapse": True, "legend": True}, {"params": params}):
        print(draw_dot(loss, **options).source)
""")


def test_the_same_graph_gives_identical_dot_in_every_process():
    outputs = set()
    for seed in ("0", "1", "4242", "random"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        run = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True)
        outputs.add(run.stdout)
    assert len(outputs) == 1
    (text,) = outputs
    assert "unit1_0" in text and "cluster_unit1_1" in text and "0x" not in text


# --- kinds of node ------------------------------------------------------------------------------


def node_attrs(source, name):
    m = re.search(rf"^\t+{name} \[(.*)\]$", source, re.M)
    assert m is not None, f"no node {name}"
    return m.group(1)


def test_parameters_are_found_by_their_labels_or_given_explicitly():
    x, w, b = Value(1.0, "x[0]"), Value(2.0, "W1[0,0]"), Value(3.0, "b1[0]")
    alpha, c = Value(0.25, "alpha1[0]"), Value(1.0, "c")
    y = (x * w + b).prelu(alpha) * c
    source = draw_dot(y).source
    order = mg.backward_order(y)
    name = {v.label: f"v{order.index(v)}" for v in (x, w, b, alpha, c)}
    for label in ("W1[0,0]", "b1[0]", "alpha1[0]"):
        assert PARAMETER in node_attrs(source, name[label])
    for label in ("x[0]", "c"):
        assert INPUT in node_attrs(source, name[label])
    chosen = draw_dot(y, params=[c]).source
    assert PARAMETER in node_attrs(chosen, name["c"]) and INPUT in node_attrs(chosen, name["W1[0,0]"])


def test_the_root_is_marked_even_when_it_is_a_leaf():
    source = draw_dot(Value(2.0, "W1[0,0]")).source
    assert ROOT in node_attrs(source, "v0")


def test_labels_with_graphviz_special_characters_are_escaped():
    v = Value(1.0, 'a{b|c}<d>"e\\f')
    source = draw_dot(v * 2.0).source
    # record specials get a backslash, the quote is DOT-escaped, the backslash doubled
    assert r'label="{a\{b\|c\}\<d\>\"e\\f | data 1 | grad ?}"' in source


def test_legend_lists_the_kinds_and_in_a_step_the_states():
    y, _ = tanh_unit()
    plain = draw_dot(y, legend=True).source
    assert "subgraph cluster_legend" in plain and "legend_parameter" in plain and "legend_current" not in plain
    stepped = draw_dot(y, step=next(backward_steps(y)), legend=True).source
    assert all(f"legend_{s}" in stepped for s in ("current", "final", "pending"))


def test_number_format_is_configurable():
    y, _ = tanh_unit()
    source = draw_dot(y, fmt=".2e").source
    assert "data 4.62e-01" in source and 'label="7.86e-01"' in source


# --- gradients not yet computed -------------------------------------------------------------------


def test_gradients_show_as_unknown_until_backward_has_run():
    y, (x, w, b) = tanh_unit()
    assert draw_dot(y).source.count("grad ?") == 6
    y.backward()
    after = draw_dot(y, fmt=".4f").source
    assert "grad ?" not in after and "grad 1.0000" in after and f"grad {x.grad:.4f}" in after
    y.zero_grad()
    assert draw_dot(y).source.count("grad ?") == 6


def test_the_grad_argument_overrides_the_rule():
    y, _ = tanh_unit()
    assert "grad 0.0000" in draw_dot(y, grad=True, fmt=".4f").source
    y.backward()
    assert draw_dot(y, grad=False).source.count("grad ?") == 6


# --- highlighting a step -----------------------------------------------------------------------------


def test_a_step_marks_current_final_and_pending_nodes_and_edges():
    y, _ = tanh_unit()
    for step in backward_steps(y):
        source = draw_dot(y, step=step, fmt=".4f").source
        for i in range(len(step.order)):
            colour = "red" if i == step.index else "blue" if i < step.index else "gray60"
            assert f"color={colour}" in node_attrs(source, f"v{i}")
        current = [(t, label) for t, h, label in edges(source) if h == f"op{step.index}"]
        for (_, label), c in zip(current, step.contributions):
            assert label == f"{c.local_grad:.4f}\\n× {c.grad:.4f} = {c.amount:.4f}"
        assert step.headline(".4f") in source


def test_a_step_of_another_graph_is_refused():
    y, _ = tanh_unit()
    other, _ = tanh_unit()
    with pytest.raises(ValueError, match="another graph"):
        draw_dot(y, step=next(backward_steps(other)))
    with pytest.raises(ValueError, match="grad= or step="):
        draw_dot(other, step=next(backward_steps(other)), grad=True)


# --- nn units: clusters, collapse, the size warning ---------------------------------------------------


def two_layer_net(activation="tanh"):
    """2 inputs x[i] -> 2 units -> 1 linear unit, labelled as nn labels them; returns
    (output, the Values by label)."""
    xs = [Value(0.5, "x[0]"), Value(-1.0, "x[1]")]
    named = {x.label: x for x in xs}
    hidden = []
    for j, (w0, w1) in enumerate([(0.2, -0.4), (0.7, 0.1)]):
        w = [Value(w0, f"W1[{j},0]"), Value(w1, f"W1[{j},1]")]
        b = Value(0.05, f"b1[{j}]")
        u = mg.dot(w + [b], xs + [1.0])
        u.label = f"u1[{j}]"
        z = getattr(u, activation)()
        z.label = f"z1[{j}]"
        hidden.append(z)
        named.update({v.label: v for v in (*w, b, u, z)})
    v = [Value(1.5, "W2[0,0]"), Value(-0.5, "W2[0,1]")]
    c = Value(0.3, "b2[0]")
    out = mg.dot(v + [c], hidden + [1.0])
    out.label = "u2[0]"  # a linear output unit: no separate z node
    named.update({p.label: p for p in (*v, c, out)})
    return out, named


def test_units_and_layers_become_clusters():
    out, _ = two_layer_net()
    by_unit = draw_dot(out, group="unit").source
    assert [m for m in re.findall(r"subgraph (\w+)", by_unit)] == ["cluster_unit1_0", "cluster_unit1_1", "cluster_unit2_0"]
    block = by_unit.split("subgraph cluster_unit1_0 {")[1].split("\n\t}")[0]
    labels = set(re.findall(r'\{(\w+\[[\d,]+\]) \|', block))
    assert labels == {"u1[0]", "z1[0]", "W1[0,0]", "W1[0,1]", "b1[0]"}  # the unit's own parameters too
    by_layer = draw_dot(out, group="layer").source
    assert re.findall(r"subgraph (\w+)", by_layer) == ["cluster_layer1", "cluster_layer2"]


def test_collapse_draws_a_unit_as_one_node_with_dz_dinput_on_its_edges():
    out, v = two_layer_net()
    out.backward()
    source = draw_dot(out, collapse=True, fmt=".4f").source
    assert "W1[" not in source and "b1[" not in source and "W2[" not in source  # absorbed into their units
    # edge x[i] -> unit 1[j]: dz/dx_i = tanh'(u) * w_ji = (1 - z^2) w_ji, by hand:
    for j in range(2):
        z = v[f"z1[{j}]"].data
        for i in range(2):
            w = v[f"W1[{j},{i}]"].data
            label = [lab for t, h, lab in edges(source) if h == f"unit1_{j}" and t == f"v{mg.backward_order(out).index(v[f'x[{i}]'])}"]
            assert label == [f"{(1 - z * z) * w:.4f}"]
        # the linear output unit reads z1[j] with weight W2[0,j]
        assert (f"unit1_{j}", "unit2_0", f"{v[f'W2[0,{j}]'].data:.4f}") in edges(source)
        assert f"δ = dL/du {v[f'u1[{j}]'].grad:.4f}" in node_attrs(source, f"unit1_{j}")
    assert f"u2[0] (linear) | data {out.data:.4f} | grad = δ 1.0000" in node_attrs(source, "unit2_0")


def test_a_parameter_shared_by_two_units_stays_visible_when_collapsed():
    xs = [Value(1.0, "x[0]")]
    shared = Value(0.5, "W1[0,0]")
    zs = []
    for j in range(2):
        u = mg.dot([shared], xs)
        u.label = f"u1[{j}]"
        z = u.relu()
        z.label = f"z1[{j}]"
        zs.append(z)
    source = draw_dot(zs[0] + zs[1], collapse=True).source
    assert "W1[0,0]" in source and source.count("-> unit1_") == 4  # x[0] and W1[0,0] into each unit


def test_a_big_graph_warns_and_suggests_collapse():
    out, _ = two_layer_net()
    with pytest.warns(LargeGraphWarning, match=r"more than max_nodes=10.*collapse=True"):
        draw_dot(out, max_nodes=10)
    with pytest.warns(LargeGraphWarning, match="smaller part"):
        draw_dot(out, max_nodes=2, collapse=True)
    y, _ = tanh_unit()
    with pytest.warns(LargeGraphWarning, match="smaller part"):
        draw_dot(y, max_nodes=3)


def test_no_warning_below_the_limit(recwarn):
    out, _ = two_layer_net()
    draw_dot(out, collapse=True, max_nodes=10)
    draw_dot(out, max_nodes=None)
    assert not [w for w in recwarn if issubclass(w.category, LargeGraphWarning)]


# --- bad arguments ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"rankdir": "RL"}, ValueError, "rankdir must be 'LR'.*or 'TB'.*got 'RL'"),
        ({"rankdir": "lr"}, ValueError, "got 'lr'"),
        ({"fmt": "q"}, ValueError, "fmt='q' is not a format spec"),
        ({"fmt": 4}, TypeError, "fmt must be a format spec string"),
        ({"group": "units"}, ValueError, "group must be None, 'unit' or 'layer', got 'units'"),
        ({"max_nodes": 0}, ValueError, "max_nodes must be a positive int or None, got 0"),
        ({"params": [1.0]}, TypeError, r"params\[0\] must be a Value, got float"),
        ({"params": 3}, TypeError, "params must be an iterable of Values, got int"),
        ({"grad": "yes"}, TypeError, "grad must be True, False or None"),
        ({"grad": 1}, TypeError, r"grad must be True, False or None \(decide from the graph\), got 1"),
        ({"step": 1}, TypeError, "step must be a Step"),
        ({"collapse": 1}, TypeError, "collapse must be True or False"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, message):
    y, _ = tanh_unit()
    with pytest.raises(error, match=message):
        draw_dot(y, **kwargs)


def test_a_computed_value_is_not_a_parameter():
    y, (x, w, _) = tanh_unit()
    with pytest.raises(ValueError, match=r"params\[0\] \(x\*w\) is computed by '\*'"):
        draw_dot(y, params=[x * w])


def test_the_root_must_be_a_value():
    with pytest.raises(TypeError, match="root must be a Value, got float"):
        draw_dot(1.0)  # type: ignore[arg-type]


def test_the_engine_does_not_import_viz_or_graphviz():
    code = "import sys, micrograd as mg; (mg.Value(1.0) * 2).backward(); print('micrograd.viz' in sys.modules, 'graphviz' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["False", "False"]


def test_an_nn_network_is_recognised_by_its_labels():
    import nn  # part of this project: a broken import must fail here, not skip

    net = nn.MLP(2, [3, 1], ["tanh", "identity"], seed=0)
    y = net([Value(0.5, "x[0]"), Value(-1.0, "x[1]")])[0]
    source = draw_dot(y, group="unit").source
    assert re.findall(r"subgraph (\w+)", source) == ["cluster_unit1_0", "cluster_unit1_1", "cluster_unit1_2", "cluster_unit2_0"]
    assert source.count(PARAMETER) == len(net.parameters())
    collapsed = draw_dot(y, collapse=True).source
    assert sorted(re.findall(r"^\t(unit\d_\d) \[", collapsed, re.M)) == ["unit1_0", "unit1_1", "unit1_2", "unit2_0"]
    assert PARAMETER not in collapsed  # every parameter belongs to one unit
