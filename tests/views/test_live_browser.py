"""The replay page of a real training run in headless Chromium.

The page ``micrograd train --html`` writes (the real command, in a subprocess): it loads
without console errors; its last snapshot shows the numbers of the terminal's last line;
at 420 and 1,000 px it never scrolls sideways and its controls stay in view as it
scrolls; the boundary has its class key and the curves their ticks; every text reads at
4.5:1 in light and dark; the scrubber says "step N of M". The buttons, the arrow keys,
the scrubber and play move through the snapshots, and the caption, the boundary, the
curves' markers and the network follow; the gradient toggle redraws the edges. The
boundary the page's script computes is the one Python computes, for one output, for three
outputs with prelu and elu, and for a custom activation (carried by the page). Also saves
the picture of the page the README shows (docs/images/live-replay.png), at 1,000 px wide."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys

import pytest

import micrograd
import nn
from browser import Page, console_errors, file_url
from nn import TrainingRecorder, write_replay
from nn.views import javascript, panels
from repository import ROOT

SCREENSHOT = ROOT / "docs" / "images" / "live-replay.png"
STATE = """const image = document.querySelector('image.mg-boundary-cells');
const dot = document.querySelector('.mg-mark-loss circle');
return {caption: document.querySelector('.mg-caption').textContent,
        scrubber: Number(document.querySelector('.mg-scrubber').value),
        valuetext: document.querySelector('.mg-scrubber').getAttribute('aria-valuetext'),
        boundary: image.getAttribute('href'), codes: image.getAttribute('data-codes'),
        marker: [dot.getAttribute('cx'), dot.getAttribute('cy')],
        edges: Array.from(document.querySelectorAll('.mg-network line[data-e]')).map(e => e.getAttribute('stroke-width') + e.getAttribute('stroke')),
        units: Array.from(document.querySelectorAll('.mg-network circle[data-u]')).map(u => u.getAttribute('fill'))};"""
LAYOUT = """const controls = document.querySelector('.mg-controls').getBoundingClientRect();
const buttons = Array.from(document.querySelectorAll('.mg-controls button, .mg-scrubber')).map(b => b.getBoundingClientRect());
return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, height: window.innerHeight,
        controls: [controls.top, controls.bottom],
        buttons: buttons.map(b => [b.left, b.top, b.right, b.bottom]),
        views: Array.from(document.querySelectorAll('.mg-view')).map(v => v.getBoundingClientRect().right)};"""
# Every piece of visible text: its colour, and the colour behind it (the first opaque
# background up its ancestors, else the page's).
TEXTS = """
function background(e) {
  for (; e && e.nodeType === 1; e = e.parentElement) {
    const c = getComputedStyle(e).backgroundColor;
    if (c && c !== 'transparent' && !/rgba\\(.*, 0\\)$/.test(c)) return c;
  }
  return getComputedStyle(document.documentElement).backgroundColor;
}
const out = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  if (!n.textContent.trim()) continue;
  const e = n.parentElement;
  if (e.closest('script, style, title, desc')) continue;
  const r = e.getBoundingClientRect(), s = getComputedStyle(e);
  if (r.width === 0 || s.visibility === 'hidden' || s.display === 'none') continue;
  const svg = e instanceof SVGElement;
  out.push([n.textContent.trim().slice(0, 40), svg ? s.fill : s.color, background(svg ? e.ownerSVGElement.parentElement : e)]);
}
return out;
"""


def rgb(text: str) -> tuple[float, ...]:
    return tuple(float(v) for v in re.findall(r"[\d.]+", text)[:3])


def contrast(a: str, b: str) -> float:
    def luminance(colour):
        lin = [c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb(colour)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    la, lb = sorted((luminance(a), luminance(b)))
    return (lb + 0.05) / (la + 0.05)


# --- the page of the real command --------------------------------------------------------------


@pytest.fixture(scope="module")
def command_page(tmp_path_factory):
    """``micrograd train --dataset moons --epochs 30 --html run.html``, run as a user does."""
    path = tmp_path_factory.mktemp("command") / "run.html"
    done = subprocess.run([sys.executable, "-m", "micrograd", "train", "--dataset", "moons", "--epochs", "30", "--no-progress",
                           "--html", str(path)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    final = next(line for line in done.stdout.splitlines() if line.startswith("final "))
    return path, final


def open_page(browser, path, width=1000, height=900):
    browser.set_window_size(width, height)
    browser.get(file_url(path))
    return console_errors(browser)


def test_the_last_snapshot_shows_the_terminals_last_line(browser, command_page):
    path, final = command_page
    assert open_page(browser, path) == []
    page = Page(browser)
    page.key("END")
    caption = browser.find_element("css selector", ".mg-caption").text
    loss, accuracy = re.search(r"final loss (\S+), accuracy (\S+) on all 100 points, after training", final).groups()
    assert f"loss {loss} · accuracy {accuracy}" in caption
    assert re.fullmatch(r"step 210 of 210 · epoch 30 of 30 · loss \S+ · accuracy \S+% · lr \S+", caption)
    definitions = browser.find_element("css selector", ".mg-definitions").text
    assert "on all 100 samples, with the weights as they are after the step shown" in definitions
    assert "micrograd train prints last" in definitions
    assert console_errors(browser) == []


@pytest.mark.parametrize("width", [420, 1000])
def test_no_sideways_scroll_and_the_controls_stay_in_reach(browser, command_page, width):
    path, _ = command_page
    assert open_page(browser, path, width, 800) == []
    browser.execute_script("window.scrollTo(0, document.documentElement.scrollHeight)")
    layout = browser.execute_script(LAYOUT)
    assert layout["scroll"] <= layout["inner"], layout
    assert max(layout["views"]) <= layout["inner"]
    top, bottom = layout["controls"]
    assert browser.execute_script("return window.scrollY") > 300  # the page did scroll ...
    assert top >= 0 and bottom <= layout["height"]  # ... and the controls came along
    for left, b_top, right, b_bottom in layout["buttons"]:
        assert 0 <= left and right <= layout["inner"] and 0 <= b_top and b_bottom <= layout["height"]
    browser.find_element("css selector", "button[data-action='last']").click()  # clickable there
    assert browser.find_element("css selector", ".mg-caption").text.startswith("step 210 of 210")
    assert console_errors(browser) == []


def test_the_boundary_has_its_class_key_and_the_curves_their_ticks(browser, command_page):
    path, _ = command_page
    open_page(browser, path)
    keys = browser.execute_script(
        "return Array.from(document.querySelectorAll('.mg-boundary-view .mgp-legend text')).map(t => t.textContent)")
    assert "class 0" in keys and "class 1" in keys
    swatches = browser.execute_script(
        "return Array.from(document.querySelectorAll('.mg-boundary-view .mgp-class')).map(g => g.querySelector('circle, path').getAttribute('fill'))")
    assert swatches[:2] == [panels.class_colour(0), panels.class_colour(1)]
    for view in (".mg-boundary-view", ".mg-curves-view"):
        ticks = browser.execute_script(f"return Array.from(document.querySelectorAll('{view} .mgp-ticks text')).map(t => t.textContent)")
        numbers = [float(t.replace("−", "-")) for t in ticks]
        assert len(numbers) >= 8, (view, ticks)
    loss_ticks = browser.execute_script("""const plot = document.querySelector('.mg-curves-view svg.mgp-panel');
        return Array.from(plot.querySelectorAll('.mgp-ticks text')).map(t => t.textContent)""")
    assert {"0", "0.2", "0.4", "0.6"} <= set(loss_ticks)  # the loss from 0 past 0.69: more than its two ends


def test_every_text_reads_at_4_5_to_1_in_light_and_dark(browser, command_page):
    path, _ = command_page
    try:
        for scheme, page_colour in (("light", (255, 255, 255)), ("dark", (17, 17, 17))):
            browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
            open_page(browser, path)
            assert rgb(browser.execute_script("return getComputedStyle(document.body).backgroundColor")) == page_colour
            texts = browser.execute_script(TEXTS)
            assert len(texts) > 40
            poor = [(t, fg, bg, round(contrast(fg, bg), 2)) for t, fg, bg in texts if contrast(fg, bg) < 4.5]
            assert poor == [], (scheme, poor)
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def test_pictures_are_labelled_and_the_scrubber_says_the_step(browser, command_page):
    path, _ = command_page
    open_page(browser, path)
    labels = browser.execute_script("return Array.from(document.querySelectorAll('.mg-views > figure > svg')).map(s => [s.getAttribute('role'), s.getAttribute('aria-label')])")
    assert len(labels) == 3 and all(role == "img" and label for role, label in labels)
    scrubber = browser.find_element("css selector", ".mg-scrubber")
    assert scrubber.get_attribute("aria-valuetext") == "step 0 of 210"
    assert browser.find_element("css selector", ".mg-caption").get_attribute("aria-live") == "polite"
    Page(browser).key("ARROW_RIGHT")
    assert re.fullmatch(r"step \d+ of 210", scrubber.get_attribute("aria-valuetext"))
    assert scrubber.get_attribute("aria-valuetext") != "step 0 of 210"


# --- pages from the Python API: every control, and the boundary the script computes ------------


@pytest.fixture(scope="module")
def run_page(tmp_path_factory):
    xs, ys = nn.moons(60, noise=0.1, seed=0)
    net = nn.MLP(2, [8, 8, 1], seed=1)
    recorder = TrainingRecorder(max_frames=60)
    nn.train(net, xs, ys, loss="bce_with_logits", optimizer=nn.Adam(net.parameters(), lr=0.03), epochs=30,
             mode="minibatch", batch_size=10, monitor=recorder, progress=False)
    path = write_replay(recorder.history, tmp_path_factory.mktemp("replay") / "run.html", title="two moons, 2-8-8-1, Adam")
    captions = json.loads(re.search(r"const RUN = (\{.*?\});\n", path.read_text(encoding="utf-8"), re.S).group(1))["captions"]
    return path, captions, recorder.history


class ReplayPage(Page):
    """The replay page under test."""

    def state(self):
        return self.driver.execute_script(STATE)


@pytest.fixture
def page(browser, run_page):
    path, captions, _ = run_page
    assert open_page(browser, path) == []
    return ReplayPage(browser), captions


def loss_of(caption):
    return re.search(r"loss (\S+)", caption).group(1)


def test_it_loads_without_console_errors_at_the_first_snapshot(page):
    p, captions = page
    assert len(captions) == 61 and captions[0].startswith("step 0 of 180 · epoch 0 of 30")
    s = p.state()
    assert s["caption"] == captions[0] and s["scrubber"] == 0 and s["valuetext"] == "step 0 of 180"
    assert s["boundary"].startswith("data:image/png;base64,") and len(s["codes"]) == 40 * 40
    assert len(s["edges"]) == 2 * 8 + 8 * 8 + 8 and len(s["units"]) == 2 + 8 + 8 + 1
    assert console_errors(p.driver) == []


def test_buttons_and_arrow_keys_step_through_and_everything_follows(page):
    p, captions = page
    start = p.state()
    p.press("next")
    one = p.state()
    assert one["caption"] == captions[1] and one["scrubber"] == 1 and loss_of(one["caption"]) != loss_of(start["caption"])
    assert one["boundary"] != start["boundary"] and one["marker"] != start["marker"]
    assert one["edges"] != start["edges"] and one["units"] != start["units"]
    p.key("ARROW_RIGHT")
    p.key("ARROW_RIGHT")
    assert p.state()["caption"] == captions[3]
    p.key("ARROW_LEFT")
    assert p.state()["caption"] == captions[2]
    p.key("END")
    end = p.state()
    assert end["caption"] == captions[-1] and end["caption"].startswith("step 180 of 180 · epoch 30 of 30")
    p.key("ARROW_RIGHT")  # stays at the last
    assert p.state()["caption"] == captions[-1]
    p.key("HOME")
    assert p.state() == start  # the first snapshot drawn again, exactly as at load
    p.press("last")
    assert p.state() == end
    p.press("prev")
    p.press("first")
    assert p.state()["caption"] == captions[0]
    assert console_errors(p.driver) == []


def test_space_on_a_focused_button_presses_only_that_button(page):
    p, captions = page
    p.driver.find_element("css selector", "button[data-action='next']").send_keys(" ")
    assert p.state()["caption"] == captions[1]  # the button's own press, not play as well
    assert p.driver.find_element("css selector", "button[data-action='play']").text == "▶ play"


def test_the_scrubber_shows_the_snapshot_it_points_at(page):
    p, captions = page
    p.driver.execute_script("const s = document.querySelector('.mg-scrubber'); s.value = 40; s.dispatchEvent(new Event('input'));")
    assert p.state()["caption"] == captions[40]
    assert console_errors(p.driver) == []


def test_play_runs_to_the_last_snapshot_and_space_pauses(page):
    from selenium.webdriver.support.ui import WebDriverWait

    p, captions = page
    start = p.state()
    p.press("play")
    assert p.driver.find_element("css selector", ".mg-caption").get_attribute("aria-live") == "off"  # not read out at every frame
    WebDriverWait(p.driver, 60, poll_frequency=0.05).until(lambda d: p.state()["scrubber"] >= 3)
    p.driver.find_element("css selector", "body").click()
    p.key("SPACE")  # pause
    paused = p.state()["scrubber"]
    assert 3 <= paused < len(captions) - 1
    assert p.driver.find_element("css selector", "button[data-action='play']").text == "▶ play"
    assert p.driver.find_element("css selector", ".mg-caption").get_attribute("aria-live") == "polite"
    p.key("SPACE")  # play on
    WebDriverWait(p.driver, 60).until(lambda d: p.state()["caption"] == captions[-1])
    end = p.state()
    assert end["boundary"] != start["boundary"] and end["marker"] != start["marker"]
    assert console_errors(p.driver) == []


def test_the_gradient_toggle_redraws_the_edges(page):
    p, captions = page
    p.press("last")
    weights = p.state()["edges"]
    p.driver.find_element("css selector", ".mg-gradients").click()
    gradients = p.state()["edges"]
    assert gradients != weights
    assert max(float(re.match(r"[0-9.]+", e).group()) for e in gradients) == 6  # this step's largest |dL/dw|: full width
    assert "dL/dw" in p.driver.find_element("css selector", ".mg-legend").text
    p.press("first")  # no gradient before the first step: the weights, and the legend says so
    with_toggle = p.state()["edges"]
    assert p.driver.find_element("css selector", ".mg-legend").text.startswith("No gradient at step 0")
    p.driver.find_element("css selector", ".mg-gradients").click()
    assert p.state()["edges"] == with_toggle
    assert console_errors(p.driver) == []


def test_the_markers_sit_on_the_curves_at_each_step(page, run_page):
    p, captions = page
    _, _, history = run_page
    frames = [plot.frame() for plot in panels.curve_plots(history, history.frames)]
    p.press("last")
    cx, cy = (float(v) for v in p.state()["marker"])
    last = history.frames[-1]
    assert (cx, cy) == pytest.approx((frames[0].x(last.step), frames[0].y(last.loss)), abs=0.06)
    line = p.driver.execute_script("return document.querySelector('.mg-mark-line').getBoundingClientRect().left")
    dot = p.driver.execute_script("const b = document.querySelector('.mg-mark-loss circle').getBoundingClientRect(); return (b.left + b.right) / 2")
    assert line == pytest.approx(dot, abs=1.5)


def test_the_boundary_the_page_draws_is_the_one_python_computes(page, run_page):
    p, captions = page
    _, _, history = run_page
    for k in (0, 30, len(captions) - 1):
        p.driver.execute_script(f"const s = document.querySelector('.mg-scrubber'); s.value = {k}; s.dispatchEvent(new Event('input'));")
        assert p.state()["codes"] == panels.boundary_codes(history, history.frames[k]), k


@pytest.mark.parametrize("activations, custom", [(["prelu", "elu", "identity"], False), (["tanh", "identity"], True)])
def test_three_classes_and_a_custom_activation_draw_the_same_boundary(browser, tmp_path, activations, custom):
    xs, ys = nn.spiral(60, seed=0)
    if custom:
        def odd_tanh(u):
            return u.tanh()
        activations = [odd_tanh, *activations[1:]]
    net = nn.MLP(2, [6] * (len(activations) - 1) + [3], activations, seed=2)
    recorder = TrainingRecorder(max_frames=10)
    nn.train(net, xs, ys, loss="softmax_cross_entropy", optimizer="adam", lr=0.05, epochs=10, monitor=recorder, progress=False)
    history = recorder.history
    assert (javascript.network(history) is None) == custom
    path = write_replay(history, tmp_path / "run.html")
    assert open_page(browser, path) == []
    page = ReplayPage(browser)
    page.key("END")
    drawn = page.state()["codes"]
    assert drawn == panels.boundary_codes(history, history.frames[-1])
    assert len(set(drawn)) > 3  # three classes, several shades
    assert console_errors(browser) == []


def test_each_activation_in_the_page_is_its_rows_forward(browser, tmp_path):
    names = [name for name in nn.ACTIVATIONS]
    points = [0.0, -0.0, 1e-9, -1e-9, 0.5, -0.5, 2.5, -2.5, 20.0, -20.0, 700.0, -700.0]
    functions = ", ".join(javascript.activation(name) for name in names)
    page = tmp_path / "activations.html"
    page.write_text(f"<!DOCTYPE html><html><body><script>{javascript.HELPERS}\nconst F = [{functions}];</script></body></html>")
    open_page(browser, page)
    for k, name in enumerate(names):
        op = micrograd.OPS[name]
        alpha = float(op.defaults[0]) if op.arity == 2 else None
        got = browser.execute_script(f"return {json.dumps(points)}.map(x => F[{k}](x, {json.dumps(alpha)}))")
        for x, y in zip(points, got):
            want = op.forward(x, alpha) if op.arity == 2 else op.forward(x)
            assert y == pytest.approx(want, rel=1e-13, abs=1e-300), (name, x)
    nan = browser.execute_script("return F.map(f => f(NaN, 0.25))")
    assert all(v is None for v in nan)  # NaN passes through every row, as in Python (JSON null)
    assert all(math.isnan(micrograd.OPS[name].forward(math.nan, 0.25) if micrograd.OPS[name].arity == 2 else micrograd.OPS[name].forward(math.nan))
               for name in names)


def test_the_readme_picture_shows_every_view_at_1000_px(page):
    p, captions = page
    driver = p.driver
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1000, "height": height, "deviceScaleFactor": 1, "mobile": False})
    try:
        assert driver.execute_script("return [window.innerWidth, window.innerHeight]") == [1000, height]
        driver.execute_script("const s = document.querySelector('.mg-scrubber'); s.value = 40; s.dispatchEvent(new Event('input'));")
        for view in (".mg-boundary-view", ".mg-curves-view", ".mg-network", ".mg-legend", ".mg-caption", ".mg-controls"):
            box = driver.execute_script(f"const r = document.querySelector('{view}').getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom];")
            assert box[0] >= 0 and box[1] >= 0 and box[2] <= 1000 and box[3] <= height, (view, box)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(SCREENSHOT))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert console_errors(driver) == []
