"""The backward pass as frames: numbered SVG files, and one self-contained HTML page
holding every frame's SVG inline with a slider and a few lines of JavaScript to show
one at a time. Plain files that open in any browser, offline; chosen over an animated
GIF, which would need an image library besides Graphviz."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Any, NamedTuple, Sequence

from .. import Value
from ..files import write_atomically
from .draw import draw_dot
from .render import Drawing
from .steps import backward_steps

BEFORE = "before backward: the forward pass is done, no gradient computed yet"


class Frame(NamedTuple):
    """One picture of the backward pass and the words that go with it."""

    drawing: Drawing
    caption: str


class Export(NamedTuple):
    """What ``export_steps`` wrote."""

    svgs: list[Path]
    html: Path


def step_frames(root: Value, **draw_options: Any) -> list[Frame]:
    """Frame 0: the graph before backward ("grad ?"); then one frame per step of
    ``backward_steps(root)``. This runs the backward pass: afterwards the gradients are
    what ``root.backward()`` gives. ``draw_options`` go to ``draw_dot`` (fmt, rankdir,
    params, group, collapse, legend, max_nodes). Each frame draws the whole graph, so
    n Values make n + 1 pictures of n Values: meant for graphs you can read."""
    for taken in ("step", "grad", "title"):
        if taken in draw_options:
            raise TypeError(f"step_frames: {taken}= is set for each frame and cannot be passed")
    fmt = draw_options.get("fmt", ".4f")
    frames = [Frame(draw_dot(root, grad=False, title=BEFORE, **draw_options), BEFORE)]
    for step in backward_steps(root):
        frames.append(Frame(draw_dot(root, step=step, **draw_options), step.describe(fmt)))
    return frames


def render_svg(drawing: Drawing) -> str:
    """The drawing as SVG text (runs Graphviz's dot; ``GraphvizNotFoundError`` without it)."""
    return drawing.pipe(format="svg", encoding="utf-8")


def write_svg_frames(frames: Sequence[Frame | Drawing], directory: str | os.PathLike, prefix: str = "step") -> list[Path]:
    """Write ``{prefix}_000.svg``, ``{prefix}_001.svg``, ... into ``directory`` (created
    if needed), each atomically, and remove the frames numbered past this run's last
    (``{prefix}_<3 or more digits>.svg``, left over from a longer graph); other files are
    never touched. All frames are rendered before any file is written."""
    _check_prefix(prefix, "write_svg_frames")
    return _write_svgs([render_svg(d) for d in _drawings(frames, "write_svg_frames")], Path(directory), prefix)


def write_html(frames: Sequence[Frame | Drawing], path: str | os.PathLike, title: str = "micrograd: backward, step by step") -> Path:
    """Write one HTML page, atomically, showing the frames one at a time under a slider
    (arrow keys step through them), each with its caption. Every SVG is inline: the page
    needs no other file and no network."""
    frames = list(frames)
    svgs = [render_svg(d) for d in _drawings(frames, "write_html")]
    captions = [f.caption if isinstance(f, Frame) else "" for f in frames]
    path = Path(path)
    write_atomically(path, html_page(svgs, captions, title))
    return path


def export_steps(root: Value, directory: str | os.PathLike, *, prefix: str = "step", html_name: str = "steps.html", **draw_options: Any) -> Export:
    """Run the backward pass of ``root`` step by step and write its frames into
    ``directory``: numbered SVG files and the one-page HTML slider."""
    _check_prefix(prefix, "export_steps")
    frames = step_frames(root, **draw_options)
    svgs = [render_svg(f.drawing) for f in frames]
    directory = Path(directory)
    files = _write_svgs(svgs, directory, prefix)
    page = directory / html_name
    write_atomically(page, html_page(svgs, [f.caption for f in frames], f"backward pass of {len(frames) - 1} steps"))
    return Export(files, page)


def html_page(svgs: Sequence[str], captions: Sequence[str], title: str) -> str:
    """The page: a slider, and a section per frame (caption and inline SVG), all but the
    one chosen hidden."""
    if not svgs:
        raise ValueError("html_page: no frames to show")
    sections = []
    for k, (svg, caption) in enumerate(zip(svgs, captions)):
        hidden = " hidden" if k else ""
        sections.append(f'<section class="frame" id="frame-{k}"{hidden}>\n<pre>{html.escape(caption)}</pre>\n{_inline(svg)}\n</section>')
    return _PAGE.format(title=html.escape(title), last=len(svgs) - 1, count=len(svgs), frames="\n".join(sections))


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1em; }}
pre {{ background: #f4f4f4; padding: 0.5em; white-space: pre-wrap; }}
section.frame svg {{ max-width: 100%; height: auto; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p><input type="range" id="slider" min="0" max="{last}" value="0" aria-label="frame"> frame <output id="shown">1</output> of {count}</p>
{frames}
<script>
const slider = document.getElementById("slider");
const frames = document.querySelectorAll("section.frame");
slider.addEventListener("input", () => {{
  const k = Number(slider.value);
  frames.forEach((frame, i) => {{ frame.hidden = i !== k; }});
  document.getElementById("shown").textContent = k + 1;
}});
</script>
</body>
</html>
"""


def _inline(svg: str) -> str:
    """An SVG document as an element to put in HTML: from ``<svg`` on (no XML prolog)."""
    start = svg.find("<svg")
    if start < 0:
        raise ValueError("expected SVG text from Graphviz, found no <svg> element")
    return svg[start:].strip()


def _drawings(frames: Sequence[Frame | Drawing], where: str) -> list[Drawing]:
    """The Drawing of every frame; a clear error for no frames or for something else."""
    drawings = [f.drawing if isinstance(f, Frame) else f for f in frames]
    if not drawings:
        raise ValueError(f"{where}: frames is empty; pass step_frames(root) or a list of draw_dot drawings")
    for k, d in enumerate(drawings):
        if not isinstance(d, Drawing):
            raise TypeError(f"{where}: frames[{k}] must be a Frame or a draw_dot Drawing, got {type(d).__name__}: {d!r:.60}")
    return drawings


def _check_prefix(prefix: str, where: str) -> None:
    if type(prefix) is not str or not re.fullmatch(r"\w[\w.-]*", prefix):
        raise ValueError(f"{where}: prefix must be a plain file-name part (letters, digits, _ . -), got {prefix!r}")


def _write_svgs(svgs: list[str], directory: Path, prefix: str) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    width = max(3, len(str(len(svgs) - 1)))
    paths = [directory / f"{prefix}_{k:0{width}d}.svg" for k in range(len(svgs))]
    for path, svg in zip(paths, svgs):
        write_atomically(path, svg)
    stale = re.compile(re.escape(prefix) + r"_(\d{3,})\.svg")  # numbered as this function numbers
    for old in directory.iterdir():
        m = stale.fullmatch(old.name)
        if m and int(m.group(1)) >= len(paths):
            old.unlink()
    return paths
