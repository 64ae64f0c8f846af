"""draw_dot: a computation graph as a graphviz picture that shows the chain rule.

Each Value is a record (label, data, grad), each operation a small node of its own,
and every edge from a Value into an operation is labelled with the local derivative
the operation recorded (``v.local_grads``), so that

    dL/dp = sum over the uses of p of  (local derivative on the edge) * dL/d(result)

can be read off the picture. Node names count along ``backward_order(root)`` (``v0``
is the root), so the same graph gives the same DOT text in every run.
"""

from __future__ import annotations

import subprocess
import warnings
from dataclasses import dataclass
from typing import Any, Iterable

import graphviz

from .. import Value, backward_order, labels
from . import fit
from .formatting import DEFAULT_FORMAT, check_format, number
from .render import Drawing, GraphvizNotFoundError
from .steps import Step, _operands, describe

RANKDIRS = ("LR", "TB")
GROUPS = (None, "unit", "layer")

# How each kind of node looks. Record fill colours tell the kinds apart; in a step
# picture the border tells the state (current, final, pending). Every colour a text is
# written in keeps a contrast of 4.5:1 or more against every background it can stand on
# (the white page, each kind's fill): tests/pictures/test_viz_contrast.py computes them.
PAGE_COLOUR = "white"  # the picture's background (Graphviz's default)
PENDING_TEXT = "gray25"  # a pending node's or edge's numbers: quieter than black, readable on every fill
CURRENT_TEXT = "#b00000"  # the current edges' labels: a dark red (plain red is 4.0:1 on white)
KIND_STYLE: dict[str, dict[str, str]] = {
    "root": {"style": "filled,bold", "fillcolor": "gold"},
    "parameter": {"style": "filled,rounded", "fillcolor": "lightblue"},
    "input": {"style": "filled", "fillcolor": "palegreen"},
    "value": {},
    "unit": {"style": "filled,rounded", "fillcolor": "thistle"},
    "op": {"shape": "ellipse", "style": "filled", "fillcolor": "gray92"},
    "constant": {"shape": "plaintext", "fontcolor": "gray35"},
}
CONSTANT_EDGE = {"style": "dashed", "color": "gray55"}
STATE_STYLE: dict[str, dict[str, str]] = {
    "current": {"color": "red", "penwidth": "3"},
    "final": {"color": "blue", "penwidth": "2"},
    "pending": {"color": "gray60", "fontcolor": PENDING_TEXT},
}
EDGE_STATE_STYLE: dict[str, dict[str, str]] = {
    "current": {"color": "red", "fontcolor": CURRENT_TEXT, "penwidth": "2"},
    "final": {"color": "blue"},
    "pending": {"color": "gray60", "fontcolor": PENDING_TEXT},
}
CLUSTER_STYLE = {"style": "rounded", "color": "gray50"}
LEGEND = (
    ("root", "root (the output)"), ("parameter", "parameter"), ("input", "input"),
    ("value", "intermediate value"), ("op", "operation"), ("constant", "constant"),
)


class LargeGraphWarning(UserWarning):
    """draw_dot was asked for a picture with more than ``max_nodes`` nodes."""


def draw_dot(
    root: Value,
    *,
    fmt: str = DEFAULT_FORMAT,
    rankdir: str | None = None,
    params: Iterable[Value] | None = None,
    grad: bool | None = None,
    step: Step | None = None,
    group: str | None = None,
    collapse: bool = False,
    legend: bool = False,
    max_nodes: int | None = 200,
    title: str | None = None,
) -> Drawing:
    """The graph below ``root`` as a ``graphviz.Digraph`` (``.source`` is the DOT text).

    - ``fmt``: format spec for every number (data, grads, local derivatives, constants);
      a non-zero number that it would show as 0 is written with ``.3g`` instead.
    - ``rankdir``: ``"LR"`` (left to right), ``"TB"`` (top to bottom), or None (default):
      whichever fits a notebook's output area (``fit.OUTPUT_PX``) with readable text,
      left to right when both do; where neither does, top to bottom with the leaves
      folded over two or more ranks (``fit.choose``). Choosing lays the graph out with
      Graphviz's dot; without dot, or past ``max_nodes``, left to right.
    - ``params``: the parameters, drawn apart from the inputs; by default, the leaves
      labelled like nn's parameters (``W1[0,2]``, ``b1[0]``, ``alpha1[0]``).
    - ``grad``: show gradients (True) or "grad ?" (False). By default they show when
      any Value in the graph has a nonzero gradient: a fresh graph, or one after
      ``zero_grad()``, has not been through backward, and a 0 there would mislead.
      (After a backward pass every gradient is 0 only if the root's is: drawing a part
      of a bigger graph whose gradients are all truly 0, pass grad=True.)
    - ``step``: a ``Step`` of ``backward_steps(root)``, drawn at that moment: the current
      node in red, the edges it propagates along in red with ``local * grad = amount``,
      final nodes and edges in blue, pending ones grey with "grad ?" (and the partial
      sum received so far). Draw it before asking for the next step.
    - ``group``: ``"unit"`` puts each nn unit (``u{l}[{j}]``, its activation ``z{l}[{j}]``,
      the parameters only it uses) in a box, ``"layer"`` each layer.
    - ``collapse``: draw each nn unit as one node ``z = f(u)`` showing z and
      delta = dL/du; its edges carry dz/d(input), the product of the local
      derivatives inside the unit.
    - ``legend``: add a key to the kinds (and step states) of nodes.
    - ``max_nodes``: above this many nodes, warn (``LargeGraphWarning``); None: never.
    - ``title``: a caption above the picture (default for a step: what happened).
    """
    _check_arguments(root, fmt, rankdir, grad, step, group, collapse, legend, max_nodes, title)
    graph = _Graph(root, params)
    if step is not None:
        _check_step(step, graph.order)
    picture = _Picture(graph, fmt, grad, step, collapse)
    _warn_if_large(picture, graph, collapse, max_nodes)
    if title is None and step is not None:
        title = step.headline(fmt)
    fold, svg = 0, None
    if rankdir is None and max_nodes is not None and len(picture.nodes) > max_nodes:
        rankdir = "LR"  # too big to read anyway: not laid out once per candidate (minutes past a few thousand nodes)
    if rankdir is None:
        def lay(direction: str, folded: int) -> str:
            return _emit(picture, graph, direction, group, legend, title, step is not None, fold=folded).pipe(format="svg", encoding="utf-8")

        try:
            rankdir, fold, svg = fit.choose(lay, fit.OUTPUT_PX)
        except (GraphvizNotFoundError, subprocess.CalledProcessError, UnicodeDecodeError, OSError):
            rankdir = "LR"  # dot cannot draw it (missing, or failing): the DOT text, left to right; rendering says why
    drawing = _emit(picture, graph, rankdir, group, legend, title, step is not None, fold=fold)
    drawing.description = _description(graph, picture, title)
    if svg is not None:
        drawing.keep_svg(svg)  # laid out already: shown in a notebook without running dot again
    return drawing


def _description(graph: _Graph, picture: _Picture, title: str | None) -> str:
    """The picture in words, its accessible name: ``computation graph of L: 7 values, 4 operations``."""
    ops = sum(1 for v in graph.order if not v.is_leaf())
    def count(n: int, what: str) -> str:
        return f"{n} {what}" if n == 1 else f"{n} {what}s"

    what = f"computation graph of {describe(graph.root)}: {count(len(graph.order), 'value')}, {count(ops, 'operation')}"
    if picture.collapse and graph.units:
        what += f", {len(graph.units)} nn units drawn as one node each"
    return f"{title}. {what}" if title else what


def _warn_if_large(picture: _Picture, graph: _Graph, collapse: bool, max_nodes: int | None) -> None:
    n_nodes = len(picture.nodes)
    if max_nodes is not None and n_nodes > max_nodes:
        if graph.units and not collapse:
            advice = f"pass collapse=True to draw each of its {len(graph.units)} nn units as one node, or"
        else:
            advice = "draw a smaller part of it (one unit's output, one layer), or"
        warnings.warn(
            f"draw_dot: the picture has {n_nodes} nodes, more than max_nodes={max_nodes}, and will be hard to read; "
            f"{advice} raise max_nodes",
            LargeGraphWarning,
            stacklevel=3,
        )


# --- checking the arguments ---------------------------------------------------------


def _check_arguments(root, fmt, rankdir, grad, step, group, collapse, legend, max_nodes, title) -> None:
    if type(root) is not Value:
        raise TypeError(f"draw_dot: root must be a Value, got {type(root).__name__}: {root!r:.60}")
    check_format(fmt, "draw_dot")
    if rankdir is not None and rankdir not in RANKDIRS:
        raise ValueError(f"draw_dot: rankdir must be 'LR' (left to right) or 'TB' (top to bottom), or None to choose, got {rankdir!r}")
    if grad is not None and type(grad) is not bool:
        raise TypeError(f"draw_dot: grad must be True, False or None (decide from the graph), got {grad!r}")
    if step is not None:
        if not isinstance(step, Step):
            raise TypeError(f"draw_dot: step must be a Step from backward_steps(root), got {type(step).__name__}")
        if grad is not None:
            raise ValueError("draw_dot: pass grad= or step=, not both (a step decides which gradients are final)")
    if group not in GROUPS:
        raise ValueError(f"draw_dot: group must be None, 'unit' or 'layer', got {group!r}")
    for name, flag in (("collapse", collapse), ("legend", legend)):
        if type(flag) is not bool:
            raise TypeError(f"draw_dot: {name} must be True or False, got {flag!r}")
    if max_nodes is not None and (type(max_nodes) is not int or max_nodes < 1):
        raise ValueError(f"draw_dot: max_nodes must be a positive int or None, got {max_nodes!r}")
    if title is not None and type(title) is not str:
        raise TypeError(f"draw_dot: title must be a str, got {type(title).__name__}")


def _check_step(step: Step, order: list[Value]) -> None:
    if len(step.order) != len(order) or any(a is not b for a, b in zip(step.order, order)):
        raise ValueError(
            "draw_dot: step comes from the backward pass of another graph (or of this one before it changed); "
            "draw each step of backward_steps(root) with the same root"
        )


# --- the graph, its kinds of node and its nn units ----------------------------------


@dataclass
class _Unit:
    """One nn unit: its activation z, pre-activation u, the Values between (members,
    z and u included) and the parameters only it uses (own)."""

    layer: int
    j: int
    z: int
    u: int
    members: frozenset[int]
    own: frozenset[int]


class _Graph:
    """The Values below ``root`` numbered along backward_order, who uses whom, the
    kind of every Value and the nn units found by their labels."""

    def __init__(self, root: Value, params: Iterable[Value] | None) -> None:
        self.root = root
        self.order = backward_order(root)
        self.index = {id(v): i for i, v in enumerate(self.order)}
        self.users: list[set[int]] = [set() for _ in self.order]
        for i, v in enumerate(self.order):
            for p in v.parents:
                self.users[self.index[id(p)]].add(i)
        chosen = None if params is None else _parameter_ids(params)
        self.kinds = [self._kind(v, chosen) for v in self.order]
        self.units = self._find_units()

    def _kind(self, v: Value, chosen: set[int] | None) -> str:
        if v is self.root:
            return "root"
        if not v.is_leaf():
            return "value"
        is_parameter = labels.is_parameter(v.label) if chosen is None else id(v) in chosen
        return "parameter" if is_parameter else "input"

    def _find_units(self) -> list[_Unit]:
        ends: dict[tuple[int, int], dict[str, int]] = {}
        for i, v in enumerate(self.order):
            part = None if v.is_leaf() else labels.unit_part(v.label)
            if part is not None:
                ends.setdefault(part[1:], {}).setdefault(part[0], i)
        units, taken = [], set()
        for (layer, j), found in sorted(ends.items()):
            if "u" not in found:
                continue
            found.setdefault("z", found["u"])  # a linear unit: its output is u itself
            members = self._between(found["z"], found["u"])
            if members is None or members & taken:
                continue
            outside = {self.index[id(p)] for m in members for p in self.order[m].parents} - members
            own = {p for p in outside if self.kinds[p] == "parameter" and self.users[p] <= members}
            taken |= members | own
            units.append(_Unit(layer, j, found["z"], found["u"], frozenset(members), frozenset(own)))
        return units

    def _between(self, z: int, u: int) -> set[int] | None:
        """z, u and the unlabelled Values z is computed from on the way down to u;
        None when z does not lead to u that way."""
        if z == u:
            return {u}
        members, stack, reached = {z}, [z], False
        while stack:
            for p in self.order[stack.pop()].parents:
                i = self.index[id(p)]
                if i in members:
                    continue
                if i == u:
                    members.add(i)
                    reached = True
                elif not p.is_leaf() and not p.label:
                    members.add(i)
                    stack.append(i)
        return members if reached else None


def _parameter_ids(params: Iterable[Value]) -> set[int]:
    try:
        chosen = list(params)
    except TypeError:
        raise TypeError(f"draw_dot: params must be an iterable of Values, got {type(params).__name__}") from None
    for k, p in enumerate(chosen):
        if type(p) is not Value:
            raise TypeError(f"draw_dot: params[{k}] must be a Value, got {type(p).__name__}: {p!r:.60}")
        if not p.is_leaf():
            raise ValueError(f"draw_dot: params[{k}] ({describe(p)}) is computed by {p.op!r}; parameters are leaves")
    return {id(p) for p in chosen}


# --- the picture: nodes and edges, before they become DOT ----------------------------


@dataclass
class _Node:
    """A node: its text (a record's fields, or one line), the look of its kind, and its
    state in a step picture (current, final, pending; None outside a step)."""

    name: str
    fields: tuple[str, ...]
    record: bool
    attrs: dict[str, str]
    unit: _Unit | None  # the unit whose box it belongs in
    state: str | None = None

    @property
    def label(self) -> str:
        return record(*self.fields) if self.record else escape(self.fields[0])


@dataclass
class _Edge:
    """An edge: its label's lines (none for a constant's edge), its look and step state."""

    tail: str
    head: str
    lines: tuple[str, ...]
    attrs: dict[str, str]
    state: str | None = None

    @property
    def label(self) -> str | None:
        return "\\n".join(escape(line) for line in self.lines) if self.lines else None


class _Picture:
    """Every node and edge of the drawing, in a fixed order: Values along
    backward_order, each followed by its operation and constants; then the edges."""

    def __init__(self, graph: _Graph, fmt: str, grad: bool | None, step: Step | None, collapse: bool) -> None:
        self.graph, self.fmt, self.step, self.collapse = graph, fmt, step, collapse
        self.show_grads = grad if grad is not None else any(v.grad != 0 for v in graph.order)
        self.nodes: list[_Node] = []
        self.edges: list[_Edge] = []
        self.unit_of: dict[int, _Unit] = {}
        for unit in graph.units:
            for i in unit.members | unit.own:
                self.unit_of[i] = unit
        self.names = [self._name(i) for i in range(len(graph.order))]
        for i in range(len(graph.order)):
            unit = self.unit_of.get(i)
            if collapse and unit is not None:
                if i == unit.z:
                    self._add_collapsed(unit)
            else:
                self._add_value(i, unit)
        for i, v in enumerate(graph.order):
            unit = self.unit_of.get(i)
            if collapse and unit is not None:
                if i == unit.z:
                    self._add_collapsed_edges(unit)
            elif not v.is_leaf():
                self._add_value_edges(i)

    def _name(self, i: int) -> str:
        unit = self.unit_of.get(i)
        if self.collapse and unit is not None:
            return f"unit{unit.layer}_{unit.j}"
        return f"v{i}"

    def num(self, x: Any) -> str:
        return number(x, self.fmt)

    def state(self, i: int) -> str:
        """Where Value i stands in the step being drawn: current, final or pending."""
        at = self.step.index  # type: ignore[union-attr]
        return "current" if i == at else "final" if i < at else "pending"

    def grad_text(self, i: int) -> str:
        g = self.graph.order[i].grad
        if self.step is not None:
            if self.state(i) != "pending":
                return self.num(g)
            return "?" if g == 0 else f"? (so far {self.num(g)})"
        return self.num(g) if self.show_grads else "?"

    def _add_value(self, i: int, unit: _Unit | None) -> None:
        """A record (name, data, grad), named by its label or, for a computed Value, by
        the expression that made it (``x*w``), as captions name it; then its op and constants."""
        v = self.graph.order[i]
        state = None if self.step is None else self.state(i)
        name = [describe(v)] if v.label or not v.is_leaf() else []
        fields = (*name, f"data {self.num(v.data)}", f"grad {self.grad_text(i)}")
        self.nodes.append(_Node(f"v{i}", fields, True, dict(KIND_STYLE[self.graph.kinds[i]]), unit, state))
        if v.is_leaf():
            return
        self.nodes.append(_Node(f"op{i}", (v.op,), False, dict(KIND_STYLE["op"]), unit, state))
        for k, operand in enumerate(_operands(v)):
            if type(operand) is not Value:
                self.nodes.append(_Node(f"c{i}_{k}", (self.num(operand),), False, dict(KIND_STYLE["constant"]), unit))

    def _add_value_edges(self, i: int) -> None:
        v = self.graph.order[i]
        state = None if self.step is None else self.state(i)
        local_grads = iter(v.local_grads)
        contributions = iter(self.step.contributions) if state == "current" else None  # type: ignore[union-attr]
        for k, operand in enumerate(_operands(v)):
            if type(operand) is not Value:
                self.edges.append(_Edge(f"c{i}_{k}", f"op{i}", (), dict(CONSTANT_EDGE)))
                continue
            lines = [self.num(next(local_grads))]
            if contributions is not None:  # a second line: local * dL/dv = what p receives
                c = next(contributions)
                lines.append(f"× {self.num(c.grad)} = {self.num(c.amount)}")
            self.edges.append(_Edge(self.names[self.graph.index[id(operand)]], f"op{i}", tuple(lines), {}, state))
        self.edges.append(_Edge(f"op{i}", f"v{i}", (), {}, state))

    # --- a collapsed unit: one node z = f(u), edges labelled dz/d(input) ---

    def unit_state(self, unit: _Unit) -> str | None:
        """A collapsed unit's state: current while one of its Values or of its own parameters
        (which it draws) is the step's, final once all of them are."""
        if self.step is None:
            return None
        at = self.step.index
        inside = unit.members | unit.own
        return "current" if at in inside else "final" if max(inside) < at else "pending"

    def _add_collapsed(self, unit: _Unit) -> None:
        z, u = self.graph.order[unit.z], self.graph.order[unit.u]
        if z is u:
            fields = [f"{u.label} (linear)", f"data {self.num(u.data)}", f"grad = δ {self.grad_text(unit.u)}"]
        else:
            made = f"{z.op}({u.label})" if any(p is u for p in z.parents) else f"f({u.label})"
            fields = [f"{z.label} = {made}", f"data {self.num(z.data)}", f"grad {self.grad_text(unit.z)}"]
            fields.append(f"δ = dL/du {self.grad_text(unit.u)}")
        kind = "root" if self.graph.order[unit.z] is self.graph.root else "unit"
        self.nodes.append(_Node(self.names[unit.z], tuple(fields), True, dict(KIND_STYLE[kind]), unit, self.unit_state(unit)))

    def _add_collapsed_edges(self, unit: _Unit) -> None:
        """One edge per Value the unit reads (its own parameters aside), labelled
        dz/d(input): the chain rule run over the unit's members alone."""
        order, index = self.graph.order, self.graph.index
        inside: dict[int, float] = {unit.z: 1.0}
        outside: dict[int, float] = {}
        for m in sorted(unit.members):  # each member before the ones it is computed from
            g = inside.get(m, 0.0)
            for p, local in zip(order[m].parents, order[m].local_grads):
                pi = index[id(p)]
                into = inside if pi in unit.members else outside
                into[pi] = into.get(pi, 0.0) + local * g
        for pi in sorted(outside):
            if pi in unit.own:
                continue
            state = None if self.step is None else self._edge_state(pi, unit)
            self.edges.append(_Edge(self.names[pi], self.names[unit.z], (self.num(outside[pi]),), {}, state))

    def _edge_state(self, pi: int, unit: _Unit) -> str:
        users = self.graph.users[pi] & unit.members
        at = self.step.index  # type: ignore[union-attr]
        return "current" if at in users else "final" if max(users) < at else "pending"


# --- DOT text ---------------------------------------------------------------------------


def escape(text: str) -> str:
    """Text shown literally by graphviz: a backslash would start an escape (\\n, \\l), and
    text in angle brackets, ``<y>``, would be taken for an HTML-like label (``nohtml``)."""
    return graphviz.nohtml(text.replace("\\", "\\\\"))


def record(*fields: str) -> str:
    """A record label ``{a | b | c}``: its fields laid along the direction of the flow
    (side by side for rankdir LR, stacked for TB), with graphviz's special characters escaped."""
    special = str.maketrans({c: "\\" + c for c in "\\{}|<>"})
    return "{" + " | ".join(f.translate(special) for f in fields) + "}"


def _emit(
    picture: _Picture, graph: _Graph, rankdir: str, group: str | None, legend: bool, title: str | None, stepping: bool,
    *, ids: bool = False, fold: int = 0,
) -> Drawing:
    """The DOT text. With ``ids``, every node and edge gets an SVG id (its node name,
    ``e{k}`` for the k-th edge, ``title`` for the caption) and no step colours: the
    one layout that every step-through frame restyles (``frames.py``). With ``fold``
    (2 or more), the leaves an operation reads are spread over ``fold`` ranks
    (``minlen`` 1, 2, ... on their edges, in turn): a wide layer becomes narrower ones."""
    graph_attr = {"rankdir": rankdir}
    if fold >= 2:
        graph_attr["nodesep"] = fit.FOLD_NODESEP
    if ids:  # a step-through's picture: ranks closer, so that more of it fits the pane at a readable size
        graph_attr["ranksep"] = fit.STEP_RANKSEP
    if title:
        graph_attr.update(label=escape(title), labelloc="t")
        if ids:
            graph_attr["id"] = "title"
    drawing = Drawing(graph_attr=graph_attr, node_attr={"shape": "record"})

    def node_attrs(node: _Node) -> dict[str, str]:
        if ids:
            return {**node.attrs, "id": node.name}
        return node.attrs if node.state is None else {**node.attrs, **STATE_STYLE[node.state]}

    boxes: dict[tuple[int, ...], list[_Node]] = {}
    for node in picture.nodes:
        if node.unit is None or group is None or (group == "unit" and picture.collapse):
            drawing.node(node.name, node.label, **node_attrs(node))
        else:
            key = (node.unit.layer,) if group == "layer" else (node.unit.layer, node.unit.j)
            boxes.setdefault(key, []).append(node)
    for key in sorted(boxes):
        name = "cluster_layer" + "_".join(map(str, key)) if len(key) == 1 else f"cluster_unit{key[0]}_{key[1]}"
        caption = f"layer {key[0]}" if len(key) == 1 else f"unit {key[0]}[{key[1]}]"
        with drawing.subgraph(name=name) as box:
            box.attr(label=caption, **CLUSTER_STYLE)
            for node in boxes[key]:
                box.node(node.name, node.label, **node_attrs(node))
    leaves: set[str] = set()  # folded over ranks: only with fold >= 2
    if fold >= 2:
        leaves = {picture.names[i] for i, v in enumerate(graph.order) if v.is_leaf() and picture.names[i].startswith("v")} | {n.name for n in picture.nodes if n.name.startswith("c")}
    leaf_edges: dict[str, int] = {}
    for k, edge in enumerate(picture.edges):
        folding = {}
        if fold >= 2 and edge.tail in leaves:
            turn = leaf_edges[edge.head] = leaf_edges.get(edge.head, -1) + 1
            if turn % fold:
                folding = {"minlen": str(1 + turn % fold)}
        if ids:  # edges between Values and ops weigh more than a constant's: chains stay straight
            attrs = {**edge.attrs, "id": f"e{k}", **({} if edge.attrs == CONSTANT_EDGE else {"weight": "4"})}
        else:
            attrs = edge.attrs if edge.state is None else {**edge.attrs, **EDGE_STATE_STYLE[edge.state]}
        drawing.edge(edge.tail, edge.head, edge.label, **attrs, **folding)
    if legend:
        _add_legend(drawing, stepping, bool(graph.units) and picture.collapse)
    return drawing


def _add_legend(drawing: Drawing, stepping: bool, collapsed: bool) -> None:
    entries = list(LEGEND)
    if collapsed:
        entries.append(("unit", "nn unit z = f(u)"))
    with drawing.subgraph(name="cluster_legend") as box:
        box.attr(label="legend", **CLUSTER_STYLE)
        for kind, text in entries:
            box.node(f"legend_{kind}", escape(text), **KIND_STYLE[kind])
        if stepping:
            for state, text in (("current", "current step"), ("final", "gradient final"), ("pending", "gradient pending")):
                box.node(f"legend_{state}", escape(text), **STATE_STYLE[state])
