"""Shared test settings and fixtures, in one place.

- Hypothesis profiles: ``ci`` under CI=true (derandomized, no example database: the same
  examples on every machine and every run), ``explore`` otherwise (random, with the local
  database, so a run can find something new; a failure found this way becomes an
  ``@example`` or a regression test). ``HYPOTHESIS_PROFILE`` picks one by name; ``ci-quick``
  is ``ci`` with fewer examples, for CI's second pass on the oldest Python.
- Markers: ``slow`` (a test of more than a few seconds), ``browser`` (drives a headless
  Chromium), ``notebooks`` (runs the course's notebooks in a kernel). The quick subset is
  ``python -m pytest -m "not slow and not browser and not notebooks"``.
- Fixtures for what a machine may lack (``needs.py``): ``torch``, ``numpy``, ``dot_program``,
  ``browser``, and a real Jupyter front end (``jupyter``: JupyterLab 4 and Notebook 7;
  ``jupyter_lab``; see ``jupyter_front.py``). Missing, they skip with the reason; under
  CI=true they fail.
"""

from __future__ import annotations

import os
import shutil
import sys

import pytest
from hypothesis import HealthCheck, settings

import browser as chromium
import jupyter_front
import needs

settings.register_profile("explore", max_examples=60, deadline=None)
settings.register_profile("ci-quick", max_examples=60, deadline=None, derandomize=True, database=None)
settings.register_profile(
    "ci", max_examples=250, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if needs.in_ci() else "explore"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that opens the browser is a ``browser`` test, whatever its file."""
    for item in items:
        if {"browser", "jupyter", "jupyter_lab"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def torch():
    """PyTorch, the reference of the cross-checks."""
    return needs.module("torch", "the comparison with PyTorch")


@pytest.fixture(scope="session")
def numpy():
    """numpy, which micrograd 0.1.0's demo loop uses."""
    return needs.module("numpy", "micrograd 0.1.0's numpy code")


@pytest.fixture
def dot_program() -> str:
    """The path of Graphviz's dot program, which renders pictures; in Pyodide, where no program
    runs, "viz.js" when Graphviz as WebAssembly has been handed over (``micrograd.viz.render``)."""
    if sys.platform == "emscripten":
        import js

        if getattr(js.globalThis, "micrograd_viz", None) is None:
            needs.missing("Graphviz as WebAssembly was not handed over (globalThis.micrograd_viz); see micrograd.viz.render")
        return "viz.js"
    return needs.program("dot", "install Graphviz (apt-get install graphviz, brew install graphviz)")


@pytest.fixture
def no_dot(tmp_path, monkeypatch):
    """A PATH on which no Graphviz program can be found; in Pyodide, no Graphviz as WebAssembly
    handed over either (``globalThis.micrograd_viz`` removed for the test)."""
    monkeypatch.setenv("PATH", str(tmp_path))
    assert shutil.which("dot") is None
    if sys.platform == "emscripten":
        import js

        kept = getattr(js.globalThis, "micrograd_viz", None)
        js.Reflect.deleteProperty(js.globalThis, "micrograd_viz")
        yield
        if kept is not None:
            js.micrograd_viz = kept
    else:
        yield


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium (selenium WebDriver), one per test session (``browser.py``)."""
    reason = chromium.missing()
    if reason is not None:
        needs.missing(reason)
    yield from chromium.open_browser()


@pytest.fixture(scope="module")
def offline_browser():
    """A headless Chromium for which no host but 127.0.0.1 exists, logging what it requests
    (``chromium.requested_urls``), one per test module."""
    reason = chromium.missing()
    if reason is not None:
        needs.missing(reason)
    yield from chromium.open_browser((chromium.ONLY_LOCALHOST,), network_log=True)


# --- a real Jupyter front end: a server and a Chromium per app (tests/jupyter_front.py) ---


@pytest.fixture(scope="session")
def jupyter_fronts(tmp_path_factory):
    """``jupyter_fronts(app)``: the session's ``jupyter_front.Front`` of ``app`` ("lab" or
    "notebook"), started on first use; all are stopped at the end of the session (with
    pytest-xdist, each worker that runs such a test starts its own)."""
    fronts: dict[str, jupyter_front.Front] = {}

    def front(app: str) -> jupyter_front.Front:
        reason = chromium.missing() or jupyter_front.missing(app)
        if reason is not None:
            needs.missing(reason)
        if app not in fronts:
            server = jupyter_front.JupyterServer(app, tmp_path_factory.mktemp(f"jupyter-{app}"))
            try:
                driver = chromium.start(tmp_path_factory.mktemp(f"chromium-{app}"))
            except BaseException:
                server.stop()
                raise
            fronts[app] = jupyter_front.Front(server, driver)
        return fronts[app]

    yield front
    for started in fronts.values():
        started.stop()


@pytest.fixture(params=jupyter_front.APPS)
def jupyter(request, jupyter_fronts):
    """A real front end, JupyterLab 4 then Notebook 7: ``jupyter.open(name, cells)`` opens a new
    notebook; afterwards its pages are left and its kernels shut down."""
    front = jupyter_fronts(request.param)
    yield front
    front.clean()


@pytest.fixture
def jupyter_lab(jupyter_fronts):
    """JupyterLab 4 only (its themes, say), as ``jupyter`` otherwise."""
    front = jupyter_fronts("lab")
    yield front
    front.clean()
