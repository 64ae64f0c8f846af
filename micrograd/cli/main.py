"""The ``micrograd`` command's parser and its dispatch: one module per command, each with its
``NAME``, ``add_parser(commands)`` and ``run(args)`` (and ``parse`` where it reads its
arguments its own way)."""

from __future__ import annotations

import os
import sys
from typing import Sequence

from .. import __version__
from . import demo, evaluate, grad, predict, train
from .arguments import CommandError, Parser

PROG = "micrograd"
COMMANDS = (grad, demo, train, predict, evaluate)


def build_parser() -> tuple[Parser, dict[str, Parser]]:
    """The top-level parser and one parser per command."""
    parser = Parser(
        prog=PROG,
        description="A scalar autodiff engine that shows its work: gradients of expressions, the delta rule, training.",
        epilog="Run 'micrograd COMMAND --help' for each command's options. Exit status: 0 done, 2 bad input, "
        "1 a picture not rendered (Graphviz's dot missing; DOT source written instead).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    return parser, {command.NAME: command.add_parser(subparsers) for command in COMMANDS}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, parsers = build_parser()
    prog = PROG
    try:
        if argv and argv[0] in parsers:
            prog = f"{PROG} {argv[0]}"
            command = next(c for c in COMMANDS if c.NAME == argv[0])
            read = getattr(command, "parse", None)
            args = read(parsers[argv[0]], argv[1:]) if read else parsers[argv[0]].parse_intermixed_args(argv[1:])
            return command.run(args)
        parser.parse_args(argv)  # --help, --version, or an error
        raise CommandError(f"choose a command: {', '.join(parsers)} (see {PROG} --help)")
    except CommandError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return e.status
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except SystemExit as e:  # --help and --version
        return e.code if isinstance(e.code, int) else 0
