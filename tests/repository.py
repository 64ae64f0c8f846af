"""Where the repository's files are, for tests that read them (the README, the notebooks, the docs);
``built_once``, for tests that share one build of a site or a page."""

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def built_once(tmp_path_factory, name: str, build) -> Path:
    """``build(folder)`` run once per test run, even with pytest-xdist's workers: the first to
    get here builds into a folder of the run's shared temporary directory, under a lock; the
    others wait for it and use what it built. Returns the folder."""
    import fcntl

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's directory, above each worker's own
    folder = shared / name
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (shared / f"{name}.built").exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a failed build left
            folder.mkdir()
            build(folder)
            (shared / f"{name}.built").touch()
    return folder


def browser_course(name: str):
    """A module of notebooks/lite (assets, build, playground), imported as build_site.py does."""
    import importlib
    import sys

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module(f"notebooks.lite.{name}")
