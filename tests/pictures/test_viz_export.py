"""Frames of the backward pass: one before it and one per step, written as numbered SVG
files and one self-contained HTML page with a slider; files written atomically."""

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

import micrograd as mg
from micrograd import Value
from micrograd.viz import Frame, GraphvizNotFoundError, draw_dot, export_steps, step_frames, write_html, write_svg_frames
from test_viz_render import svg_texts

SVG = "{http://www.w3.org/2000/svg}"


def tanh_unit():
    x, w, b = Value(0.5, "x"), Value(-2.0, "w"), Value(1.5, "b")
    return (x * w + b).tanh(), (x, w, b)


def test_frames_run_the_backward_pass_one_picture_per_step():
    y, (x, w, b) = tanh_unit()
    frames = step_frames(y, rankdir="TB", fmt=".4f")
    assert len(frames) == 1 + len(mg.backward_order(y))
    assert frames[0].drawing.source.count("grad ?") == 6 and frames[0].caption.startswith("before backward")
    assert frames[1].caption.startswith("step 1 of 6: dL/d(tanh(x*w + b)) = 1.0000 is final")
    assert frames[3].caption.splitlines()[1] == f"  x.grad += w * {1 - 0.4621171572600098**2:.4f} = -2.0000 * {1 - 0.4621171572600098**2:.4f} = {x.grad:.4f}  (0.0000 -> {x.grad:.4f})"
    assert all("rankdir=TB" in f.drawing.source for f in frames)
    reference, _ = tanh_unit()
    reference.backward()
    assert [v.grad for v in mg.backward_order(y)] == [v.grad for v in mg.backward_order(reference)]


def test_options_set_per_frame_are_refused():
    y, _ = tanh_unit()
    for option in ("step", "grad", "title"):
        with pytest.raises(TypeError, match=f"{option}= is set for each frame"):
            step_frames(y, **{option: None})


def test_numbered_svg_files(dot_program, tmp_path):
    y, _ = tanh_unit()
    frames = step_frames(y)
    paths = write_svg_frames(frames, tmp_path / "frames")
    assert [p.name for p in paths] == [f"step_{k:03d}.svg" for k in range(7)]
    for path, frame in zip(paths, frames):
        texts = svg_texts(path.read_text(encoding="utf-8"))
        assert frame.caption.splitlines()[0] in texts or frame.caption in texts
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == [p.name for p in paths]  # no temporary files left


def test_old_frames_from_a_longer_run_are_removed(dot_program, tmp_path):
    long_graph, _ = tanh_unit()
    write_svg_frames(step_frames(long_graph), tmp_path, prefix="f")
    (tmp_path / "notes.svg").write_text("<svg/>")
    short = write_svg_frames(step_frames(Value(1.0, "x") * 2.0), tmp_path, prefix="f")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f_000.svg", "f_001.svg", "f_002.svg", "notes.svg"]
    assert [p.name for p in short] == ["f_000.svg", "f_001.svg", "f_002.svg"]


def test_files_that_are_not_stale_frames_are_kept(dot_program, tmp_path):
    mine = ["f_1.svg", "f_7.svg", "f_x.svg", "g_005.svg", "f_005.txt"]
    for name in mine + ["f_005.svg"]:
        (tmp_path / name).write_text("<svg/>")
    write_svg_frames(step_frames(Value(1.0, "x") * 2.0), tmp_path, prefix="f")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(mine + ["f_000.svg", "f_001.svg", "f_002.svg"])


@pytest.mark.parametrize("write", [write_svg_frames, write_html])
def test_no_frames_or_a_non_frame_is_refused_and_nothing_is_touched(write, tmp_path):
    (tmp_path / "step_005.svg").write_text("<svg/>")
    with pytest.raises(ValueError, match=rf"{write.__name__}: frames is empty"):
        write([], tmp_path if write is write_svg_frames else tmp_path / "page.html")
    with pytest.raises(TypeError, match=rf"{write.__name__}: frames\[1\] must be a Frame or a draw_dot Drawing, got int: 3"):
        write([draw_dot(Value(1.0) * 2.0), 3], tmp_path if write is write_svg_frames else tmp_path / "page.html")
    assert [p.name for p in tmp_path.iterdir()] == ["step_005.svg"]


def test_a_page_from_a_generator_of_frames_has_every_caption(dot_program, tmp_path):
    frames = step_frames(Value(1.0, "x") * 2.0)
    write_html((f for f in frames), tmp_path / "page.html")
    data = page_data((tmp_path / "page.html").read_text(encoding="utf-8"))
    assert [f["caption"] for f in data["frames"]] == [f.caption for f in frames]
    assert [f["counter"] for f in data["frames"]] == ["frame 1 of 3", "frame 2 of 3", "frame 3 of 3"]


class Page(HTMLParser):
    """What the page holds: its buttons, scripts, pictures and outside references."""

    def __init__(self):
        super().__init__()
        self.buttons, self.scripts, self.pictures, self.outside = [], 0, 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "button":
            self.buttons.append(attrs["data-action"])
        if tag == "script":
            self.scripts += 1
        if tag == "div" and attrs.get("class") == "mg-picture":
            self.pictures += 1
        for ref in ("src", "href"):
            if ref in attrs:
                self.outside.append(attrs[ref])


def page_data(text):
    """The frames' data the page's script reads (JSON in a script element)."""
    found = re.search(r'<script type="application/json" class="mg-data">(.*?)</script>', text, re.S)
    return json.loads(found.group(1))


def test_one_self_contained_html_page(dot_program, tmp_path):
    y, _ = tanh_unit()
    export = export_steps(y, tmp_path / "out", legend=True, fmt=".4f")
    assert [p.name for p in export.svgs] == [f"step_{k:03d}.svg" for k in range(7)]
    text = export.html.read_text(encoding="utf-8")
    page = Page()
    page.feed(text)
    assert page.buttons == ["first", "prev", "play", "next", "last", "details", "zoom-out", "fit", "zoom-in"]
    assert page.scripts == 2 and page.outside == []  # data and code inline: no file or network needed
    assert page.pictures == 1 and len(re.findall(r"<svg\b", text)) == 1  # one layout, restyled per frame
    data = page_data(text)
    assert [f["counter"] for f in data["frames"]] == [f"step {k} of 6" for k in range(7)]  # one counter
    assert data["frames"][3]["caption"].splitlines()[1] == "  x.grad += w * 0.7864 = -2.0000 * 0.7864 = -1.5729  (0.0000 -> -1.5729)"
    assert "step 3 of 6" not in data["frames"][3]["caption"]
    assert 'class="mg-legend"' in text and "gradient pending" in text
    assert "<?xml" not in text and "<!DOCTYPE svg" not in text


def test_html_from_drawings_of_your_own(dot_program, tmp_path):
    a = Value(3.0, "a")
    path = write_html([draw_dot(a), Frame(draw_dot(a * a), "a squared & <more>")], tmp_path / "two.html", title="two <pictures>")
    text = path.read_text(encoding="utf-8")
    assert "<title>two &lt;pictures&gt;</title>" in text and "a squared &amp; &lt;more&gt;" not in text  # caption 0 shows first
    assert page_data(text)["frames"][1]["caption"] == "a squared & <more>"
    page = Page()
    page.feed(text)
    assert page.pictures == 2
    svg = re.findall(r"<svg\b.*?</svg>", text, re.S)[0]
    assert ET.fromstring(svg).tag == f"{SVG}svg"


def test_without_dot_no_file_is_written(no_dot, tmp_path):
    y, _ = tanh_unit()
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        export_steps(y, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    with pytest.raises(GraphvizNotFoundError):
        write_html(step_frames(y), tmp_path / "page.html")
    assert list(tmp_path.iterdir()) == []


def test_a_bad_prefix_is_refused(tmp_path):
    with pytest.raises(ValueError, match="write_svg_frames: prefix must be a plain file-name part"):
        write_svg_frames(step_frames(Value(1.0) * 2.0), tmp_path, prefix="../up")
