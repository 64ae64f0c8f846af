"""Moved: the label convention is the core's, ``micrograd.labels`` (this name goes in 0.5)."""

import warnings

from micrograd.labels import *  # noqa: F401,F403
from micrograd.labels import FORMATS, PARAMETERS, Label, parse  # noqa: F401

warnings.warn("nn.labels moved to micrograd.labels; nn.labels goes in version 0.5", DeprecationWarning, stacklevel=2)
