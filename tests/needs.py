"""What a test needs that a machine may lack (PyTorch, numpy, Graphviz's ``dot``, a browser):
where it is missing the test is skipped with the reason, and under ``CI=true`` it fails
instead, so CI never passes without having run it (``.ci/run`` installs all of them)."""

from __future__ import annotations

import importlib
import os
import shutil
from typing import Any, NoReturn

import pytest


def in_ci() -> bool:
    """True when the environment says this is CI (``CI=true``, as CI services set it)."""
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def missing(reason: str) -> NoReturn:
    """Skip the test with ``reason``; under CI=true, fail it."""
    if in_ci():
        pytest.fail(f"CI=true, and this test cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


def module(name: str, purpose: str, install: str | None = None) -> Any:
    """The module ``name``, imported; or skip (fail in CI) saying what needs it and how to install it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        missing(f"{purpose} needs {name}: pip install {install or name}")


def program(name: str, hint: str) -> str:
    """The path of the program ``name`` on PATH; or skip (fail in CI) with ``hint``."""
    path = shutil.which(name)
    if path is None:
        missing(f"the program {name!r} is not on PATH; {hint}")
    return path
