"""Every graph picture of the course fits a 1,000 px window at a readable size.

The notebooks that draw graphs are run (nbclient), exported to HTML with nbconvert's lab
template (JupyterLab's own output-area styles), and opened in headless Chromium 1,000 px
wide. Each picture is measured on screen: it may not stick out of its output area, and its
smallest text must be at least 11 px high. A ``draw_dot`` picture is an ``<img>`` of its
SVG, so its text size on screen is the SVG's font size times the image's scale; the
step-through's picture is inline SVG, measured through its screen transform."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from browser import console_errors, file_url
from repository import ROOT, built_once

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]

MIN_TEXT_PX = 11.0  # the floor for graph text on screen
WINDOW_PX = 1000
#: The notebooks that draw graphs, and how many graph pictures each shows (draw_dot
#: pictures, and the step-through's in notebook 02). A picture that stops being drawn
#: would otherwise pass unmeasured.
PICTURES = {"01": 3, "02": 6, "05": 2, "06": 1, "08": 1, "09": 1}

MEASURE = """
const result = [];
const cut = (el) => el.closest('.jp-OutputArea-output') || el.parentElement;
for (const img of document.querySelectorAll('.mg-drawing img')) {
  const svg = new DOMParser().parseFromString(atob(img.src.split(',')[1]), 'image/svg+xml').documentElement;
  const box = svg.viewBox.baseVal;
  const sizes = Array.from(svg.querySelectorAll('text')).map(t => parseFloat(t.getAttribute('font-size') || '14'));
  const r = img.getBoundingClientRect(), area = cut(img).getBoundingClientRect();
  result.push({kind: 'draw_dot', width: r.width, right: r.right, areaRight: area.right + 0.5,
               text: Math.min(...sizes) * r.width / box.width, label: img.alt});
}
for (const svg of document.querySelectorAll('.mg-steps .mg-picture svg')) {
  const r = svg.getBoundingClientRect(), pane = svg.closest('.mg-pane').getBoundingClientRect();
  let text = Infinity;
  for (const t of svg.querySelectorAll('text')) {
    if (getComputedStyle(t).display === 'none' || t.closest('[style*="display: none"]')) continue;
    const m = t.getScreenCTM();
    text = Math.min(text, parseFloat(t.getAttribute('font-size') || '14') * Math.hypot(m.a, m.b));
  }
  result.push({kind: 'steps', width: Math.min(r.width, pane.width), right: pane.right, areaRight: cut(svg.closest('.mg-steps')).getBoundingClientRect().right + 0.5,
               text: text, label: svg.getAttribute('aria-label')});
}
return result;
"""


def export(folder: Path) -> None:
    """Each notebook of PICTURES executed and exported by nbconvert as ``folder/NUMBER.html``."""
    for number in PICTURES:
        path = next((ROOT / "notebooks").glob(f"{number}_*.ipynb"))
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
        body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
        (folder / f"{number}.html").write_text(body, encoding="utf-8")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """{notebook number: its executed nbconvert HTML export}, made once per run (not per worker)."""
    folder = built_once(tmp_path_factory, "course-pictures", export)
    return {number: folder / f"{number}.html" for number in PICTURES}


@pytest.mark.parametrize("number", sorted(PICTURES))
def test_every_picture_fits_the_output_area_with_readable_text(dot_program, exported, browser, number):
    browser.set_window_size(WINDOW_PX, 900)
    browser.get(file_url(exported[number]))
    console_errors(browser)
    pictures = browser.execute_script(MEASURE)
    assert len(pictures) == PICTURES[number], [p["label"] for p in pictures]
    for p in pictures:
        assert p["right"] <= p["areaRight"], f"{p['label']!r} sticks out of its output area: {p}"
        assert p["text"] >= MIN_TEXT_PX, f"{p['label']!r} has text {p['text']:.1f} px high on screen: {p}"
    # nbconvert's template loads require.js and MathJax from a CDN, which a machine without
    # network cannot reach; any other console error is ours
    assert [e for e in console_errors(browser) if "cdnjs" not in e and "cdn.jsdelivr" not in e] == []
