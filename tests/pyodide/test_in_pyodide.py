"""The engine's tests pass in Pyodide (CPython compiled to WebAssembly, as in the browser
course) under Node.js, as they do here: ``run.mjs`` runs them there, and every one it selects
must pass.

What it needs, prepared here into ``.lite-cache/pyodide-tests/`` at the repository's root
(ignored by git) and reused while it is current: the pinned npm packages of
``notebooks/lite`` (``npm ci``, which checks their hashes), the pure-Python wheels of
``wheels.txt`` for Pyodide's Python, and a wheel of this project, built afresh. Without node
or npm the test is skipped; under CI=true it fails.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import needs
from repository import ROOT

HERE = Path(__file__).parent
LITE = ROOT / "notebooks" / "lite"
CACHE = ROOT / ".lite-cache" / "pyodide-tests"
#: What runs in Pyodide: the engine, its op table, compiler, gradient checks and test
#: strategies, nn, and the pictures, drawn with Graphviz as WebAssembly.
SELECTED = ["tests/core", "tests/nn", "tests/pictures", "tests/pyodide/pyodide_graphviz.py"]
#: Fewer passing tests than this means the run did not really happen (901 at the time of writing).
AT_LEAST = 1000


def npm_packages(npm: str) -> Path:
    """``npm ci`` of notebooks/lite's lock into the cache, unless the cache holds that very lock."""
    target = CACHE / "npm"
    lock = (LITE / "package-lock.json").read_bytes()
    stamp = target / "installed-lock.sha256"
    digest = hashlib.sha256(lock + (LITE / "package.json").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest and (target / "node_modules" / "pyodide").is_dir():
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(LITE / name, target / name)
    done = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=target, capture_output=True, text=True)
    if done.returncode != 0:
        needs.missing(f"npm ci of notebooks/lite failed (offline?): {done.stderr.strip()[-500:]}")
    stamp.write_text(digest)
    return target


def pinned_wheels(npm_dir: Path) -> Path:
    """The pinned wheels of wheels.txt, for the Python of the pinned Pyodide."""
    lock = json.loads((npm_dir / "node_modules" / "pyodide" / "pyodide-lock.json").read_text())
    version = ".".join(lock["info"]["python"].split(".")[:2])
    target = CACHE / f"wheels-py{version}"
    pins = [line.split("#")[0].strip() for line in (HERE / "wheels.txt").read_text().splitlines()]
    pins = [p for p in pins if p]
    have = {w.name.split("-")[0].lower().replace("_", "-") + "==" + w.name.split("-")[1] for w in target.glob("*.whl")}
    if {p.lower() for p in pins} <= have:
        return target
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:", "--platform", "any",
         "--implementation", "py", "--python-version", version, "--dest", str(target), *pins],
        capture_output=True, text=True,
    )
    if done.returncode != 0:
        needs.missing(f"pip download of tests/pyodide/wheels.txt failed (offline?): {done.stderr.strip()[-500:]}")
    return target


def project_wheel(directory: Path) -> Path:
    """A wheel of this very tree."""
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(directory), str(ROOT)],
                          capture_output=True, text=True)
    assert done.returncode == 0, f"pip wheel of the project failed: {done.stderr[-2000:]}"
    return directory


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
    npm = needs.program("npm", "install npm (apt-get install npm)")
    npm_dir = npm_packages(npm)
    wheels = pinned_wheels(npm_dir)
    ours = project_wheel(tmp_path / "project")
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
