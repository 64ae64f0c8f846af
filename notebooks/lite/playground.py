"""The playground: one static page on which the reader types an expression (the language of
``micrograd grad "EXPR" x=1 ...``) with its inputs and sees its value and gradients, its
graph, ``backward()`` step by step (the step-through viewer of ``micrograd.viz``) and the
program ``micrograd.compile`` writes for it. Python runs in the page (Pyodide, Python
compiled to WebAssembly) and Graphviz too (@viz-js/viz); everything is served from the
page's own folder, and nothing is fetched from anywhere else.

    python notebooks/build_site.py --playground OUTDIR      # the page alone
    python notebooks/build_site.py SITE --with-playground   # the course, with SITE/playground/

The folder: ``index.html`` and ``playground.js`` (beside this file: ``playground.html``,
``playground.js``), ``pyodide/`` (the files Pyodide's core loads), ``viz/viz-global.js``,
and ``wheels/``: micrograd's own wheel, made from this working tree as the browser course
makes it (``build.project_wheel``), and its one dependency, graphviz (pure Python, pinned
with its hash in wheels.txt). The page installs both with ``pyodide.loadPackage``, hands
Python viz.js's instance as ``globalThis.micrograd_viz`` (the contract in
``micrograd.viz.render``), and micrograd's DOT is drawn by it. Browsers load WebAssembly
only over HTTP(S): serve the folder (``python -m http.server``); a ``file://`` page says so.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Sequence

from . import assets, build

HERE = Path(__file__).resolve().parent
#: The files of Pyodide's core that a page needs (the npm package also holds type
#: definitions, source maps, an ES-module loader and a console page, which it does not).
PYODIDE_FILES = ("pyodide.js", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
VIZ_FILE = "viz-global.js"  # Graphviz as WebAssembly, embedded: a classic script that sets self.Viz
DEPENDENCIES = ("graphviz",)  # what micrograd's wheel needs besides itself, pinned in wheels.txt
EXAMPLE = ("tanh(x*w + b)", "x=0.5 w=-1.2 b=0.3")  # what the page shows first: the command's own example


class PlaygroundError(Exception):
    """Something the person building the page must fix; the message says what, in one line."""


def npm_modules(cache: str | os.PathLike | None = None) -> Path:
    """The node_modules folder with the pinned Pyodide and @viz-js/viz (``npm ci`` into the cache on first use)."""
    try:
        return assets.npm_assets(cache)
    except assets.FetchError as e:
        raise PlaygroundError(str(e)) from None


def dependency_wheels(cache: str | os.PathLike | None = None) -> list[Path]:
    """The wheels of ``DEPENDENCIES``, as wheels.txt pins them (fetched with the browser
    course's other pinned wheels into the cache on first use, their sha256 checked)."""
    try:
        wheels = assets.pypi_wheels(cache)
    except assets.FetchError as e:
        raise PlaygroundError(str(e)) from None
    chosen = [w for w in wheels if w.name.split("-")[0].lower() in {assets.wheel_name(d) for d in DEPENDENCIES}]
    if len(chosen) != len(DEPENDENCIES):
        raise PlaygroundError(f"wheels.txt pins no wheel of {', '.join(DEPENDENCIES)}, which micrograd needs")
    return chosen


def write_playground(outdir: Path, modules: Path, wheels: Sequence[Path]) -> Path:
    """Write the page into ``outdir`` (new or empty): ``index.html``, its script, the
    Pyodide and viz.js files it loads from ``modules`` (a node_modules folder), and
    ``wheels`` (micrograd's first). Returns the page's path."""
    from micrograd.expr import functions
    from micrograd.viz.page import theme_css

    outdir = Path(outdir)
    if outdir.exists() and (not outdir.is_dir() or any(outdir.iterdir())):
        raise PlaygroundError(f"write_playground: {outdir} must be a new or empty directory")
    pyodide, viz = modules / "pyodide", modules / "@viz-js" / "viz"
    for path in [*(pyodide / f for f in PYODIDE_FILES), viz / "dist" / VIZ_FILE, *wheels]:
        if not path.is_file():
            raise PlaygroundError(f"write_playground: {path} is missing; fetch the assets again (npm_modules) or build the wheels")
    (outdir / "pyodide").mkdir(parents=True)
    for name in PYODIDE_FILES:
        shutil.copyfile(pyodide / name, outdir / "pyodide" / name)
    (outdir / "viz").mkdir()
    shutil.copyfile(viz / "dist" / VIZ_FILE, outdir / "viz" / VIZ_FILE)
    (outdir / "wheels").mkdir()
    for wheel in wheels:
        shutil.copyfile(wheel, outdir / "wheels" / wheel.name)
    versions = {name: json.loads((folder / "package.json").read_text(encoding="utf-8"))["version"] for name, folder in
                (("pyodide", pyodide), ("viz", viz))}
    config = {
        "pyodide": "pyodide/", "viz": f"viz/{VIZ_FILE}", "wheels": [f"wheels/{w.name}" for w in wheels],
        "example": list(EXAMPLE), "versions": versions, "megabytes": round(folder_size(outdir) / 1e6),  # what loading fetches
    }
    from micrograd.viz.page import script_json

    page = (HERE / "playground.html").read_text(encoding="utf-8")
    filled = {
        "@THEME@": theme_css("body"),
        "@FUNCTIONS@": html.escape(", ".join(functions().values())),
        "@EXPRESSION@": html.escape(EXAMPLE[0], quote=True),
        "@INPUTS@": html.escape(EXAMPLE[1], quote=True),
        "@PYODIDE_VERSION@": html.escape(versions["pyodide"]),
        "@VIZ_VERSION@": html.escape(versions["viz"]),
        "@CONFIG@": script_json(config),
    }
    for token, text in filled.items():
        if token not in page:
            raise PlaygroundError(f"playground.html has no {token}")
        page = page.replace(token, text)
    (outdir / "index.html").write_text(page, encoding="utf-8")
    shutil.copyfile(HERE / "playground.js", outdir / "playground.js")
    return outdir / "index.html"


def build_into(outdir: Path, cache: str | os.PathLike | None = None) -> Path:
    """Everything the page needs, fetched or made (the npm packages and the pinned wheels
    cached, micrograd's wheel made from this tree), written into ``outdir`` (new or empty)
    by ``write_playground``."""
    modules = npm_modules(cache)
    with tempfile.TemporaryDirectory(prefix="playground-wheels-") as work:
        wheels = [build.project_wheel(Path(work)), *dependency_wheels(cache)]
        return write_playground(outdir, modules, wheels)


def folder_size(folder: Path) -> int:
    """Bytes in every file under ``folder``."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())
