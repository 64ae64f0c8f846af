"""``python -m micrograd``: the command line (``micrograd.cli``), as the ``micrograd`` script."""

import sys

from .cli import main

sys.exit(main())
