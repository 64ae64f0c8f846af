"""The step-through in light and dark hosts, in Chromium: a notebook page with JupyterLab's
light or dark theme variables, and the exported page under a system that prefers light or
dark. In each, every text of the viewer (caption, counter, controls, legend) keeps 4.5:1
against the colour actually behind it, and the caption's box follows the theme."""

from __future__ import annotations

import pytest

from browser import Page, console_errors, file_url
from micrograd import Value
from micrograd.viz import export_steps, step_frames

MINIMUM = 4.5
# JupyterLab 4's theme values for the variables the viewer reads (its light and dark themes' style sheets)
JUPYTERLAB = {
    "light": {"--jp-ui-font-color1": "rgba(0,0,0,.87)", "--jp-layout-color0": "white", "--jp-layout-color1": "white",
              "--jp-layout-color2": "#eee", "--jp-border-color1": "#bdbdbd", "--jp-brand-color1": "#1976d2"},
    "dark": {"--jp-ui-font-color1": "rgba(255,255,255,.87)", "--jp-layout-color0": "#111", "--jp-layout-color1": "#212121",
             "--jp-layout-color2": "#424242", "--jp-border-color1": "#616161", "--jp-brand-color1": "#2196f3"},
}
CAPTION_BACKGROUND = "return getComputedStyle(document.querySelector('.mg-caption')).backgroundColor;"


def tanh_unit():
    x, w, b = Value(0.5, "x"), Value(-2.0, "w"), Value(1.5, "b")
    return (x * w + b).tanh()


def lightness(css: str) -> float:
    """The mean of a computed ``rgb(...)`` colour's channels, 0 (black) to 255 (white)."""
    r, g, b = (float(v) for v in css[css.index("(") + 1 : css.index(")")].split(",")[:3])
    return (r + g + b) / 3


def readable(page: Page) -> list[list]:
    texts = page.text_contrast(".mg-steps")
    assert len(texts) >= 15, texts  # buttons, counter, speed, caption, legend entries
    return [t for t in texts if t[1] < MINIMUM]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_in_a_jupyterlab_theme_every_text_is_readable(dot_program, browser, tmp_path, theme):
    variables = "; ".join(f"{k}: {v}" for k, v in JUPYTERLAB[theme].items())
    host = tmp_path / f"{theme}.html"
    host.write_text(
        "<!DOCTYPE html><html><head><style>"
        f":root {{ {variables}; }} body {{ background: var(--jp-layout-color0); color: var(--jp-ui-font-color1); }}"
        f"</style></head><body><p>a cell</p>{step_frames(tanh_unit()).html()}</body></html>",
        encoding="utf-8",
    )
    browser.set_window_size(1000, 900)
    browser.get(file_url(host))
    page = Page(browser)
    for _ in range(3):
        page.press("next")
    assert readable(page) == []
    caption = lightness(browser.execute_script(CAPTION_BACKGROUND))
    assert caption < 100 if theme == "dark" else caption > 200  # the caption's box follows the theme
    assert console_errors(browser) == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_exported_page_follows_the_systems_light_or_dark(dot_program, browser, tmp_path, scheme):
    export = export_steps(tanh_unit(), tmp_path / "steps")
    browser.set_window_size(1000, 900)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
    try:
        browser.get(file_url(export.html))
        page = Page(browser)
        page.press("next")
        assert readable(page) == []
        body = lightness(browser.execute_script("return getComputedStyle(document.body).backgroundColor;"))
        assert body < 100 if scheme == "dark" else body > 200
        # the picture stays its own light card, whose colours are checked in tests/pictures/test_viz_contrast.py
        assert lightness(browser.execute_script("return getComputedStyle(document.querySelector('.mg-pane')).backgroundColor;")) == 255
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    assert console_errors(browser) == []
