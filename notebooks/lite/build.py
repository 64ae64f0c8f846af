"""The course in the browser: a JupyterLite site (JupyterLab with a Python kernel compiled to
WebAssembly, Pyodide) holding the notebooks, that works from a plain static file server with
no network at all.

    python notebooks/build_site.py --lite SITE
    python -m http.server -d SITE            # then open http://localhost:8000/

What goes in (assets.py fetches and caches it, pinned and hash-checked):

- Pyodide (npm ``pyodide``) and Graphviz as WebAssembly (npm ``@viz-js/viz``);
- the kernel's pure-Python wheels from PyPI (wheels.txt), the kernel's own wheels (shipped
  in jupyterlite-pyodide-kernel), and this project's wheel, made here from micrograd/ and nn/;
- a small wheel that hands the kernel viz.js as micrograd.viz.render's docstring asks:
  an IPython extension, loaded when the kernel starts, that sets ``globalThis.micrograd_viz``
  in the kernel's web worker to viz.js's instance (a Promise of it, replaced by the instance
  once ready).

All of them are listed in Pyodide's lock file with their own sha256 (Pyodide checks them
when it loads one); the packages the lock names but the site does not hold are taken out,
so ``import numpy`` is a plain ModuleNotFoundError. The kernel never falls back to PyPI
(``disablePyPIFallback``), and nothing is loaded from a CDN.

The pages get a short script: a browser without WebAssembly is told so, and when the kernel
dies (Pyodide's fatal error, out of memory) the page says what happened and how to restart.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Callable

from . import assets

REPO = assets.REPO
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
KERNEL_EXTENSION = Path("share/jupyter/labextensions/@jupyterlite/pyodide-kernel-extension")
#: the kernel's own wheels, shipped inside jupyterlite-pyodide-kernel
KERNEL_WHEELS = ("piplite", "pyodide_kernel", "ipykernel", "widgetsnbextension-4")
SETUP = "micrograd-browser-kernel"          # the wheel that hands the kernel viz.js
#: loaded with Python itself, so the kernel starts without asking for them one by one
PRELOAD = ["micropip", "piplite", "ipykernel", "comm", "pyodide-kernel", "jedi", "ipython", SETUP]
#: the files of the npm package pyodide that the site serves
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "package.json")
#: a dependency a wheel declares that the browser kernel does without, and why
NOT_NEEDED = {"jupyterlab-widgets": "the widgets' JavaScript, which the site itself serves"}
MARKER = ".course-site"


class BuildError(Exception):
    """Something the person building the site must fix; the message says what."""


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# --------------------------------------------------------------------------- wheels made here

def make_wheel(folder: Path, name: str, version: str, files: dict[str, bytes], requires: list[str] = ()) -> Path:
    """A pure-Python wheel (py3-none-any) of ``files`` (archive path -> bytes), with its
    METADATA, WHEEL and RECORD. Deterministic: the same files give the same bytes."""
    dist = f"{assets.wheel_name(name)}-{version}"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(f"Requires-Dist: {r}\n" for r in requires)
    files = dict(sorted(files.items()))
    files[f"{dist}.dist-info/METADATA"] = metadata.encode()
    files[f"{dist}.dist-info/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: micrograd notebooks/lite/build.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        writer.writerow([path, f"sha256={digest}", len(data)])
    writer.writerow([f"{dist}.dist-info/RECORD", "", ""])
    files[f"{dist}.dist-info/RECORD"] = record.getvalue().encode()
    target = folder / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return target


def project_wheel(folder: Path) -> Path:
    """This checkout's micrograd and nn packages as a wheel (what ``pip install .`` installs)."""
    found = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", (REPO / "micrograd" / "__init__.py").read_text(encoding="utf-8"), re.M)
    if found is None:
        raise BuildError("micrograd/__init__.py sets no __version__")
    version = found.group(1)
    files = {}
    for package in ("micrograd", "nn"):
        for path in sorted((REPO / package).rglob("*")):
            relative = path.relative_to(REPO)
            if path.is_file() and "__pycache__" not in relative.parts and path.suffix != ".pyc":
                files[relative.as_posix()] = path.read_bytes()
    # The browser's micrograd comes with what the course uses through it (the live extra's
    # ipywidgets and tqdm): Pyodide loads a package's dependencies with it, and would not see
    # the imports micrograd and nn make inside their functions.
    return make_wheel(folder, "micrograd-backprop", version, files, requires=["graphviz>=0.20", "ipywidgets>=8", "tqdm>=4.60"])


# The IPython extension the kernel loads when it starts (ipython_config.py, installed by the
# wheel into sys.prefix/etc/ipython, where IPython reads it). The URL of viz.js is found from
# the worker's own address: the site's root is what comes before /extensions/.
SETUP_MODULE = '''"""Hands micrograd Graphviz as WebAssembly in the browser kernel (built by notebooks/lite/build.py)."""

VIZ = "static/viz/viz.js"   # relative to the site's root

JS = """
(() => {
  const here = self.location.href;
  const root = here.includes("/extensions/") ? here.slice(0, here.indexOf("/extensions/") + 1) : new URL("./", here).href;
  const pending = import(new URL(%r, root).href).then((viz) => viz.instance());
  pending.then((instance) => { globalThis.micrograd_viz = instance; }, (error) => console.error("viz.js:", error));
  globalThis.micrograd_viz = pending;
})();
"""


def load_ipython_extension(ip):
    from pyodide.code import run_js

    run_js(JS % VIZ)
'''

SETUP_CONFIG = 'c.InteractiveShellApp.extensions = ["micrograd_browser_kernel"]\n'


def setup_wheel(folder: Path) -> Path:
    dist = f"{assets.wheel_name(SETUP)}-1.0"
    return make_wheel(folder, SETUP, "1.0", {
        "micrograd_browser_kernel.py": SETUP_MODULE.encode(),
        f"{dist}.data/data/etc/ipython/ipython_config.py": SETUP_CONFIG.encode(),
    })


# --------------------------------------------------------------------------- the lock file

def wheel_requires(wheel: Path) -> list[str]:
    """The names a wheel depends on, in the browser kernel (Python ``assets.PYTHON``, emscripten)."""
    from packaging.requirements import Requirement

    with zipfile.ZipFile(wheel) as archive:
        meta = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        text = archive.read(meta).decode("utf-8")
    env = {"python_version": ".".join(assets.PYTHON.split(".")[:2]), "python_full_version": assets.PYTHON, "sys_platform": "emscripten",
           "platform_system": "Emscripten", "os_name": "posix", "platform_machine": "wasm32",
           "implementation_name": "cpython", "platform_python_implementation": "CPython", "extra": ""}
    names = []
    for line in text.splitlines():
        if line.startswith("Requires-Dist:"):
            req = Requirement(line.split(":", 1)[1].strip())
            if req.marker is None or req.marker.evaluate(env):
                names.append(canonical(req.name))
    return names


def wheel_imports(wheel: Path) -> list[str]:
    """The top-level modules a wheel installs."""
    with zipfile.ZipFile(wheel) as archive:
        tops = set()
        for name in archive.namelist():
            first = name.split("/")[0]
            if first.endswith((".dist-info", ".data")):
                continue
            tops.add(first[:-3] if "/" not in name and first.endswith(".py") else first)
    return sorted(t for t in tops if t.isidentifier())


def write_lock(pyodide_dir: Path, wheels: list[Path]) -> dict:
    """Rewrite ``pyodide_dir/pyodide-lock.json``: every wheel of ``wheels`` (all in
    ``pyodide_dir``) listed with its own sha256, and only what the folder holds."""
    lock_path = pyodide_dir / "pyodide-lock.json"
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    if lock["info"]["python"] != assets.PYTHON:
        raise BuildError(f"the pinned Pyodide runs Python {lock['info']['python']}, and assets.PYTHON says {assets.PYTHON}: set it to that")
    known = {canonical(k): v for k, v in lock["packages"].items()}
    packages = {}
    for wheel in wheels:
        dist, version = wheel.name.split("-")[:2]
        name = canonical(dist)
        entry = dict(known.get(name) or {})
        if entry and entry.get("version") != version:
            raise BuildError(f"{wheel.name}: pyodide-lock.json names {name} {entry.get('version')}, not {version}")
        if not entry:
            entry = {"name": name, "version": version, "imports": wheel_imports(wheel),
                     "depends": wheel_requires(wheel), "package_type": "package", "install_dir": "site",
                     "unvendored_tests": False, "shared_library": False}
        entry.update(file_name=wheel.name, sha256=assets.sha256(wheel))
        packages[name] = entry
    for name, entry in packages.items():
        depends = [canonical(d) for d in entry.get("depends", []) if canonical(d) not in NOT_NEEDED]
        absent = [d for d in depends if d not in packages]
        if absent:
            raise BuildError(f"{entry['file_name']} needs {', '.join(absent)}, which the browser kernel does not hold")
        entry["depends"] = depends
    lock["packages"] = dict(sorted(packages.items()))
    lock_path.write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return lock


# --------------------------------------------------------------------------- the pages' guard

# On every page of the site: no WebAssembly, or a kernel that dies, is said on the page
# itself, in words, with what to do.
GUARD = """<script>
(function () {
  function banner(id, html) {
    function show() {
      if (document.getElementById(id)) return;
      var box = document.createElement("div");
      box.id = id;
      box.setAttribute("role", "alert");
      // at the bottom, over the status bar: the menus the message points to stay usable
      box.style.cssText = "position:fixed;left:0;right:0;bottom:0;z-index:100000;padding:1em 3em 1em 1.5em;" +
        "background:#fff3cd;color:#3d2c00;border-top:2px solid #b58100;font:16px/1.5 system-ui,sans-serif";
      box.innerHTML = html + ' <button type="button" aria-label="Close this message" style="position:absolute;' +
        'right:0.8em;top:0.6em;font-size:1.2em;background:none;border:none;cursor:pointer;color:inherit">&times;</button>';
      box.querySelector("button").addEventListener("click", function () { box.remove(); });
      document.body.appendChild(box);
    }
    if (document.body) show(); else document.addEventListener("DOMContentLoaded", show);
  }
  if (typeof WebAssembly !== "object" || typeof WebAssembly.instantiate !== "function") {
    banner("course-no-wasm", "<strong>This browser cannot run the course's Python.</strong> " +
      "The notebooks run Python compiled to WebAssembly, and WebAssembly is missing or turned off here. " +
      "Use a current Firefox, Chrome, Edge or Safari with WebAssembly enabled, or read the course " +
      "without running it: <code>python notebooks/build_site.py site/</code>.");
    window.courseNoWasm = true;
    return;
  }
  // what the kernel's worker reports when Pyodide dies (its fatal-error handler), nothing a cell prints
  var FATAL = /Pyodide has suffered a fatal error|Pyodide has exited and can no longer be used/;
  function died(text) {
    window.courseKernelDied = text;
    var cause = /cause of the (?:fatal )?error was:\\s*([^\\n]+)(?:\\n([^\\n]+))?/.exec(String(text));
    var why = cause ? cause[1] + (cause[2] && !/^\\s*at /.test(cause[2]) ? ": " + cause[2] : "") : String(text).split("\\n")[0];
    banner("course-kernel-died", "<strong>The Python kernel stopped.</strong> " +
      "It ran out of memory or hit a fatal error (" + why.replace(/[<&]/g, "").slice(0, 160) + "). " +
      "Your notebook is still here, but its variables are gone. Restart the kernel " +
      "(menu <em>Kernel &rarr; Restart Kernel</em>), then run the cells again from the top " +
      "(<em>Run &rarr; Run All Cells</em>). If it happens again, run fewer or smaller cells, or reload the page.");
  }
  function scan(value, depth) {
    if (depth > 6 || value == null) return null;
    if (typeof value === "string") return FATAL.test(value) ? value : null;
    if (typeof value !== "object") return null;
    for (var key in value) {
      var found = scan(value[key], depth + 1);
      if (found) return found;
    }
    return null;
  }
  var Native = window.Worker;
  if (!Native) return;
  window.Worker = function (url, options) {
    var worker = new Native(url, options);
    var shown = document.getElementById("course-kernel-died");   // a new kernel (a restart): the message is old news
    if (shown) shown.remove();
    window.courseKernelDied = null;
    worker.addEventListener("message", function (event) {
      var found = scan(event.data, 0);
      if (found) died(found);
    });
    worker.addEventListener("error", function (event) { died(event.message || "the kernel's worker failed"); });
    return worker;
  };
  window.Worker.prototype = Native.prototype;
})();
</script>"""


def guard_pages(output: Path) -> list[Path]:
    """Put GUARD first in the <head> of every HTML page of the built site."""
    pages = []
    for page in sorted(output.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        if "<head>" in text and "course-no-wasm" not in text:
            page.write_text(text.replace("<head>", "<head>\n" + GUARD, 1), encoding="utf-8")
            pages.append(page)
    return pages


# --------------------------------------------------------------------------- the build

def check_requirements() -> None:
    missing = []
    for module in ("jupyterlite_core", "jupyterlite_pyodide_kernel", "jupyter_server", "packaging"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module.replace("_", "-"))
    if missing:
        raise BuildError(
            f"missing Python packages: {', '.join(missing)}; install them with: python -m pip install -e \".[lite]\""
        )


def kernel_wheels() -> list[Path]:
    folder = Path(sys.prefix) / KERNEL_EXTENSION / "static" / "pypi"
    found = []
    for start in KERNEL_WHEELS:
        matches = sorted(folder.glob(f"{start}*.whl"))
        if not matches:
            raise BuildError(f"no {start} wheel in {folder}; reinstall jupyterlite-pyodide-kernel (pip install -e \".[lite]\")")
        found.append(matches[-1])
    return found


def contents(folder: Path, notebooks: list[Path]) -> Path:
    """What the file browser shows: the notebooks with their README, and docs/theory.md,
    where the notebooks' links expect them."""
    (folder / "notebooks").mkdir(parents=True)
    (folder / "docs").mkdir()
    for path in notebooks + [REPO / "notebooks" / "README.md"]:
        shutil.copyfile(path, folder / "notebooks" / path.name)
    shutil.copyfile(REPO / "docs" / "theory.md", folder / "docs" / "theory.md")
    return folder


def lite_config() -> dict:
    return {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "Backpropagation, one scalar at a time",
            "defaultKernelName": "python",
            "exposeAppInBrowser": True,      # window.jupyterapp: what the tests read the notebooks' outputs from
            "litePluginSettings": {
                KERNEL_PLUGIN: {
                    "disablePyPIFallback": True,
                    "pipliteUrls": [],
                    "loadPyodideOptions": {"packages": PRELOAD},
                },
            },
        },
    }


def build(outdir: Path, notebooks: list[Path], swap: Callable[[Path, Path], None], cache: Path | None = None,
          log: Callable[[str], None] = print) -> dict:
    """Build the browser course into ``outdir`` (replaced whole by ``swap``, never half-written,
    as the HTML site is). Returns sizes for the report. Raises BuildError, or assets.FetchError."""
    check_requirements()
    npm = assets.npm_assets(cache)
    pypi = assets.pypi_wheels(cache)
    log(f"assets: {npm} and {len(pypi)} wheels from the cache")
    with tempfile.TemporaryDirectory(prefix="course-lite-") as work:
        work = Path(work)
        lite_dir = work / "lite"
        pyodide_dir = lite_dir / "static" / "pyodide"
        pyodide_dir.mkdir(parents=True)
        for name in PYODIDE_FILES + ("pyodide-lock.json",):
            shutil.copyfile(npm / "pyodide" / name, pyodide_dir / name)
        wheels = [Path(shutil.copyfile(w, pyodide_dir / w.name)) for w in pypi + kernel_wheels()]
        wheels += [project_wheel(pyodide_dir), setup_wheel(pyodide_dir)]
        lock = write_lock(pyodide_dir, wheels)
        for name in PRELOAD:
            if canonical(name) not in lock["packages"]:
                raise BuildError(f"the kernel preloads {name}, which the lock file does not list")
        (lite_dir / "jupyter-lite.json").write_text(json.dumps(lite_config(), indent=2) + "\n", encoding="utf-8")
        source = contents(work / "contents", notebooks)
        output = work / "site"
        command = [
            sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", str(lite_dir), "--output-dir", str(output),
            "--contents", str(source), "--apps", "lab", "--no-sourcemaps", "--no-libarchive",
        ]
        env = dict(os.environ)
        env.pop("JUPYTERLITE_PYODIDE_URL", None)
        result = subprocess.run(command, cwd=work, capture_output=True, text=True, env=env)
        if result.returncode != 0 or not (output / "static" / "pyodide" / "pyodide.mjs").is_file():
            lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
            reason = next((line for line in reversed(lines) if "Error" in line or "error" in line), lines[-1] if lines else "no output")
            raise BuildError(f"jupyter lite build failed: {reason.strip()}")
        viz = output / "static" / "viz"
        viz.mkdir(parents=True)
        shutil.copyfile(npm / "@viz-js" / "viz" / "dist" / "viz.js", viz / "viz.js")
        shutil.copyfile(npm / "@viz-js" / "viz" / "package.json", viz / "package.json")
        if (output / "lab" / "favicon.ico").is_file() and not (output / "favicon.ico").exists():
            shutil.copyfile(output / "lab" / "favicon.ico", output / "favicon.ico")   # what browsers ask the root for
        guarded = guard_pages(output)
        for junk in (".jupyterlite.doit.db",):
            (output / junk).unlink(missing_ok=True)
        (output / MARKER).write_text("built by notebooks/build_site.py --lite; rebuilding replaces this directory\n", encoding="utf-8")
        size = sum(p.stat().st_size for p in output.rglob("*") if p.is_file())
        replace(output, outdir, swap)
    log(f"{len(notebooks)} notebooks, {len(wheels)} wheels, {len(guarded)} pages; {size / 1e6:.1f} MB")
    return {"bytes": size, "wheels": len(wheels), "notebooks": len(notebooks)}


def replace(new: Path, outdir: Path, swap: Callable[[Path, Path], None]) -> None:
    """Move the finished site to ``outdir`` (from a temporary folder that may be on another
    file system): copied beside it first, then put in place by ``swap`` (build_site.py's
    replace_dir: one rename, the old site removed last)."""
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = outdir.parent / f".{outdir.name}.partial-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        shutil.copytree(new, staging)
        swap(staging, outdir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
