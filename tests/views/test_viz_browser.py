"""The exported step-through page in a real browser (headless Chromium): the buttons, the
arrow keys and play move one step counter and the highlight, numbers change, nodes do not
move, the node being processed stays in view, and the console stays free of errors.
Also saves the picture of the page the README shows (docs/images/step-page.png)."""


import pytest

from browser import Page, console_errors, file_url
from micrograd import Value
from micrograd.viz import export_steps
from repository import ROOT

SCREENSHOT = ROOT / "docs" / "images" / "step-page.png"
# every keyed node's and edge's box in the picture's own coordinates (zoom and scroll aside)
BOXES = """return Object.fromEntries(Array.from(document.querySelectorAll('.mg-picture g[data-key]'))
  .map(g => { const b = g.getBBox(); return [g.dataset.key, [b.x, b.y, b.width, b.height]]; }));"""
IN_VIEW = """const pane = document.querySelector('.mg-pane').getBoundingClientRect();
const node = document.querySelector('.mg-picture g.node.mg-current').getBoundingClientRect();
return node.left >= pane.left && node.right <= pane.right && node.top >= pane.top && node.bottom <= pane.bottom;"""


def tanh_unit():
    x, w, b = Value(0.5, "x"), Value(-2.0, "w"), Value(1.5, "b")
    return (x * w + b).tanh()


class StepPage(Page):
    """The step-through page under test."""

    @property
    def counter(self):
        return self.driver.find_element("css selector", ".mg-counter").text

    def current(self):
        """The keys of the highlighted nodes (a Value and its op)."""
        return sorted(g.get_attribute("data-key") for g in self.driver.find_elements("css selector", ".mg-picture g.node.mg-current"))

    def texts(self, key):
        g = self.driver.find_element("css selector", f".mg-picture g[data-key='{key}']")
        return [t.get_attribute("textContent") for t in g.find_elements("css selector", "text")]


@pytest.fixture
def page(browser, dot_program, tmp_path):
    export = export_steps(tanh_unit(), tmp_path / "steps", interval_ms=50)
    browser.set_window_size(1000, 900)
    browser.get(file_url(export.html))
    console_errors(browser)  # start from a clean log
    return StepPage(browser)


def test_buttons_and_keys_step_through_and_nothing_moves(page):
    driver = page.driver
    boxes = driver.execute_script(BOXES)
    assert page.counter == "step 0 of 6" and page.current() == []
    assert page.texts("v1")[2] == "grad ?"  # v1 is x*w + b, second in backward order
    page.press("next")
    assert page.counter == "step 1 of 6" and page.current() == ["op0", "v0"]  # the root and its op
    assert "dL/d(tanh(x*w + b)) = 1 is final" in driver.find_element("css selector", ".mg-caption").text
    page.press("next")
    assert page.counter == "step 2 of 6" and page.current() == ["op1", "v1"]
    assert page.texts("v1")[2] == f"grad {1 - 0.4621171572600098**2:.4g}"  # tanh'(0.5), by hand
    page.press("prev")
    assert page.counter == "step 1 of 6" and page.texts("v1")[2] == f"grad ? (so far {1 - 0.4621171572600098**2:.4g})"
    page.key("ARROW_RIGHT")
    page.key("ARROW_RIGHT")
    assert page.counter == "step 3 of 6" and page.current() == ["op2", "v2"]
    page.key("ARROW_LEFT")
    assert page.counter == "step 2 of 6"
    page.key("END")
    assert page.counter == "step 6 of 6" and page.current() == ["v5"]  # b, a leaf: no op
    assert driver.execute_script(IN_VIEW)
    page.press("first")
    assert page.counter == "step 0 of 6" and page.texts("v1")[2] == "grad ?"
    assert driver.execute_script(BOXES) == boxes
    assert console_errors(driver) == []


def test_play_runs_to_the_last_step_and_stops(page):
    from selenium.webdriver.support.ui import WebDriverWait

    page.press("play")
    assert page.driver.find_element("css selector", "button[data-action='play']").text == "pause"
    WebDriverWait(page.driver, 60).until(lambda d: page.counter == "step 6 of 6")
    assert page.driver.find_element("css selector", "button[data-action='play']").text == "play"
    assert page.driver.find_element("css selector", "button[data-action='next']").get_attribute("disabled") is not None
    assert console_errors(page.driver) == []


def test_the_picture_fits_the_pane_and_the_page_is_photographed(page):
    driver = page.driver
    svg_width, pane_width = driver.execute_script(
        "return [document.querySelector('.mg-picture svg').getBoundingClientRect().width,"
        " document.querySelector('.mg-pane').clientWidth];"
    )
    assert svg_width <= pane_width <= 1000
    for _ in range(3):
        page.press("next")
    assert driver.execute_script(IN_VIEW)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(SCREENSHOT))
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
