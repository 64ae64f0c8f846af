"""The notebook course: numbered notebooks, stored clean, each run headless in a real Jupyter
kernel twice: as stored, where every cell passes (so every assert in it holds), and with
every "solution" cell removed, where every "check" cell fails with its hint and nothing
else fails (so the checks can fail, and an unsolved exercise breaks nothing after it).

Stored clean means no outputs and no execution counts: diffs stay small, and a number a
notebook shows always comes from running it, here or on the learner's machine.

Each run is one test, so `pytest tests/test_notebooks.py --durations=0` lists how long
every notebook takes.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from repository import ROOT

pytestmark = pytest.mark.notebooks  # each test runs cells in a Jupyter kernel

NOTEBOOKS = ROOT / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
IDS = [p.stem for p in PATHS]
SLOW = {"07_training_an_mlp"}  # trains networks: tens of seconds a run


def notebooks(paths: list[Path]) -> list:
    """``paths`` as test parameters named by their notebooks, the long ones marked slow."""
    return [pytest.param(p, id=p.stem, marks=[pytest.mark.slow] if p.stem in SLOW else []) for p in paths]
CELL_TIMEOUT = 120  # seconds for any one cell; a stuck kernel fails instead of hanging
TAGS = ("exercise", "solution", "check")
MIN_EXERCISES = 3  # every notebook


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=nbformat.NO_CONVERT)


def tags(cell: nbformat.NotebookNode) -> list[str]:
    return [t for t in cell.metadata.get("tags", []) if t in TAGS]


def run(nb: nbformat.NotebookNode, workdir: Path, allow_errors: bool = False) -> nbformat.NotebookNode:
    """Execute nb in a fresh python3 kernel working in workdir (so whatever a run leaves
    behind, such as hypothesis's cache, stays out of the tree)."""
    client = NotebookClient(
        nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=allow_errors,
        resources={"metadata": {"path": str(workdir)}},
    )
    return client.execute()  # without allow_errors: raises CellExecutionError, naming the cell


def errors(cell: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


def test_the_course_is_numbered_steps_from_zero() -> None:
    assert len(PATHS) >= 10
    assert [p.name[:2] for p in PATHS] == [f"{n:02d}" for n in range(len(PATHS))]
    for path in PATHS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name


def test_the_readme_lists_every_notebook_in_order() -> None:
    readme = (NOTEBOOKS / "README.md").read_text(encoding="utf-8")
    positions = [readme.find(p.name) for p in PATHS]
    assert -1 not in positions, [p.name for p, at in zip(PATHS, positions) if at == -1]
    assert positions == sorted(positions)


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_stored_clean(path: Path) -> None:
    nb = read(path)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata.kernelspec.name == "python3"
    assert "widgets" not in nb.metadata, "saved widget state: clear it before committing"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith(f"# {int(path.name[:2])}. ")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            where = f"{path.name} cell {i}"
            assert cell.outputs == [], f"{where} has outputs: clear them before committing"
            assert cell.execution_count is None, f"{where} has an execution count: clear outputs before committing"
            assert "execution" not in cell.metadata, f"{where} has execution timings in its metadata"


# Markdown links and images: [text](target) and ![alt](target); targets in angle brackets too.
LINK = re.compile(r"!?\[[^\]]*\]\(<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\)")


def slug(heading: str) -> str:
    """The anchor a Markdown renderer gives a heading: lower case, punctuation dropped, spaces as '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(markdown: Path) -> set[str]:
    return {slug(line.lstrip("#")) for line in markdown.read_text(encoding="utf-8").splitlines() if line.startswith("#")}


def prose(markdown: str) -> str:
    """Markdown without its code: fenced blocks and inline code can hold brackets that are not links."""
    return re.sub(r"`[^`\n]*`", "", re.sub(r"```.*?```", "", markdown, flags=re.DOTALL))


def course_texts() -> list[tuple[str, str]]:
    """The prose of the course: the README and every markdown cell."""
    texts = [("notebooks/README.md", prose((NOTEBOOKS / "README.md").read_text(encoding="utf-8")))]
    for path in PATHS:
        for i, cell in enumerate(read(path).cells):
            if cell.cell_type == "markdown":
                texts.append((f"{path.name} cell {i}", prose(cell.source)))
    return texts


# The course's first draft cited a private notes file by section; the theory page replaces it.
FACTS_CITATION = re.compile(r"\bfacts[ ]§|backprop-facts", re.IGNORECASE)


def test_every_reference_stays_inside_the_repository() -> None:
    """A reader who cloned the project finds every page the course points to, and every
    section: no web address, no path outside the repository, no citation of private notes."""
    broken = []
    sources = [("notebooks/README.md", (NOTEBOOKS / "README.md").read_text(encoding="utf-8"))]
    sources += [(f"{p.name} cell {i}", cell.source) for p in PATHS for i, cell in enumerate(read(p).cells)]
    for where, text in sources:
        if FACTS_CITATION.search(text):
            broken.append(f"{where}: cites the old notes by section; link the section of docs/theory.md instead")
    for where, text in course_texts():
        for target in LINK.findall(text):
            if re.match(r"[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("/"):
                broken.append(f"{where}: {target} leaves the repository")
                continue
            file, _, anchor = target.partition("#")
            resolved = (NOTEBOOKS / file).resolve() if file else None
            if resolved is not None and (ROOT not in resolved.parents or not resolved.exists()):
                broken.append(f"{where}: {target} is not a file of the repository")
            elif anchor and resolved is not None and resolved.suffix == ".md" and anchor not in anchors(resolved):
                broken.append(f"{where}: {target} names no heading of {file}")
    assert broken == []


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_exercises_follow_the_convention(path: Path) -> None:
    """Each exercise is a cell tagged "exercise", then its "solution" (hidden in Jupyter),
    then one or more "check" cells that assert. Every notebook has at least MIN_EXERCISES."""
    cells = read(path).cells
    kinds = [tags(c) for c in cells]
    for i, (cell, kind) in enumerate(zip(cells, kinds)):
        where = f"{path.name} cell {i}"
        assert len(kind) <= 1, f"{where} has the tags {kind}: at most one of {TAGS}"
        if not kind:
            continue
        assert cell.cell_type == "code", f"{where} is tagged {kind[0]} but is not a code cell"
        before = kinds[i - 1] if i > 0 else []
        after = kinds[i + 1] if i + 1 < len(cells) else []
        if kind == ["exercise"]:
            assert after == ["solution"], f"{where}: an exercise is followed directly by its solution"
        if kind == ["solution"]:
            assert before == ["exercise"], f"{where}: a solution follows its exercise directly"
            assert after == ["check"], f"{where}: a solution is followed by its check"
            assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, f"{where}: hide the solution (source_hidden)"
        if kind == ["check"]:
            assert before in (["solution"], ["check"]), f"{where}: a check follows a solution (or another check)"
            assert "assert " in cell.source or "AssertionError" in cell.source, f"{where}: a check asserts"
    count = kinds.count(["exercise"])
    assert count >= MIN_EXERCISES, f"{path.name} has {count} exercises; every notebook needs {MIN_EXERCISES}"


@pytest.mark.parametrize("path", notebooks(PATHS))
def test_runs_top_to_bottom(path: Path, tmp_path: Path) -> None:
    """As stored, with the solutions: every cell runs without error (so every assert in it,
    checks included, holds), and the plots and graphs the notebook draws come out as images."""
    nb = run(read(path), tmp_path)
    images = [
        kind
        for cell in nb.cells if cell.cell_type == "code"
        for output in cell.outputs
        for kind in output.get("data", {})
        if kind in ("image/png", "image/svg+xml")
    ]
    assert images, f"{path.name} showed no plot or graph"
    assert [o for cell in nb.cells for o in errors(cell)] == []


WITH_EXERCISES = [p for p in PATHS if any(tags(c) == ["solution"] for c in read(p).cells)]


@pytest.mark.parametrize("path", notebooks(WITH_EXERCISES))
def test_without_solutions_every_check_fails_with_its_hint(path: Path, tmp_path: Path) -> None:
    """With every solution cell removed, as a student first meets the notebook: each check
    raises AssertionError with a message (its hint), and no other cell fails."""
    nb = read(path)
    nb.cells = [c for c in nb.cells if tags(c) != ["solution"]]
    run(nb, tmp_path, allow_errors=True)
    wrong = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        found = errors(cell)
        where = f"{path.name} (without solutions) cell {i}"
        if tags(cell) == ["check"]:
            if not found:
                wrong.append(f"{where}: the check passed with the exercise unsolved")
            elif found[0].ename != "AssertionError" or not found[0].evalue.strip():
                wrong.append(f"{where}: the check failed with {found[0].ename}: {found[0].evalue!r}, not an AssertionError with a hint")
        elif found:
            wrong.append(f"{where} failed: {found[0].ename}: {found[0].evalue}")
    assert wrong == []
