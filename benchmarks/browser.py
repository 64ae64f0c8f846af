"""Benchmark: the playground page in headless Chromium, and micrograd in Pyodide against CPython.

    python benchmarks/browser.py                  # builds the page into a temporary folder
    python benchmarks/browser.py --page DIR       # a page built before (build_site.py --playground DIR)
    python benchmarks/browser.py --repeats 5 --cold 3

Reports, in one run on one machine:
  size        the page's folder in MB (what a reader downloads: Pyodide's core, Graphviz as
              WebAssembly, the two wheels, the page)
  first result  seconds from opening the page in a fresh browser profile (nothing cached)
              to the example's table, graph, step-through and program on screen; median of
              --cold runs, each in a new Chromium (Debian's chromium and chromium-driver)
  computing   the example computed again (compute pressed): milliseconds to the result on screen
  mlp         one forward and backward pass of nn.MLP(2, [16, 16, 1]) (relu hidden, linear
              output) on 100 two-moons points, hinge loss, with the engine (``backward()``)
              and with the program ``micrograd.compile`` writes for the same graph
              (``prog(floats)``, after compiling once): seconds per pass, median of
              --repeats, in Pyodide in Chromium and in this CPython taking turns pass
              by pass (so both meet the same load), and their ratio
The same Python text (``WORKLOAD``) runs in both. It is a benchmark, not a test: nothing
is asserted, and the numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))  # the test suite's headless Chromium (tests/browser.py)

# The workload, the same text in both Pythons: set_up() builds the data, the network and the
# compiled program (returns the graph's nodes and the compile's seconds); each *_pass() times one pass.
WORKLOAD = '''
import time
import micrograd
from nn import MLP, moons

def loss():
    return micrograd.sum([(1 - y * net(x)[0]).relu() for x, y in zip(xs, ys)]) * (1.0 / len(xs))

def set_up():
    global xs, ys, net, program, floats
    xs, ys = moons(100, noise=0.1, seed=0, signed=True)
    net = MLP(2, [16, 16, 1], seed=0)
    L = loss()
    start = time.perf_counter()
    program = micrograd.compile(L)
    compile_s = time.perf_counter() - start
    floats = [leaf.data for leaf in program.leaves]
    return [len(micrograd.engine.backward_order(L)), compile_s]

def engine_pass():
    start = time.perf_counter()
    L = loss()
    net.zero_grad()
    L.backward()
    return time.perf_counter() - start

def compiled_pass():
    start = time.perf_counter()
    program(floats)
    return time.perf_counter() - start
'''


class CPythonSide:
    """The workload in this process."""

    def __init__(self) -> None:
        sys.path.insert(0, str(REPO))
        self.space: dict = {}
        exec(WORKLOAD, self.space)

    def call(self, name: str):
        return self.space[name]()


class PyodideSide:
    """The workload in the page's Pyodide."""

    def __init__(self, driver) -> None:
        self.driver = driver
        driver.set_script_timeout(1200)
        driver.execute_script("window.playground.pyodide.runPython(arguments[0]);", WORKLOAD)

    def call(self, name: str):
        return self.driver.execute_script(
            "const r = window.playground.pyodide.globals.get(arguments[0])(); return r && r.toJs ? r.toJs() : r;", name)


def interleaved(sides: dict, repeats: int) -> dict:
    """Each pass timed ``repeats`` times on each side, the sides taking turns (a machine
    whose load changes meets both alike): {side: {"engine": [s, ...], "compiled": [...]}}."""
    times = {side: {"engine": [], "compiled": []} for side in sides}
    for _ in range(repeats):
        for kind in ("engine", "compiled"):
            for side, runner in sides.items():
                times[side][kind].append(runner.call(f"{kind}_pass"))
    return times


def build_page(folder: Path) -> Path:
    sys.path.insert(0, str(REPO))
    from notebooks.lite import playground

    playground.build_into(folder)
    return folder


def open_cold(url: str, work: Path, run: int):
    """A new Chromium with an empty profile, opened on ``url``; (driver, seconds to the first result)."""
    import browser as chromium
    from selenium.webdriver.support.ui import WebDriverWait

    profile = work / f"profile-{run}"
    driver = chromium.start(profile, (chromium.ONLY_LOCALHOST,))
    started = time.perf_counter()
    driver.get(url)
    WebDriverWait(driver, 600, poll_frequency=0.02).until(
        lambda d: d.execute_script("return document.getElementById('pg-results').dataset.run === '1' "
                                   "|| !document.getElementById('pg-fatal').hidden"))
    seconds = time.perf_counter() - started
    fatal = driver.execute_script("const f = document.getElementById('pg-fatal'); return f.hidden ? '' : f.textContent;")
    if fatal:
        driver.quit()
        raise SystemExit(f"browser.py: the page did not start: {fatal}")
    return driver, seconds


# Press compute and wait for the page's answer: milliseconds from the click to the result on screen.
COMPUTE = """const done = arguments[arguments.length - 1], form = document.getElementById('pg-form');
const before = form.dataset.answers, started = performance.now();
document.getElementById('pg-compute').click();
(function wait() { if (form.dataset.answers !== before) requestAnimationFrame(() => done(performance.now() - started));
  else setTimeout(wait, 1); })();"""


def compute_ms(driver, repeats: int) -> list[float]:
    """The example computed again ``repeats`` times: table, pictures, step-through, program."""
    return [driver.execute_async_script(COMPUTE) for _ in range(repeats)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="browser.py", description=__doc__.split("\n")[0])
    parser.add_argument("--page", type=Path, help="a playground folder built before (default: build one now)")
    parser.add_argument("--repeats", type=int, default=10, help="timed passes of the MLP in each Python (default 10)")
    parser.add_argument("--cold", type=int, default=3, help="cold opens of the page, each in a new browser (default 3)")
    args = parser.parse_args(argv)
    import browser as chromium

    reason = chromium.missing()
    if reason:
        print(f"browser.py: {reason}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="playground-bench-") as tmp:
        work = Path(tmp)
        page = args.page or build_page(work / "page")
        size = sum(p.stat().st_size for p in page.rglob("*") if p.is_file())
        print(f"page folder: {size / 1e6:.1f} MB ({page})")
        with chromium.serve(page) as url:
            firsts = []
            for run in range(args.cold):
                driver, seconds = open_cold(url, work, run)
                firsts.append(seconds)
                if run < args.cold - 1:
                    driver.quit()
                    shutil.rmtree(work / f"profile-{run}", ignore_errors=True)
            ready = driver.execute_script("return window.playground.readyMs") / 1000
            print(f"first result, cold (new profile, nothing cached): median {statistics.median(firsts):.2f} s of "
                  f"{', '.join(f'{s:.2f}' for s in firsts)} (Python and Graphviz ready after {ready:.2f} s in the last)")
            try:
                example = driver.execute_script("return document.getElementById('pg-expression').value")
                computed = compute_ms(driver, args.repeats)
                print(f"computing {example} again (table, graph, step-through, program, on screen): median "
                      f"{statistics.median(computed):.0f} ms of {args.repeats}")
                sides = {"pyodide": PyodideSide(driver), "cpython": CPythonSide()}
                setup = {side: runner.call("set_up") for side, runner in sides.items()}
                times = interleaved(sides, args.repeats)
                version = driver.execute_script("return window.playground.pyodide.runPython('import sys; sys.version.split()[0]')")
                agent = driver.execute_script("return navigator.userAgent.match(/Chrome\\/[\\d.]+/)[0]")
            finally:
                driver.quit()
    nodes = setup["cpython"][0]
    print(f"MLP 2-16-16-1 on 100 points, one forward + backward pass ({nodes:,} nodes), median of {args.repeats}, "
          "the two Pythons taking turns:")
    print(f"  {'':<26}{'Pyodide ' + version + ' (' + agent + ')':>34}{'CPython ' + platform.python_version():>18}{'ratio':>8}")
    for key, what in (("engine", "engine: backward()"), ("compiled", "micrograd.compile program")):
        p, c = statistics.median(times["pyodide"][key]), statistics.median(times["cpython"][key])
        print(f"  {what:<26}{p * 1000:>31.1f} ms{c * 1000:>15.1f} ms{p / c:>7.2f}x")
    p, c = setup["pyodide"][1], setup["cpython"][1]
    print(f"  {'compiling it (once each)':<26}{p * 1000:>31.1f} ms{c * 1000:>15.1f} ms{p / c:>7.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
