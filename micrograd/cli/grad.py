"""``micrograd grad "tanh(x*w + b)" x=0.5 w=-1.2 b=0.3``: the value of an expression and its
gradient with respect to every input, and, where asked, its graph and its backward pass
frame by frame. The expression is read by ``micrograd.expr`` (a whitelist over Python's
``ast``, never ``eval``); every input must appear in it."""

from __future__ import annotations

import argparse
import keyword
import math
import re
import unicodedata
from typing import Any, Sequence

from ..engine import Value, backward_order
from ..expr import ExprError, evaluate, functions, variables
from . import pictures
from .arguments import CommandError, Parser, digits, positive_int
from .paths import distinct, output_directory, output_file

NAME = "grad"
FORMATS = ("svg", "png", "dot")  # the picture options, each a file


def add_parser(commands: Any) -> Parser:
    parser = commands.add_parser(
        NAME,
        help="the value of an expression and its gradient with respect to every input",
        description="Build the graph of EXPRESSION at the given point, run backward(), print the value and the gradient "
        "of every input. The expression may use numbers, the input names, + - * / **, unary -, parentheses and "
        f"the functions {', '.join(functions().values())}. Nothing else is evaluated. Every input given must "
        "appear in the expression.",
        epilog="Example: micrograd grad \"tanh(x*w + b)\" x=0.5 w=-1.2 b=0.3 --svg graph.svg. "
        "An expression may start with '-': micrograd grad \"-x**2\" x=3 (with '--', give it first).",
    )
    parser.add_argument("expression", nargs="?", help='the expression, quoted, e.g. "tanh(x*w + b)"')
    parser.add_argument("inputs", nargs="*", metavar="NAME=NUMBER", help="the value of each input, e.g. x=0.5")
    parser.add_argument("--svg", metavar="FILE", help="draw the graph, with data, gradients and local derivatives, as SVG")
    parser.add_argument("--png", metavar="FILE", help="the same picture as PNG")
    parser.add_argument("--dot", metavar="FILE", help="the picture's DOT source (needs no Graphviz program)")
    parser.add_argument("--steps", metavar="DIR", help="the backward pass frame by frame: DIR/step_000.svg ... and DIR/steps.html")
    parser.add_argument("--digits", type=digits, default=10, help="significant digits in the table (default 10)")
    parser.add_argument("--max-nodes", type=positive_int, default=pictures.MAX_RENDERED, metavar="N",
                        help=f"render --svg/--png only for graphs of at most N values (default {pictures.MAX_RENDERED}); "
                        "past it the DOT source is written instead, and the status is 1")
    return parser


def parse(parser: Parser, argv: Sequence[str]) -> argparse.Namespace:
    """The arguments, where an expression such as "-x*2" is not taken for an option."""
    options = parser.option_names
    argv = [" " + a if _expression_like(a, options, first=k == 0) else a for k, a in enumerate(argv)]
    args = parser.parse_intermixed_args(argv)
    if args.expression and args.expression.startswith(" -"):
        args.expression = args.expression[1:]
    return args


def run(args: argparse.Namespace) -> int:
    if args.expression is None:
        raise CommandError('give an expression and its inputs, e.g. micrograd grad "tanh(x*w + b)" x=0.5 w=-1.2 b=0.3')
    inputs = parse_inputs(args.inputs)
    files = [(f"--{fmt}", output_file(getattr(args, fmt), f"--{fmt}")) for fmt in FORMATS if getattr(args, fmt) is not None]
    steps = None if args.steps is None else output_directory(args.steps, "--steps")
    distinct(files, [("--steps", steps)] if steps else [])
    out = compute(args.expression, inputs)
    if (files or steps) and type(out) is not Value:
        raise CommandError(f"{args.expression!r} uses no input, so it has no graph to draw")
    if type(out) is Value:
        out.backward()
    print(table(args.expression, out, inputs, args.digits))
    status = 0
    values = len(backward_order(out)) if files else 0
    drawing = pictures.draw(out, small=values <= args.max_nodes) if files else None  # laid out once for every file
    for option, path in files:
        done = pictures.write_picture(drawing, path, option[2:], values=values, max_values=args.max_nodes)
        status = max(status, pictures.report(done))
    if steps:
        status = max(status, pictures.report(pictures.write_steps(out, steps)))
    return status


def parse_inputs(texts: Sequence[str]) -> dict[str, Value]:
    """``["x=0.5", "w=-1.2"]`` -> each name's input Value (labelled as pictures draw it);
    a CommandError naming the argument that is not ``NAME=NUMBER`` or a name given twice."""
    inputs: dict[str, Value] = {}
    for text in texts:
        name, value = parse_binding(text)
        if name in inputs:
            raise CommandError(f"input {name} is given twice")
        inputs[name] = Value(value, pictures.picture_label(name))
    return inputs


def compute(expression: str, inputs: dict[str, Value]) -> Value | float:
    """The forward pass of ``expression`` on ``inputs`` (no backward yet); a CommandError
    saying what is wrong, and where, for a bad expression or an input it does not use."""
    try:
        unused = [name for name in inputs if name not in variables(expression, inputs)]
        if unused:
            raise CommandError(f"input {unused[0]} is not in the expression {expression.strip()!r}; "
                               "give only the inputs it uses")
        return evaluate(expression, inputs)
    except ExprError as e:
        raise CommandError(str(e)) from None


def parse_binding(text: str) -> tuple[str, float]:
    """``"x=0.5"`` -> ``("x", 0.5)``; a CommandError naming the argument otherwise."""
    name, sep, number = text.partition("=")
    name = unicodedata.normalize("NFKC", name.strip())  # as Python reads names
    if not sep:
        raise CommandError(f"input {text!r}: expected NAME=NUMBER, e.g. x=0.5")
    if not name.isidentifier() or keyword.iskeyword(name):
        raise CommandError(f"input {text!r}: {name!r} is not a name; use letters, digits and _, e.g. x1=0.5")
    if name in functions():
        raise CommandError(f"input {text!r}: {name} is a function; give the input another name")
    if not re.fullmatch(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*", number):
        raise CommandError(f"input {text!r}: {number!r} is not a number; write it like 0.5, -2 or 1e-3")
    value = float(number)
    if not math.isfinite(value):
        raise CommandError(f"input {text!r}: {number.strip()} is too large for a float64 (at most about 1.8e308)")
    return name, value


def table(expression: str, out: Value | float, inputs: dict[str, Value], digits: int) -> str:
    """The value, then one row per input: its value and its gradient."""
    def show(x: float) -> str:
        return format(x, f".{digits}g")

    data = out.data if type(out) is Value else out
    lines = [f"{expression.strip()} = {show(data)}"]
    if not inputs:
        return "\n".join(lines)
    rows = [("input", "value", "gradient")] + [(n, show(v.data), show(v.grad)) for n, v in inputs.items()]
    widths = [max(len(r[c]) for r in rows) for c in range(3)]
    for r in rows:
        lines.append(f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}")
    return "\n".join(lines)


def _expression_like(arg: str, options: Sequence[str], first: bool) -> bool:
    """An argument that starts with '-' but names none of ``options``: an expression such
    as -x*2, not an option. One that starts with '--' (--x) is taken for an expression
    only as the ``first`` argument, and only if it abbreviates no long option (argparse
    accepts --dig for --digits); elsewhere it is an unknown option, said as such."""
    if not arg.startswith("-") or arg == "--":
        return False
    name = arg.split("=", 1)[0]
    if name.startswith("--"):
        return first and not any(o.startswith(name) for o in options if o.startswith("--"))
    return name not in options
