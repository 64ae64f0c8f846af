"""The architecture, read from every import of every file (imports inside functions too):

    front doors   micrograd/cli/ (the command), micrograd/nn.py (0.1.0's names), micrograd/__main__.py
        |  may import nn and the core; nothing imports them
    nn            nn/ (models, losses, optimizers, datasets, training, nn/views/)
        |  imports the core, never a front door
    core          micrograd/ (the rest): engine, op table, compiler, gradcheck, testing, viz, ...
                  imports neither nn nor a front door

No module imports another that imports it back (no cycle), and the core needs nothing
outside the standard library except where named below. docs/architecture.md draws this."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from repository import ROOT

DOORS = ("micrograd.cli", "micrograd.nn", "micrograd.__main__")
#: Third-party modules a layer's files may import, and where: nothing else outside the stdlib.
ALLOWED = {
    "micrograd.viz": {"graphviz"},  # pictures: the DOT text
    "micrograd.testing": {"hypothesis"},  # the strategies are hypothesis strategies
    "nn.progress": {"tqdm", "IPython"},  # a bar where a person watches
    "nn.views.live": {"ipywidgets", "IPython"},  # the live view is widgets in a kernel
    "nn.views.kernel_events": {"IPython", "tornado"},  # the running kernel's waiting messages
    "micrograd.cli.pictures": {"graphviz"},
    # in Pyodide only, imported there: the interpreter's own bridge to JavaScript, not a package
    "micrograd.viz.render": {"js", "pyodide"},
}


def modules() -> dict[str, Path]:
    """Every module of the two packages, by its dotted name."""
    found = {}
    for package in ("micrograd", "nn"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = modules()


def imports(name: str) -> set[str]:
    """Every module ``name``'s file imports, anywhere in it, as absolute names (``from .x import
    y`` counts as ``x``, and as ``x.y`` where that is a module)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names if f"{module}.{alias.name}" in MODULES}
    return found


def layer(name: str) -> str:
    if name.startswith(DOORS) and (name in DOORS or name.startswith(tuple(d + "." for d in DOORS))):
        return "door"
    return "nn" if name == "nn" or name.startswith("nn.") else "core"


def ours(module: str) -> str | None:
    """``module`` when it is one of the packages' own modules (or a name inside one), else None."""
    while module and module not in MODULES:
        module = module.rpartition(".")[0]
    return module or None


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_run_downward_only(name):
    rank = {"core": 0, "nn": 1, "door": 2}
    for imported in sorted(imports(name)):
        target = ours(imported)
        if target is None:
            continue
        assert layer(target) != "door" or layer(name) == "door", f"{name} imports the front door {target}"
        assert rank[layer(target)] <= rank[layer(name)], f"{name} ({layer(name)}) imports {target} ({layer(target)}), a layer above it"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if layer(n) != "door"))
def test_outside_the_standard_library_only_what_is_named(name):
    allowed = set().union(*(mods for prefix, mods in ALLOWED.items() if name == prefix or name.startswith(prefix + ".")))
    for imported in sorted(imports(name)):
        top = imported.split(".")[0]
        if top in ("micrograd", "nn", "__future__") or top in sys.stdlib_module_names:
            continue
        assert top in allowed, f"{name} imports {imported}, outside the standard library; allowed here: {sorted(allowed) or 'none'}"


def test_no_module_imports_one_that_imports_it_back():
    graph = {name: {t for t in map(ours, imports(name)) if t and t != name} for name in MODULES}
    # a package's face importing its own modules is not a cycle of ideas: skip edges into a parent package
    graph = {name: {t for t in targets if not name.startswith(t + ".")} for name, targets in graph.items()}
    done, path = set(), []

    def visit(m: str) -> None:
        assert m not in path, f"import cycle: {' -> '.join(path[path.index(m):] + [m])}"
        if m in done:
            return
        path.append(m)
        for dep in sorted(graph[m]):
            visit(dep)
        path.pop()
        done.add(m)

    for m in sorted(graph):
        visit(m)


def test_the_engine_and_the_op_table_need_only_the_standard_library_and_each_other_one_way():
    assert "micrograd.ops" in imports("micrograd.engine")
    assert not {ours(m) for m in imports("micrograd.ops")} & {"micrograd.engine"}


def test_every_layer_is_where_the_tree_says():
    assert {layer(n) for n in MODULES if n.startswith("micrograd.cli")} == {"door"}
    assert layer("micrograd.nn") == layer("micrograd.__main__") == "door"
    assert layer("micrograd.viz.draw") == layer("micrograd.engine") == "core"
    assert layer("nn.views.live") == layer("nn.train") == "nn"
