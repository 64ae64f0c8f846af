"""What the browser course loads, fetched from the registries at pinned versions, hash-checked,
and cached, so a second build needs no network.

    from notebooks.lite.assets import npm_assets
    modules = npm_assets()                    # .../node_modules
    modules / "pyodide"                       # Python as WebAssembly (pyodide.js, pyodide.asm.wasm, ...)
    modules / "@viz-js" / "viz" / "dist"      # Graphviz as WebAssembly: viz-global.js (a classic
                                              # script, sets self.Viz), viz.js (an ES module)

The npm part: ``package.json`` and ``package-lock.json`` beside this file pin Pyodide (the
version the Jupyter kernel was built for) and @viz-js/viz; ``npm ci`` installs exactly the
locked versions and checks every tarball against the lock's integrity hash. The result is
kept in the cache under a name made from the two files' hash, so changing a pin fetches
again and an unchanged one never does.

The cache is ``.lite-cache/`` at the repository root (gitignored), or the folder given as
``cache``. It only ever holds finished downloads: each is made in a temporary folder beside
its place and renamed into it when complete, so an interrupted fetch leaves nothing half-done.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_CACHE = REPO / ".lite-cache"
NPM_FILES = ("package.json", "package-lock.json")


class FetchError(Exception):
    """Something could not be fetched or checked; the message says what, in one line."""


def cache_dir(cache: str | os.PathLike | None = None) -> Path:
    """The cache folder: ``cache`` when given, else ``.lite-cache/`` at the repository root."""
    return Path(cache).resolve() if cache is not None else DEFAULT_CACHE


def npm_pins() -> dict[str, str]:
    """The npm packages the course pins, name -> version, as package.json lists them."""
    import json

    return json.loads((HERE / "package.json").read_text(encoding="utf-8"))["dependencies"]


def npm_assets(cache: str | os.PathLike | None = None) -> Path:
    """The ``node_modules`` folder holding the pinned npm packages (Pyodide, @viz-js/viz),
    installed by ``npm ci`` from the committed lock into the cache on first use. Raises
    FetchError (one line: what could not be fetched, and why) when npm is missing or the
    registry cannot be reached and the cache does not have them yet."""
    root = cache_dir(cache) / "npm"
    digest = hashlib.sha256(b"".join((HERE / name).read_bytes() for name in NPM_FILES)).hexdigest()[:16]
    done = root / digest
    if (done / "node_modules" / ".complete").is_file():
        return done / "node_modules"
    wanted = ", ".join(f"{name}@{version}" for name, version in npm_pins().items())
    npm = shutil.which("npm")
    if npm is None:
        raise FetchError(f"could not fetch {wanted}: the program npm is not installed (apt-get install nodejs npm)")
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".partial-{os.getpid()}-{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        for name in NPM_FILES:
            shutil.copyfile(HERE / name, staging / name)
        result = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error",
             f"--cache={root / '.npm-cache'}"],
            cwd=staging, capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise FetchError(f"could not fetch {wanted} from the npm registry ({registry()}): {npm_reason(result.stderr)}")
        (staging / "node_modules" / ".complete").write_text("npm ci finished\n", encoding="utf-8")
        shutil.rmtree(done, ignore_errors=True)      # an older, incomplete one
        staging.rename(done)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return done / "node_modules"


def registry() -> str:
    return os.environ.get("npm_config_registry") or os.environ.get("NPM_CONFIG_REGISTRY") or "https://registry.npmjs.org/"


def npm_reason(stderr: str) -> str:
    """npm's error, in one line: its first ``npm error`` line that says something."""
    lines = [re.sub(r"^npm (?:ERR!|error)\s*", "", line).strip() for line in stderr.splitlines()]
    lines = [line for line in lines if line and not line.startswith(("A complete log", "Log files", "/"))]
    return lines[0] if lines else "npm ci failed with no message"


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="assets.py", description="Fetch (or find in the cache) the browser course's pinned assets and print where they are."
    )
    parser.add_argument("what", choices=["npm"], help="npm: the node_modules folder with Pyodide and @viz-js/viz")
    parser.add_argument("--cache", type=Path, default=None, help=f"cache folder (default {DEFAULT_CACHE})")
    args = parser.parse_args(argv)
    try:
        print(npm_assets(args.cache))
    except FetchError as error:
        print(f"assets: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
