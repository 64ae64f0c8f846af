"""The playground page (notebooks/lite/playground.py) in a real browser: built once into a
temporary folder, served on 127.0.0.1, opened in headless Chromium for which every other
host is unresolvable. An expression typed in gives its value and gradients (checked against
math.tanh and its derivative by hand), backward() steps with the step-through's controls
and keys, the program shown is micrograd.compile's (computed here, in CPython), bad input
shows the command's clear message, a browser without WebAssembly is told so, and nothing
is requested from any other host.

The screenshot after stepping goes to $PLAYGROUND_SCREENSHOT, else to the test's temporary
folder; the README's is made with
    PLAYGROUND_SCREENSHOT=docs/images/playground.png python -m pytest tests/course/test_playground.py -n0
"""

from __future__ import annotations

import math
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import browser as chromium
import micrograd
import needs
from micrograd import Value
from micrograd.viz.formatting import number
from micrograd.viz.page import condensed
from repository import ROOT, built_once

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EXPRESSION, INPUTS = "tanh(x*w + b)", "x=2 w=-0.5 b=0.3"
X, W, B = 2.0, -0.5, 0.3
LONG_S = 300  # a wait's end, against a hang only: a cold Pyodide start takes some seconds
READY = "return document.getElementById('pg-loading').dataset.ready === 'yes'"


def by_hand() -> dict[str, float]:
    """The value and every gradient of tanh(x*w + b) at X, W, B, without micrograd:
    d tanh(u)/du = 1 - tanh(u)^2, and u = x*w + b."""
    u = X * W + B
    y = math.tanh(u)
    d = 1.0 - y * y
    return {"value": y, "tanh(x*w + b)": 1.0, "x*w + b": d, "x*w": d, "b": d, "x": W * d, "w": X * d}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """The page, built once per test run by ``build_site.py --playground`` (the npm packages
    from the cache, or npm)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_site", ROOT / "notebooks" / "build_site.py")
    build_site = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_site)
    builder = build_site.browser_course("playground")
    try:
        builder.npm_modules()
    except builder.PlaygroundError as e:  # no npm, or no registry, and nothing cached
        needs.missing(f"the playground's assets: {e}")

    def build(out: Path) -> None:
        assert build_site.main(["--playground", str(out / "page")]) == 0

    return built_once(tmp_path_factory, "playground", build) / "page"


@pytest.fixture(scope="module")
def served(folder):
    with chromium.serve(folder) as url:
        yield url


class Playground(chromium.StepPage):
    """The playground page, opened and pressed as a reader would."""

    def open(self, url: str) -> None:
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver.get(url)
        WebDriverWait(self.driver, LONG_S).until(lambda d: d.execute_script(READY) or self.fatal())
        assert self.fatal() == "", self.fatal()
        self.wait_run(1)  # the example it computes first

    def fatal(self) -> str:
        return self.driver.execute_script("const f = document.getElementById('pg-fatal'); return f.hidden ? '' : f.textContent;")

    def run(self) -> int:
        return int(self.driver.find_element("id", "pg-results").get_attribute("data-run"))

    def wait_run(self, n: int) -> None:
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(self.driver, LONG_S).until(lambda d: self.run() >= n or self.error())

    def error(self) -> str:
        box = self.driver.find_element("id", "pg-error")
        return box.text if box.is_displayed() else ""

    def answers(self) -> int:
        return int(self.driver.find_element("id", "pg-form").get_attribute("data-answers") or 0)

    def enter(self, expression: str, inputs: str) -> None:
        """Type the expression and its inputs, press compute, wait for the page to answer."""
        from selenium.webdriver.support.ui import WebDriverWait

        before = self.answers()
        for field, text in (("pg-expression", expression), ("pg-inputs", inputs)):
            element = self.driver.find_element("id", field)
            element.clear()
            element.send_keys(text)
        self.driver.find_element("id", "pg-compute").click()
        WebDriverWait(self.driver, LONG_S).until(lambda d: self.answers() > before)

    def text(self, element_id: str) -> str:
        return self.driver.find_element("id", element_id).get_attribute("textContent")

    @property
    def caption(self) -> str:
        return self.driver.find_element("css selector", "#pg-steps .mg-caption").get_attribute("textContent")

    def current_grads(self) -> list[str]:
        """The "grad ..." texts of the highlighted Value node(s)."""
        return [t for key in self.current() for t in self.texts(key) if t.startswith("grad ")]


@pytest.fixture
def page(offline_browser, served):
    """The playground showing EXPRESSION at INPUTS (opened again where a test went elsewhere)."""
    p = Playground(offline_browser)
    shown = offline_browser.current_url.startswith(served) and offline_browser.execute_script(
        "const r = document.getElementById('pg-results'); return !!r && !r.hidden && r.dataset.expression;")
    if shown != EXPRESSION:
        offline_browser.set_window_size(1200, 900)
        p.open(served)
        p.enter(EXPRESSION, INPUTS)
    assert p.error() == "", p.error()
    return p


def table_numbers(table: str) -> dict[str, tuple[float, float]]:
    """The command's table read back: {"value": (y, nan), name: (value, gradient), ...}."""
    lines = table.strip().splitlines()
    head = re.fullmatch(r"(.*) = (\S+)", lines[0])
    assert head and head.group(1) == EXPRESSION, lines[0]
    assert lines[1].split() == ["input", "value", "gradient"]
    rows = {name: (float(v), float(g)) for name, v, g in (line.split() for line in lines[2:])}
    return {"value": (float(head.group(2)), math.nan), **rows}


def test_the_value_and_the_gradients_are_tanh_and_its_derivative(page):
    got, want = table_numbers(page.text("pg-table")), by_hand()
    assert sorted(got) == ["b", "value", "w", "x"]
    assert math.isclose(got["value"][0], want["value"], rel_tol=1e-9)  # the table's 10 significant digits
    for name, value in (("x", X), ("w", W), ("b", B)):
        assert got[name][0] == value
        assert math.isclose(got[name][1], want[name], rel_tol=1e-9), name
    # the picture after backward: every Value with its gradient, as micrograd writes numbers
    shown = page.driver.execute_script(
        "return Array.from(document.querySelectorAll('#pg-graph img')).map(i => atob(i.src.split(',')[1]));")
    assert len(shown) == 1
    texts = [t.text for t in ET.fromstring(shown[0]).iter("{http://www.w3.org/2000/svg}text")]
    for name in ("x", "w", "b", "x*w", "x*w + b", "tanh(x*w + b)"):
        assert texts[texts.index(name) + 2] == f"grad {number(want[name])}", name  # name, data, grad
    assert texts[texts.index("tanh(x*w + b)") + 1] == f"data {number(want['value'])}"


def test_backward_steps_with_the_buttons_and_the_arrow_keys(page, tmp_path):
    want = by_hand()
    # the step-through's own controls, every one of them (micrograd.viz.page writes them)
    from micrograd.viz import page as viewer

    shown = page.driver.execute_script(
        "return Array.from(document.querySelectorAll('#pg-steps [data-action], #pg-steps [data-control], #pg-steps .mg-scrubber'))"
        ".map(e => e.dataset.action || e.dataset.control || e.className);")
    written = [a or b for a, b in re.findall(r'data-(?:action|control)="([^"]+)"|class="(mg-scrubber)"', viewer._VIEWER)]
    assert shown == written and len(written) == 11, (shown, written)
    page.press("first")
    assert page.counter == "step 0 of 6" and page.current() == []
    assert "before backward" in page.caption
    seen, highlights = [], []
    for k in range(1, 7):
        if k <= 3:
            page.press("next")
        else:
            page.key("ARROW_RIGHT")
        assert page.counter == f"step {k} of 6"
        head = re.match(r"dL/d\((.*)\) = (\S+) is final", page.caption)
        assert head, page.caption
        name, grad = head.group(1), float(head.group(2))
        assert math.isclose(grad, want[name], rel_tol=1e-3), (name, grad)  # the caption's 4 digits
        assert page.current_grads() == [f"grad {number(want[name])}"]  # the highlighted node is that Value
        seen.append(name)
        highlights.append(page.current())
        if k == 1:
            assert "(1 - tanh(x*w + b)^2) * 1" in page.caption  # the rule, in this graph's names
        if k == 3:
            assert f"x.grad += w * {number(want['x*w'])} = -0.5 * " in page.caption
            photograph(page, tmp_path)  # mid-way: the current node, its edges and the rule
        if k == 4:  # back and forth with the keys
            page.key("ARROW_LEFT")
            assert page.counter == "step 3 of 6" and page.current() == highlights[2]
            page.key("ARROW_RIGHT")
            assert page.counter == "step 4 of 6"
    assert sorted(seen) == sorted(n for n in want if n != "value")  # each Value once
    assert seen.index("tanh(x*w + b)") < seen.index("x*w + b") < seen.index("x*w") < min(seen.index("x"), seen.index("w"))
    assert all(a != b for a, b in zip(highlights, highlights[1:]))
    assert page.driver.find_element("css selector", "#pg-steps button[data-action='next']").get_attribute("disabled") is not None
    # the same captions as the step-through of this graph made here, in CPython
    x, w, b = Value(X, "x"), Value(W, "w"), Value(B, "b")
    captions = micrograd.viz.step_frames((x * w + b).tanh()).captions
    page.key("HOME")
    for k in range(7):
        assert page.caption == condensed(captions[k])
        page.key("ARROW_RIGHT")
    assert page.counter == "step 6 of 6"


def photograph(page: Playground, tmp_path: Path) -> None:
    """The page with the step-through in view, as PNG: to $PLAYGROUND_SCREENSHOT, else into ``tmp_path``."""
    page.driver.execute_script("document.activeElement.blur(); document.getElementById('pg-steps').previousElementSibling.scrollIntoView();")
    screenshot = Path(os.environ.get("PLAYGROUND_SCREENSHOT") or tmp_path / "playground.png")
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    assert page.driver.save_screenshot(str(screenshot))
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_viewer_taken_off_the_page_lets_go_of_the_keys(page):
    """Each result replaces the step-through; the one taken away stops listening to the page's
    keys at the next key press, so listeners do not pile up with every expression tried."""
    for _ in range(3):
        page.enter(EXPRESSION, INPUTS)
    page.key("ARROW_RIGHT")
    assert page.counter == "step 1 of 6"  # the one on the page, one step
    document = page.driver.execute_cdp_cmd("Runtime.evaluate", {"expression": "document"})["result"]["objectId"]
    listeners = page.driver.execute_cdp_cmd("DOMDebugger.getEventListeners", {"objectId": document})["listeners"]
    assert [entry["type"] for entry in listeners].count("keydown") == 1


def test_the_program_is_micrograd_compile_s(page):
    x, w, b = Value(X, "x"), Value(W, "w"), Value(B, "b")
    source = micrograd.compile((x * w + b).tanh()).source
    assert page.text("pg-program") == source
    assert "out = tanh(v2)" in source


def test_the_page_fits_a_phone_without_sideways_scrolling(page):
    try:
        page.driver.set_window_size(420, 900)  # the width the course's pages fit (tests/course/test_site.py)
        wide = page.driver.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth];")
    finally:
        page.driver.set_window_size(1200, 900)
    assert wide[0] <= wide[1], f"the page is {wide[0]} px wide in a {wide[1]} px window"


@pytest.mark.parametrize("expression, inputs, says", [
    ("tanh(x*w + c)", INPUTS, ["column 12", "unbound name 'c'", "c=1.0"]),  # a name no input gives
    ("tanh(x*w + b)", "x=2 w=-0.5", ["unbound name 'b'", "names with values: w, x"]),  # an input missing
    ("tanh(x*w + b", INPUTS, ["column 5", "syntax error", "'(' was never closed"]),
    ("tanhh(x*w + b)", INPUTS, ["unknown function 'tanhh'"]),
    ("tanh(x*w + b)", "x=2 w=minus b=0.3", ["input 'w=minus'", "'minus' is not a number"]),
    ("tanh(x*w + b)", INPUTS + " q=1", ["input q is not in the expression 'tanh(x*w + b)'"]),
    ("-" * 5000 + "x", "x=2", ["column 801", "nested too deeply to parse"]),  # Python in WebAssembly's stack: refused first
])
def test_bad_input_shows_the_clear_message(page, expression, inputs, says):
    chromium.console_errors(page.driver)
    page.enter(expression, inputs)
    shown = page.error()
    for words in says:
        assert words in shown, shown
    assert not page.driver.find_element("id", "pg-results").is_displayed()
    assert chromium.console_errors(page.driver) == []  # said on the page; nothing failed
    page.enter(EXPRESSION, INPUTS)  # and the page still works
    assert page.error() == "" and page.driver.find_element("id", "pg-results").is_displayed()


def test_it_loads_with_progress_and_fetches_nothing_from_another_host(offline_browser, served, folder):
    driver = offline_browser
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})  # every file fetched again
    watch = driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": """
      window.statuses = [];
      new MutationObserver(() => {  // every text the status line shows, from the first
        const s = document.getElementById('pg-status');
        if (s && s.textContent !== window.statuses[window.statuses.length - 1]) window.statuses.push(s.textContent);
      }).observe(document, {childList: true, characterData: true, subtree: true});"""})
    try:
        chromium.requested_urls(driver)  # from here on
        chromium.console_errors(driver)
        page = Playground(driver)
        page.open(served + "?expr=sigmoid(a)%20*%20a&inputs=a%3D1.5")
        urls = chromium.requested_urls(driver)
        statuses = driver.execute_script("return window.statuses;")
    finally:
        driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": watch["identifier"]})
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})
    assert page.text("pg-table").startswith("sigmoid(a) * a = ")  # the expression of the address
    fetched = [u for u in urls if not u.startswith(("data:", "blob:"))]
    assert [u for u in fetched if not u.startswith(served)] == []
    names = {u[len(served):].split("?")[0] for u in fetched}
    assert {"pyodide/pyodide.asm.wasm", "pyodide/python_stdlib.zip", "viz/viz-global.js"} <= names
    assert any(re.fullmatch(r"wheels/micrograd_backprop-.*\.whl", n) for n in names)
    megabytes = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
    steps = [s.split("…")[0] for s in statuses]
    loading = [i for i, step in enumerate(steps) if re.fullmatch(r"loading Graphviz and Python \(WebAssembly, \d+ MB\)", step)]
    assert loading and loading[0] < steps.index("installing micrograd") < steps.index("ready"), steps
    said = int(re.search(r"\d+", steps[loading[0]]).group(0))
    assert abs(said - megabytes) <= 1, (said, megabytes)  # the folder's size, give or take the page's own small files
    assert chromium.console_errors(driver) == []


def test_a_browser_without_webassembly_is_told_so(offline_browser, served):
    driver = offline_browser
    gone = driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": "delete globalThis.WebAssembly;"})
    try:
        driver.get(served)
        message = Playground(driver).fatal()
    finally:
        driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": gone["identifier"]})
    assert "does not run WebAssembly" in message and "Python (Pyodide) and Graphviz" in message
    assert driver.find_element("id", "pg-compute").get_attribute("disabled") is not None


def test_a_page_opened_as_a_file_says_to_serve_it(offline_browser, folder):
    offline_browser.get(chromium.file_url(folder / "index.html"))
    message = Playground(offline_browser).fatal()
    assert "opened as a file" in message and "python -m http.server" in message
