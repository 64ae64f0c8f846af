"""A real Jupyter front end for tests: a Jupyter server (JupyterLab 4 or Notebook 7) on a free
port of 127.0.0.1, and notebooks opened in headless Chromium (tests/browser.py) whose cells run
through the page and whose widgets are clicked as a reader clicks them.

``JupyterServer`` starts ``python -m jupyterlab`` or ``python -m notebook`` in a session of its
own (its kernels with it) with a random token and its own root, config, data and runtime
folders (no news or update notice), and waits until ``/api/status`` answers. ``NotebookPage``
opens a notebook in the app (``lab/tree/...`` or ``notebooks/...``) and waits until its kernel
is idle. Cells run through the app's command registry (``window.jupyterapp``, exposed with
``--expose-app-in-browser``): ``notebook:run-cell`` on the cell made active, which behaves the
same in both apps and needs no keyboard focus. Widget buttons are found in a cell's output by
their text, tooltip (``title``) or ``aria-label`` (the Play widget's, an icon only, by its
Font Awesome icon ``fa-<label>``) and clicked with real (WebDriver) clicks. Where something
does not happen in time, the failure says what the page showed last and keeps a screenshot
beside the server's log. The time limits only stop a hang; no test asserts on elapsed time.

The fixtures are in tests/conftest.py: ``jupyter_server`` (JupyterLab, then Notebook 7),
``jupyter_lab`` (JupyterLab only) and ``notebook_page``. A server and its Chromium are started
once per test session and app, on first use, and stopped at the end of the session.
"""

from __future__ import annotations

import importlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable

from repository import ROOT

APPS = ("lab", "notebook")
MODULES = {"lab": "jupyterlab", "notebook": "notebook"}
MAJOR = {"lab": 4, "notebook": 7}
NOTEBOOK_URL = {"lab": "lab/tree/{}?reset&", "notebook": "notebooks/{}?"}  # lab: not the tabs of the last test
START_S = 120  # the server answering; the page and its kernel ready (a hang stops here, on a busy 2-core machine)
INSTALL = "pip install -e '.[test]'"
# the front end's own settings: no news or update check (their notice would cover the outputs)
SETTINGS = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False}}
LIGHT, DARK = "JupyterLab Light", "JupyterLab Dark"

# the notebook panel at ``path`` (JupyterLab: among the main area's widgets; Notebook 7: the page's one)
FIND_PANEL = """const app = window.jupyterapp;
const find = (path) => {
  if (!app || !app.shell) return null;
  const all = app.shell.widgets ? Array.from(app.shell.widgets('main')) : [];
  return [app.shell.currentWidget, ...all].find(w => w && w.context && w.context.path === path && w.content && w.sessionContext) || null;
};
"""
READY = FIND_PANEL + """const [path, done] = [arguments[0], arguments[arguments.length - 1]];
const panel = find(path);
if (!panel) { done(null); return; }
Promise.all([panel.context.ready, panel.sessionContext.ready]).then(() => {
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  done(kernel && kernel.status === 'idle' && kernel.connectionStatus === 'connected' && panel.content.widgets.length);
}, () => done(null));"""
RUN = FIND_PANEL + """const [path, index] = arguments;
const panel = find(path);
app.shell.activateById(panel.id);
panel.content.activeCellIndex = index;
app.commands.execute('notebook:run-cell');  // not awaited: the test watches the page"""
CELL = FIND_PANEL + "return find(arguments[0]).content.widgets[arguments[1]].node;"
PROMPT = FIND_PANEL + "return find(arguments[0]).content.widgets[arguments[1]].model.executionCount;"
KERNEL = FIND_PANEL + "return find(arguments[0]).sessionContext.session.kernel.status;"
CLEAN = FIND_PANEL + "const panel = find(arguments[0]); if (panel) panel.context.model.dirty = false;"  # no "leave the page?"
THEME = """const [name, done] = arguments;
window.jupyterapp.commands.execute('apputils:change-theme', {theme: name}).then(() => done(true), e => done(String(e)));"""
THEME_SHOWN = "return [document.body.dataset.jpThemeName, document.body.dataset.jpThemeLight];"
TEXTS = "return Array.from(arguments[0].querySelectorAll(arguments[1])).map(e => e.textContent);"
BUTTON = ".//button[normalize-space(.)={0} or @title={0} or @aria-label={0}] | .//button[.//i[contains(concat(' ', @class, ' '), ' fa-{1} ')]]"
# An element's text colour and the colour behind it, from computed styles: the first ancestor
# (or itself) with a background colour, blended over the ones behind it when translucent.
COLOURS = """const element = arguments[0];
const rgba = (text) => { const m = text.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
const layers = [];
for (let e = element; e; e = e.parentElement) {
  const c = rgba(getComputedStyle(e).backgroundColor);
  if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
}
let back = [255, 255, 255];  // the canvas of a page with no background of its own
for (const [r, g, b, a] of layers.reverse()) back = [r * a + back[0] * (1 - a), g * a + back[1] * (1 - a), b * a + back[2] * (1 - a)];
const text = rgba(getComputedStyle(element).color), s = getComputedStyle(element);
const fore = [0, 1, 2].map(i => text[i] * text[3] + back[i] * (1 - text[3]));
return {text: fore, back: back, opacity: Number(s.opacity), visible: element.getClientRects().length > 0};"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def missing(app: str) -> str | None:
    """Why this app's server cannot start here (None when it can)."""
    try:
        module = importlib.import_module(MODULES[app])
        importlib.import_module("ipywidgets")
        importlib.import_module("nbformat")
    except ImportError as error:
        return f"{error.name} is not installed ({INSTALL})"
    if int(module.__version__.split(".")[0]) != MAJOR[app]:
        return f"these tests drive {MODULES[app]} {MAJOR[app]}, not {module.__version__} ({INSTALL})"
    return None


def relative_luminance(rgb: list[float]) -> float:
    """WCAG 2's relative luminance of an sRGB colour (0-255 channels)."""

    def linear(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: list[float], b: list[float]) -> float:
    """WCAG 2's contrast ratio (L1 + 0.05) / (L2 + 0.05), from 1 to 21; text needs 4.5."""
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


class JupyterServer:
    """``jupyter lab`` or ``jupyter notebook`` (``app``) serving ``folder/root``, its settings
    and state in ``folder`` too; ``stop()`` ends it and its kernels."""

    def __init__(self, app: str, folder: Path) -> None:
        self.app, self.folder = app, folder
        self.root, self.port, self.token = folder / "root", free_port(), secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = folder / "server.log"
        self.root.mkdir(parents=True, exist_ok=True)
        config = folder / "config"
        for name, values in SETTINGS.items():
            settings = config / "lab" / "user-settings" / name
            settings.parent.mkdir(parents=True, exist_ok=True)
            settings.write_text(json.dumps(values), encoding="utf-8")
        env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config), "JUPYTER_DATA_DIR": str(folder / "data"),
               "JUPYTER_RUNTIME_DIR": str(folder / "runtime"), "IPYTHONDIR": str(folder / "ipython"),
               "JUPYTERLAB_SETTINGS_DIR": str(config / "lab" / "user-settings"),
               "JUPYTERLAB_WORKSPACES_DIR": str(config / "lab" / "workspaces"),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        command = [sys.executable, "-m", MODULES[app], "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
                   "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
                   f"--ServerApp.root_dir={self.root}", "--ServerApp.allow_root=True", "--expose-app-in-browser"]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(command, env=env, cwd=self.root, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            self._wait_until_it_answers()
        except BaseException:
            self.stop()
            raise

    def _wait_until_it_answers(self) -> None:
        deadline = time.monotonic() + START_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter {self.app} exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                self.api("GET", "api/status")
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"jupyter {self.app} did not answer in {START_S} s:\n{self.log_tail()}")

    def api(self, method: str, path: str) -> Any:
        request = urllib.request.Request(self.url + path, method=method, headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self) -> None:
        """End every session (and its kernel): a test's kernel must not train on behind the next test."""
        for session in self.api("GET", "api/sessions"):
            self.api("DELETE", f"api/sessions/{session['id']}")

    def notebook_url(self, name: str) -> str:
        return self.url + NOTEBOOK_URL[self.app].format(name) + f"token={self.token}"

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM (the server shuts its kernels down), then SIGKILL to what is left of its
        process group (the server's own session: only what it started)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()


def write_notebook(path: Path, cells: list[str]) -> None:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(notebook, str(path))


class NotebookPage:
    """A notebook open in the browser ``driver``; ``cells`` are its code cells' sources."""

    def __init__(self, server: JupyterServer, driver: Any, name: str, cells: list[str]) -> None:
        self.server, self.driver, self.name = server, driver, name
        write_notebook(server.root / name, cells)
        driver.get(server.notebook_url(name))
        self.wait(lambda: driver.execute_async_script(READY, name) == len(cells), START_S, "the notebook and an idle kernel")

    def close(self) -> None:
        """Leave the page (its changes unsaved, without the browser asking)."""
        try:
            self.driver.execute_script(CLEAN, self.name)
        finally:
            self.driver.get("about:blank")

    def run(self, index: int) -> None:
        """Run cell ``index`` as the Run button does (queued when another cell runs)."""
        self.driver.execute_script(RUN, self.name, index)

    def run_and_wait(self, index: int, what: str, timeout: float = START_S) -> None:
        """Run cell ``index`` and wait until it has its number (it ran) and the kernel is idle;
        fail with what it wrote to stderr (a traceback, say), if anything."""
        self.run(index)
        self.wait(lambda: self.execution_count(index) is not None and self.kernel_status() == "idle", timeout, what)
        assert self.errors(index) == "", f"{self.server.app}: cell {index} wrote to stderr:\n{self.errors(index)}"

    def cell(self, index: int) -> Any:
        return self.driver.execute_script(CELL, self.name, index)

    def execution_count(self, index: int) -> int | None:
        """The cell's number once it has run (None before, and while it is queued or running)."""
        return self.driver.execute_script(PROMPT, self.name, index)

    def kernel_status(self) -> str:
        """What the page shows of its kernel: "busy", "idle", ..."""
        return self.driver.execute_script(KERNEL, self.name)

    def texts(self, index: int, css: str) -> list[str]:
        """The text of every element matching ``css`` in cell ``index``."""
        return self.driver.execute_script(TEXTS, self.cell(index), css)

    def stdout(self, index: int) -> str:
        return "".join(self.texts(index, "[data-mime-type='application/vnd.jupyter.stdout']"))

    def errors(self, index: int) -> str:
        """What the cell printed on stderr or raised."""
        return "".join(self.texts(index, "[data-mime-type='application/vnd.jupyter.stderr']"))

    def find(self, index: int, css: str) -> Any:
        """The one element matching ``css`` in cell ``index``'s output."""
        found = self.cell(index).find_elements("css selector", css)
        assert len(found) == 1, f"{len(found)} elements {css!r} in cell {index}"
        return found[0]

    def button(self, index: int, label: str) -> Any:
        """The button of cell ``index``'s output whose text, title or aria-label is ``label``
        (or, icon only, whose icon is ``fa-<label>``)."""
        literal = json.dumps(label, ensure_ascii=False)  # an XPath string literal (a label without quotes)
        found = self.cell(index).find_elements("xpath", BUTTON.format(literal, label))
        assert len(found) == 1, f"{len(found)} buttons {label!r} in cell {index}"
        return found[0]

    def click(self, index: int, label: str) -> None:
        self.button(index, label).click()

    def colours(self, element: Any) -> dict:
        """The element's text colour and the colour behind it (RGB, from computed styles), and
        its contrast ratio."""
        found = self.driver.execute_script(COLOURS, element)
        return {**found, "contrast": contrast(found["text"], found["back"])}

    def theme(self, name: str) -> None:
        """Switch JupyterLab's theme (``LIGHT``, ``DARK``) as its Settings menu does."""
        assert self.driver.execute_async_script(THEME, name) is True
        light = "true" if name == LIGHT else "false"
        self.wait(lambda: self.driver.execute_script(THEME_SHOWN) == [name, light], 60, f"the theme {name!r}")

    def wait(self, holds: Callable[[], Any], timeout: float, what: str, *, shown: Callable[[], Any] | None = None) -> Any:
        """Poll ``holds()`` until it is true; else fail with ``what``, what ``shown()`` says and a
        screenshot (``timeout`` only stops a hang)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = holds()
            except Exception as error:  # the page is still loading: not yet
                value, last_error = None, error
            else:
                last_error = None
            if value:
                return value
            if time.monotonic() > deadline:
                picture = self.server.folder / f"{Path(self.name).stem}-{int(time.time())}.png"
                self.driver.save_screenshot(str(picture))
                state = shown() if shown is not None else last_error
                raise AssertionError(f"{self.server.app}: no {what} after {timeout:.0f} s; the page shows {state!r}; "
                                     f"screenshot {picture}; server log {self.server.log}")
            time.sleep(0.1)


class Front:
    """A server and the Chromium that shows its notebooks (one each per app and test session)."""

    def __init__(self, server: JupyterServer, driver: Any) -> None:
        self.server, self.driver, self.app = server, driver, server.app
        self.pages: list[NotebookPage] = []

    def open(self, name: str, cells: list[str]) -> NotebookPage:
        """A new notebook of these code cells, open in the browser with its kernel idle."""
        self.pages.append(NotebookPage(self.server, self.driver, name, cells))
        return self.pages[-1]

    def clean(self) -> None:
        """After a test: leave its pages and shut its kernels down."""
        try:
            for page in self.pages:
                page.close()
        finally:
            self.pages = []
            self.server.shut_down_kernels()

    def stop(self) -> None:
        try:
            self.driver.quit()
        finally:
            self.server.stop()
