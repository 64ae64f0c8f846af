"""The engine's tests pass in Pyodide (CPython compiled to WebAssembly, as in the browser
course) under Node.js, as they do here: ``run.mjs`` runs them there, and every one it selects
must pass.

What it needs is what the browser course loads, fetched by notebooks/lite/assets.py into
``.lite-cache/`` (ignored by git) and reused: the pinned npm packages (``npm ci``, which checks
their hashes), the course's pure-Python wheels the tests import plus those of ``wheels.txt``
here (pytest, mpmath), each checked by its sha256, and a wheel of this project, made afresh. Without node
or npm the test is skipped; under CI=true it fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import needs
from repository import ROOT, browser_course

HERE = Path(__file__).parent
#: What runs in Pyodide: the engine, its op table, compiler, gradient checks and test
#: strategies, nn, and the pictures, drawn with Graphviz as WebAssembly.
SELECTED = ["tests/core", "tests/nn", "tests/pictures", "tests/pyodide/pyodide_graphviz.py"]
#: Fewer passing tests than this means the run did not really happen (1,053 at the time of writing).
AT_LEAST = 1000


#: The course's wheels (notebooks/lite/wheels.txt) the tests import; the rest of their own are in wheels.txt here.
FROM_THE_COURSE = {"graphviz", "hypothesis", "sortedcontainers", "tqdm", "pygments"}


def pinned_wheels(assets, folder: Path) -> Path:
    """The pinned wheels the tests need, fetched (hashes checked) into the cache, linked into ``folder``."""
    try:
        course = [w for w in assets.pypi_wheels() if w.name.split("-")[0].lower() in FROM_THE_COURSE]
        own = assets.pypi_wheels(pins_file=HERE / "wheels.txt")
    except assets.FetchError as e:
        needs.missing(f"the wheels for the tests in Pyodide: {e}")
    assert len(course) == len(FROM_THE_COURSE), f"notebooks/lite/wheels.txt lacks some of {sorted(FROM_THE_COURSE)}"
    folder.mkdir()
    for wheel in course + own:
        shutil.copyfile(wheel, folder / wheel.name)
    return folder


def stack_switching_flag(node: str) -> list[str]:
    """Node's option for WebAssembly stack switching (JSPI), which run.mjs asks for: its name
    has changed between versions, and where JSPI is on by default there is none."""
    options = subprocess.run([node, "--v8-options"], capture_output=True, text=True).stdout
    for flag in ("--experimental-wasm-jspi", "--experimental-wasm-stack-switching"):
        if flag in options:
            return [flag]
    return []


def results(junit: Path) -> dict[str, str]:
    """Each test's node id and outcome ("passed", "failed", "error", "skipped") in a JUnit report."""
    outcome = {}
    for case in ET.parse(junit).iter("testcase"):
        path = case.get("classname", "").replace(".", "/")
        node_id = f"{path}.py::{case.get('name')}"
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        outcome[node_id] = {"failure": "failed", "error": "error", "skipped": "skipped"}.get(kinds[0], "") if kinds else "passed"
    return outcome


@pytest.mark.slow
def test_the_engines_tests_pass_in_pyodide(tmp_path):
    node = needs.program("node", "install Node.js 20 or later (apt-get install nodejs npm)")
    needs.program("npm", "install npm (apt-get install npm)")
    assets, build = browser_course("assets"), browser_course("build")  # what the browser course loads
    try:
        npm_dir = assets.npm_assets().parent
    except assets.FetchError as e:
        needs.missing(f"Pyodide and viz.js: {e}")
    wheels = pinned_wheels(assets, tmp_path / "wheels")
    (tmp_path / "project").mkdir()
    ours = build.project_wheel(tmp_path / "project").parent
    junit = tmp_path / "junit.xml"
    done = subprocess.run(
        [node, *stack_switching_flag(node), str(HERE / "run.mjs"), "--npm", str(npm_dir), "--wheels", str(wheels),
         "--wheels", str(ours), "--junit", str(junit), "--", "-q", *SELECTED],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "HYPOTHESIS_PROFILE": "ci-quick"},
    )
    tail = (done.stdout + done.stderr)[-6000:]
    assert junit.exists(), f"the run in Pyodide ended before its report (exit {done.returncode}):\n{tail}"
    outcome = results(junit)
    bad = sorted(node_id for node_id, result in outcome.items() if result in ("failed", "error"))
    skipped = sorted(node_id for node_id, result in outcome.items() if result == "skipped")
    passed = [node_id for node_id, result in outcome.items() if result == "passed"]
    assert not bad, f"{len(bad)} test(s) failed in Pyodide: {bad}\n{tail}"
    assert not skipped, f"skipped in Pyodide (leave a test out in exclusions.txt, with the reason): {skipped}"
    assert len(passed) >= AT_LEAST, f"only {len(passed)} tests passed in Pyodide; expected at least {AT_LEAST}\n{tail}"
    drawn = [n for n in passed if n.startswith("tests/pyodide/pyodide_graphviz.py::")]
    assert len(drawn) >= 10, f"the drawing tests did not all run in Pyodide: {drawn}"
    assert done.returncode == 0, tail
