"""``micrograd predict --load model.json X1 X2``: the outputs of a saved network at one input."""

from __future__ import annotations

import argparse
import math
from typing import Any

from .arguments import CommandError, Parser, digits
from .saved import add_load_argument, load

NAME = "predict"


def add_parser(commands: Any) -> Parser:
    parser = commands.add_parser(
        NAME,
        help="the outputs of a saved network at one input",
        description="Load a network saved by 'micrograd train --save' (or nn.save) and print its outputs at the input "
        "given, one number per input of the network. For a network trained by 'micrograd train' the outputs are "
        "logits: positive means class 1 for two classes; for more, the largest output names the class.",
        epilog="Example: micrograd predict --load model.json 0.5 -0.25",
    )
    add_load_argument(parser)
    parser.add_argument("inputs", nargs="*", metavar="X", help="the input, one number per input of the network")
    parser.add_argument("--digits", type=digits, default=10, help="significant digits (default 10)")
    return parser


def run(args: argparse.Namespace) -> int:
    net = load(args.load)
    xs = [_number(text, k) for k, text in enumerate(args.inputs)]
    if len(xs) != net.n_in:
        raise CommandError(f"the network in {args.load} takes {net.n_in} input(s), got {len(xs)}: give one number per input")
    ys = net(xs)
    for k, y in enumerate(ys):
        print(f"y[{k}] = {y.data:.{args.digits}g}")
    if len(ys) > 1:
        print(f"largest: y[{max(range(len(ys)), key=lambda k: ys[k].data)}]")
    return 0


def _number(text: str, k: int) -> float:
    try:
        x = float(text)
    except ValueError:
        raise CommandError(f"input {k + 1} {text!r} is not a number; write it like 0.5, -2 or 1e-3") from None
    if not math.isfinite(x):
        raise CommandError(f"input {k + 1} {text!r} is not a finite number")
    return x
