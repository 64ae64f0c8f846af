"""What the command line may say: ``CommandError`` (bad input, said in one line with its exit
status) and the checked types of options, each refusing a bad value with the value."""

from __future__ import annotations

import argparse
import math
import re
from typing import Any


class CommandError(Exception):
    """Bad input to a command: the one-line message to show, and the exit status (2 bad
    input; 1 a picture not rendered because Graphviz's dot is missing)."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is a CommandError (one line, no usage dump); it keeps
    the names of its options in ``option_names``."""

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        self.option_names = [*getattr(self, "option_names", []), *action.option_strings]
        return action

    def error(self, message: str) -> Any:
        raise CommandError(f"{message} (see {self.prog} --help)")


def positive_int(text: str) -> int:
    if not re.fullmatch(r"\s*\d+\s*", text) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def positive_float(text: str) -> float:
    value = _number(text)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def nonnegative_float(text: str) -> float:
    value = _number(text)
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def widths(text: str) -> list[int]:
    parts = text.split(",")
    if not text.strip() or not all(re.fullmatch(r"\s*\d+\s*", p) and int(p) >= 1 for p in parts):
        raise argparse.ArgumentTypeError(f"expected layer widths separated by commas, e.g. 16,16; got {text!r}")
    return [int(p) for p in parts]


def digits(text: str) -> int:
    n = positive_int(text)
    if n > 17:
        raise argparse.ArgumentTypeError(f"expected 1 to 17 significant digits (17 shows every float64 exactly), got {text!r}")
    return n
