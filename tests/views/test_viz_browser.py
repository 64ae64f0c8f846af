"""The exported step-through page in a real browser (headless Chromium): the buttons, the
arrow keys and play move one step counter and the highlight, numbers change, nodes do not
move, the node being processed stays in view, and the console stays free of errors.
The watch checks: stepping through pages at 1,000 and 420 px, the controls, the caption,
the pane and the legend keep their place on the page (and the picture, where it fits).
Also saves the picture of the page the README shows (docs/images/step-page.png)."""


import pytest

import micrograd as mg
from browser import StepPage, console_errors, file_url
from micrograd import Value
from micrograd.viz import export_steps, step_frames, write_html
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
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element("css selector", "select[data-control='speed']")).select_by_visible_text("1 s")  # the default
    driver.execute_script("document.activeElement.blur();")  # no focus ring in the picture
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(SCREENSHOT))
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- the watch checks: nothing moves on the page while it steps ----------------------------------

WATCHED = [
    "button[data-action='first']", "button[data-action='prev']", "button[data-action='play']", "button[data-action='next']",
    "button[data-action='last']", ".mg-scrubber", ".mg-counter", ".mg-speed", "button[data-action='details']",
    "button[data-action='zoom-out']", "button[data-action='fit']", "button[data-action='zoom-in']",
    ".mg-caption", ".mg-pane", ".mg-legend",
]
SVG = ".mg-picture svg"
# the pane scrolls its picture where the picture is bigger than the pane: is it?
SCROLLS = "const p = document.querySelector('.mg-pane'); return p.scrollWidth > p.clientWidth + 1 || p.scrollHeight > p.clientHeight + 1;"


def small_net():
    """A 2-4-1 network labelled as nn labels its Values (tanh hidden units, a linear output
    unit) and its squared error: fan-in 9 into the output unit's dot."""
    xs = [Value(0.5, "x[0]"), Value(-1.0, "x[1]")]
    hidden = []
    for j in range(4):
        w = [Value(0.3 * (j - i) + 0.1, f"W1[{j},{i}]") for i in range(2)]
        u = mg.dot(w + [Value(0.05 * j, f"b1[{j}]")], xs + [1.0])
        u.label = f"u1[{j}]"
        z = u.tanh()
        z.label = f"z1[{j}]"
        hidden.append(z)
    v = [Value(0.4 - 0.3 * j, f"W2[0,{j}]") for j in range(4)]
    out = mg.dot(v + [Value(0.1, "b2[0]")], hidden + [1.0])
    out.label = "u2[0]"
    return (out - 1.0) ** 2


def open_page(browser, path, width):
    browser.set_window_size(width, 900)
    browser.get(file_url(path))
    console_errors(browser)
    return StepPage(browser)


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Step pages of the tanh unit and of the collapsed 2-4-1 network."""
    folder = tmp_path_factory.mktemp("watch")
    tanh = write_html(step_frames(tanh_unit()), folder / "tanh.html")
    net = write_html(step_frames(small_net(), collapse=True), folder / "net.html")
    return {"tanh": tanh, "net": net}


@pytest.mark.parametrize("width", [1000, 420])
@pytest.mark.parametrize("name", ["tanh", "net"])
def test_nothing_moves_on_the_page_while_it_steps(dot_program, browser, pages, name, width):
    page = open_page(browser, pages[name], width)
    first, svg = page.rects(WATCHED), page.rects([SVG])[0]
    assert None not in first
    scrolls = browser.execute_script(SCROLLS)
    n = int(browser.find_element("css selector", ".mg-scrubber").get_attribute("max"))
    seen = set()
    for k in range(1, n + 1):
        page.press("next") if k % 2 else page.key("ARROW_RIGHT")
        assert page.counter == f"step {k} of {n}"
        assert page.rects(WATCHED) == first, f"something moved at step {k}"
        now = page.rects([SVG])[0]
        assert now[2:] == svg[2:]  # the picture keeps its size
        if not scrolls:
            assert now == svg  # and, where it fits the pane, its place
        seen.add(tuple(now))
    page.press("details")
    page.press("first")
    assert page.rects(WATCHED) == first
    if width == 1000 and name == "tanh":
        assert not scrolls and len(seen) == 1  # the small graph fits: the picture itself never moved
    assert console_errors(browser) == []


IN_PANE = """const pane = document.querySelector('.mg-pane').getBoundingClientRect();
const inside = r => r.left >= pane.left - 1 && r.right <= pane.right + 1 && r.top >= pane.top - 1 && r.bottom <= pane.bottom + 1;
const current = Array.from(document.querySelectorAll('.mg-picture g.mg-current'));
return current.map(g => [g.dataset.key, g.classList.contains('node'), inside(g.getBoundingClientRect()),
  g.getBoundingClientRect().width <= pane.width && g.getBoundingClientRect().height <= pane.height]);"""


def test_the_current_node_and_the_other_ends_of_its_edges_are_in_view(dot_program, browser, pages):
    # at 420 px the network's picture is bigger than the pane: the pane scrolls to each step
    page = open_page(browser, pages["net"], 420)
    assert browser.execute_script(SCROLLS)
    n = int(browser.find_element("css selector", ".mg-scrubber").get_attribute("max"))
    for k in range(1, n + 1):
        page.press("next")
        current = browser.execute_script(IN_PANE)
        assert current, f"step {k} highlights nothing"
        nodes = [c for c in current if c[1]]
        assert nodes and all(c[2] for c in nodes), f"step {k}: a current node is out of view: {current}"
        # an edge that fits the pane is in view whole, both its ends
        edges = [c for c in current if not c[1] and c[3]]
        assert edges == [] or any(c[2] for c in edges), f"step {k}: no current edge in view: {current}"


def test_an_overview_shows_the_whole_graph_where_the_picture_is_bigger_than_the_pane(dot_program, browser, pages):
    open_page(browser, pages["net"], 420)
    overview = browser.find_elements("css selector", ".mg-overview svg")
    assert len(overview) == 1 and overview[0].find_elements("css selector", "g[data-key]") == []  # a picture, not a second viewer
    assert browser.find_elements("css selector", ".mg-overview .mg-view")
    open_page(browser, pages["tanh"], 1000)
    assert browser.find_elements("css selector", ".mg-overview") == []


def test_every_collapsed_step_highlights_something_and_a_parameter_its_unit(dot_program, browser, pages):
    page = open_page(browser, pages["net"], 1000)
    n = int(browser.find_element("css selector", ".mg-scrubber").get_attribute("max"))
    captions = {}
    for k in range(1, n + 1):
        page.press("next")
        assert page.current(), f"step {k} of {n} highlights nothing"
        captions[k] = (browser.find_element("css selector", ".mg-caption").text, page.current())
    w = next(v for v in captions.values() if v[0].startswith("dL/d(W2[0,1])"))
    assert w[1] == ["unit2_0"] and "a parameter of unit u2[0]" in w[0]


def test_a_long_caption_is_condensed_and_details_show_every_line(dot_program, browser, pages):
    page = open_page(browser, pages["net"], 1000)
    caption = browser.find_element("css selector", ".mg-caption")
    box = page.rects([".mg-caption"])
    for _ in range(3):  # the loss, u2[0] - 1, then the output unit: its dot passes dL/du2 to 4 weights, b2, 4 hidden units
        page.press("next")
    assert page.counter.startswith("step 3 of")
    lines = caption.get_attribute("textContent").split("\n")
    assert len(lines) == 4 and lines[-1] == "  … and 7 more lines: press details"
    assert lines[1].startswith("  W2[0,0].grad += z1[0] * ")  # the rule, then the numbers
    page.press("details")
    full = caption.get_attribute("textContent").split("\n")
    assert len(full) == 10 and full[:3] == lines[:3] and full[-1].startswith("  z1[3].grad += W2[0,3] * ")
    assert browser.find_element("css selector", "button[data-action='details']").get_attribute("aria-pressed") == "true"
    assert page.rects([".mg-caption"]) == box  # the same box, scrolling inside
    assert browser.execute_script("const c = arguments[0]; return c.scrollHeight > c.clientHeight;", caption)


# --- keys, focus, speed, and what a screen reader is told -----------------------------------------


def test_keys_leave_a_focused_control_its_own_keys(page):
    from selenium.webdriver.support.ui import Select

    driver = page.driver
    Select(driver.find_element("css selector", "select[data-control='speed']")).select_by_visible_text("2 s")  # no end mid-test
    play = driver.find_element("css selector", "button[data-action='play']")
    page.key_on("button[data-action='next']", " ")  # Space on a button presses it, once, and does not play
    assert page.counter == "step 1 of 6" and play.text == "play"
    page.key_on("button[data-action='next']", "ARROW_RIGHT")  # a button has no use for arrows: they step
    assert page.counter == "step 2 of 6"
    page.key_on("button[data-action='play']", " ")  # one press, one toggle
    assert play.text == "pause"
    page.key_on("button[data-action='play']", " ")
    assert play.text == "play"
    at = page.counter
    page.key_on(".mg-scrubber", "ARROW_RIGHT")  # the scrubber's own arrow: one step, not two
    assert int(page.counter.split()[1]) == int(at.split()[1]) + 1
    page.key_on("select[data-control='speed']", "ARROW_DOWN")  # the list's own arrow: a speed, not a step
    assert page.counter.split()[1] == str(int(at.split()[1]) + 1)
    assert console_errors(driver) == []


def test_the_scrubber_and_the_caption_speak_to_screen_readers(page):
    driver = page.driver
    scrubber = driver.find_element("css selector", ".mg-scrubber")
    assert scrubber.get_attribute("aria-valuetext") == "step 0 of 6" and scrubber.get_attribute("aria-label") == "step"
    for _ in range(3):
        page.press("next")
    assert scrubber.get_attribute("aria-valuetext") == "step 3 of 6" and scrubber.get_attribute("value") == "3"
    caption = driver.find_element("css selector", ".mg-caption")
    assert caption.get_attribute("aria-live") == "polite"
    svg = driver.find_element("css selector", ".mg-picture svg")
    assert svg.get_attribute("role") == "img"
    assert svg.get_attribute("aria-label") == "computation graph of tanh(x*w + b): 6 values, 3 operations; the backward pass in 6 steps"
    driver.execute_script("arguments[0].value = '5'; arguments[0].dispatchEvent(new Event('input'));", scrubber)
    assert page.counter == "step 5 of 6"


def test_a_faster_speed_plays_to_the_end(dot_program, browser, pages):
    from selenium.webdriver.support.ui import Select, WebDriverWait

    page = open_page(browser, pages["net"], 1000)  # at the default 1 s a step, over half a minute
    speed = Select(browser.find_element("css selector", "select[data-control='speed']"))
    assert speed.first_selected_option.text == "1 s"
    speed.select_by_visible_text("0.05 s")
    page.press("play")
    n = browser.find_element("css selector", ".mg-scrubber").get_attribute("max")
    WebDriverWait(browser, 30).until(lambda d: page.counter == f"step {n} of {n}")  # stops a hang only
    assert browser.find_element("css selector", "button[data-action='play']").text == "play"


def test_a_click_on_the_picture_gives_the_viewer_of_a_notebook_the_keys(dot_program, browser, tmp_path):
    # in a notebook the viewer is a fragment among other cells: its keys work once it has focus
    fragment = step_frames(tanh_unit()).html()
    page_path = tmp_path / "notebook.html"
    page_path.write_text(f"<!DOCTYPE html><html><body><p>a cell above</p>{fragment}<p>a cell below</p></body></html>", encoding="utf-8")
    page = open_page(browser, page_path, 1000)
    page.key("ARROW_RIGHT")
    assert page.counter == "step 0 of 6"  # not the viewer's key yet
    browser.find_element("css selector", ".mg-pane").click()
    assert browser.execute_script("return document.activeElement.classList.contains('mg-steps');")
    page.send(browser.switch_to.active_element, "ARROW_RIGHT")
    assert page.counter == "step 1 of 6"
    assert console_errors(browser) == []
