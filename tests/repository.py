"""Where the repository's files are, for tests that read them (the README, the notebooks, the docs)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
