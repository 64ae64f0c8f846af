"""``nn.train(..., live=True)`` in a real front end, JupyterLab 4 and Notebook 7 in headless
Chromium: while the cell trains, "pause" stops the run, "step ▶" trains to the next snapshot,
"pause" again (or play) goes on, as often as the reader likes; a cell queued behind the
training waits while it is paused and runs once it is done. test_live_pause.py's fake front
end stands in for two things checked here for real: the browser sends a widget's next state
only after the kernel said "idle" for its previous one, and sends widget messages to a
subshell. Before kernel_events answered each message as the kernel does between cells, these
runs stayed "paused at step N" (play: on snapshot 0) in both apps."""

import re

import pytest

pytestmark = pytest.mark.notebooks  # the cells run in a Jupyter kernel (and the page in Chromium)

EPOCHS = 8000  # the full batch, one step per epoch: a snapshot every 80 steps, 10-20 s unpaused
EVERY = EPOCHS // 100
TRAIN = f"""import nn
xs, ys = nn.moons(20, noise=0.1, seed=0)
history = nn.train(nn.MLP(2, [4, 1], seed=1), xs, ys, loss="bce_with_logits", lr=0.1, epochs={EPOCHS}, live=True)
print("returned", len(history.loss))"""
NEXT = 'print("the next cell")'
CLICK_S = 60  # a click's effect shown (the kernel reads the clicks at every snapshot); only stops a hang
RUN_S = 300  # the whole run, on a shared 2-core machine; only stops a hang
CAPTION, STATUS = ".widget-html-content > b", "div.widget-label"


class LiveView:
    """The live view in cell 0 of ``page``, as the reader sees it."""

    def __init__(self, page):
        self.page = page

    def shown(self):
        return {"caption": self.page.texts(0, CAPTION), "status": self.page.texts(0, STATUS),
                "stderr": self.page.errors(0), "kernel": self.page.kernel_status()}

    def step(self):
        found = re.match(r"step (\d+) of", "".join(self.page.texts(0, CAPTION)))
        return int(found.group(1)) if found else None

    def status(self):
        return "".join(self.page.texts(0, STATUS))

    def paused_at(self):
        found = re.match(r"paused at step (\d+):", self.status())
        return int(found.group(1)) if found else None

    def wait(self, holds, what, timeout=CLICK_S):
        return self.page.wait(holds, timeout, what, shown=self.shown)

    def click(self, label):
        self.page.click(0, label)

    def start(self):
        """Run the training cell and the next one behind it; wait for the first snapshots."""
        self.page.run(0)
        self.wait(lambda: (self.step() or 0) >= 2 * EVERY and self.page.button(0, "pause").is_enabled(), "training", RUN_S)
        self.page.run(1)

    def pause(self):
        """Press "pause" while training: the run stops at a snapshot, the view on it."""
        self.click("pause")
        step = self.wait(self.paused_at, "pause")
        assert step % EVERY == 0 and step < EPOCHS and self.step() == step
        assert self.page.execution_count(1) is None and self.page.stdout(1) == ""  # the next cell waits
        return step

    def going_on_from(self, step):
        """The run goes on from ``step``: the status says training, the view follows, and the
        page shows the kernel busy (each click was answered with "idle", then "busy" again)."""
        self.wait(lambda: self.status().startswith("training") and (self.step() or 0) > step, f"training on from step {step}")
        self.wait(lambda: self.page.kernel_status() == "busy", "busy kernel while the cell trains")

    def finish(self):
        """The run ends, nn.train returns, then the cell queued behind it runs."""
        self.wait(lambda: self.status().startswith("done:"), "end of the run", RUN_S)
        assert self.step() == EPOCHS and not self.page.button(0, "pause").is_enabled()
        self.wait(lambda: self.page.stdout(1) == "the next cell\n" and self.page.execution_count(1), "the next cell, run")
        assert self.page.stdout(0) == f"returned {EPOCHS}\n" and self.page.errors(0) == ""
        assert self.page.execution_count(1) == self.page.execution_count(0) + 1
        self.wait(lambda: self.page.kernel_status() == "idle", "idle kernel after the cells")
        # the run's replay came as the output's static form (update_display): the app still shows the widget
        assert self.step() == EPOCHS and self.status().startswith("done:")
        assert self.page.cell(0).find_elements("css selector", ".jupyter-widgets button")
        assert not self.page.cell(0).find_elements("css selector", "iframe")


def test_pause_step_and_go_on_as_often_as_you_like_while_the_cell_trains(jupyter):
    view = LiveView(jupyter.open("pause.ipynb", [TRAIN, NEXT]))
    view.start()
    step = view.pause()
    view.click("step ▶")  # trains to the next snapshot and pauses again
    view.wait(lambda: view.paused_at() == step + EVERY, f"a pause at step {step + EVERY}")
    assert view.step() == step + EVERY
    view.click("pause")  # go on: the pause button's second message
    view.going_on_from(step + EVERY)
    again = view.pause()  # and its third, fourth
    view.click("pause")
    view.going_on_from(again)
    view.finish()


def test_play_while_paused_goes_on(jupyter):
    view = LiveView(jupyter.open("play.ipynb", [TRAIN, NEXT]))
    view.start()
    step = view.pause()
    view.click("play")
    view.going_on_from(step)
    view.finish()


READABLE = 4.5  # WCAG 2's minimum contrast for text
TEXTS = {"caption": CAPTION, "status and slider labels": STATUS, "buttons": "button", "slider value": ".widget-readout"}


def readable(page):
    """Every text of the caption and the controls with its contrast against what is behind it,
    from the browser's computed styles: ``{(what, text): ratio}``."""
    found = {}
    for what, css in TEXTS.items():
        elements = page.cell(0).find_elements("css selector", css)
        assert elements, f"no {what} ({css}) in the live view"
        for element in elements:
            colours = page.colours(element)
            assert colours["visible"] and colours["opacity"] == 1, (what, element.text, colours)
            label = element.text or element.get_attribute("title") or element.get_attribute("innerHTML")[:40]
            found[(what, label)] = round(colours["contrast"], 2)
    return found


def test_the_caption_and_controls_are_readable_in_the_light_and_the_dark_theme(jupyter_lab):
    from jupyter_front import DARK, LIGHT

    view = LiveView(jupyter_lab.open("themes.ipynb", [TRAIN, NEXT]))
    view.start()
    view.pause()  # every control enabled, "pause" pressed
    try:
        for theme in (LIGHT, DARK):
            view.page.theme(theme)
            ratios = readable(view.page)
            assert len(ratios) >= 8 and all(r >= READABLE for r in ratios.values()), (theme, ratios)
    finally:
        view.page.theme(LIGHT)  # the server's setting: the next page opens light again
