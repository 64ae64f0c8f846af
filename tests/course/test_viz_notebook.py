"""Notebook 2 steps through backward without a kernel: run it, export it with nbconvert to
HTML, and the export holds the step-through (frames and controls' script), which steps in
a browser. The page it saves lands next to the notebook, not in a temporary directory."""

import json
import re

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from browser import console_errors, file_url
from repository import ROOT

pytestmark = pytest.mark.notebooks  # each test runs cells in a Jupyter kernel

NOTEBOOK = ROOT / "notebooks" / "02_the_chain_rule_on_a_graph.ipynb"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """(folder the notebook ran in, its nbconvert HTML export)."""
    folder = tmp_path_factory.mktemp("notebook02")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    body, _ = HTMLExporter().from_notebook_node(nb)
    page = folder / "02_export.html"
    page.write_text(body, encoding="utf-8")
    return folder, page


def test_the_export_holds_the_frames_and_the_controls(dot_program, exported):
    folder, page = exported
    text = page.read_text(encoding="utf-8")
    assert text.count('<div class="mg-steps"') == 1
    data = json.loads(re.search(r'<script[^>]*class="mg-data"[^>]*>(.*?)</script>', text, re.S).group(1))
    assert [f["counter"] for f in data["frames"]] == [f"step {k} of 7" for k in range(8)]  # L, s, d, e, a, b, c
    assert "data-action=\"next\"" in text and "function show(n)" in text
    # the saved page sits beside the notebook, where the student is told to look
    assert (folder / "02_backward_steps" / "steps.html").is_file()
    assert len(list((folder / "02_backward_steps").glob("step_*.svg"))) == 8


def test_the_export_steps_in_a_browser(dot_program, exported, browser):
    _, page = exported
    browser.set_window_size(1000, 900)
    browser.get(file_url(page))
    console_errors(browser)
    viewer = browser.find_element("css selector", ".mg-steps")
    counter = viewer.find_element("css selector", ".mg-counter")
    assert counter.text == "step 0 of 7"
    viewer.find_element("css selector", "button[data-action='next']").click()
    viewer.find_element("css selector", "button[data-action='next']").click()
    assert counter.text == "step 2 of 7"
    assert len(viewer.find_elements("css selector", "g.node.mg-current")) == 2  # a Value and its op
    # nbconvert's template loads require.js and MathJax from a CDN, which a machine without
    # network cannot reach; any other console error is ours
    template = re.compile(r"https://cdnjs\.cloudflare\.com/\S+ - Failed to load resource")
    assert [e for e in console_errors(browser) if not template.match(e)] == []
