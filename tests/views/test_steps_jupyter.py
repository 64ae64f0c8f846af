"""The step-through viewer (``micrograd.viz.step_frames(root)`` as a cell's last line) in a real
JupyterLab 4 page, in headless Chromium: its buttons (``data-action``) and, once the picture has
been clicked, the arrow keys move one step counter and the highlight; play runs to the last
step and stops; the page's console stays free of errors. tests/pictures and test_viz_browser.py
check the same viewer as an exported page; here it is inside JupyterLab, whose own keyboard
shortcuts and focus handling it must live with."""

import pytest

from browser import console_errors

pytestmark = pytest.mark.notebooks  # the cell runs in a Jupyter kernel (and the page in Chromium)

STEPS = """import micrograd.viz
from micrograd import Value
x, w, b = Value(0.5, "x"), Value(-2.0, "w"), Value(1.5, "b")
micrograd.viz.step_frames((x * w + b).tanh(), interval_ms=50)"""
LAST = 6  # tanh, +, *, x, w, b: one step per node
COUNTER, CURRENT = ".mg-steps .mg-counter", ".mg-steps .mg-picture g.node.mg-current"
WAIT_S = 60  # only stops a hang


class Viewer:
    """The viewer in cell 0 of ``page``, as the reader sees it."""

    def __init__(self, page):
        self.page = page

    def counter(self):
        return "".join(self.page.texts(0, COUNTER))

    def current(self):
        return sorted(g.get_attribute("data-key") for g in self.page.cell(0).find_elements("css selector", CURRENT))

    def press(self, action):
        self.page.find(0, f".mg-steps button[data-action='{action}']").click()

    def key(self, name):
        """A key as the reader types it: to whatever has the focus."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        ActionChains(self.page.driver).send_keys(getattr(Keys, name)).perform()

    def at(self, step):
        return self.counter() == f"step {step} of {LAST}"


@pytest.fixture
def viewer(jupyter_lab):
    page = jupyter_lab.open("steps.ipynb", [STEPS])
    console_errors(page.driver)  # from here on, the viewer's own
    page.run_and_wait(0, "the step-through drawn")
    page.wait(lambda: page.cell(0).find_elements("css selector", ".mg-steps[data-ready]"), WAIT_S, "the viewer's script run")
    return Viewer(page)


def test_buttons_step_through_and_play_runs_to_the_end(viewer):
    assert viewer.at(0) and viewer.current() == []
    viewer.press("next")
    assert viewer.at(1) and viewer.current() == ["op0", "v0"]  # the root and its op
    viewer.press("next")
    assert viewer.at(2) and viewer.current() == ["op1", "v1"]
    viewer.press("prev")
    assert viewer.at(1)
    viewer.press("last")
    assert viewer.at(LAST) and viewer.current() == ["v5"]  # b, a leaf: no op
    viewer.press("first")
    assert viewer.at(0) and viewer.current() == []
    viewer.press("play")
    viewer.page.wait(lambda: viewer.at(LAST), WAIT_S, "play to the last step", shown=viewer.counter)
    assert viewer.page.find(0, ".mg-steps button[data-action='play']").text == "play"  # stopped there
    assert console_errors(viewer.page.driver) == []


def test_a_click_on_the_picture_lets_the_arrow_keys_step(viewer):
    viewer.page.find(0, ".mg-steps .mg-pane svg").click()
    viewer.key("ARROW_RIGHT")
    assert viewer.at(1), f"after a click on the picture, the right arrow key left the counter at {viewer.counter()!r}"
    viewer.key("ARROW_RIGHT")
    viewer.key("ARROW_LEFT")
    assert viewer.at(1)
    viewer.key("END")
    assert viewer.at(LAST)
    viewer.key("HOME")
    assert viewer.at(0)
    assert viewer.page.execution_count(0) == 1  # no key reached JupyterLab's shortcuts (no cell run again)
    assert console_errors(viewer.page.driver) == []
