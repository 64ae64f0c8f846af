"""The backward pass as frames, on one layout: numbered SVG files, one self-contained HTML
page that steps through them (buttons, arrow keys, play, zoom, legend), and the same
viewer as a notebook cell's output. Plain files that open in any browser, offline."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Callable, NamedTuple, Sequence

from .. import Value
from ..files import write_atomically
from .draw import _check_arguments, _description, _emit, _Graph, _Picture, _warn_if_large
from .frames import Layout, lay_out, layout_of
from .formatting import DEFAULT_FORMAT
from .page import PLAY_INTERVAL_MS, Slide, page_html, viewer
from .render import Drawing
from .steps import backward_steps, describe

BEFORE = "before backward: the forward pass is done, no gradient computed yet"
# The most frames x nodes a step-through draws: each frame restyles every node, and the
# SVG files hold a copy of the picture per frame (about 0.5 KB a node). 20,000 is, for
# example, 100 frames of a 200-node picture: some 10 MB of SVG files, a page of about 1 MB.
MAX_FRAME_NODES = 20_000


class TooBigToStepError(ValueError):
    """A graph with more frames x nodes than a step-through draws (``MAX_FRAME_NODES``)."""


class Frame(NamedTuple):
    """One picture of the backward pass and the words that go with it."""

    drawing: Drawing
    caption: str


class Export(NamedTuple):
    """What ``export_steps`` wrote."""

    svgs: list[Path]
    html: Path


class StepFrames(list):
    """The frames of ``step_frames``: a list of ``Frame`` (each with its own DOT drawing)
    that also lays them out once (``layout``, made by Graphviz's dot on first use). In a
    notebook it shows as the step-through viewer, self-contained HTML and JavaScript
    that needs no kernel."""

    def __init__(self, frames: list[Frame], lay_out_frames: Callable[[], Layout], captions: list[str], units: bool, interval_ms: int) -> None:
        super().__init__(frames)
        self._lay_out, self._layout = lay_out_frames, None
        self.captions, self.units, self.interval_ms = captions, units, interval_ms

    @property
    def layout(self) -> Layout:
        """The one layout and what each frame changes (``GraphvizNotFoundError`` without dot)."""
        if self._layout is None:
            self._layout = self._lay_out()
        return self._layout

    def slides(self) -> list[Slide]:
        n = len(self) - 1
        return [Slide(0, k, f"step {k} of {n}", caption) for k, caption in enumerate(self.captions)]

    def html(self, page: bool = False) -> str:
        """The viewer as an HTML fragment (``page``: its arrow keys work anywhere on the page)."""
        return viewer([self.layout], self.slides(), page=page, units=self.units, interval_ms=self.interval_ms)

    def _repr_html_(self) -> str:
        return self.html()


def step_frames(
    root: Value, *, rankdir: str | None = None, interval_ms: int = PLAY_INTERVAL_MS,
    max_frame_nodes: int = MAX_FRAME_NODES, **draw_options: Any,
) -> StepFrames:
    """Frame 0: the graph before backward ("grad ?"); then one frame per step of
    ``backward_steps(root)``, all on one layout. This runs the backward pass: afterwards
    the gradients are what ``root.backward()`` gives.

    - ``rankdir``: ``"LR"``, ``"TB"``, or None (default): whichever fits a 1,000 px wide
      pane at the larger scale, chosen when the frames are first laid out (each
      ``Frame.drawing``, the DOT text of one frame, is then left to right).
    - ``interval_ms``: the pause between frames when the viewer plays.
    - ``max_frame_nodes``: frames x nodes above this (default ``MAX_FRAME_NODES``) is
      refused before any work: draw a smaller part, or pass ``collapse=True`` for nn graphs.
    - ``draw_options`` go to ``draw_dot`` (fmt, params, group, collapse, legend, max_nodes).
    """
    for taken in ("step", "grad", "title"):
        if taken in draw_options:
            raise TypeError(f"step_frames: {taken}= is set for each frame and cannot be passed")
    unknown = set(draw_options) - {"fmt", "params", "group", "collapse", "legend", "max_nodes"}
    if unknown:
        raise TypeError(f"step_frames: unexpected option(s) {', '.join(sorted(unknown))}")
    if rankdir is not None and rankdir not in ("LR", "TB"):
        raise ValueError(f"step_frames: rankdir must be 'LR', 'TB' or None (choose the one that fits), got {rankdir!r}")
    if type(interval_ms) is not int or interval_ms < 1:
        raise ValueError(f"step_frames: interval_ms must be a positive int (milliseconds), got {interval_ms!r}")
    fmt = draw_options.get("fmt", DEFAULT_FORMAT)
    group, collapse, legend = draw_options.get("group"), draw_options.get("collapse", False), draw_options.get("legend", False)
    max_nodes = draw_options.get("max_nodes", 200)
    _check_arguments(root, fmt, rankdir or "LR", False, None, group, collapse, legend, max_nodes, None)
    graph = _Graph(root, draw_options.get("params"))
    pictures = [_Picture(graph, fmt, False, None, collapse)]
    _check_size(len(graph.order) + 1, len(pictures[0].nodes), max_frame_nodes, bool(graph.units) and not collapse)
    _warn_if_large(pictures[0], graph, collapse, max_nodes)

    titles, captions, focus = [BEFORE], [BEFORE], [pictures[0].names[0]]
    frame_captions = [BEFORE]
    for step in backward_steps(root):
        picture = _Picture(graph, fmt, None, step, collapse)
        pictures.append(picture)
        titles.append(step.headline(fmt))
        where = _drawn_in(picture, step.index)
        frame_captions.append(step.describe(fmt) + where)
        captions.append(step.describe(fmt, counter=False) + where)
        focus.append(picture.names[step.index])
    frames = [
        Frame(_emit(p, graph, rankdir or "LR", group, legend, title, k > 0), caption)
        for k, (p, title, caption) in enumerate(zip(pictures, titles, frame_captions))
    ]
    description = f"{_description(graph, pictures[0], None)}; the backward pass in {len(pictures) - 1} steps"
    layout = lambda: lay_out(pictures, graph, titles, focus, rankdir=rankdir, group=group, legend=legend, description=description)  # noqa: E731
    return StepFrames(frames, layout, captions, bool(graph.units) and collapse, interval_ms)


def _drawn_in(picture: _Picture, index: int) -> str:
    """For a collapsed picture, where a Value it does not draw is shown: its unit's node."""
    unit = picture.unit_of.get(index) if picture.collapse else None
    if unit is None or index == unit.z:
        return ""
    z = picture.graph.order[unit.z]
    what = "a parameter of" if index in unit.own else "inside"
    return f"\n  {what} unit {z.label or describe(z)}, drawn as one node (highlighted)"


def _check_size(n_frames: int, n_nodes: int, limit: int, has_units: bool) -> None:
    if type(limit) is not int or limit < 1:
        raise ValueError(f"step_frames: max_frame_nodes must be a positive int, got {limit!r}")
    if n_frames * n_nodes > limit:
        advice = "pass collapse=True to draw each nn unit as one node, or step through" if has_units else "step through"
        raise TooBigToStepError(
            f"step_frames: {n_frames} frames x {n_nodes} nodes = {n_frames * n_nodes:,} is more than max_frame_nodes={limit:,}; "
            f"{advice} a smaller part of the graph (one unit's output, one layer), or raise max_frame_nodes"
        )


def render_svg(drawing: Drawing) -> str:
    """The drawing as SVG text (runs Graphviz's dot; ``GraphvizNotFoundError`` without it)."""
    return drawing.pipe(format="svg", encoding="utf-8")


def write_svg_frames(frames: Sequence[Frame | Drawing], directory: str | os.PathLike, prefix: str = "step") -> list[Path]:
    """Write ``{prefix}_000.svg``, ``{prefix}_001.svg``, ... into ``directory`` (created
    if needed), each atomically, and remove the frames numbered past this run's last
    (``{prefix}_<3 or more digits>.svg``, left over from a longer graph); other files are
    never touched. Frames of ``step_frames`` share one layout; other drawings are
    rendered one by one. All frames are rendered before any file is written."""
    _check_prefix(prefix, "write_svg_frames")
    directory = Path(directory)
    _check_output_directory(directory, "write_svg_frames")
    if isinstance(frames, StepFrames):
        svgs = [frames.layout.frame_svg(k) for k in range(len(frames))]
    else:
        svgs = [render_svg(d) for d in _drawings(frames, "write_svg_frames")]
    return _write_svgs(svgs, directory, prefix)


def write_html(frames: Sequence[Frame | Drawing], path: str | os.PathLike, title: str = "micrograd: backward, step by step") -> Path:
    """Write one HTML page, atomically, that steps through the frames (buttons, arrow
    keys, play, zoom), each with its caption. Everything is inline: the page needs no
    other file and no network. Its directory is created if needed."""
    path = Path(path)
    _check_output_directory(path.parent, "write_html")
    if isinstance(frames, StepFrames):
        fragment = frames.html(page=True)
    else:
        frames = list(frames)
        layouts = [layout_of(d) for d in _drawings(frames, "write_html")]
        captions = [f.caption if isinstance(f, Frame) else "" for f in frames]
        slides = [Slide(k, 0, f"frame {k + 1} of {len(frames)}", c) for k, c in enumerate(captions)]
        fragment = viewer(layouts, slides, page=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, page_html(fragment, title))
    return path


def export_steps(
    root: Value, directory: str | os.PathLike, *, prefix: str = "step", html_name: str = "steps.html", svgs: bool = True,
    **options: Any,
) -> Export:
    """Run the backward pass of ``root`` step by step and write its frames into
    ``directory`` (created if needed): numbered SVG files and the one-page viewer
    ``html_name``. ``options`` go to ``step_frames``. A directory that cannot be written
    is reported before any work.

    ``svgs=False`` writes the page alone: each SVG file holds the whole picture, so for a
    big graph they add up (a collapsed 2-16-16-1 network: some 70 MB of SVG files for a
    page of well under 1 MB, which holds only what each step changes)."""
    _check_prefix(prefix, "export_steps")
    if type(html_name) is not str or not re.fullmatch(r"\w[\w.-]*\.html?", html_name):
        raise ValueError(f"export_steps: html_name must be a plain file name ending in .html, got {html_name!r}")
    directory = Path(directory)
    _check_output_directory(directory, "export_steps")
    if type(svgs) is not bool:
        raise TypeError(f"export_steps: svgs must be True or False, got {svgs!r}")
    frames = step_frames(root, **options)
    files = write_svg_frames(frames, directory, prefix) if svgs else []
    page = write_html(frames, directory / html_name, f"backward pass of {len(frames) - 1} steps")
    return Export(files, page)


def _check_output_directory(directory: Path, where: str) -> None:
    """Refuse, in one line, a directory that cannot be written into (or created): the
    nearest part of it that exists must be a directory we may write in."""
    existing = directory.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise NotADirectoryError(f"{where}: cannot write into {directory}: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise PermissionError(f"{where}: cannot write into {directory}: {existing} is read-only")


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
