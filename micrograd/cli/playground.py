"""What the playground page computes: the page (built by ``notebooks/lite/playground.py``)
runs this module in the browser, through Pyodide, and shows what ``run`` returns. A front
door beside the command, as its work is the ``grad`` command's.

    run("tanh(x*w + b)", "x=2 w=-0.5 b=0.3")    # JSON text, see ``run``

The expression and its inputs are read exactly as ``micrograd grad "EXPR" x=1 ...`` reads
them (``micrograd.cli.grad``): the same language, the same checks, the same messages, and
the same table of the value and each input's gradient. The pictures are micrograd's own
(``draw_dot`` and the step-through of ``step_frames``), the program ``micrograd.compile``'s.
In the page, Graphviz is viz.js, which the page hands Python as ``micrograd.viz.render``
asks (``globalThis.micrograd_viz``).
"""

from __future__ import annotations

import json
import shlex
import warnings

from ..compiler import compile_graph
from ..engine import Value, backward_order
from ..viz import TooBigToStepError, draw_dot, step_frames
from . import grad, pictures
from .arguments import CommandError

DIGITS = 10  # significant digits in the table, as the command prints by default
#: Values past which the page draws no pictures (the command line's limit for rendering):
#: Graphviz's layout time grows fast with the graph, and in a browser it blocks the page.
MAX_DRAWN = pictures.MAX_RENDERED


def split_inputs(text: str) -> list[str]:
    """``"x=2 w=-0.5"`` -> ``["x=2", "w=-0.5"]``: the inputs as the command's arguments
    (separated by blanks; quotes group as in a shell)."""
    try:
        return shlex.split(text)
    except ValueError as e:  # an unclosed quote
        raise CommandError(f"inputs {text!r}: {e}; write them as NAME=NUMBER separated by spaces, e.g. x=2 w=-0.5") from None


def compute(expression: str, inputs: str) -> dict:
    """What the page shows for ``expression`` at ``inputs`` (``"x=2 w=-0.5 b=0.3"``).

    Keys: ``table`` (the command's output), ``graph`` (HTML: the picture after backward,
    with values and gradients), ``steps`` (HTML: the step-through viewer), ``program``
    (``micrograd.compile``'s source); where one of the last three cannot be made, the
    key holds None and ``notes`` says why. A CommandError for bad input, as the command
    gives it."""
    values = grad.parse_inputs(split_inputs(inputs))
    if not expression.strip():
        raise CommandError('type an expression, e.g. tanh(x*w + b), and its inputs, e.g. x=2 w=-0.5 b=0.3')
    out = grad.compute(expression, values)
    shown: dict = {"graph": None, "steps": None, "program": None, "notes": {}}
    if type(out) is not Value:
        why = f"{expression.strip()!r} uses no input, so it has no graph to draw"
        shown["notes"] = {"graph": why, "steps": why, "program": why}
        return {"table": grad.table(expression, out, values, DIGITS), **shown}
    n = len(backward_order(out))
    if n > MAX_DRAWN:
        out.backward()
        why = f"the graph has {n:,} values; the page draws at most {MAX_DRAWN:,} (Graphviz would take minutes)"
        shown["notes"].update(graph=why, steps=why)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the size limit above says it first
            try:
                shown["steps"] = step_frames(out).html(page=True)  # runs backward, step by step
            except TooBigToStepError as e:
                out.zero_grad()
                out.backward()
                shown["notes"]["steps"] = str(e)
            shown["graph"] = draw_dot(out).html()
    try:
        shown["program"] = compile_graph(out).source
    except ValueError as e:  # a leaf: nothing computed
        shown["notes"]["program"] = str(e)
    return {"table": grad.table(expression, out, values, DIGITS), **shown}


def run(expression: str, inputs: str) -> str:
    """``compute`` as JSON text, or ``{"error": message}`` for bad input: the message
    the command would print, naming what was wrong and the value."""
    try:
        return json.dumps(compute(expression, inputs))
    except CommandError as e:
        return json.dumps({"error": str(e)})
