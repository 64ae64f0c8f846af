"""Compile a graph: its forward and backward pass as straight-line Python, one line per
node and one line per edge, pasted from the op table's text.

    prog = micrograd.compile(L)      # L: the root of a graph already built
    value, grads = prog(floats)      # one float per leaf, in prog.leaves order
    print(prog.source)               # the chain rule written out: g_p += local * g_v

Tracing semantics (as ``torch.jit.trace``): the program replays the ops that were recorded
when the graph was built. Python control flow that looked at ``.data`` while the graph was
built is baked in, and so is every plain-number constant. Kinks and branches inside an op
(relu, abs, step, prelu, elu, the tails of tanh) are in the row's text and so are decided
at run time, right at new values. Domain checks run at run time too and raise the engine's
DomainError, naming the op, the values and the labels; an overflow (exp, **) raises its
FloatOverflowError, which here names no label. The nodes run in a topological order, not
necessarily the order they were built in: where several ops are outside their domain,
the error may name another of them than the engine would.

The backward lines run in ``backward()``'s order (``backpropagate``: for each node of
``backward_order(root)``, for each of its edges, ``g_p += local * g_v``), each node's
gradient starting at ``0.0`` and each leaf's at its old ``.grad``, with the same float
operations: value and gradients are bit for bit those of ``backward()`` on the same graph
rebuilt at the same leaf values (a ``local`` of 1.0 or -1.0 is left out of the product:
``g * 1.0`` is exactly ``g``).
"""

from __future__ import annotations

import ast
import builtins
import functools
import itertools
import keyword
import math
import re
import types
import unicodedata
from typing import Any, Sequence

from . import ops
from .engine import Value, backward_order, number
from .errors import DomainError, domain_error

#: Lines per generated function. Python compiles a function of any length, in time linear
#: in its lines (about 1 s for 300 000 on 3.11-3.13), but holds all of it while it works
#: (about 1 KB a line); a longer program is cut into parts compiled one at a time, which
#: pass the names crossing a cut through a list (at a cost: the 65k-node moons step runs
#: about 1.3x as long in two parts as in one).
PART_LINES = 200_000
_LONGEST_NAME = 24
_RESERVED = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins)) | {
    "values", "grads", "seed", "state", "backprop", "fail", *ops.FLOAT_FUNCTIONS,
}
_counter = itertools.count(1)


def compile_graph(root: Value, *, leaves: Sequence[Value] | None = None, outputs: Sequence[Value] = ()) -> Program:
    """The graph under ``root`` as a ``Program``: straight-line Python computing root's value
    and d root / d leaf for every leaf, at any leaf values (see the module docstring).

    ``leaves``: the program's leaves in the order wanted (every leaf of the graph, and any
    other Values, whose gradient then stays as it is); by default the order in which the
    forward pass first reads them. ``outputs``: other Values whose new ``.data`` ``Program.backward()`` also writes back (a
    network's outputs, say, to score its predictions); the nodes they need beyond root's
    graph are computed too, and no gradient flows from them."""
    if type(root) is not Value:
        raise TypeError(f"compile: expected the root Value of a graph, got {type(root).__name__}: {root!r:.60}")
    if root.is_leaf():
        raise ValueError(f"compile: {root!r} is a leaf, computed from nothing; compile the Value a computation ends in")
    return Program(root, tuple(outputs), None if leaves is None else tuple(leaves))


class Program:
    """A compiled graph. ``leaves``: the leaf Values it reads, in the order the forward pass
    first reads them (node by node in a topological order, each node's operands in order).
    ``source``: the generated Python. Call it on floats, or run it on the leaves' ``.data``
    with ``backward()``. ``run(values, grads, seed)`` is the generated function itself, for
    callers that check their own input: floats in ``leaves`` order, and ``seed`` = dL/d root
    for a root inside a larger sum L; it returns ``(value, grads, outputs' values)`` with the
    gradients added to ``grads``, along every edge from ``g_root = seed``. The generated code refers to no Value; the program keeps ``leaves``,
    ``root`` and ``outputs`` (and so, through root's parents, the graph)."""

    def __init__(self, root: Value, outputs: tuple[Value, ...], leaves: tuple[Value, ...] | None = None) -> None:
        order = backward_order(root)
        forward, seen = order[::-1], set(map(id, order))
        for k, v in enumerate(outputs):
            if type(v) is not Value:
                raise TypeError(f"compile: outputs[{k}] must be a Value, got {type(v).__name__}: {v!r:.60}")
            if id(v) not in seen:  # computed too, after the root's graph; no gradient flows from it
                extra = [u for u in backward_order(v)[::-1] if id(u) not in seen]
                seen.update(map(id, extra))
                forward += extra
        self.root, self.outputs = root, outputs
        writer = _Writer(forward, order, outputs, leaves)
        self.leaves: tuple[Value, ...] = tuple(writer.leaves)
        self.source: str = "\n\n".join(writer.functions) + "\n"
        namespace = dict(ops.FLOAT_FUNCTIONS, **writer.row_functions, fail=_failing(writer.checks))
        filename = f"<compiled graph {next(_counter)}>"
        for function in writer.functions:  # one at a time: the compiler's memory grows with the text
            exec(compile(function, filename, "exec"), namespace)  # our own text, labels only in comments
        self.run: Any = namespace["backprop"]

    def __call__(self, values: Sequence[float]) -> tuple[float, list[float]]:
        """``(value, grads)``: root's value and d root / d leaf for every leaf, at the leaf
        values ``values`` (one number per leaf, in ``leaves`` order). No Value is made."""
        value, grads, _ = self.run(self._checked(values), [0.0] * len(self.leaves), 1.0)
        return value, grads

    def backward(self) -> None:
        """The forward and backward pass at the leaves' current ``.data``: sets ``root.data``
        (and each of ``outputs``' ``.data``) to the new value and adds d root / d leaf to every
        leaf's ``.grad``, as ``root.backward()`` would. Other nodes' ``.data`` and ``.grad`` stay."""
        leaves = self.leaves
        value, grads, outputs = self.run([x.data for x in leaves], [x.grad for x in leaves], 1.0)
        self.root.data = value
        for v, data in zip(self.outputs, outputs):
            v.data = data
        for x, g in zip(leaves, grads):
            x.grad = g

    def _checked(self, values: Any) -> list[float]:
        n = len(self.leaves)
        try:
            count = len(values)
        except TypeError:
            raise TypeError(f"program: expected a list of {n} numbers, one per leaf ({self._names()}), got "
                            f"{type(values).__name__}: {values!r:.60}") from None
        if count != n:
            raise ValueError(f"program: expected {n} values, one per leaf ({self._names()}), got {count}")
        return [x if type(x) is float else number(x, f"program: value {i} (leaf {self._name(i)})")
                for i, x in enumerate(values)]

    def _name(self, i: int) -> str:
        return repr(self.leaves[i].label) if self.leaves[i].label else f"{i}, unlabelled"

    def _names(self) -> str:
        shown = ", ".join(repr(x.label) for x in self.leaves[:8])
        return shown + (f", ... ({len(self.leaves)} leaves)" if len(self.leaves) > 8 else "")

    def __repr__(self) -> str:
        return f"<compiled graph of {self.root!r}: {len(self.leaves)} leaves, {self.source.count(chr(10)) + 1} lines>"


# --- templates: a row's text with its operands as format fields -------------------------


class _Template:
    """A row's text for n operands as ``str.format`` templates: operand j is ``{j}``, the
    node's value ``{out}``, its gradient ``{g}``. ``edges``: per operand, the local
    derivative and ``local * g`` (None where the row's grads are not one tuple per operand:
    then ``tuple`` gives them all and an edge reads ``t[j]``)."""

    def __init__(self, op: ops.Op, n: int) -> None:
        names = [f"__op{j}__" for j in range(n)]
        operands = {op.operands[0].lstrip("*"): ast.Tuple([ast.Name(x) for x in names])} if op.arity < 0 else {
            x: ast.Name(name) for x, name in zip(op.operands, names)}
        # the row's own float functions, under names no other row uses (no label can make "__")
        own = op.functions
        tag = next(_counter)
        operands.update({f: ast.Name(f"{f}__{tag}") for f in own})
        self.functions = {f"{f}__{tag}": function for f, function in own.items()}
        self.value = _fold_text(op.value, operands)
        self.check = _fold_text(op.domain, operands) if op.domain else ""
        grads = ast.parse(ops._as_tuple(op.grads), mode="eval").body if op.arity < 0 else None
        if op.arity < 0:
            folded = _Fold(operands).visit(grads)
            locals_ = folded.elts if isinstance(folded, ast.Tuple) and len(folded.elts) == n else None
            self.tuple = None if locals_ is not None else _format(folded)
        else:
            locals_ = [_Fold(operands).visit(ast.parse(g, mode="eval").body) for g in op.grads]
            self.tuple = None
        if locals_ is None:
            locals_ = [ast.Subscript(ast.Name("__t__"), ast.Constant(j)) for j in range(n)]
        self.edges = [_edge(g) for g in locals_]


def _edge(local: ast.expr) -> Edge:
    """An edge's templates. An operand or a number as it is (``{3}``, ``1.0``), with no parse
    tree printed, so that a node of n operands costs n short strings; anything else printed."""
    if isinstance(local, ast.Name) and _OPERAND.fullmatch(local.id):
        text = "{" + _OPERAND.fullmatch(local.id).group(1) + "}"
        return Edge(text, text + " * {g}")
    if isinstance(local, ast.Constant) and type(local.value) is float and local.value >= 0:
        return Edge(repr(local.value), repr(local.value) + " * {g}")
    return Edge(_format(local), _format(ast.BinOp(local, ast.Mult(), ast.Name("__g__"))))


class Edge:
    """One edge's text: the local derivative and ``local * g``, as templates, and the operands
    (field numbers) they read: an edge of an n-ary node reads one or two of its n operands."""

    def __init__(self, local: str, product: str) -> None:
        self.local, self.product = local, product
        self.fields = sorted({int(k) for k in re.findall(r"(?<!\{)\{(\d+)\}", product)})
        self.reads_out = "{out}" in product


def fill(template: str, fields: Sequence[str], **names: str) -> str:
    """``template`` with ``{k}`` replaced by ``fields[k]`` and ``{out}``, ``{g}``, ``{t}`` by
    ``names``: the work is the template's length, whatever the number of fields."""
    return _FIELD_OR_BRACE.sub(lambda m: m.group(0)[0] if m.group(1) is None else
                               (fields[int(m.group(1))] if m.group(1).isdigit() else names[m.group(1)]), template)


_OPERAND = re.compile(r"__op(\d+)__")
_FIELD_OR_BRACE = re.compile(r"\{\{|\}\}|\{(\d+|out|g|t)\}")


class _Fold(ast.NodeTransformer):
    """Operand names to their fields, and what depends only on the operand count worked out
    now: ``len(xs)``, arithmetic on constants, slices and sums of tuples."""

    def __init__(self, operands: dict[str, ast.expr]) -> None:
        self.operands = operands

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id == "out":
            return ast.Name("__out__")
        return self.operands.get(node.id, node)

    def visit_Call(self, node: ast.Call) -> ast.expr:
        node = self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "len" and len(node.args) == 1 and isinstance(node.args[0], ast.Tuple):
            return ast.Constant(len(node.args[0].elts))
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        node = self.generic_visit(node)
        left, right = node.left, node.right
        if isinstance(left, ast.Constant) and isinstance(right, ast.Constant) and type(node.op) in _ARITHMETIC:
            return ast.Constant(_ARITHMETIC[type(node.op)](left.value, right.value))
        if isinstance(node.op, ast.Add) and isinstance(left, ast.Tuple) and isinstance(right, ast.Tuple):
            return ast.Tuple(left.elts + right.elts)
        if isinstance(node.op, ast.Mult) and isinstance(left, ast.Tuple) and isinstance(right, ast.Constant) and type(right.value) is int:
            return ast.Tuple(left.elts * right.value)
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        node = self.generic_visit(node)
        if isinstance(node.value, ast.Tuple):
            bound = node.slice
            if isinstance(bound, ast.Slice) and all(b is None or isinstance(b, ast.Constant) for b in (bound.lower, bound.upper, bound.step)):
                ends = [None if b is None else b.value for b in (bound.lower, bound.upper, bound.step)]
                return ast.Tuple(node.value.elts[slice(*ends)])
            if isinstance(bound, ast.Constant) and type(bound.value) is int:
                return node.value.elts[bound.value]
        return node


_ARITHMETIC = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
               ast.FloorDiv: lambda a, b: a // b}
_FIELD = re.compile(r"__op(\d+)__|__(out|g|t)__")


def _fold_text(text: str, operands: dict[str, ast.expr]) -> str:
    return _format(_Fold(operands).visit(ast.parse(text, mode="eval").body))


def _format(node: ast.expr) -> str:
    """``node`` as source, a ``str.format`` template: ``__op3__`` becomes ``{3}``."""
    text = ast.unparse(ast.fix_missing_locations(node)).replace("{", "{{").replace("}", "}}")
    return _FIELD.sub(lambda m: "{" + (m.group(1) or m.group(2)) + "}", text)


@functools.lru_cache(maxsize=None)
def _template(op: ops.Op, n: int) -> _Template:
    return _Template(op, n)


# --- names: labels are text, never code -------------------------------------------------


def identifier(label: str, fallback: str) -> str:
    """A Python name made from ``label``: ASCII letters, digits and ``_`` only (accents
    dropped, any other run of characters one ``_``), at most 24 long; ``fallback`` when
    nothing is left or it starts with a digit (then as a prefix)."""
    text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:_LONGEST_NAME].rstrip("_")
    if not name:
        return fallback
    return fallback + name if name[0].isdigit() else name


class _Names:
    """Distinct Python names: a name taken (or a keyword, builtin or name the generated code
    calls) gets a suffix ``_2``, ``_3``, ..."""

    def __init__(self) -> None:
        self.taken: set[str] = set(_RESERVED)

    def fresh(self, base: str) -> str:
        name, k = base, 1
        while name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self.taken.add(name)
        return name


def _comment(v: Value, name: str) -> str:
    """The label in a comment, as ``repr`` shows it (no newline can escape), when the name is not it."""
    return f" {v.label!r}" if v.label and v.label != name else ""


def _order(given: tuple[Value, ...], read: dict[int, Value]) -> list[Value]:
    """``given`` as the leaf order, checked: Values, none twice, every leaf read among them."""
    for k, x in enumerate(given):
        if type(x) is not Value or not x.is_leaf():
            raise TypeError(f"compile: leaves[{k}] must be a leaf Value, got {x!r:.60}")
    if len(set(map(id, given))) != len(given):
        raise ValueError("compile: leaves lists a Value twice")
    listed = set(map(id, given))
    missing = [x for i, x in read.items() if i not in listed]
    if missing:
        raise ValueError(f"compile: leaves must list every leaf of the graph; missing {missing[0]!r:.60} ({len(missing)} missing)")
    return list(given)


def _targets(names: list[str]) -> str:
    return ", ".join(names) + ("," if len(names) == 1 else "")


def _literal(c: float) -> str:
    """A constant as source: ``2.0``, ``(-0.5)``, ``inf``, ``nan``."""
    text = repr(c) if math.isfinite(c) or c != c else ("inf" if c > 0 else "-inf")
    return f"({text})" if text.startswith("-") else text


def _failing(checks: list[tuple[ops.Op, tuple[Any, ...]]]) -> Any:
    def fail(k: int, *datas: float) -> DomainError:
        """The engine's DomainError for check k, naming the op, the values and the labels."""
        op, operands = checks[k]
        return domain_error(op, datas, operands)

    return fail


# --- the writer -------------------------------------------------------------------------


class _Writer:
    """The program's source. Lines are kept with the names each reads and writes, so that a
    long program can be cut into parts that pass the names crossing a cut through a list."""

    def __init__(self, forward: list[Value], order: list[Value], outputs: tuple[Value, ...], given: tuple[Value, ...] | None) -> None:
        root = order[0]
        self.names = names = _Names()
        self.name: dict[int, str] = {}
        self.grad: dict[int, str] = {}
        leaves: dict[int, Value] = {}
        counts = {"x": 0, "v": 0}
        for v in forward:
            for x in v.operands:
                if type(x) is Value and x.is_leaf() and id(x) not in leaves:
                    leaves[id(x)] = x
        for v in outputs:  # an output may be a leaf no node reads
            if v.is_leaf() and id(v) not in leaves:
                leaves[id(v)] = v
        self.leaves = list(leaves.values()) if given is None else _order(given, leaves)
        for v in [*self.leaves, *(v for v in forward if not v.is_leaf())]:
            kind = "x" if v.is_leaf() else "v"
            counts[kind] += 1
            default = "out" if v is root else f"{kind}{counts[kind]}"
            self.name[id(v)] = names.fresh(identifier(v.label, kind) if v.label else default)
        for v in [*self.leaves, *(v for v in forward if not v.is_leaf())]:
            self.grad[id(v)] = names.fresh("g_" + self.name[id(v)])
        self.checks: list[tuple[ops.Op, tuple[Any, ...]]] = []
        self.row_functions: dict[str, Any] = {}
        self.lines: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []  # (text, reads, writes)
        self._forward(forward)
        self.backward_from = len(self.lines)
        self._backward(order, root)
        results = (self.name[id(root)], [self.grad[id(x)] for x in self.leaves], [self.name[id(v)] for v in outputs])
        self.functions = self._assemble(results)

    def _forward(self, forward: list[Value]) -> None:
        line = self.lines.append
        for v in forward:
            if v.is_leaf():
                continue
            name, template = self.name[id(v)], self._template(v)
            fields = [self.name[id(x)] if type(x) is Value else _literal(x) for x in v.operands]
            reads = tuple(self.name[id(x)] for x in v.operands if type(x) is Value)
            if template.check:
                k = len(self.checks)
                self.checks.append((ops.row_of(v), tuple(types.SimpleNamespace(label=x.label) if type(x) is Value else x for x in v.operands)))
                line((f"if not ({template.check.format(*fields)}): raise fail({k}, {', '.join(fields)})", reads, ()))
            line((f"{name} = {template.value.format(*fields)}  # {v.op}{_comment(v, name)}", reads, (name,)))

    def _template(self, v: Value) -> _Template:
        template = _template(ops.row_of(v), len(v.operands))
        if template.functions:
            self.row_functions.update(template.functions)
        return template

    def _backward(self, order: list[Value], root: Value) -> None:
        line = self.lines.append
        started: set[int] = set()
        g_root = self.grad[id(root)]
        line((f"{g_root} = seed  # 1.0 (d out / d out), or dL/d out from a caller", (), (g_root,)))
        for v in order:
            if v.is_leaf():
                continue
            name, g, template = self.name[id(v)], self.grad[id(v)], self._template(v)
            fields = [self.name[id(x)] if type(x) is Value else _literal(x) for x in v.operands]
            operand_names = tuple(self.name[id(x)] for x in v.operands if type(x) is Value)
            t = ""
            if template.tuple is not None:  # the row's grads come as one tuple, read per edge
                t = self.names.fresh(f"t_{name}")
                line((f"{t} = {template.tuple.format(*fields, out=name)}", (*operand_names, name), (t,)))
            for x, edge in zip(v.operands, template.edges):
                if type(x) is not Value:
                    continue  # a constant: no edge
                gp = self.grad[id(x)]
                local = fill(edge.local, fields, out=name, t=t)
                if local == "1.0":
                    term, sign = g, "+"
                elif local in ("-1.0", "(-1.0)"):
                    term, sign = g, "-"
                else:
                    term, sign = fill(edge.product, fields, out=name, g=g, t=t), "+"
                if template.tuple is not None:
                    reads = (t, g)
                else:  # only the operands this edge's text names: an edge of a sum of n reads none of the n
                    named = [fields[k] for k in edge.fields if type(v.operands[k]) is Value]
                    reads = (*named, *([name] if edge.reads_out else []), g)
                if x.is_leaf() or id(x) in started:
                    line((f"{gp} {sign}= {term}  # {v.op}", (gp, *reads), (gp,)))
                else:
                    started.add(id(x))
                    line((f"{gp} = 0.0 {sign} {term}  # {v.op}", reads, (gp,)))

    def _assemble(self, results: tuple[str, list[str], list[str]]) -> list[str]:
        """The functions' sources: ``backprop`` alone, or parts and a ``backprop`` calling them."""
        value, grads, outputs = results
        leaf_names = [self.name[id(x)] for x in self.leaves]
        grad_names = [self.grad[id(x)] for x in self.leaves]
        head = ['"""The forward pass, one line per node, then the backward pass, one line per edge in',
                "backward()'s order: g_n = d out / d n.\"\"\""]
        head += [f"# {n}: the leaf{_comment(x, n)}" for n, x in zip(leaf_names, self.leaves) if _comment(x, n)]
        ret = f"return {value}, [{', '.join(grads)}], [{', '.join(outputs)}]"
        if len(self.lines) <= PART_LINES:
            body = [f"{_targets(leaf_names)} = values", f"{_targets(grad_names)} = grads", "# forward"]
            body += [text for text, _, _ in self.lines[: self.backward_from]]
            body += ["# backward"] + [text for text, _, _ in self.lines[self.backward_from :]]
            return ["\n".join([*head, "def backprop(values, grads, seed):", *("    " + t for t in [*body, ret])])]
        return self._parts(leaf_names, grad_names, results, "\n".join(head))

    def _parts(self, leaf_names: list[str], grad_names: list[str], results: tuple[str, list[str], list[str]], head: str) -> list[str]:
        """Functions of PART_LINES lines each; a name read in a later part than the one
        writing it goes through ``state``, a list: stored at the end of the part that last
        wrote it, loaded at the start of each part that reads it first."""
        parts = [self.lines[k : k + PART_LINES] for k in range(0, len(self.lines), PART_LINES)]
        slot = {n: k for k, n in enumerate([*leaf_names, *grad_names])}
        live_in: list[set[str]] = []
        for part in parts:
            written: set[str] = set()
            needs: set[str] = set()
            for _, reads, writes in part:
                needs.update(r for r in reads if r not in written)
                written.update(writes)
            live_in.append(needs)
        value, grads, outputs = results
        finals = {value, *grads, *outputs}
        for n in sorted(set().union(*live_in) | finals, key=lambda n: slot.get(n, len(slot))):
            slot.setdefault(n, len(slot))
        sources = []
        for p, part in enumerate(parts):
            later = set().union(*live_in[p + 1 :]) | finals
            written = {w for _, _, writes in part for w in writes}
            out = [head] if p == 0 else []
            out.append(f"def part{p + 1}(state, seed):")
            out += [f"    {n} = state[{slot[n]}]" for n in sorted(live_in[p], key=slot.__getitem__)]
            out += ["    " + text for text, _, _ in part]
            out += [f"    state[{slot[n]}] = {n}" for n in sorted(written & later, key=slot.__getitem__)]
            sources.append("\n".join(out))
        n = len(leaf_names)
        out = ["def backprop(values, grads, seed):", f"    state = [*values, *grads, *[None] * {len(slot) - 2 * n}]"]
        out += [f"    part{p + 1}(state, seed)" for p in range(len(parts))]
        out.append(f"    return state[{slot[value]}], state[{n}:{2 * n}], [{', '.join(f'state[{slot[o]}]' for o in outputs)}]")
        return [*sources, "\n".join(out)]
