"""Progress bars only where a person watches: a terminal or a Jupyter notebook, never a file
or a pipe (a bar redrawn with carriage returns is noise in a log)."""

from __future__ import annotations

import sys
from typing import Any, Iterable

#: Python compiled to WebAssembly (Pyodide, in a browser or JupyterLite; WASI) cannot start a
#: thread: there the bar is drawn without tqdm's monitor thread, which it would try to start.
NO_THREADS = sys.platform in ("emscripten", "wasi")


def in_jupyter() -> bool:
    """True inside a Jupyter kernel (where widgets and notebook bars can be shown)."""
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def watched() -> bool:
    """True where a person sees a progress bar as it changes: stderr is a terminal, or a notebook."""
    try:
        terminal = sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stderr
        terminal = False
    return terminal or in_jupyter()


def progress_range(n: int, progress: bool | None, what: str = "train", unit: str = "epoch") -> Iterable[int]:
    """``range(n)``, wrapped in a tqdm bar (tqdm.auto: a notebook widget or a terminal line)
    when ``progress`` is True, or when it is None and ``watched()``; a plain range otherwise.
    Where no thread can start (``NO_THREADS``), the bar starts none."""
    if progress is False or (progress is None and not watched()):
        return range(n)
    try:
        from tqdm.auto import tqdm
    except ImportError:
        if progress:
            raise ImportError(f"{what}: progress=True needs tqdm (pip install tqdm); pass progress=False for no bar") from None
        return range(n)
    if NO_THREADS:  # a bar of its own kind: tqdm's class, everyone else's, stays as it is
        tqdm = type(tqdm.__name__, (tqdm,), {"monitor_interval": 0})
    bar: Any = tqdm(range(n), desc=what, unit=unit)
    return bar
