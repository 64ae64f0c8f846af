"""The nn package: its modules import downward only (no cycle), never the pictures or the
command line, and the engine never imports nn."""

import ast
from pathlib import Path

import nn

ROOT = Path(__file__).resolve().parent.parent


def imports(path: Path, package: str) -> set[str]:
    """Every module a file imports, anywhere in it (inside functions too), absolute names."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = f"{package}.{node.module}" if node.level else node.module
            if node.level and node.module is None:
                found |= {f"{package}.{alias.name}" for alias in node.names}
            else:
                found.add(base.rstrip("."))
    return found


def nn_graph() -> dict[str, set[str]]:
    modules = {f"nn.{p.stem}": p for p in (ROOT / "nn").glob("*.py") if p.stem != "__init__"}
    return {name: {m for m in imports(path, "nn") if m in modules} for name, path in modules.items()}


def test_nn_modules_import_each_other_without_a_cycle():
    graph = nn_graph()
    done, path = set(), []

    def visit(m):
        assert m not in path, f"import cycle: {' -> '.join(path[path.index(m):] + [m])}"
        if m in done:
            return
        path.append(m)
        for dep in graph[m]:
            visit(dep)
        path.pop()
        done.add(m)

    for m in graph:
        visit(m)
    assert "nn.module" not in graph["nn.persist"]  # persist knows the format, not the classes


# The one way up: nn.train(live=True) imports the live view inside train, only when asked,
# so importing nn or training without it never loads the pictures (tests/test_live_view.py).
ASKED_FOR = {"train.py": {"micrograd.viz.live"}}


def test_nn_imports_neither_pictures_nor_the_command_line():
    for path in (ROOT / "nn").glob("*.py"):
        bad = {m for m in imports(path, "nn") if m.startswith(("micrograd.viz", "micrograd.cli", "micrograd.nn", "graphviz"))}
        assert not bad - ASKED_FOR.get(path.name, set()), f"{path.name} imports {bad}"
        top = ast.parse(path.read_text()).body
        assert not {m for m in bad if any(isinstance(node, (ast.Import, ast.ImportFrom)) for node in top
                                          if m in imports_of(node))}, f"{path.name} imports {bad} at the top"


def imports_of(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    return {node.module or ""} if isinstance(node, ast.ImportFrom) else set()


def test_the_engine_never_imports_nn():
    allowed = {"nn.py", "cli.py", "labels.py", "live.py"}  # the 0.1.0 face, the command line, viz's label reader, the live view
    for path in (ROOT / "micrograd").rglob("*.py"):
        if path.name not in allowed:
            assert not any(m == "nn" or m.startswith("nn.") for m in imports(path, "micrograd")), path


def test_every_public_name_exists():
    assert all(hasattr(nn, name) for name in nn.__all__)
    assert {"LOSSES", "OPTIMIZERS", "DATASETS", "ACTIVATIONS", "Loss"} <= set(nn.__all__)
