"""A network saved by ``micrograd train --save`` (or ``nn.save``), read for ``micrograd predict``
and ``micrograd eval``: a file that cannot be read, or is not a saved network, is one line and
status 2, with ``nn.load``'s own message."""

from __future__ import annotations

import nn

from .arguments import CommandError, Parser


def add_load_argument(parser: Parser) -> None:
    parser.add_argument("--load", metavar="FILE", required=True, help="the saved network (JSON, as micrograd train --save writes it)")


def load(path: str) -> nn.MLP:
    """The network saved at ``path``; a CommandError in one line for anything else."""
    if not path:
        raise CommandError("--load: the path is empty; give the file of a saved network")
    try:
        return nn.MLP.load(path)
    except ValueError as e:
        raise CommandError(str(e)) from None
    except OSError as e:
        raise CommandError(f"--load {path!r}: cannot read it: {e.strerror or e}") from None
