"""The notebook course: nine numbered notebooks, stored clean, each run headless in a real
Jupyter kernel, where every cell's own asserts check its numbers.

Stored clean means no outputs and no execution counts: diffs stay small, and a number a
notebook shows always comes from running it, here or on the learner's machine.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
CELL_TIMEOUT = 120  # seconds for any one cell; a stuck kernel fails instead of hanging


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=nbformat.NO_CONVERT)


def test_the_course_is_nine_numbered_steps() -> None:
    assert [p.name[:2] for p in PATHS] == [f"{n:02d}" for n in range(1, 10)]
    for path in PATHS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name


def test_the_readme_lists_every_notebook_in_order() -> None:
    readme = (NOTEBOOKS / "README.md").read_text(encoding="utf-8")
    positions = [readme.find(p.name) for p in PATHS]
    assert -1 not in positions, [p.name for p, at in zip(PATHS, positions) if at == -1]
    assert positions == sorted(positions)


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
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


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_runs_top_to_bottom(path: Path, tmp_path: Path) -> None:
    """Every cell runs without error (so every assert in it holds), and the plots and
    graphs the notebook draws come out as images. The kernel works in a temporary
    directory, so whatever a run leaves behind (hypothesis's cache) stays out of the tree."""
    nb = read(path)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    images = [
        kind
        for cell in nb.cells if cell.cell_type == "code"
        for output in cell.outputs
        for kind in output.get("data", {})
        if kind in ("image/png", "image/svg+xml")
    ]
    assert images, f"{path.name} showed no plot or graph"
    errors = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs if o.output_type == "error"]
    assert errors == []
