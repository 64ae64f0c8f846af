"""micrograd.viz.plot in headless Chromium: a page of the plots the course draws (curves
with a legend, a log axis, contours under a descent path, a decision boundary under points
by class, bars, a 3 x 3 grid of small plots) loads without console errors, fits a 1,000 px
pane with every text at least 11 px on screen, shrinks without sideways scroll at 420 px,
and takes its text colour from the page (light and dark) or, in a file, from the reader's
preference."""

from __future__ import annotations

import math

import pytest

from browser import console_errors, file_url
from micrograd.viz import plot
from micrograd.viz.plot import Figure, Plot

MEASURE = """
const out = [];
for (const svg of document.querySelectorAll('body > svg.mgp')) {
  const box = svg.getBoundingClientRect();
  const scale = box.width / svg.viewBox.baseVal.width;
  const sizes = Array.from(svg.querySelectorAll('text')).map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
  out.push({width: box.width, right: box.right, smallest: Math.min(...sizes), texts: sizes.length,
            colour: getComputedStyle(svg).color, images: svg.querySelectorAll('image').length});
}
return {plots: out, scroll: document.documentElement.scrollWidth, inner: window.innerWidth};
"""


def course_plots() -> list:
    steps = [3 - 3 * 0.8**k for k in range(31)]
    curves = Plot("gradient descent on (w − 3)²", xlabel="step", ylabel="w", legend="lower right")
    curves.line(steps, marker="o", label="gradients zeroed").line([3 + 2 * math.cos(k / 2) * 0.9**k for k in range(31)],
                                                                 dash="--", marker="s", label="never zeroed").hline(3.0)
    loss = Plot("distance to the minimum", xlabel="step", ylabel="‖x‖", ylog=True)
    for eta in (0.01, 0.1, 0.5):
        loss.line([5 * abs(1 - 2 * eta) ** k + 1e-300 for k in range(100)], label=f"η = {eta}")
    bowl = Plot("first 20 steps, η = 0.1", xlabel="x₀", ylabel="x₁", equal=True, width=460, height=420, legend="lower left")
    bowl.contour(lambda a, b: a * a + b * b, (-5, 5), (-5, 5), levels=[0.25, 1, 2.5, 5, 10, 16, 25])
    bowl.line([(3 * 0.8**k, 4 * 0.8**k) for k in range(20)], marker="o", colour=plot.VERMILLION, label="gradient descent")
    points = [(math.cos(k / 8), math.sin(k / 8) * (1 if k % 2 else -1)) for k in range(60)]
    boundary = Plot("the class the network picks", width=480, height=400)
    boundary.shade(lambda a, b: math.tanh(3 * b), (-1.2, 1.2), (-1.2, 1.2), n=40, center=0.0, smooth=True)
    boundary.points(points, [k % 2 for k in range(60)])
    small = [Plot(name, y=(-1.6, 2.6)).line([x / 10 for x in range(-40, 41)], [f(x / 10) for x in range(-40, 41)], label="f")
             for name, f in (("tanh", math.tanh), ("relu", lambda x: max(0.0, x)), ("sigmoid", lambda x: 1 / (1 + math.exp(-x))))] * 3
    bars = Plot("final loss", ylabel="loss").bars(["SGD", "momentum", "Adam"], [0.0016, 0.0002, 0.0011])
    return [curves, loss, bowl, boundary, Figure(*small, columns=3, title="activation functions"), bars]


@pytest.fixture(scope="module")
def plot_page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plots")
    body = "".join(p.html() for p in course_plots())
    page = folder / "plots.html"
    page.write_text(
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><meta name='viewport' content='width=device-width'>"
        "<style>body{margin:8px}@media (prefers-color-scheme:dark){body{background:#111;--mgp-ink:#e8e8e8}}"
        "svg.mgp{display:block;margin:0 0 12px}</style></head><body>" + body + "</body></html>", encoding="utf-8")
    alone = folder / "alone.svg"
    course_plots()[0].save(alone)
    return page, alone


def emulate(browser, scheme: str) -> None:
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})


def test_the_course_plots_fit_a_1000_px_pane_with_text_of_11_px_and_no_errors(browser, plot_page):
    page, _ = plot_page
    browser.set_window_size(1000, 900)
    browser.get(file_url(page))
    assert console_errors(browser) == []
    seen = browser.execute_script(MEASURE)
    assert len(seen["plots"]) == 6
    assert seen["scroll"] <= seen["inner"]
    for p in seen["plots"]:
        assert p["right"] <= seen["inner"] and p["width"] <= 1000
        assert p["texts"] >= 4 and p["smallest"] >= 11, p
    assert sum(p["images"] for p in seen["plots"]) == 1


def test_at_420_px_they_shrink_to_the_pane_without_sideways_scroll(browser, plot_page):
    page, _ = plot_page
    browser.set_window_size(420, 900)
    browser.get(file_url(page))
    seen = browser.execute_script(MEASURE)
    assert seen["scroll"] <= seen["inner"]
    assert all(p["right"] <= seen["inner"] for p in seen["plots"])
    assert console_errors(browser) == []


def test_inline_text_takes_the_pages_ink_in_light_and_dark(browser, plot_page):
    page, _ = plot_page
    browser.set_window_size(1000, 900)
    try:
        for scheme, colour in (("light", "rgb(31, 31, 31)"), ("dark", "rgb(232, 232, 232)")):
            emulate(browser, scheme)
            browser.get(file_url(page))
            assert {p["colour"] for p in browser.execute_script(MEASURE)["plots"]} == {colour}
    finally:
        emulate(browser, "")


def test_a_saved_file_follows_the_readers_preference(browser, plot_page):
    _, alone = plot_page
    try:
        for scheme, colour in (("light", "rgb(31, 31, 31)"), ("dark", "rgb(232, 232, 232)")):
            emulate(browser, scheme)
            browser.get(file_url(alone))
            assert browser.execute_script("return getComputedStyle(document.documentElement).color") == colour
            assert console_errors(browser) == []
    finally:
        emulate(browser, "")
