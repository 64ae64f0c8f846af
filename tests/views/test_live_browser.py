"""The replay page of a real training run in headless Chromium: it loads without console
errors; the buttons, the arrow keys, the scrubber and play move through the recorded
snapshots, and the caption's loss, the boundary canvas, the curves' marker and the network
change with them; the gradient toggle redraws the edges. Also saves the picture of the
page the README shows (docs/images/live-replay.png), at 1,000 px wide."""

import json
import re

import pytest

import nn
from browser import Page, console_errors, file_url
from nn import TrainingRecorder, write_replay
from repository import ROOT

SCREENSHOT = ROOT / "docs" / "images" / "live-replay.png"
STATE = """const canvas = document.querySelector('.mg-canvas');
return {caption: document.querySelector('.mg-caption').textContent,
        scrubber: Number(document.querySelector('.mg-scrubber').value),
        boundary: canvas.toDataURL(),
        marker: document.querySelector('.mg-mark-loss').getAttribute('cx'),
        edges: Array.from(document.querySelectorAll('.mg-network line[data-e]')).map(e => e.getAttribute('stroke-width') + e.getAttribute('stroke')),
        units: Array.from(document.querySelectorAll('.mg-network circle[data-u]')).map(u => u.getAttribute('fill'))};"""


@pytest.fixture(scope="module")
def run_page(tmp_path_factory):
    xs, ys = nn.moons(60, noise=0.1, seed=0)
    net = nn.MLP(2, [8, 8, 1], seed=1)
    recorder = TrainingRecorder(max_frames=60)
    nn.train(net, xs, ys, loss="bce_with_logits", optimizer=nn.Adam(net.parameters(), lr=0.03), epochs=30,
             mode="minibatch", batch_size=10, monitor=recorder, progress=False)
    path = write_replay(recorder.history, tmp_path_factory.mktemp("replay") / "run.html", title="two moons, 2-8-8-1, Adam")
    captions = json.loads(re.search(r"const RUN = (\{.*?\});\n", path.read_text(encoding="utf-8"), re.S).group(1))["captions"]
    return path, captions


class ReplayPage(Page):
    """The replay page under test."""

    def state(self):
        return self.driver.execute_script(STATE)


@pytest.fixture
def page(browser, run_page):
    path, captions = run_page
    browser.set_window_size(1000, 900)
    browser.get(file_url(path))
    console_errors(browser)
    return ReplayPage(browser), captions


def loss_of(caption):
    return re.search(r"loss (\S+)", caption).group(1)


def test_it_loads_without_console_errors_at_the_first_snapshot(page):
    p, captions = page
    assert len(captions) == 61 and captions[0].startswith("step 0 of 180 · epoch 0 of 30")
    s = p.state()
    assert s["caption"] == captions[0] and s["scrubber"] == 0
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
    WebDriverWait(p.driver, 60, poll_frequency=0.05).until(lambda d: p.state()["scrubber"] >= 3)
    p.key("SPACE")  # pause
    paused = p.state()["scrubber"]
    assert 3 <= paused < len(captions) - 1
    assert p.driver.find_element("css selector", "button[data-action='play']").text == "▶ play"
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


def test_the_readme_picture_shows_every_view_at_1000_px(page):
    p, captions = page
    driver = p.driver
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1000, "height": height, "deviceScaleFactor": 1, "mobile": False})
    try:
        assert driver.execute_script("return [window.innerWidth, window.innerHeight]") == [1000, height]
        driver.execute_script("const s = document.querySelector('.mg-scrubber'); s.value = 20; s.dispatchEvent(new Event('input'));")
        for view in (".mg-canvas", ".mg-curves", ".mg-network", ".mg-legend", ".mg-caption", ".mg-controls"):
            box = driver.execute_script(f"const r = document.querySelector('{view}').getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom];")
            assert box[0] >= 0 and box[1] >= 0 and box[2] <= 1000 and box[3] <= height, (view, box)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(SCREENSHOT))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert console_errors(driver) == []
