"""The notebook course: numbered notebooks, stored clean, each run headless in a real Jupyter
kernel twice: as stored, where every cell passes (so every assert in it holds) and every
exercise's check says "right", and with every "solution" cell removed, where every "check"
cell fails with its hint and nothing else fails (so the checks can fail, and an unsolved
exercise breaks nothing after it). Both runs happen with numpy and matplotlib made
unimportable, as in the browser's Python, which has neither; the plots are
micrograd.viz.plot's SVG. A few answers that checks once misjudged are judged again.

Stored clean means no outputs and no execution counts: diffs stay small, and a number a
notebook shows always comes from running it, here or on the learner's machine.

Each run is one test, so `pytest tests/course/test_notebooks.py --durations=0` lists how long
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


# What the browser's Python (Pyodide, from the npm registry and the package index) cannot
# install: no WebAssembly build of either is published. `%matplotlib` fails there too.
ABSENT = ("numpy", "matplotlib")
FORBIDDEN = re.compile(r"^[ \t]*(?:%matplotlib\b.*|(?:import|from)[ \t]+(?:numpy|matplotlib)\b.*)$", re.M)

# Run first, then taken out again: from here on, importing numpy or matplotlib fails in the kernel.
WITHOUT_ABSENT = f"""
import sys as _sys
_absent = {ABSENT!r}
assert not [m for m in _sys.modules if m.split(".")[0] in _absent], "the kernel imported numpy or matplotlib before the notebook"
class _Absent:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in _absent:
            raise ModuleNotFoundError(f"No module named {{name!r}} (the course runs where it is not installed)", name=name)
        return None
_sys.meta_path.insert(0, _Absent())
del _sys, _Absent
"""


def run(nb: nbformat.NotebookNode, workdir: Path, allow_errors: bool = False) -> nbformat.NotebookNode:
    """Execute nb in a fresh python3 kernel working in workdir (so whatever a run leaves
    behind, such as hypothesis's cache, stays out of the tree), with numpy and matplotlib
    unimportable; nb's own cells keep their indices."""
    nb.cells.insert(0, nbformat.v4.new_code_cell(WITHOUT_ABSENT))
    client = NotebookClient(
        nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=allow_errors,
        resources={"metadata": {"path": str(workdir)}},
    )
    try:
        return client.execute()  # without allow_errors: raises CellExecutionError, naming the cell
    finally:
        guard = nb.cells.pop(0)
        assert errors(guard) == [], f"the cell that blocks numpy and matplotlib failed: {errors(guard)}"


def stdout(cell: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream" and o.name == "stdout")


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


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_imports_only_what_the_browser_has(path: Path) -> None:
    """No numpy, no matplotlib, no `%matplotlib inline`: the course runs in the browser's
    Python, which has neither, and draws its plots with micrograd.viz.plot."""
    found = [f"{path.name} cell {i}: {m.group(0).strip()}" for i, cell in enumerate(read(path).cells)
             if cell.cell_type == "code" for m in FORBIDDEN.finditer(cell.source)]
    assert found == []


RIGHT = re.compile(r"^right\b", re.M)  # how a check says an exercise is solved


def last_checks(cells: list[nbformat.NotebookNode]) -> list[int]:
    """The index of each exercise's last check cell."""
    return [i for i, c in enumerate(cells) if tags(c) == ["check"] and (i + 1 == len(cells) or tags(cells[i + 1]) != ["check"])]


@pytest.mark.parametrize("path", notebooks(PATHS))
def test_runs_top_to_bottom(path: Path, tmp_path: Path) -> None:
    """As stored, with the solutions and without numpy or matplotlib: every cell runs without
    error (so every assert in it, checks included, holds), every exercise's check ends by
    saying "right", and the plots and graphs the notebook draws come out as SVG."""
    nb = run(read(path), tmp_path)
    assert [o for cell in nb.cells for o in errors(cell)] == []
    kinds = [kind for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs for kind in output.get("data", {})]
    assert "image/svg+xml" in kinds, f"{path.name} showed no plot or graph"
    assert "image/png" not in kinds, f"{path.name} drew a raster image; plots are micrograd.viz.plot's SVG"
    silent = [f"{path.name} cell {i}" for i in last_checks(nb.cells) if not RIGHT.search(stdout(nb.cells[i]))]
    assert silent == [], "these checks passed without saying so: end each with print(\"right: ...\")"


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


# Answers that a check once judged wrongly: (notebook, exercise number, the answer in place of
# the solution, whether the check must accept it).
JUDGED = [
    # -a/(2b) equals -a/b^2 at b = 2 only, the one b the check used to try
    ("00_build_the_engine", 3, 'def divide(a, b):\n    return Value(a.data / b.data, (a, b), (1 / b.data, -a.data / (2 * b.data)), "/")', False),
    # 600.0 steps are 600 steps
    ("07_training_an_mlp", 1, 'my_steps = {"full": 60.0, "sgd": 6000.0, "minibatch": 600.0}', True),
    # 3 |x|^3 / x is 3 x |x| except at 0, where it divides by zero
    ("08_testing_gradients_with_properties", 2,
     'abs3_grad = "3.0 * out / x"\nABS3 = add_row(Op("abs3", "abs(x) ** 3", (abs3_grad,)), replace=True)', False),
]


@pytest.mark.parametrize("name, number, answer, accepted", JUDGED, ids=[f"{n[:2]}-ex{k}" for n, k, _, _ in JUDGED])
def test_a_check_judges_this_answer(name: str, number: int, answer: str, accepted: bool, tmp_path: Path) -> None:
    """The notebook up to exercise `number`'s checks, with `answer` in place of its solution:
    an accepted answer passes every cell, a wrong one fails the check with its hint, and
    only the check."""
    nb = read(NOTEBOOKS / f"{name}.ipynb")
    solutions = [i for i, c in enumerate(nb.cells) if tags(c) == ["solution"]]
    at = solutions[number - 1]
    end = next(i for i in last_checks(nb.cells) if i > at)
    nb.cells = nb.cells[: end + 1]
    nb.cells[at].source = answer
    run(nb, tmp_path, allow_errors=True)
    failed = {i: errors(c)[0] for i, c in enumerate(nb.cells) if c.cell_type == "code" and errors(c)}
    if accepted:
        assert failed == {}, f"{name} exercise {number} rejected {answer!r}: {failed}"
        assert RIGHT.search(stdout(nb.cells[end]))
    else:
        assert list(failed) and all(tags(nb.cells[i]) == ["check"] for i in failed), f"{name}: {failed}"
        first = next(iter(failed.values()))
        assert first.ename == "AssertionError" and first.evalue.strip(), f"{name} exercise {number}: {first.ename}: {first.evalue}"
