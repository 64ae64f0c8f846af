"""Pictures from the command line: a graph drawn by ``micrograd.viz`` and rendered by
Graphviz's ``dot`` into the file an option names. Where ``dot`` is missing, every command
does the same: the DOT source is written beside the file asked for, one line on stderr says
so and how to render it, and the command ends with status 1."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

from ..engine import Value
from .arguments import CommandError
from .paths import reason, write

PICTURE_FORMATS = ("svg", "png", "pdf", "dot")
#: An input's name is drawn in full up to this many characters, shortened beyond (a name
#: may be any length; a Graphviz label of some 16 KB makes dot fail).
LABEL_LENGTH = 40
NO_DOT = "Graphviz's dot program is not installed, so"
#: Values past which a graph is not laid out by dot (its DOT source is written instead): dot's
#: time grows fast with fan-out, from a second near 250 Values to minutes near 2,400.
MAX_RENDERED = 300
INSTALL = "install Graphviz, e.g. sudo apt-get install graphviz or brew install graphviz"


def viz() -> Any:
    """micrograd.viz, or a CommandError when the graphviz Python package is missing."""
    try:
        import micrograd.viz as viz
    except ImportError:
        raise CommandError(
            "drawing needs the graphviz Python package: pip install graphviz (a dependency of micrograd-backprop: reinstall it)",
            status=1,
        ) from None
    return viz


def picture_label(name: str) -> str:
    """``name`` as drawn: in full up to LABEL_LENGTH characters, else its start and end
    around an ellipsis (the table always shows the full name)."""
    if len(name) <= LABEL_LENGTH:
        return name
    return f"{name[: LABEL_LENGTH - 13]}…{name[-12:]}"


def picture_format(path: Path, option: str) -> str:
    """The format a file name asks for: .svg, .png, .pdf, or .dot (.gv) for the DOT source."""
    fmt = path.suffix.lower().lstrip(".")
    fmt = "dot" if fmt == "gv" else fmt
    if fmt not in PICTURE_FORMATS:
        raise CommandError(f"{option} {str(path)!r}: the file name must end in .svg, .png, .pdf or .dot")
    return fmt


def draw(root: Value, small: bool = True) -> Any:
    """``viz.draw_dot(root)``, its warnings (a graph too big to read) shown in one line each.
    A graph not ``small`` is written as DOT, not rendered: left to right, without laying it
    out to choose a direction (minutes for thousands of Values), and without the notes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        drawing = viz().draw_dot(root) if small else viz().draw_dot(root, rankdir="LR")
    for w in caught if small else ():
        print(f"note: {w.message}", file=sys.stderr)
    return drawing


def first_line(e: Exception) -> str:
    """The first line a failing ``dot`` printed (or the error's own text)."""
    text = getattr(e, "stderr", None)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    lines = [ln.strip() for ln in (text or str(e)).splitlines() if ln.strip()]
    return (lines[0] if lines else type(e).__name__)[:200]


def write_picture(drawing: Any, path: Path, fmt: str, *, values: int = 0, max_values: int = MAX_RENDERED) -> tuple[str, bool]:
    """Render ``drawing`` (of a graph of ``values`` Values) to ``path`` as ``fmt``; without
    Graphviz's ``dot``, or past ``max_values``, write the DOT source beside it instead.
    Returns (what was done, whether it was done as asked)."""
    if fmt == "dot":
        write(path, drawing.source.encode("utf-8"))
        return f"wrote {path} (DOT source; render it with: dot -Tsvg {path} -o {path.with_suffix('.svg')})", True
    if values > max_values:
        fallback = path.with_suffix(".dot")
        write(fallback, drawing.source.encode("utf-8"))
        return (f"the graph has {values:,} values, more than --max-nodes {max_values:,}, and Graphviz would take minutes "
                f"to lay it out, so {path} was not rendered; wrote the DOT source to {fallback} instead (raise --max-nodes "
                f"to render it here, or run: dot -T{fmt} {fallback} -o {path})"), False
    try:
        data = drawing.svg().encode("utf-8") if fmt == "svg" else drawing.pipe(format=fmt)  # svg: kept from the layout
    except viz().GraphvizNotFoundError:
        fallback = path.with_suffix(".dot")
        write(fallback, drawing.source.encode("utf-8"))
        return (f"{NO_DOT} {path} was not rendered; wrote the DOT source to {fallback} instead "
                f"({INSTALL}, then run: dot -T{fmt} {fallback} -o {path})"), False
    except (subprocess.CalledProcessError, UnicodeDecodeError) as e:
        raise CommandError(f"Graphviz's dot could not draw the graph: {first_line(e)}") from None
    write(path, data)
    return f"wrote {path}", True


def write_steps(root: Value, directory: Path) -> tuple[str, bool]:
    """The backward pass of ``root`` frame by frame into ``directory``: numbered SVGs and the
    step-through page, or, without Graphviz's dot, each frame's DOT source."""
    v = viz()
    root.zero_grad()  # the frames run backward again, from fresh gradients
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CommandError(f"cannot create the directory {directory}: {e.strerror}") from None
    try:
        frames = v.step_frames(root)
        svgs = v.write_svg_frames(frames, directory)
        page = v.write_html(frames, directory / "steps.html")
    except v.TooBigToStepError as e:
        raise CommandError(f"--steps: {e}") from None
    except (subprocess.CalledProcessError, UnicodeDecodeError) as e:
        raise CommandError(f"Graphviz's dot could not draw the steps: {first_line(e)}") from None
    except OSError as e:
        raise CommandError(f"--steps {str(directory)!r}: {reason(e, directory)}") from None
    except v.GraphvizNotFoundError:
        for k, frame in enumerate(frames):
            write(directory / f"step_{k:03d}.dot", frame.drawing.source.encode("utf-8"))
        return (f"{NO_DOT} the steps were not rendered; wrote the DOT source of {len(frames)} frames to "
                f"{directory}/step_*.dot instead ({INSTALL} to get SVG frames and the step-through page)"), False
    return f"wrote {len(svgs)} frames of the backward pass to {directory}/ and the step-through page {page}", True


def report(result: tuple[str, bool]) -> int:
    """Say what was done (stdout) or what was written instead (stderr); the exit status."""
    message, done = result
    print(message, file=sys.stdout if done else sys.stderr)
    return 0 if done else 1
