"""What the browser course loads, fetched from the registries at pinned versions, hash-checked,
and cached, so a second build needs no network.

    from notebooks.lite.assets import npm_assets   # the repository root on sys.path
    modules = npm_assets()                    # .../node_modules (npm_assets(cache) for another cache)
    modules / "pyodide"                       # Python as WebAssembly (pyodide.js, pyodide.asm.wasm, ...)
    modules / "@viz-js" / "viz" / "dist"      # Graphviz as WebAssembly: viz-global.js (a classic
                                              # script, sets self.Viz), viz.js (an ES module)

The npm part: ``package.json`` and ``package-lock.json`` beside this file pin Pyodide (the
version the Jupyter kernel was built for) and @viz-js/viz; ``npm ci`` installs exactly the
locked versions and checks every tarball against the lock's integrity hash. The result is
kept in the cache under a name made from the two files' hash, so changing a pin fetches
again and an unchanged one never does.

The PyPI part: ``wheels.txt`` pins the browser kernel's pure-Python wheels with their
sha256; ``pypi_wheels(cache)`` downloads the missing ones with ``pip download
--require-hashes`` (any index pip is configured with will do: the hash decides) and checks
each file's sha256 again before keeping it.

    python notebooks/lite/assets.py npm       # fetch if needed; print the node_modules folder
    python notebooks/lite/assets.py wheels    # the same for the wheels; print their paths

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
        if not (done / "node_modules" / ".complete").is_file():   # another build may have finished first
            shutil.rmtree(done, ignore_errors=True)                 # an older, incomplete one
            try:
                staging.rename(done)
            except OSError:
                if not (done / "node_modules" / ".complete").is_file():
                    raise
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


# --------------------------------------------------------------------------- wheels from PyPI

WHEELS = HERE / "wheels.txt"
#: The Python of the pinned Pyodide (pyodide-lock.json's info.python; the build checks them
#: against each other): the wheels are fetched, and their markers read, for it.
PYTHON = "3.14.2"


def wheel_pins(pins_file: Path = WHEELS) -> list[tuple[str, str, str]]:
    """(name, version, sha256) of every wheel ``pins_file`` (by default wheels.txt) pins."""
    pins = []
    for line in pins_file.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            m = re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)\s+--hash=sha256:([0-9a-f]{64})", line)
            if m is None:
                raise FetchError(f"{pins_file.name}: cannot read the line {line!r} (expected NAME==VERSION --hash=sha256:HEX)")
            pins.append(m.groups())
    return pins


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wheel_name(name: str) -> str:
    """A project name as wheel file names spell it: prompt-toolkit -> prompt_toolkit."""
    return re.sub(r"[-_.]+", "_", name).lower()


def find_wheel(folder: Path, name: str, version: str, digest: str) -> Path | None:
    for path in folder.glob(f"*-{version}-*.whl") if folder.is_dir() else ():
        if path.name.split("-")[0].lower() == wheel_name(name) and sha256(path) == digest:
            return path
    return None


def pypi_wheels(cache: str | os.PathLike | None = None, pins_file: Path = WHEELS) -> list[Path]:
    """The wheels ``pins_file`` (by default wheels.txt) pins, from the cache or downloaded by
    ``pip download --require-hashes`` (and their sha256 checked again here). Raises FetchError
    naming the wheels that could not be fetched, and pip's reason."""
    folder = cache_dir(cache) / "wheels"
    pins = wheel_pins(pins_file)
    found = {pin: find_wheel(folder, *pin) for pin in pins}
    missing = [pin for pin, path in found.items() if path is None]
    if missing:
        folder.mkdir(parents=True, exist_ok=True)
        staging = folder / f".partial-{os.getpid()}-{secrets.token_hex(4)}"
        staging.mkdir()
        try:
            requirements = staging / "requirements.txt"
            requirements.write_text("".join(f"{n}=={v} --hash=sha256:{h}\n" for n, v, h in missing), encoding="utf-8")
            import sys

            result = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--require-hashes",
                 "--only-binary=:all:", "--platform=any", "--implementation=py", "--abi=none", f"--python-version={PYTHON}",
                 "--dest", str(staging), "--requirement", str(requirements)],
                capture_output=True, text=True,
            )
            names = ", ".join(f"{n}=={v}" for n, v, _ in missing)
            if result.returncode != 0:
                raise FetchError(f"could not fetch {names} from the package index ({index_url()}): {pip_reason(result.stderr)}")
            for pin in missing:
                path = find_wheel(staging, *pin)
                if path is None:
                    raise FetchError(f"pip downloaded no wheel of {pin[0]}=={pin[1]} with the sha256 {pins_file.name} pins")
                path.rename(folder / path.name)
                found[pin] = folder / path.name
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return [found[pin] for pin in pins]


def index_url() -> str:
    return os.environ.get("PIP_INDEX_URL") or "https://pypi.org/simple"


def pip_reason(stderr: str) -> str:
    """pip's error, in one line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line.removeprefix("ERROR: ") for line in lines if line.startswith("ERROR:")]
    return (errors or lines or ["pip download failed with no message"])[0]


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="assets.py", description="Fetch (or find in the cache) the browser course's pinned assets and print where they are."
    )
    parser.add_argument("what", choices=["npm", "wheels"],
                        help="npm: the node_modules folder with Pyodide and @viz-js/viz; wheels: the kernel's wheels from PyPI")
    parser.add_argument("--cache", type=Path, default=None, help=f"cache folder (default {DEFAULT_CACHE})")
    args = parser.parse_args(argv)
    try:
        if args.what == "npm":
            print(npm_assets(args.cache))
        else:
            print("\n".join(str(p) for p in pypi_wheels(args.cache)))
    except FetchError as error:
        print(f"assets: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
