"""The course in the browser: ``python notebooks/build_site.py --lite SITE`` (JupyterLite,
Python as WebAssembly), tested where it runs.

The site is built once per test run (with the repository's download cache, ``.lite-cache/``),
served on 127.0.0.1 and opened in one headless Chromium for which every other host does not
exist (``--host-resolver-rules``), with its network requests recorded (the performance log).
In the real JupyterLab of the site every notebook is opened, run with the Run menu's *Run All
Cells* and watched until its kernel is idle: no cell may show an error or a traceback, every
exercise's check must print its "right" line (the notebooks are stored with their solutions),
graph pictures (SVG, rendered by Graphviz as WebAssembly in the kernel) and plots must be in
the outputs, and widgets must be drawn. Then the browser must not have asked any other host
for anything. A Chromium without WebAssembly (``--js-flags=--jitless``) must see a page that says so; a kernel that dies
(a fatal error in Pyodide: ``os.abort()``, what running out of wasm memory ends in; allocating
too much is only a MemoryError, which the kernel survives) must leave a message saying what
happened and how to restart, and the restart it names must work. A build that can reach
neither registry, with nothing cached, must fail in one line naming what it could not fetch
and leave SITE as it was.

The README's picture of the course in the browser is taken here, once notebook 01 has run: to
$LITE_SCREENSHOT, else into the test's temporary folder:
    LITE_SCREENSHOT=docs/images/course-in-the-browser.png python -m pytest tests/course/test_lite.py -n0 -k every_notebook

Times are printed (run with ``-s``): the build, the kernel's first start, each notebook's
Run All. Nothing is asserted on them; the time limits only stop a hang.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import nbformat
import pytest

import browser as chromium
import needs
from repository import ROOT, browser_course
from test_notebooks import RIGHT
from test_notebooks import last_checks as exercise_checks

GROUP = pytest.mark.xdist_group("lite-browser")   # one pytest-xdist worker: one build, one site, one browser
pytestmark = [pytest.mark.notebooks, GROUP]

BUILD_SITE = ROOT / "notebooks" / "build_site.py"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MAX_MB = 45
HANG_S = 300            # only stops a hang: a kernel start or a notebook's Run All, on a busy 2-core machine
LOCAL = "127.0.0.1"


# --------------------------------------------------------------------------- the site, served

def lite_requirements() -> None:
    needs.module("jupyterlite_core", "the browser course's build", "-e '.[lite]'")
    needs.module("jupyterlite_pyodide_kernel", "the browser course's build", "-e '.[lite]'")
    needs.program("npm", "install Node.js and npm (apt-get install nodejs npm)")


@pytest.fixture(scope="session")
def lite_site(tmp_path_factory) -> Path:
    """The browser course, built once per session by the one command the README gives."""
    lite_requirements()
    site = tmp_path_factory.mktemp("lite") / "site"
    started = time.perf_counter()
    result = subprocess.run([sys.executable, str(BUILD_SITE), "--lite", str(site)], capture_output=True, text=True)
    assert result.returncode == 0, f"the build failed:\n{result.stdout}\n{result.stderr}"
    print(f"\nbrowser course built in {time.perf_counter() - started:.1f} s: {result.stdout.strip().splitlines()[-1]}")
    return site


@dataclasses.dataclass
class Served:
    """The site served on 127.0.0.1 (tests/browser.py's serve): its URL, and every request's path and status."""

    url: str
    requests: list[tuple[str, int]]


@pytest.fixture(scope="session")
def served(lite_site):
    requests: list[tuple[str, int]] = []
    with chromium.serve(lite_site, requests) as url:
        yield Served(url, requests)


requested_urls = chromium.requested_urls


def foreign(urls: list[str]) -> list[str]:
    """The URLs that go over the network to a host other than 127.0.0.1."""
    out = []
    for url in urls:
        m = re.match(r"^(https?|wss?|ftp)://([^/:]+)", url)
        if m and m.group(2) != LOCAL:
            out.append(url)
        elif not m and not url.startswith(("data:", "blob:", "chrome:", "chrome-extension:", "about:")):
            out.append(url)
    return out


# --------------------------------------------------------------------------- JupyterLab, driven

PANEL = """const app = window.jupyterapp;
const w = app && app.shell && app.shell.currentWidget;
const panel = w && w.context && w.context.path === arguments[0] && w.sessionContext ? w : null;
const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
"""
KERNEL_IDLE = PANEL + "return !!(kernel && kernel.status === 'idle' && kernel.connectionStatus === 'connected' && panel.content.widgets.length);"
# Run All is over when the kernel is idle and no cell is queued or running ("[*]"); after an
# error the rest of the queue is dropped, and those cells keep no number
PENDING = PANEL + """if (!kernel || kernel.status !== 'idle') return -1;
return panel.content.widgets.filter(c => c.model.type === 'code' && c.promptNode && c.promptNode.textContent.includes('*')).length;"""
CELLS = PANEL + """return panel.content.widgets.map((c, i) => {
  if (c.model.type !== 'code') return null;
  const outputs = c.model.outputs.toJSON();
  const area = c.node.querySelector('.jp-OutputArea');
  const text = (name) => outputs.filter(o => o.output_type === 'stream' && o.name === name).map(o => Array.isArray(o.text) ? o.text.join('') : o.text).join('');
  return {
    index: i,
    count: c.model.executionCount,
    errors: outputs.filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue),
    stdout: text('stdout'),
    stderr: text('stderr'),
    widgets: outputs.filter(o => o.data && o.data['application/vnd.jupyter.widget-view+json']).length,
    drawnWidgets: area ? area.querySelectorAll('.jupyter-widgets:not(.jp-OutputArea-output)').length + area.querySelectorAll('.widget-box, .widget-inline-hbox, .widget-html, .widget-label, .jupyter-button').length : 0,
    widgetErrors: area && /Error displaying widget|Error rendering/.test(area.textContent),
    svg: area ? area.querySelectorAll('svg').length : 0,
    graphs: area ? area.querySelectorAll('img[src^="data:image/svg+xml"]').length : 0,
    shown: area ? area.textContent.slice(0, 20000) : '',
  };
}).filter(c => c);"""
CLEAN = "const app = window.jupyterapp; if (app) for (const w of app.shell.widgets('main')) if (w.context) w.context.model.dirty = false;"
INSERT = PANEL + """panel.content.model.sharedModel.insertCell(0, {cell_type: 'code', source: arguments[1]});
panel.content.activeCellIndex = 0;"""
PROMPT = PANEL + "return panel.content.widgets[arguments[1]].model.executionCount;"


def wait(driver: Any, holds: Callable[[], Any], what: str, timeout: float = HANG_S) -> Any:
    """Poll until ``holds()`` is true; fail naming ``what`` (with a screenshot) after ``timeout``,
    which only stops a hang."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = holds()
        except Exception:      # the page is still loading
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            picture = Path(tempfile.gettempdir()) / f"lite-{int(time.time())}.png"
            driver.save_screenshot(str(picture))
            raise AssertionError(f"no {what} after {timeout:.0f} s; screenshot {picture}")
        time.sleep(0.2)


CLOSE_ALL = """const done = arguments[arguments.length - 1];
const app = window.jupyterapp;
if (!app) { done(0); return; }
const panels = Array.from(app.shell.widgets('main'));
Promise.all(panels.map(async (w) => {
  if (w.context) w.context.model.dirty = false;              // close without saving, and without asking
  if (w.sessionContext) await w.sessionContext.shutdown();  // its kernel too
  w.close();
})).then(() => done(true), (e) => done(String(e)));"""
OPEN_DOCUMENTS = "return window.jupyterapp ? Array.from(window.jupyterapp.shell.widgets('main')).filter(w => w.context).length : 0;"


def leave(driver: Any) -> None:
    """Close every tab and shut its kernel down, without saving (no "leave this page?" question),
    so that nothing runs on and the next page load restores no tab."""
    assert driver.execute_async_script(CLOSE_ALL) is True
    wait(driver, lambda: driver.execute_script(OPEN_DOCUMENTS) == 0, "no open document after closing every tab", 60)
    time.sleep(1)                    # the layout, now empty, is saved for the next load


def open_file(driver: Any, name: str) -> None:
    """Double-click ``name`` in the file browser (the folder it shows), as a reader opens a notebook."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    def item() -> Any:
        found = [e for e in driver.find_elements(By.CSS_SELECTOR, ".jp-DirListing-item .jp-DirListing-itemText")
                 if e.get_attribute("textContent").strip() == name]
        return found[0] if found else None

    ActionChains(driver).double_click(wait(driver, item, f"{name} in the file browser", 60)).perform()


def open_notebook(driver: Any, server: Served, path: str, load: bool = True) -> float:
    """Open ``path`` in the site's JupyterLab: by its address (``load``), or by a double click
    in the file browser; wait for its idle kernel; return the seconds it took."""
    started = time.perf_counter()
    if load:
        driver.get(f"{server.url}lab/index.html?path={path}")
    else:
        open_file(driver, path.rsplit("/", 1)[-1])
    wait(driver, lambda: driver.execute_script(KERNEL_IDLE, path), f"idle kernel for {path}")
    return time.perf_counter() - started


def menu(driver: Any, menu_name: str, label: str) -> None:
    """Click the menu bar's ``menu_name``, then its item ``label`` (a real click each)."""
    from selenium.webdriver.common.by import By

    bar = [item for item in driver.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-item") if item.text.strip() == menu_name]
    assert bar, f"no {menu_name!r} menu in the menu bar"
    bar[0].click()

    def item() -> Any:
        found = [e for e in driver.find_elements(By.CSS_SELECTOR, ".lm-Menu-content > .lm-Menu-item .lm-Menu-itemLabel")
                 if e.text.strip() == label and e.is_displayed()]
        return found[0] if found else None

    wait(driver, item, f"{label!r} in the {menu_name} menu", 30).click()


def run_all(driver: Any, path: str) -> float:
    """Run All Cells from the Run menu; wait until every code cell has run and the kernel is idle."""
    started = time.perf_counter()
    menu(driver, "Run", "Run All Cells")
    settled = []                     # idle with nothing queued twice in a row, 0.2 s apart

    def over() -> bool:
        settled.append(driver.execute_script(PENDING, path) == 0)
        return settled[-2:] == [True, True]

    wait(driver, over, f"finished Run All of {path}")
    return time.perf_counter() - started


# --------------------------------------------------------------------------- the build

def test_the_site_holds_everything_it_loads(lite_site: Path) -> None:
    """Offline by construction: the kernel's settings name only files of the site, never PyPI;
    every package the lock lists is in the site with the sha256 the lock gives (Pyodide checks
    it); no source maps; at most 45 MB."""
    config = json.loads((lite_site / "jupyter-lite.json").read_text(encoding="utf-8"))["jupyter-config-data"]
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["disablePyPIFallback"] is True
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.mjs"
    assert not re.search(r"https?://", json.dumps(kernel)), kernel
    pyodide = lite_site / "static" / "pyodide"
    lock = json.loads((pyodide / "pyodide-lock.json").read_text(encoding="utf-8"))["packages"]
    for name in kernel["loadPyodideOptions"]["packages"]:
        assert re.sub(r"[-_.]+", "-", name).lower() in lock, f"the kernel preloads {name}, which the lock does not list"
    for name, entry in lock.items():
        wheel = pyodide / entry["file_name"]
        assert wheel.is_file(), f"the lock lists {name}, and the site has no {entry['file_name']}"
        assert hashlib.sha256(wheel.read_bytes()).hexdigest() == entry["sha256"], f"{entry['file_name']}: sha256 differs from the lock's"
    assert {"micrograd-backprop", "graphviz", "ipywidgets", "hypothesis", "micropip", "ipython"} <= set(lock)
    assert lock["micrograd-backprop"]["imports"] == ["micrograd", "nn"]
    assert "numpy" not in lock and "matplotlib" not in lock
    assert (lite_site / "static" / "viz" / "viz.js").is_file()
    assert not list(lite_site.rglob("*.map")), "source maps were shipped"
    size = sum(p.stat().st_size for p in lite_site.rglob("*") if p.is_file())
    print(f"\nbrowser course: {size / 1e6:.1f} MB")
    assert size <= MAX_MB * 1e6, f"the site is {size / 1e6:.1f} MB, more than {MAX_MB} MB"
    notebooks = sorted(p.name for p in (lite_site / "files" / "notebooks").glob("*.ipynb"))
    assert notebooks == [p.name for p in NOTEBOOKS]


def offline_env(cache: Path) -> dict:
    """Both registries at an address where nothing answers; no other index or local wheels."""
    env = dict(os.environ)
    env.update(
        npm_config_registry=f"http://{LOCAL}:9/", npm_config_fetch_retries="0",
        PIP_INDEX_URL=f"http://{LOCAL}:9/simple", PIP_EXTRA_INDEX_URL="", PIP_FIND_LINKS="",
        PIP_CONFIG_FILE=os.devnull, PIP_RETRIES="0", PIP_TIMEOUT="5",
    )
    return env


def previous_site(folder: Path) -> dict[str, str]:
    """A site built before (its marker) with a page in it; returns its files' contents."""
    folder.mkdir()
    (folder / ".course-site").write_text("built before\n", encoding="utf-8")
    (folder / "index.html").write_text("<p>the site as it was</p>\n", encoding="utf-8")
    return {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()}


def test_without_network_or_cache_the_build_names_what_it_could_not_fetch(tmp_path: Path) -> None:
    needs.program("npm", "install Node.js and npm (apt-get install nodejs npm)")
    site = tmp_path / "site"
    before = previous_site(site)
    result = subprocess.run(
        [sys.executable, str(BUILD_SITE), "--lite", str(site), "--cache", str(tmp_path / "empty-cache")],
        capture_output=True, text=True, env=offline_env(tmp_path / "empty-cache"),
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "could not fetch pyodide@314.0.6, @viz-js/viz@3.31.0 from the npm registry" in lines[0], lines[0]
    assert f"{LOCAL}:9" in lines[0]
    assert {p.name: p.read_text(encoding="utf-8") for p in site.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []    # no half-written site beside it


def test_without_network_the_wheels_are_named_too(tmp_path: Path, lite_site: Path) -> None:
    """The npm part cached (from the session's build), the wheels not: the wheels are named."""
    assets = browser_course("assets")
    cache = tmp_path / "cache"
    modules = assets.npm_assets()                       # the repository's cache, filled by lite_site
    shutil.copytree(modules.parent, cache / "npm" / modules.parent.name, symlinks=True)
    site = tmp_path / "site"
    before = previous_site(site)
    result = subprocess.run(
        [sys.executable, str(BUILD_SITE), "--lite", str(site), "--cache", str(cache)],
        capture_output=True, text=True, env=offline_env(cache),
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert re.search(r"could not fetch asttokens==3\.0\.1, .*hypothesis==6\.155\.7.* from the package index \(http://127\.0\.0\.1:9/simple\)", lines[0]), lines[0]
    assert {p.name: p.read_text(encoding="utf-8") for p in site.iterdir()} == before
    assert not list((cache / "wheels").glob("*.whl"))


def test_a_folder_that_is_not_a_site_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("my work\n", encoding="utf-8")
    result = subprocess.run([sys.executable, str(BUILD_SITE), "--lite", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode != 0
    assert "is not empty and is not a site this command built" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]


# --------------------------------------------------------------------------- in the browser

def photograph(driver: Any, tmp_path: Path) -> None:
    """The notebook with its first graph picture in view, as PNG: to $LITE_SCREENSHOT, else into ``tmp_path``."""
    assert driver.execute_script(
        "const img = document.querySelector('.jp-OutputArea-output img[alt^=\"computation graph\"]');"
        "if (!img) return false; img.scrollIntoView({block: 'center'}); document.activeElement.blur(); return true;"
    ), "no graph picture on the page to photograph"
    screenshot = Path(os.environ.get("LITE_SCREENSHOT") or tmp_path / "course-in-the-browser.png")
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(screenshot))
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.browser
@pytest.mark.slow
def test_every_notebook_runs_in_the_browser_offline(served: Served, offline_browser: Any, tmp_path: Path) -> None:
    driver = offline_browser
    requested_urls(driver)                                 # start the record here
    problems: list[str] = []
    for n, notebook in enumerate(NOTEBOOKS):
        path = f"notebooks/{notebook.name}"
        ready = open_notebook(driver, served, path, load=n == 0)
        ran = run_all(driver, path)
        print(f"\n{notebook.stem}: {'kernel ready' if n == 0 else 'opened, kernel ready'} in {ready:.1f} s (cold: {n == 0}); Run All {ran:.1f} s")
        cells = driver.execute_script(CELLS, path)
        stored = nbformat.read(notebook, as_version=4)
        assert len(cells) == sum(c.cell_type == "code" for c in stored.cells), f"{notebook.name}: the page shows other cells"
        last_checks = set(exercise_checks(stored.cells))
        assert last_checks, f"{notebook.name} has no exercise check"
        for cell in cells:
            where = f"{notebook.name} cell {cell['index']}"
            if cell["count"] is None:
                problems.append(f"{where} did not run")
            if cell["errors"]:
                problems.append(f"{where} failed: {cell['errors']}")
            if re.search(r"Traceback|Error\b", cell["stderr"]):
                problems.append(f"{where} wrote an error: {cell['stderr'][:300]}")
            if cell["index"] in last_checks and not RIGHT.search(cell["stdout"]):
                problems.append(f"{where} ends an exercise's check and printed no 'right' line: {cell['stdout'][:200]!r}")
            if "GraphvizNotFoundError" in cell["shown"]:
                problems.append(f"{where} could not render a graph: {cell['shown'][:300]}")
            if cell["widgets"] and (not cell["drawnWidgets"] or cell["widgetErrors"]):
                problems.append(f"{where}: {cell['widgets']} widget outputs, none drawn")
        source = "\n".join(c.source for c in stored.cells if c.cell_type == "code")
        graphs = sum(c["graphs"] for c in cells)
        svg = sum(c["svg"] for c in cells)
        if re.search(r"\bdraw_dot\(|\bdraw\(|\bstep_frames\(", source) and graphs == 0:
            problems.append(f"{notebook.name} draws graphs, and no graph picture is in its outputs")
        if "micrograd.viz.plot" in source or re.search(r"\bplot\.", source):
            if svg == 0:
                problems.append(f"{notebook.name} plots, and no SVG is in its outputs")
        if notebook.stem.startswith("01_"):
            photograph(driver, tmp_path)
        print(f"  {len(cells)} code cells, {graphs} graph pictures, {svg} svg elements, "
              f"{len(last_checks)} exercises checked, {sum(c['widgets'] for c in cells)} widgets")
        leave(driver)
    driver.get("about:blank")
    assert problems == [], "\n".join(problems)
    away = foreign(requested_urls(driver))
    assert away == [], f"the browser asked other hosts: {away[:10]}"
    missing = [(p, code) for p, code in served.requests if code == 404 and p.startswith(("/static/", "/build/", "/extensions/", "/lab/"))]
    assert missing == [], f"the site lacks files its pages load: {missing}"


@pytest.mark.browser
def test_a_kernel_that_dies_says_so_and_how_to_restart(served: Served, offline_browser: Any) -> None:
    """os.abort() in a cell: Pyodide's fatal error (the end of a run out of wasm memory). The page
    says the kernel stopped and to restart it from the Kernel menu; doing so gives a kernel that runs."""
    driver = offline_browser
    path = f"notebooks/{NOTEBOOKS[0].name}"
    open_notebook(driver, served, path)
    driver.execute_script(INSERT, path, "import os\nos.abort()")
    menu(driver, "Run", "Run Selected Cell")
    banner = wait(driver, lambda: driver.find_element("id", "course-kernel-died"), "message that the kernel died", 120)
    text = banner.text
    assert "The Python kernel stopped" in text
    assert "Kernel → Restart Kernel" in text and "Run All Cells" in text
    assert "(RuntimeError: unreachable)" in text        # the cause Pyodide gave: WebAssembly's trap, which abort() ends in
    assert banner.is_displayed()
    assert driver.execute_script(PROMPT, path, 0) is None          # the cell never finished
    # the advice works: restart from the Kernel menu (and confirm), then a cell runs
    menu(driver, "Kernel", "Restart Kernel…")
    from selenium.webdriver.common.by import By

    confirm = wait(driver, lambda: driver.find_element(By.CSS_SELECTOR, ".jp-Dialog .jp-mod-accept"), "restart dialog", 60)
    confirm.click()
    wait(driver, lambda: driver.execute_script(KERNEL_IDLE, path), "idle kernel after the restart")
    assert not driver.find_elements("id", "course-kernel-died"), "the message stays after the restart"
    driver.execute_script(INSERT, path, "print('alive', 6 * 7)")
    menu(driver, "Run", "Run Selected Cell")
    wait(driver, lambda: driver.execute_script(PROMPT, path, 0) is not None, "the cell run after the restart", 120)
    cells = driver.execute_script(CELLS, path)
    assert "alive 42" in cells[0]["stdout"], cells[0]
    leave(driver)
    driver.get("about:blank")


BANNER_TEXT = """const b = document.getElementById('course-no-wasm');
return b && b.getClientRects().length > 0 ? b.innerText : null;"""  # shown: its text; else null


@pytest.mark.browser
def test_a_browser_without_webassembly_is_told_so(served: Served, tmp_path: Path) -> None:
    """V8 without its compilers (--jitless) has no WebAssembly object (Chromium 156 still
    exposes it under --js-flags=--noexpose_wasm, so that flag cannot stand in for such a browser)."""
    reason = chromium.missing()
    if reason is not None:
        needs.missing(reason)
    driver = chromium.start(tmp_path / "profile", (chromium.ONLY_LOCALHOST, "--js-flags=--jitless"), network_log=True)
    try:
        for page in ("", "lab/index.html"):
            driver.get(served.url + page)
            assert driver.execute_script("return typeof WebAssembly") == "undefined"
            # read in one step in the page (the front page moves on to lab/, which may replace an element found)
            text = wait(driver, lambda: driver.execute_script(BANNER_TEXT), f"no-WebAssembly message on /{page}", 60)
            assert "This browser cannot run the course's Python" in text
            assert "WebAssembly is missing or turned off" in text
    finally:
        driver.quit()
