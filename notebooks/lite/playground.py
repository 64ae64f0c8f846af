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
and ``wheels/``: micrograd's own wheel, built from this working tree, and its one
dependency, graphviz (pure Python; pinned below with its hash). The page installs both
with ``pyodide.loadPackage``, and draws with micrograd's DOT: ``micrograd.viz.render``'s
renderer hook sends it to Graphviz as WebAssembly. Browsers load WebAssembly only over
HTTP(S): serve the folder (``python -m http.server``), a ``file://`` page says so.
"""

from __future__ import annotations

import html
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Sequence

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
#: The files of Pyodide's core that a page needs (the npm package also holds type
#: definitions, source maps, an ES-module loader and a console page, which it does not).
PYODIDE_FILES = ("pyodide.js", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
VIZ_FILE = "viz-global.js"  # Graphviz as WebAssembly, embedded: a classic script that sets self.Viz
#: micrograd's one dependency, as a wheel for the page: name, version, sha256 of the wheel.
GRAPHVIZ_WHEEL = ("graphviz", "0.21", "54f33de9f4f911d7e84e4191749cac8cc5653f815b06738c54db9a15ab8b1e42")
#: What goes into micrograd's wheel: the files setup.cfg and pyproject.toml build it from.
PROJECT_FILES = ("pyproject.toml", "setup.cfg", "README.md", "LICENSE", "micrograd", "nn")
EXAMPLE = ("tanh(x*w + b)", "x=0.5 w=-1.2 b=0.3")  # what the page shows first: the command's own example


class PlaygroundError(Exception):
    """Something the person building the page must fix; the message says what, in one line."""


def _assets():
    """notebooks/lite/assets.py (the pinned npm packages), loaded from its file."""
    spec = importlib.util.spec_from_file_location("lite_assets", HERE / "assets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def npm_modules(cache: str | os.PathLike | None = None) -> Path:
    """The node_modules folder with the pinned Pyodide and @viz-js/viz (``npm ci`` into the cache on first use)."""
    assets = _assets()
    try:
        return assets.npm_assets(cache)
    except assets.FetchError as e:
        raise PlaygroundError(str(e)) from None


def project_wheel(dest: Path, source: Path = REPO) -> Path:
    """micrograd's wheel, built with pip from the working tree ``source`` (a clean copy of
    the files it is made from, so nothing old in a build/ folder gets in), into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="micrograd-wheel-") as work:
        tree = Path(work) / "src"
        tree.mkdir()
        for name in PROJECT_FILES:
            path = source / name
            if path.is_dir():
                shutil.copytree(path, tree / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copy2(path, tree / name)
        before = set(dest.glob("*.whl"))
        result = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check", "-w", str(dest), str(tree)],
            capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise PlaygroundError(f"pip could not build micrograd's wheel: {_last_line(result.stderr)}")
    made = [p for p in dest.glob("micrograd_backprop-*.whl") if p not in before]
    if len(made) != 1:
        raise PlaygroundError(f"pip built {len(made)} micrograd wheels in {dest}, expected one")
    return made[0]


def graphviz_wheel(cache: str | os.PathLike | None = None) -> Path:
    """The pinned graphviz wheel (``GRAPHVIZ_WHEEL``), from the cache, or fetched by pip
    into it, its hash checked by pip (``--require-hashes``)."""
    name, version, sha256 = GRAPHVIZ_WHEEL
    folder = _assets().cache_dir(cache) / "wheels"
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    if wheel.is_file():
        return wheel
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="playground-wheel-", dir=folder) as work:
        pins = Path(work) / "requirements.txt"
        pins.write_text(f"{name}=={version} --hash=sha256:{sha256}\n", encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--require-hashes", "--quiet",
             "--disable-pip-version-check", "-d", work, "-r", str(pins)],
            capture_output=True, text=True,
        )
        got = Path(work) / wheel.name
        if result.returncode != 0 or not got.is_file():
            raise PlaygroundError(f"could not fetch {name}=={version} with pip: {_last_line(result.stderr) or 'no wheel came'}")
        got.rename(wheel)
    return wheel


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("WARNING: Location")]
    return lines[-1] if lines else ""


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
    """Everything the page needs, fetched or built (the npm packages and the graphviz wheel
    cached), written into ``outdir`` (new or empty) by ``write_playground``."""
    modules = npm_modules(cache)
    with tempfile.TemporaryDirectory(prefix="playground-wheels-") as work:
        wheels = [project_wheel(Path(work)), graphviz_wheel(cache)]
        return write_playground(outdir, modules, wheels)


def folder_size(folder: Path) -> int:
    """Bytes in every file under ``folder``."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())
